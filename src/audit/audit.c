/*
 * audit.c: the append-only, SHA-256 hash-chained registry audit log.
 *
 * Each row's hash covers a canonical, length-prefixed serialization of its
 * id, time (microseconds since 2000-01-01 UTC), actor, action, entity, detail
 * (jsonb's canonical text) and the previous row's hash. Appends take a
 * self-conflicting lock on mlops.audit_log until commit and read the chain's
 * tail with the latest snapshot, so concurrent appends stay one linear chain
 * in id order, also under REPEATABLE READ.
 */
#include "postgres.h"

#include "compat.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "common/cryptohash.h"
#include "common/sha2.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "common/spi_owner.h"
#include "registry/registry.h"

/* Append one length-prefixed field (or the NULL marker) to buf. */
static void
serial_field(StringInfo buf, const char *value)
{
	if (value == NULL)
	{
		appendStringInfoString(buf, "~\n");
		return;
	}
	appendStringInfo(buf, "%zu:", strlen(value));
	appendStringInfoString(buf, value);
	appendStringInfoChar(buf, '\n');
}

/* Hex SHA-256 (64 chars + NUL into out) of an audit row's canonical form. */
void
audit_hash_hex(int64 id, TimestampTz at, const char *actor, const char *action,
			   const char *entity, const char *detail, const char *prev_hash,
			   char *out)
{
	StringInfoData buf;
	pg_cryptohash_ctx *ctx;
	uint8		digest[PG_SHA256_DIGEST_LENGTH];
	char		num[32];

	initStringInfo(&buf);
	appendStringInfoString(&buf, "mlops-audit-v1\n");
	snprintf(num, sizeof(num), INT64_FORMAT, id);
	serial_field(&buf, num);
	snprintf(num, sizeof(num), INT64_FORMAT, (int64) at);
	serial_field(&buf, num);
	serial_field(&buf, actor);
	serial_field(&buf, action);
	serial_field(&buf, entity);
	serial_field(&buf, detail);
	serial_field(&buf, prev_hash);

	ctx = pg_cryptohash_create(PG_SHA256);
	if (pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, (uint8 *) buf.data, buf.len) < 0 ||
		pg_cryptohash_final(ctx, digest, sizeof(digest)) < 0)
	{
		const char *err = pg_cryptohash_error(ctx);

		pg_cryptohash_free(ctx);
		elog(ERROR, "could not compute SHA-256 of an audit row: %s", err);
	}
	pg_cryptohash_free(ctx);
	hex_encode((const char *) digest, sizeof(digest), out);
	out[2 * PG_SHA256_DIGEST_LENGTH] = '\0';
	pfree(buf.data);
}

/* Canonical text of a jsonb value. */
static char *
jsonb_canonical(Datum jb)
{
	return DatumGetCString(DirectFunctionCall1(jsonb_out, jb));
}

/* Read the chain's tail (id, hash) with the latest snapshot; false if empty. */
static bool
audit_tail(char **hash)
{
	static SPIPlanPtr plan = NULL;
	int			rc;

	if (plan == NULL)
	{
		SPIPlanPtr	p = SPI_prepare("SELECT a.hash FROM mlops.audit_log a ORDER BY a.id DESC LIMIT 1", 0, NULL);

		if (p == NULL || SPI_keepplan(p) != 0)
			elog(ERROR, "SPI_prepare failed for the audit tail");
		plan = p;
	}
	rc = SPI_execute_snapshot(plan, NULL, NULL, GetLatestSnapshot(), InvalidSnapshot,
							  true, false, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "reading the audit tail failed: %d", rc);
	if (SPI_processed == 0)
		return false;
	*hash = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	return true;
}

/*
 * Append an audit row. detail holds an unterminated JSON object ("{...");
 * the acting role is added when it differs from session_user. Runs inside
 * reg_begin() (as the registry owner, SPI connected).
 */
