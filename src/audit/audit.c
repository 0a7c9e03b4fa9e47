/*
 * audit.c: the append-only, SHA-256 hash-chained registry audit log.
 *
 * Each row's hash covers a canonical, length-prefixed serialization of its
 * id, time (microseconds since 2000-01-01 UTC), actor, action, entity, detail
 * (jsonb's canonical text) and the previous row's hash. A leaf module: the
 * registry calls audit_append() inside its owner scope; rows are chained at
 * commit under a lock on the one row of mlops.audit_chain_head (see pending_id),
 * so concurrent appends stay one linear chain in id order, also under
 * REPEATABLE READ, and hold that lock only while they commit.
 */
#include "postgres.h"

#include "compat.h"

#include "access/genam.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/sequence.h"
#include "commands/trigger.h"
#include "common/cryptohash.h"
#include "common/sha2.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "parser/parse_relation.h"
#include "storage/lmgr.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/snapmgr.h"

#include "audit/audit.h"
#include "common/spi_owner.h"

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

/*
 * Pending rows: an append inserts its row at once (so that it is rolled back
 * with its subtransaction and seen by its own transaction) but under a
 * pending id, -(xid << 24 | n), and a "pending:" hash. A transaction
 * callback chains the transaction's pending rows just before it commits:
 * it locks the chain head, takes the chain's tail, gives each row the next
 * id and its hash. So concurrent registry writes serialise only for the
 * moment of their commit, never while they hold locks on their models, and
 * the chain stays linear in id order.
 *
 * What a row's hash covers is also kept in memory (PendingRow), in append
 * order, for the transaction: the commit chains from that copy instead of
 * reading the rows back. A subtransaction's rows leave the copy when it
 * rolls back, as its inserts leave the table.
 */
typedef struct PendingRow
{
	int64		pending;		/* the row's pending id */
	int			level;			/* subtransaction nesting level of the append */
	TimestampTz at;
	char	   *actor;
	char	   *action;
	char	   *entity;
	char	   *detail;			/* jsonb's canonical text */
} PendingRow;

static LocalTransactionId pending_lxid = InvalidLocalTransactionId;
static int64 pending_seq = 0;	/* appends in this transaction */
static int64 pending_base = 0;	/* -(xid << 24): ids are pending_base - 1, - 2, ... */
static bool callback_registered = false;
static PendingRow *pending_rows = NULL; /* in TopTransactionContext */
static int	pending_n = 0;
static int	pending_cap = 0;

static void audit_xact_callback(XactEvent event, void *arg);
static void audit_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
								   SubTransactionId parentSubid, void *arg);

#define AUDIT_PENDING_MAX ((INT64CONST(1) << 24) - 1)

/* Forget the rows kept for a transaction (they lived in TopTransactionContext). */
static void
pending_reset(void)
{
	pending_lxid = InvalidLocalTransactionId;
	pending_rows = NULL;
	pending_n = pending_cap = 0;
}

/* The next pending id of this transaction. */
static int64
pending_id(void)
{
	if (pending_lxid != MyProc->lxid)
	{
		pending_reset();
		pending_lxid = MyProc->lxid;
		pending_seq = 0;
		pending_base = -(((int64) XidFromFullTransactionId(GetTopFullTransactionId())) << 24);
	}
	if (pending_seq >= AUDIT_PENDING_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many audit rows in one transaction (at most %d)", (int) AUDIT_PENDING_MAX),
				 errhint("Split the registry changes over several transactions.")));
	if (!callback_registered)
	{
		RegisterXactCallback(audit_xact_callback, NULL);
		RegisterSubXactCallback(audit_subxact_callback, NULL);
		callback_registered = true;
	}
	pending_seq++;
	return pending_base - pending_seq;
}

