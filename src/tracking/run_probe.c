/*
 * run_probe.c: log_metric's run lock and latest_metrics read without SPI.
 *
 * In READ COMMITTED, log_metric's statement "lock the open run FOR SHARE,
 * read its experiment" costs more to start (plan nodes, expressions) than to
 * run. Here it is one probe of runs' primary key and one of experiments',
 * with what SELECT ... FOR SHARE does in READ COMMITTED: a fresh snapshot,
 * the row locked in its latest version (waiting for a transaction that
 * updates it, as LockRows does) and the checks made on that locked version.
 * The latest_metrics probe finds the key's row by its (run_id, key) key and
 * locks it FOR KEY SHARE: other loggers still move it forward, while a
 * recomputation after a DELETE of metrics (which deletes the row) waits for
 * this transaction and then sees its point.
 *
 * Both read the tables directly, as their owner would (log_metric checked
 * the caller's INSERT privilege on metrics before). Whenever a table is not
 * as created (the key index, column types, forced row-level security for
 * the owner), the probes answer "unavailable" and log_metric runs its SQL
 * statements instead, which see whatever an admin changed.
 *
 * A point that moves the key's row (a training loop's next step, the usual
 * case) is written by mlops_latest_move through the executor's simple update
 * path, the one logical replication's apply uses, instead of the owner's
 * UPDATE statement: only in READ COMMITTED and only while nothing of an
 * admin's could run in that statement (rules, row-level security, CHECK
 * constraints, triggers other than foreign keys', index expressions or
 * predicates), so the result is the statement's.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/relscan.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_am.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/tuptable.h"
#include "nodes/makefuncs.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "common/spi_owner.h"
#include "tracking/tracking.h"

/* Attribute number of a live column of this type, or InvalidAttrNumber. */
static AttrNumber
column_of_type(TupleDesc desc, const char *name, Oid type)
{
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute a = TupleDescAttr(desc, i);

		if (!a->attisdropped && strcmp(NameStr(a->attname), name) == 0)
			return a->atttypid == type ? a->attnum : InvalidAttrNumber;
	}
	return InvalidAttrNumber;
}

/*
 * Whether idx is a valid, immediate unique btree on exactly these plain
 * columns whose equality is these functions (so a probe finds what "=" finds).
 */
static bool
index_is_key(Relation idx, int n, const AttrNumber *cols, const Oid *types, const Oid *eqfuncs)
{
	Form_pg_index ix = idx->rd_index;

	if (!ix->indisvalid || !ix->indimmediate || !ix->indisunique ||
		ix->indnkeyatts != n || idx->rd_rel->relam != BTREE_AM_OID ||
		RelationGetIndexExpressions(idx) != NIL || RelationGetIndexPredicate(idx) != NIL)
		return false;
	for (int i = 0; i < n; i++)
	{
		Oid			op = get_opfamily_member(idx->rd_opfamily[i], types[i], types[i],
											 BTEqualStrategyNumber);

		if (ix->indkey.values[i] != cols[i] || !OidIsValid(op) || get_opcode(op) != eqfuncs[i])
			return false;
	}
	return true;
}

/*
 * Verdicts of the checks below (index_is_key, latest_simple_update_ok), which
 * read only relcache entries and the catalogs behind operator families,
 * remembered per backend for one catalog generation (a table or index
 * altered, created or dropped, a trigger, rule or constraint changed, an
 * operator family's member changed all start a new one). log_metric asks
 * them three or four times per call.
 */
#define VERDICT_CACHE_SIZE 8
#define VERDICT_MAX_COLS 2

typedef struct Verdict
{
	Oid			relid;			/* the index (index_is_key) or table checked */
	int			kind;			/* VERDICT_KEY or VERDICT_SIMPLE_UPDATE */
	int			n;
	AttrNumber	cols[VERDICT_MAX_COLS];
	Oid			types[VERDICT_MAX_COLS];
	Oid			eqfuncs[VERDICT_MAX_COLS];
	bool		ok;
} Verdict;

#define VERDICT_KEY 1
#define VERDICT_SIMPLE_UPDATE 2

static Verdict verdicts[VERDICT_CACHE_SIZE];
static int	nverdicts = 0;
static uint64 verdicts_generation = 0;