void
audit_append(RegCtx *c, const char *action, const char *entity, StringInfo detail)
{
	char	   *prev = NULL;
	int64		id;
	TimestampTz at = GetCurrentTimestamp();
	Datum		jb;
	char	   *canon;
	char		hash[2 * PG_SHA256_DIGEST_LENGTH + 1];
	Oid			types[8] = {INT8OID, TIMESTAMPTZOID, NAMEOID, TEXTOID, TEXTOID, JSONBOID, TEXTOID, TEXTOID};
	Datum		vals[8];
	char		nulls[8] = "        ";
	bool		isnull;

	if (strcmp(c->role_name, c->session_name) != 0)
		json_kv_str(detail, "current_user", c->role_name);
	appendStringInfoChar(detail, '}');

	LockRelationOid(mlops_relid("audit_log"), ShareRowExclusiveLock);

	/*
	 * Make this transaction's earlier appends visible to the tail read, also
	 * when they were made within the same command (a multi-row INSERT fires
	 * this once per row); do not rely on SPI having advanced the counter.
	 */
	CommandCounterIncrement();
	(void) audit_tail(&prev);
	reg_exec("SELECT pg_catalog.nextval('mlops.audit_log_id_seq'::pg_catalog.regclass)",
			 0, NULL, NULL, NULL, false, 1);
	id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));

	jb = DirectFunctionCall1(jsonb_in, CStringGetDatum(detail->data));
	canon = jsonb_canonical(jb);
	audit_hash_hex(id, at, c->session_name, action, entity, canon, prev, hash);

	vals[0] = Int64GetDatum(id);
	vals[1] = TimestampTzGetDatum(at);
	vals[2] = DirectFunctionCall1(namein, CStringGetDatum(c->session_name));
	vals[3] = CStringGetTextDatum(action);
	vals[4] = CStringGetTextDatum(entity);
	vals[5] = jb;
	vals[6] = prev ? CStringGetTextDatum(prev) : (Datum) 0;
	if (prev == NULL)
		nulls[6] = 'n';
	vals[7] = CStringGetTextDatum(hash);
	reg_exec("INSERT INTO mlops.audit_log (id, at, actor, action, entity, detail, prev_hash, hash) "
			 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", 8, types, vals, nulls, false, 0);
}

PG_FUNCTION_INFO_V1(mlops_audit_row_hash);

/* mlops.audit_row_hash(): the chain hash of one row, for external verifiers. */
Datum
mlops_audit_row_hash(PG_FUNCTION_ARGS)
{
	char		hash[2 * PG_SHA256_DIGEST_LENGTH + 1];
	int			i;

	for (i = 0; i < 6; i++)
		if (PG_ARGISNULL(i))
			PG_RETURN_NULL();
	audit_hash_hex(PG_GETARG_INT64(0), PG_GETARG_TIMESTAMPTZ(1),
				   NameStr(*PG_GETARG_NAME(2)),
				   text_to_cstring(PG_GETARG_TEXT_PP(3)),
				   text_to_cstring(PG_GETARG_TEXT_PP(4)),
				   jsonb_canonical(PG_GETARG_DATUM(5)),
				   PG_ARGISNULL(6) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(6)),
				   hash);
	PG_RETURN_TEXT_P(cstring_to_text(hash));
}

/* Check one fetched row against the expected predecessor hash; true if intact. */
static bool
verify_row(HeapTuple tup, TupleDesc desc, char **expected_prev)
{
	bool		isnull;
	int64		id = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
	TimestampTz at = DatumGetTimestampTz(SPI_getbinval(tup, desc, 2, &isnull));
	char	   *actor = SPI_getvalue(tup, desc, 3);
	char	   *action = SPI_getvalue(tup, desc, 4);
	char	   *entity = SPI_getvalue(tup, desc, 5);
	char	   *detail = SPI_getvalue(tup, desc, 6);
	char	   *prev = SPI_getvalue(tup, desc, 7);
	char	   *stored = SPI_getvalue(tup, desc, 8);
	char		hash[2 * PG_SHA256_DIGEST_LENGTH + 1];
	bool		ok;

	ok = (prev == NULL) == (*expected_prev == NULL) &&
		(prev == NULL || strcmp(prev, *expected_prev) == 0);
	if (ok && actor && action && entity && detail && stored)
	{
		audit_hash_hex(id, at, actor, action, entity, detail, prev, hash);
		ok = strcmp(hash, stored) == 0;
	}
	else
		ok = false;
	if (*expected_prev)
		pfree(*expected_prev);
	*expected_prev = stored ? pstrdup(stored) : NULL;
	return ok;
}