/* Keep what the hash of a pending row covers, until the transaction ends. */
static void
pending_keep(int64 id, TimestampTz at, const char *actor, const char *action,
			 const char *entity, const char *detail)
{
	MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);
	PendingRow *r;

	if (pending_n == pending_cap)
	{
		pending_cap = pending_cap ? pending_cap * 2 : 8;
		pending_rows = pending_rows ? repalloc(pending_rows, pending_cap * sizeof(PendingRow))
			: palloc(pending_cap * sizeof(PendingRow));
	}
	r = &pending_rows[pending_n];
	r->pending = id;
	r->level = GetCurrentTransactionNestLevel();
	r->at = at;
	r->actor = pstrdup(actor);
	r->action = pstrdup(action);
	r->entity = pstrdup(entity);
	r->detail = pstrdup(detail);
	MemoryContextSwitchTo(old);
	pending_n++;
}

void
audit_append(const char *actor, const char *action, const char *entity, Jsonb *detail)
{
	Oid			types[6] = {INT8OID, TIMESTAMPTZOID, NAMEOID, TEXTOID, TEXTOID, JSONBOID};
	Datum		vals[6];
	int64		id = pending_id();

	vals[0] = Int64GetDatum(id);
	vals[1] = TimestampTzGetDatum(GetCurrentTimestamp());
	vals[2] = DirectFunctionCall1(namein, CStringGetDatum(actor));
	vals[3] = CStringGetTextDatum(action);
	vals[4] = CStringGetTextDatum(entity);
	vals[5] = JsonbPGetDatum(detail);
	mlops_owner_exec_generic("INSERT INTO mlops.audit_log (id, at, actor, action, entity, detail, prev_hash, hash) "
							 "VALUES ($1, $2, $3, $4, $5, $6, NULL, 'pending:' OPERATOR(pg_catalog.||) $1::pg_catalog.text)",
							 6, types, vals, NULL, false, 0);
	/* the row as stored: the actor as a name (truncated), jsonb's own text */
	pending_keep(id, DatumGetTimestampTz(vals[1]), NameStr(*DatumGetName(vals[2])), action, entity,
				 jsonb_canonical(vals[5]));
}

/*
 * The hash of the chain's tail (NULL for an empty chain), read with the
 * latest snapshot: the newest row with a chained (positive) id, by a
 * backward scan of audit_log's primary key.
 */
static char *
tail_hash(void)
{
	Relation	rel = table_open(mlops_relid("audit_log"), AccessShareLock);
	Oid			pk = RelationGetPrimaryKeyIndex(rel);
	Relation	idx;
	Snapshot	snap;
	ScanKeyData key;
	IndexScanDesc scan;
	TupleTableSlot *slot;
	char	   *hash = NULL;
	AttrNumber	hashcol = attnameAttNum(rel, "hash", false);

	if (!OidIsValid(pk) || hashcol == InvalidAttrNumber)
		elog(ERROR, "mlops.audit_log has no primary key or no hash column");
	idx = index_open(pk, AccessShareLock);
	if (idx->rd_index->indnatts != 1 ||
		idx->rd_index->indkey.values[0] != attnameAttNum(rel, "id", false))
		elog(ERROR, "the primary key of mlops.audit_log is not (id)");
	snap = RegisterSnapshot(GetLatestSnapshot());
	ScanKeyInit(&key, 1, BTGreaterStrategyNumber, F_INT8GT, Int64GetDatum(0));
	scan = index_beginscan(rel, idx, snap, 1, 0);
	index_rescan(scan, &key, 1, NULL, 0);
	slot = table_slot_create(rel, NULL);
	if (index_getnext_slot(scan, BackwardScanDirection, slot))
	{
		bool		isnull;
		Datum		d = slot_getattr(slot, hashcol, &isnull);

		if (!isnull)
			hash = TextDatumGetCString(d);
	}
	ExecDropSingleTupleTableSlot(slot);
	index_endscan(scan);
	UnregisterSnapshot(snap);
	index_close(idx, AccessShareLock);
	table_close(rel, AccessShareLock);
	return hash;
}