/* The remembered verdict of this check, or NULL. */
static Verdict *
verdict_find(Oid relid, int kind, int n, const AttrNumber *cols, const Oid *types,
			 const Oid *eqfuncs)
{
	uint64		gen = mlops_catalog_generation();

	if (gen != verdicts_generation)
	{
		nverdicts = 0;
		verdicts_generation = gen;
	}
	for (int i = 0; i < nverdicts; i++)
	{
		Verdict    *v = &verdicts[i];

		if (v->relid == relid && v->kind == kind && v->n == n &&
			(n == 0 ||
			 (memcmp(v->cols, cols, sizeof(AttrNumber) * n) == 0 &&
			  memcmp(v->types, types, sizeof(Oid) * n) == 0 &&
			  memcmp(v->eqfuncs, eqfuncs, sizeof(Oid) * n) == 0)))
			return v;
	}
	return NULL;
}

/* Remember a verdict (when there is room). */
static void
verdict_keep(Oid relid, int kind, int n, const AttrNumber *cols, const Oid *types,
			 const Oid *eqfuncs, bool ok)
{
	Verdict    *v;

	if (mlops_catalog_generation() != verdicts_generation)
		return;					/* the catalogs moved on while it was being read */
	if (nverdicts >= VERDICT_CACHE_SIZE || n > VERDICT_MAX_COLS)
		return;
	v = &verdicts[nverdicts];
	memset(v, 0, sizeof(*v));
	v->relid = relid;
	v->kind = kind;
	v->n = n;
	if (n > 0)
	{
		memcpy(v->cols, cols, sizeof(AttrNumber) * n);
		memcpy(v->types, types, sizeof(Oid) * n);
		memcpy(v->eqfuncs, eqfuncs, sizeof(Oid) * n);
	}
	v->ok = ok;
	nverdicts++;
}

/* The index indexoid of rel when it is that key (index_is_key); else NULL. */
static Relation
open_key_index(Oid indexoid, int n, const AttrNumber *cols, const Oid *types, const Oid *eqfuncs)
{
	Relation	idx;
	Verdict    *v;
	bool		ok;

	if (!OidIsValid(indexoid))
		return NULL;
	idx = index_open(indexoid, AccessShareLock);
	v = verdict_find(indexoid, VERDICT_KEY, n, cols, types, eqfuncs);
	if (v != NULL)
		ok = v->ok;
	else
	{
		ok = index_is_key(idx, n, cols, types, eqfuncs);
		verdict_keep(indexoid, VERDICT_KEY, n, cols, types, eqfuncs, ok);
	}
	if (!ok)
	{
		index_close(idx, NoLock);
		return NULL;
	}
	return idx;
}

/* Whether the text column of the slot equals want. */
static bool
slot_text_is(TupleTableSlot *slot, AttrNumber att, const char *want)
{
	bool		isnull;
	Datum		d = slot_getattr(slot, att, &isnull);
	text	   *t;
	bool		eq;

	if (isnull)
		return false;
	t = DatumGetTextPP(d);
	eq = VARSIZE_ANY_EXHDR(t) == strlen(want) &&
		memcmp(VARDATA_ANY(t), want, strlen(want)) == 0;
	if ((Pointer) t != DatumGetPointer(d))
		pfree(t);
	return eq;
}

/*
 * Lock the row of run in runs FOR SHARE in its latest version, as LockRows
 * does in READ COMMITTED; whether a row with that id exists (the slot then
 * holds the locked version).
 */
static bool
lock_run_row(Relation runs, Relation idx, AttrNumber idatt, pg_uuid_t *run, TupleTableSlot *slot)
{
	for (;;)
	{
		ScanKeyData key;
		Snapshot	snap = RegisterSnapshot(GetLatestSnapshot());
		IndexScanDesc scan;
		TM_FailureData tmfd;
		TM_Result	res;
		bool		found,
					isnull;

		ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_UUID_EQ, UUIDPGetDatum(run));
		scan = index_beginscan(runs, idx, snap, 1, 0);
		index_rescan(scan, &key, 1, NULL, 0);
		found = index_getnext_slot(scan, ForwardScanDirection, slot);
		index_endscan(scan);
		if (!found)
		{
			UnregisterSnapshot(snap);
			return false;
		}
		res = table_tuple_lock(runs, &slot->tts_tid, snap, slot, GetCurrentCommandId(false),
							   LockTupleShare, LockWaitBlock,
							   TUPLE_LOCK_FLAG_LOCK_UPDATE_IN_PROGRESS |
							   TUPLE_LOCK_FLAG_FIND_LAST_VERSION, &tmfd);
		UnregisterSnapshot(snap);
		switch (res)
		{
			case TM_Ok:
				/* the latest version may carry another id (an UPDATE of id) */
				if (memcmp(DatumGetUUIDP(slot_getattr(slot, idatt, &isnull))->data,
						   run->data, UUID_LEN) == 0)
					return true;
				break;
			case TM_SelfModified:
				/* changed by this statement: not seen, as LockRows skips it */
				return false;
			case TM_Updated:
			case TM_Deleted:
				/* gone or moved meanwhile: look again with a new snapshot */
				break;
			default:
				elog(ERROR, "unexpected table_tuple_lock status locking run: %u", res);
		}
	}
}