PG_FUNCTION_INFO_V1(mlops_verify_audit_chain);

/* mlops.verify_audit_chain(): id of the first broken row, or NULL. */
Datum
mlops_verify_audit_chain(PG_FUNCTION_ARGS)
{
	Portal		portal;
	char	   *expected_prev = NULL;
	int64		broken = 0;
	bool		found = false;
	MemoryContext batch;

	SPI_connect();
	batch = AllocSetContextCreate(CurrentMemoryContext, "audit verify", ALLOCSET_DEFAULT_SIZES);
	portal = SPI_cursor_open_with_args(NULL,
									   "SELECT a.id, a.at, a.actor, a.action, a.entity, a.detail, a.prev_hash, a.hash "
									   "FROM mlops.audit_log a ORDER BY a.id",
									   0, NULL, NULL, NULL, true, 0);
	while (!found)
	{
		uint64		i;

		SPI_cursor_fetch(portal, true, 1000);
		if (SPI_processed == 0)
			break;
		for (i = 0; i < SPI_processed && !found; i++)
		{
			MemoryContext old = MemoryContextSwitchTo(batch);
			bool		isnull;
			int64		id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i],
														 SPI_tuptable->tupdesc, 1, &isnull));
			char	   *prev_copy;
			bool		ok;

			ok = verify_row(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, &expected_prev);
			/* carry the expected hash over the reset of the batch context */
			MemoryContextSwitchTo(old);
			prev_copy = expected_prev ? pstrdup(expected_prev) : NULL;
			MemoryContextReset(batch);
			expected_prev = prev_copy;
			if (!ok)
			{
				found = true;
				broken = id;
			}
		}
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
	SPI_finish();
	if (!found)
		PG_RETURN_NULL();
	PG_RETURN_INT64(broken);
}

PG_FUNCTION_INFO_V1(mlops_audit_guard);

/*
 * Trigger on audit_log (and TRUNCATE on stage_history): rows are appended by
 * statements the registry issues only; UPDATE, DELETE and TRUNCATE are for a
 * superuser's own statements only. Code that runs inside a registry
 * operation (a security-restricted operation as the extension owner, usually
 * a superuser) but was not issued by it, such as a user trigger, is refused.
 */
Datum
mlops_audit_guard(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	const char *rel;
	bool		dba;

	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "mlops_audit_guard: not called as a trigger");
	rel = RelationGetRelationName(td->tg_relation);
	/* a superuser's own statement: manual repair, pg_restore */
	dba = superuser() && !InSecurityRestrictedOperation();
	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
	{
		if (mlops_owner_trusted() || dba)
			return PointerGetDatum(td->tg_trigtuple);
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("rows are added to mlops.%s only by the registry", rel),
				 errhint("Registry functions and triggers append audit rows themselves.")));
	}
	if (dba)
		return TRIGGER_FIRED_BY_UPDATE(td->tg_event)
			? PointerGetDatum(td->tg_newtuple) : PointerGetDatum(td->tg_trigtuple);
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("mlops.%s is append-only: %s is not allowed", rel,
					TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? "UPDATE" :
					TRIGGER_FIRED_BY_DELETE(td->tg_event) ? "DELETE" : "TRUNCATE"),
			 InSecurityRestrictedOperation()
			 ? errdetail("Code that a registry operation runs (a trigger, a function) cannot, even as a superuser.") : 0,
			 errhint("Only a superuser can change or remove audit rows.")));
	PG_RETURN_NULL();
}