/* Lock the chain head; then read the tail's hash with the latest snapshot. */
static char *
chain_tail(void)
{
	/*
	 * Committers queue on a table lock first: the lock manager hands it to
	 * the next waiter directly, where waiters for the row itself would each
	 * wake up to queue again behind its next holder.
	 */
	LockRelationOid(mlops_relid("audit_chain_head"), ExclusiveLock);
	mlops_owner_exec_generic("SELECT 1 FROM mlops.audit_chain_head h WHERE h.id OPERATOR(pg_catalog.=) 1 FOR UPDATE",
							 0, NULL, NULL, NULL, false, 0);
	if (SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the chain head row of mlops.audit_chain_head is missing"),
				 errhint("A superuser restores it with INSERT INTO mlops.audit_chain_head VALUES (1).")));

	/*
	 * The head lock is held by one committing transaction at a time and is
	 * granted only after the previous holder committed: the latest snapshot
	 * sees its rows, also under REPEATABLE READ.
	 */
	return tail_hash();
}

/*
 * Chain this transaction's pending rows, in the order they were appended.
 * Their canonical forms were kept when they were appended; under the head
 * lock only the ids are drawn, the hashes computed and the rows rewritten by
 * primary key, so commits that wait for the head wait briefly.
 */
static void
chain_pending(void)
{
	int			i;
	Oid			seq;
	char	   *prev;

	if (pending_n == 0)
		return;					/* every append was rolled back */
	seq = mlops_relid_if_exists("audit_log_id_seq");
	if (!OidIsValid(seq))
		elog(ERROR, "sequence mlops.audit_log_id_seq does not exist");

	prev = chain_tail();
	for (i = 0; i < pending_n; i++)
	{
		PendingRow *r = &pending_rows[i];
		Oid			utypes[4] = {INT8OID, INT8OID, TEXTOID, TEXTOID};
		Datum		vals[4];
		char		nulls[4] = "    ";
		char		hash[2 * PG_SHA256_DIGEST_LENGTH + 1];
		int64		id = nextval_internal(seq, true);

		CHECK_FOR_INTERRUPTS();
		/* the hash is audit_row_hash() of the row with its new id and predecessor */
		audit_hash_hex(id, r->at, r->actor, r->action, r->entity, r->detail, prev, hash);
		vals[0] = Int64GetDatum(r->pending);
		vals[1] = Int64GetDatum(id);
		vals[2] = prev ? CStringGetTextDatum(prev) : (Datum) 0;
		if (prev == NULL)
			nulls[2] = 'n';
		vals[3] = CStringGetTextDatum(hash);
		if (mlops_owner_exec_generic("UPDATE mlops.audit_log a SET id = $2, prev_hash = $3, hash = $4 "
									 "WHERE a.id OPERATOR(pg_catalog.=) $1",
									 4, utypes, vals, nulls, false, 0) != 1)
			elog(ERROR, "pending audit row " INT64_FORMAT " vanished", r->pending);
		prev = pstrdup(hash);
	}
}

/* Chain the pending rows in an owner scope. */
static void
chain_in_owner_scope(void)
{
	OwnerScope	s;

	/* no portal runs at commit: SPI needs an active snapshot of its own */
	PushActiveSnapshot(GetTransactionSnapshot());
	mlops_owner_begin(&s);
	PG_TRY();
	{
		chain_pending();
	}
	PG_CATCH();
	{
		mlops_owner_cleanup(&s);
		PG_RE_THROW();
	}
	PG_END_TRY();
	mlops_owner_end(&s);
	PopActiveSnapshot();
}

/*
 * Transaction callback: chain the pending rows just before commit (or
 * PREPARE), after deferred triggers ran and while user-defined code may still
 * run; forget them when the transaction ends. (A deferred constraint trigger
 * cannot be queued from the security-restricted owner scope the rows are
 * inserted in.)
 */
static void
audit_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PRE_PREPARE:
			/* nothing to chain when the extension was dropped meanwhile */
			if (pending_n > 0 && pending_lxid == MyProc->lxid &&
				OidIsValid(get_namespace_oid("mlops", true)))
				chain_in_owner_scope();
			pending_n = 0;
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PREPARE:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PARALLEL_ABORT:
			pending_reset();
			break;
		default:
			break;
	}
}

/*
 * Subtransaction callback: the rows a rolled-back subtransaction appended
 * leave the kept copy (they are the copy's tail: everything appended since
 * it began); a committed one's rows now belong to its parent.
 */