/* Whether the experiment with this id is active (read, not locked, with a fresh snapshot). */
static bool
experiment_active(Relation exps, Relation idx, AttrNumber lifeatt, int64 id, TupleTableSlot *slot)
{
	ScanKeyData key;
	Snapshot	snap = RegisterSnapshot(GetLatestSnapshot());
	IndexScanDesc scan;
	bool		active = false;

	ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(id));
	scan = index_beginscan(exps, idx, snap, 1, 0);
	index_rescan(scan, &key, 1, NULL, 0);
	if (index_getnext_slot(scan, ForwardScanDirection, slot))
		active = slot_text_is(slot, lifeatt, "active");
	index_endscan(scan);
	UnregisterSnapshot(snap);
	return active;
}

MlopsRunProbe
mlops_lock_open_run(pg_uuid_t *run, NameData *owner)
{
	Relation	runs,
				exps,
				ridx,
				eidx;
	TupleDesc	rd,
				ed;
	AttrNumber	r_id,
				r_exp,
				r_status,
				r_owner,
				r_life,
				e_id,
				e_life;
	Oid			uuidtype = UUIDOID,
				int8type = INT8OID,
				uuideq = F_UUID_EQ,
				int8eq = F_INT8EQ;
	TupleTableSlot *rslot,
			   *eslot;
	MlopsRunProbe result = RUN_PROBE_REFUSE;
	bool		isnull;
	Datum		d;

	if (IsolationUsesXactSnapshot())
		return RUN_PROBE_UNAVAILABLE;
	runs = table_open(mlops_relid("runs"), RowShareLock);
	exps = table_open(mlops_relid("experiments"), AccessShareLock);
	rd = RelationGetDescr(runs);
	ed = RelationGetDescr(exps);
	r_id = column_of_type(rd, "id", UUIDOID);
	r_exp = column_of_type(rd, "experiment_id", INT8OID);
	r_status = column_of_type(rd, "status", TEXTOID);
	r_owner = column_of_type(rd, "created_by", NAMEOID);
	r_life = column_of_type(rd, "lifecycle_stage", TEXTOID);
	e_id = column_of_type(ed, "id", INT8OID);
	e_life = column_of_type(ed, "lifecycle_stage", TEXTOID);
	/* the SQL statement runs as the owner: only forced policies would apply to it */
	if (!r_id || !r_exp || !r_status || !r_owner || !r_life || !e_id || !e_life ||
		runs->rd_rel->relkind != RELKIND_RELATION || exps->rd_rel->relkind != RELKIND_RELATION ||
		runs->rd_rel->relforcerowsecurity || exps->rd_rel->relforcerowsecurity)
	{
		table_close(exps, NoLock);
		table_close(runs, NoLock);
		return RUN_PROBE_UNAVAILABLE;
	}
	ridx = open_key_index(RelationGetPrimaryKeyIndex(runs), 1, &r_id, &uuidtype, &uuideq);
	eidx = open_key_index(RelationGetPrimaryKeyIndex(exps), 1, &e_id, &int8type, &int8eq);
	if (ridx == NULL || eidx == NULL)
	{
		if (ridx)
			index_close(ridx, NoLock);
		if (eidx)
			index_close(eidx, NoLock);
		table_close(exps, NoLock);
		table_close(runs, NoLock);
		return RUN_PROBE_UNAVAILABLE;
	}
	rslot = table_slot_create(runs, NULL);
	eslot = table_slot_create(exps, NULL);
	if (lock_run_row(runs, ridx, r_id, run, rslot) &&
		slot_text_is(rslot, r_life, "active") &&
		(slot_text_is(rslot, r_status, "RUNNING") || slot_text_is(rslot, r_status, "SCHEDULED")))
	{
		d = slot_getattr(rslot, r_exp, &isnull);
		if (!isnull && experiment_active(exps, eidx, e_life, DatumGetInt64(d), eslot))
		{
			d = slot_getattr(rslot, r_owner, &isnull);
			namestrcpy(owner, isnull ? "" : NameStr(*DatumGetName(d)));
			result = RUN_PROBE_OPEN;
		}
	}
	ExecDropSingleTupleTableSlot(eslot);
	ExecDropSingleTupleTableSlot(rslot);
	index_close(eidx, NoLock);
	index_close(ridx, NoLock);
	table_close(exps, NoLock);
	table_close(runs, NoLock);
	return result;
}

