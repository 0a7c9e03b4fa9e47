/*
 * audit.h: the append-only, SHA-256 hash-chained audit log (audit.c).
 *
 * A leaf module: it knows the audit_log and audit_chain_head tables and the owner
 * context of common/spi_owner, and calls nothing of the registry back.
 */
#ifndef MLOPS_AUDIT_H
#define MLOPS_AUDIT_H

#include "utils/jsonb.h"
#include "utils/timestamp.h"

/*
 * Append an audit row (actor is the session user). Must run inside an owner
 * scope (mlops_owner_begin). The row is chained when the transaction
 * commits: until then it carries a pending (negative) id.
 */
extern void audit_append(const char *actor, const char *action, const char *entity,
						 Jsonb *detail);

/* Hex SHA-256 (64 chars + NUL into out) of an audit row's canonical form. */
extern void audit_hash_hex(int64 id, TimestampTz at, const char *actor, const char *action,
						   const char *entity, const char *detail, const char *prev_hash,
						   char *out);

#endif							/* MLOPS_AUDIT_H */