static void
audit_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					   SubTransactionId parentSubid, void *arg)
{
	int			level;

	if (pending_lxid != MyProc->lxid || pending_n == 0)
		return;
	level = GetCurrentTransactionNestLevel();
	if (event == SUBXACT_EVENT_ABORT_SUB)
	{
		while (pending_n > 0 && pending_rows[pending_n - 1].level >= level)
			pending_n--;
	}
	else if (event == SUBXACT_EVENT_COMMIT_SUB)
	{
		for (int i = pending_n - 1; i >= 0 && pending_rows[i].level >= level; i--)
			pending_rows[i].level = level - 1;
	}
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

/*
 * Walk the chain in id order (pending rows excepted); returns the id of the
 * first broken row, or 0. With an anchor (an id and hash recorded earlier,
 * outside the database), the row with that id must be reached by the intact
 * chain and carry that hash; otherwise the anchor's id is returned: rows up
 * to it were removed (tail truncation) or rewritten and re-chained.
 */
static int64
verify_chain(bool have_anchor, int64 anchor_id, const char *anchor_hash)
{
	Portal		portal;
	char	   *expected_prev = NULL;
	int64		broken = 0;
	bool		anchor_ok = false;
	MemoryContext batch;

	SPI_connect();
	batch = AllocSetContextCreate(CurrentMemoryContext, "audit verify", ALLOCSET_DEFAULT_SIZES);
	portal = SPI_cursor_open_with_args(NULL,
									   "SELECT a.id, a.at, a.actor, a.action, a.entity, a.detail, a.prev_hash, a.hash "
									   "FROM mlops.audit_log a WHERE a.id OPERATOR(pg_catalog.>) 0 ORDER BY a.id",
									   0, NULL, NULL, NULL, true, 0);
	while (broken == 0)
	{
		uint64		i;

		SPI_cursor_fetch(portal, true, 1000);
		if (SPI_processed == 0)
			break;
		for (i = 0; i < SPI_processed && broken == 0; i++)
		{
			MemoryContext old = MemoryContextSwitchTo(batch);
			bool		isnull;
			int64		id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i],
														 SPI_tuptable->tupdesc, 1, &isnull));
			char	   *prev_copy;
			bool		ok;

			CHECK_FOR_INTERRUPTS();
			ok = verify_row(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, &expected_prev);
			if (ok && have_anchor && id == anchor_id)
				anchor_ok = expected_prev && strcmp(expected_prev, anchor_hash) == 0;
			/* carry the expected hash over the reset of the batch context */
			MemoryContextSwitchTo(old);
			prev_copy = expected_prev ? pstrdup(expected_prev) : NULL;
			MemoryContextReset(batch);
			expected_prev = prev_copy;
			if (!ok)
				broken = id;
			else if (have_anchor && id == anchor_id && !anchor_ok)
				broken = anchor_id;
		}
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
	SPI_finish();
	if (broken == 0 && have_anchor && !anchor_ok)
		broken = anchor_id;
	return broken;
}

PG_FUNCTION_INFO_V1(mlops_verify_audit_chain);

/* mlops.verify_audit_chain(): id of the first broken row, or NULL. */
Datum
mlops_verify_audit_chain(PG_FUNCTION_ARGS)
{
	int64		broken = verify_chain(false, 0, NULL);

	if (broken == 0)
		PG_RETURN_NULL();
	PG_RETURN_INT64(broken);
}

PG_FUNCTION_INFO_V1(mlops_verify_audit_chain_anchor);

/*
 * mlops.verify_audit_chain(expected_head_id, expected_head_hash): as above,
 * and the anchor's id when the chain no longer reaches that row and hash.
 */
Datum
mlops_verify_audit_chain_anchor(PG_FUNCTION_ARGS)
{
	int64		broken;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the audit anchor needs both an id and a hash"),
				 errhint("Pass a pair returned earlier by mlops.audit_head().")));
	broken = verify_chain(true, PG_GETARG_INT64(0), text_to_cstring(PG_GETARG_TEXT_PP(1)));
	if (broken == 0)
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
	if (dba || (mlops_owner_trusted() && TRIGGER_FIRED_BY_UPDATE(td->tg_event)))
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