/* The columns of latest_metrics log_metric reads and writes. */
typedef struct LatestCols
{
	AttrNumber	run,
				key,
				step,
				ts,
				value;
} LatestCols;

/* Find them with their types as created; false when one is missing or changed. */
static bool
latest_cols(TupleDesc desc, LatestCols *c)
{
	c->run = column_of_type(desc, "run_id", UUIDOID);
	c->key = column_of_type(desc, "key", TEXTOID);
	c->step = column_of_type(desc, "step", INT8OID);
	c->ts = column_of_type(desc, "ts", TIMESTAMPTZOID);
	c->value = column_of_type(desc, "value", FLOAT8OID);
	return c->run && c->key && c->step && c->ts && c->value;
}

/*
 * Whether the locked row in slot is still the row of (run, key), its key
 * compared in collation coll; then its point goes to *step, *ts, *value.
 */
static bool
latest_row_point(TupleTableSlot *slot, const LatestCols *c, pg_uuid_t *run, text *key, Oid coll,
				 int64 *step, TimestampTz *ts, float8 *value)
{
	bool		n[5];
	Datum		r = slot_getattr(slot, c->run, &n[0]);
	Datum		k = slot_getattr(slot, c->key, &n[1]);
	Datum		st = slot_getattr(slot, c->step, &n[2]);
	Datum		t = slot_getattr(slot, c->ts, &n[3]);
	Datum		v = slot_getattr(slot, c->value, &n[4]);

	if (n[0] || n[1] || n[2] || n[3] || n[4] ||
		memcmp(DatumGetUUIDP(r)->data, run->data, UUID_LEN) != 0 ||
		!DatumGetBool(DirectFunctionCall2Coll(texteq, coll, k, PointerGetDatum(key))))
		return false;
	*step = DatumGetInt64(st);
	*ts = DatumGetTimestampTz(t);
	*value = DatumGetFloat8(v);
	return true;
}

MlopsLatestProbe
mlops_latest_probe(pg_uuid_t *run, text *key, int64 *step, TimestampTz *ts, float8 *value,
				   ItemPointer tid)
{
	Relation	lm,
				idx;
	TupleDesc	desc;
	LatestCols	c;
	AttrNumber	cols[2];
	Oid			types[2] = {UUIDOID, TEXTOID};
	Oid			eqfuncs[2] = {F_UUID_EQ, F_TEXTEQ};
	ScanKeyData keys[2];
	Snapshot	snap;
	IndexScanDesc scan;
	TupleTableSlot *slot;
	bool		found;
	bool		xact_snapshot = IsolationUsesXactSnapshot();
	bool		ok;
	MlopsLatestProbe result = LATEST_PROBE_MISSING;
	Oid			indexoid;

	lm = table_open(mlops_relid("latest_metrics"), RowShareLock);
	desc = RelationGetDescr(lm);
	indexoid = mlops_relid_if_exists("latest_metrics_run_id_key_key");
	ok = latest_cols(desc, &c);
	cols[0] = c.run;
	cols[1] = c.key;
	if (!ok ||
		lm->rd_rel->relkind != RELKIND_RELATION || lm->rd_rel->relforcerowsecurity ||
		(idx = open_key_index(indexoid, 2, cols, types, eqfuncs)) == NULL)
	{
		table_close(lm, NoLock);
		return LATEST_PROBE_UNKNOWN;
	}
	/* READ COMMITTED: the latest version, as LockRows; otherwise the transaction's */
	snap = RegisterSnapshot(xact_snapshot ? GetTransactionSnapshot() : GetLatestSnapshot());
	ScanKeyInit(&keys[0], 1, BTEqualStrategyNumber, F_UUID_EQ, UUIDPGetDatum(run));
	ScanKeyInit(&keys[1], 2, BTEqualStrategyNumber, F_TEXTEQ, PointerGetDatum(key));
	keys[1].sk_collation = idx->rd_indcollation[1];
	slot = table_slot_create(lm, NULL);
	scan = index_beginscan(lm, idx, snap, 2, 0);
	index_rescan(scan, keys, 2, NULL, 0);
	found = index_getnext_slot(scan, ForwardScanDirection, slot);
	index_endscan(scan);
	if (found)
	{
		TM_FailureData tmfd;
		TM_Result	res;

		result = LATEST_PROBE_UNKNOWN;
		res = table_tuple_lock(lm, &slot->tts_tid, snap, slot, GetCurrentCommandId(false),
							   LockTupleKeyShare, LockWaitBlock,
							   TUPLE_LOCK_FLAG_LOCK_UPDATE_IN_PROGRESS |
							   (xact_snapshot ? 0 : TUPLE_LOCK_FLAG_FIND_LAST_VERSION), &tmfd);
		/* anything but the row locked, still this key's, is left to the statements */
		if (res == TM_Ok &&
			latest_row_point(slot, &c, run, key, keys[1].sk_collation, step, ts, value))
		{
			*tid = slot->tts_tid;
			result = LATEST_PROBE_LOCKED;
		}
	}
	UnregisterSnapshot(snap);
	ExecDropSingleTupleTableSlot(slot);
	index_close(idx, NoLock);
	table_close(lm, NoLock);
	return result;
}

