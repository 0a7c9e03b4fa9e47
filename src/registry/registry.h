/*
 * registry.h: shared pieces of the model registry (registry.c) and its
 * hash-chained audit log (audit.c).
 */
#ifndef MLOPS_REGISTRY_H
#define MLOPS_REGISTRY_H


#include "commands/trigger.h"
#include "lib/stringinfo.h"
#include "utils/timestamp.h"

/*
 * One registry operation: who acts, and the saved state while its SQL runs
 * as the owner of the registry tables with a pinned search_path.
 */
typedef struct RegCtx
{
	Oid			role;			/* acting role (current_user of the change) */
	char	   *role_name;
	char	   *session_name;	/* session_user */
	bool		is_super;		/* acting role is a superuser */
	bool		internal;		/* caused by the registry's own writes */
	MemoryContext upper;		/* caller's context, for returned tuples */
	Oid			save_uid;
	int			save_sec;
	int			save_depth;
	int			guc_nest;
	HeapTuple	result;			/* tuple a trigger returns */
} RegCtx;

/* registry.c */
extern void reg_begin(RegCtx *c);
extern void reg_end(RegCtx *c);
extern void reg_abort(RegCtx *c);
extern int	reg_exec(const char *sql, int nargs, Oid *types, Datum *values,
					 const char *nulls, bool read_only, long limit);
extern void json_kv_str(StringInfo buf, const char *key, const char *value);
extern void json_kv_raw(StringInfo buf, const char *key, const char *raw);
extern void json_kv_int(StringInfo buf, const char *key, int64 value);
extern Oid	registry_relid(const char *relname);
extern int	mlops_registry_internal_depth(void);

/* audit.c */
extern void audit_append(RegCtx *c, const char *action, const char *entity, StringInfo detail);
extern void audit_hash_hex(int64 id, TimestampTz at, const char *actor, const char *action,
						   const char *entity, const char *detail, const char *prev_hash,
						   char *out);

#endif							/* MLOPS_REGISTRY_H */