/*
 * Whether the simple update path does to latest_metrics what the owner's
 * UPDATE does, with nothing that could run as the caller instead of the
 * owner: no rules, no row-level security, no CHECK constraints, triggers only
 * foreign keys' internal ones, plain indexes only.
 */
static bool
latest_simple_update_check(Relation lm)
{
	List	   *indexes;
	ListCell   *lc;
	bool		ok = true;

	if (lm->rd_rel->relkind != RELKIND_RELATION || lm->rd_rules != NULL ||
		lm->rd_rel->relrowsecurity ||
		(lm->rd_att->constr != NULL && lm->rd_att->constr->num_check > 0) ||
		(lm->rd_att->constr != NULL && lm->rd_att->constr->has_generated_stored))
		return false;
	if (lm->trigdesc != NULL)
		for (int i = 0; i < lm->trigdesc->numtriggers; i++)
		{
			Trigger    *t = &lm->trigdesc->triggers[i];

			if (!t->tgisinternal || !OidIsValid(t->tgconstraint) ||
				RI_FKey_trigger_type(t->tgfoid) == RI_TRIGGER_NONE)
				return false;
		}
	indexes = RelationGetIndexList(lm);
	foreach(lc, indexes)
	{
		Relation	idx = index_open(lfirst_oid(lc), AccessShareLock);

		if (RelationGetIndexExpressions(idx) != NIL || RelationGetIndexPredicate(idx) != NIL ||
			idx->rd_index->indisexclusion)
			ok = false;
		index_close(idx, NoLock);
		if (!ok)
			break;
	}
	list_free(indexes);
	return ok;
}

/* latest_simple_update_check, remembered (see Verdict). */
static bool
latest_simple_update_ok(Relation lm)
{
	Verdict    *v = verdict_find(RelationGetRelid(lm), VERDICT_SIMPLE_UPDATE, 0, NULL, NULL, NULL);
	bool		ok;

	if (v != NULL)
		return v->ok;
	ok = latest_simple_update_check(lm);
	verdict_keep(RelationGetRelid(lm), VERDICT_SIMPLE_UPDATE, 0, NULL, NULL, NULL, ok);
	return ok;
}

/*
 * Update the locked row (old, its latest version) to the point through the
 * executor's simple update path: constraints, indexes (a HOT update when no
 * indexed column changes) and AFTER ROW triggers (foreign keys) as in an
 * UPDATE. Then the command counter moves on, as after an SPI statement, so
 * the next call in the same statement sees the new version.
 */
static void
latest_update_simple(Relation lm, TupleTableSlot *old, Snapshot snap, const LatestCols *c,
					 int64 step, TimestampTz ts, float8 value)
{
	TupleDesc	desc = RelationGetDescr(lm);
	EState	   *estate = CreateExecutorState();
	ResultRelInfo *rri = makeNode(ResultRelInfo);
	RangeTblEntry *rte = makeNode(RangeTblEntry);
	EPQState	epqstate;
	TupleTableSlot *slot;

	rte->rtekind = RTE_RELATION;
	rte->relid = RelationGetRelid(lm);
	rte->relkind = lm->rd_rel->relkind;
	rte->rellockmode = RowExclusiveLock;
	rte->requiredPerms = ACL_UPDATE;
	rte->updatedCols = bms_add_member(NULL, c->step - FirstLowInvalidHeapAttributeNumber);
	rte->updatedCols = bms_add_member(rte->updatedCols, c->ts - FirstLowInvalidHeapAttributeNumber);
	rte->updatedCols = bms_add_member(rte->updatedCols, c->value - FirstLowInvalidHeapAttributeNumber);
	ExecInitRangeTable(estate, list_make1(rte));
	InitResultRelInfo(rri, lm, 1, NULL, 0);
	estate->es_opened_result_relations = lappend(estate->es_opened_result_relations, rri);
	estate->es_output_cid = GetCurrentCommandId(true);
	estate->es_snapshot = snap;
	EvalPlanQualInit(&epqstate, estate, NULL, NIL, -1);
	AfterTriggerBeginQuery();
	slot = ExecInitExtraTupleSlot(estate, desc, &TTSOpsVirtual);
	slot_getallattrs(old);
	ExecClearTuple(slot);
	memcpy(slot->tts_values, old->tts_values, sizeof(Datum) * desc->natts);
	memcpy(slot->tts_isnull, old->tts_isnull, sizeof(bool) * desc->natts);
	slot->tts_values[c->step - 1] = Int64GetDatum(step);
	slot->tts_values[c->ts - 1] = TimestampTzGetDatum(ts);
	slot->tts_values[c->value - 1] = Float8GetDatum(value);
	slot->tts_isnull[c->step - 1] = slot->tts_isnull[c->ts - 1] = slot->tts_isnull[c->value - 1] = false;
	ExecStoreVirtualTuple(slot);
	ExecOpenIndices(rri, false);
	ExecSimpleRelationUpdate(rri, estate, &epqstate, old, slot);
	ExecCloseIndices(rri);
	AfterTriggerEndQuery(estate);
	EvalPlanQualEnd(&epqstate);
	ExecResetTupleTable(estate->es_tupleTable, false);
	FreeExecutorState(estate);
	CommandCounterIncrement();
}

/*
 * Lock the key's row found by mlops_latest_probe (tid) as an UPDATE in READ
 * COMMITTED does (waiting for a writer, then its version), recheck that it
 * is still the key's row, and move it to the point if the point is later.
 */
MlopsLatestMove
mlops_latest_move(pg_uuid_t *run, text *key, ItemPointer tid, int64 step, TimestampTz ts,
				  float8 value)
{
	Relation	lm;
	TupleDesc	desc;
	LatestCols	c;
	int64		rstep;
	TimestampTz rts;
	float8		rvalue;
	Snapshot	snap;
	TupleTableSlot *slot;
	MlopsLatestMove result = LATEST_MOVE_UNAVAILABLE;
	TM_FailureData tmfd;
	TM_Result	res;

	if (IsolationUsesXactSnapshot())
		return LATEST_MOVE_UNAVAILABLE;
	lm = table_open(mlops_relid("latest_metrics"), RowExclusiveLock);
	desc = RelationGetDescr(lm);
	if (!latest_cols(desc, &c) ||
		lm->rd_rel->relforcerowsecurity || !latest_simple_update_ok(lm))
	{
		table_close(lm, NoLock);
		return LATEST_MOVE_UNAVAILABLE;
	}
	snap = RegisterSnapshot(GetLatestSnapshot());
	slot = table_slot_create(lm, NULL);
	res = table_tuple_lock(lm, tid, snap, slot, GetCurrentCommandId(false),
						   LockTupleNoKeyExclusive, LockWaitBlock,
						   TUPLE_LOCK_FLAG_LOCK_UPDATE_IN_PROGRESS |
						   TUPLE_LOCK_FLAG_FIND_LAST_VERSION, &tmfd);
	/* the key compares as the key index does: in its column's collation */
	if (res == TM_Ok &&
		latest_row_point(slot, &c, run, key, TupleDescAttr(desc, c.key - 1)->attcollation,
						 &rstep, &rts, &rvalue))
	{
		if (mlops_latest_later(step, ts, value, rstep, rts, rvalue))
			latest_update_simple(lm, slot, snap, &c, step, ts, value);
		result = LATEST_MOVE_DONE;
	}
	UnregisterSnapshot(snap);
	ExecDropSingleTupleTableSlot(slot);
	table_close(lm, NoLock);
	return result;
}
