/*
 * metrics_insert.c: log_metric's insert of one point into mlops.metrics
 * without a planner, executor-sound.
 *
 * Why not "is the table still as created?": that question has no cheap exact
 * answer (a CHECK re-created under the same name, a foreign key whose RI
 * triggers are internal, a rule, a policy...). Instead the point goes
 * through PostgreSQL's own insert path for statements without a plan, the
 * one logical replication's apply uses (ExecSimpleRelationInsert): the
 * caller's INSERT privilege on the five columns (ExecCheckRTPerms, so
 * column grants count), BEFORE ROW triggers, NOT NULL and the real CHECK
 * expressions (ExecConstraints), the partition constraint, every index
 * (unique, exclusion, deferrable rechecks), and AFTER ROW triggers including
 * foreign keys (AfterTriggerBeginQuery/EndQuery). All of it runs as the
 * caller, like an INSERT.
 *
 * What that path cannot honour makes metrics_insert_simple_ok() false and
 * log_metric falls back to a prepared SQL INSERT as the caller: rules,
 * row-level security (on metrics, or on runs which the guard reads), user
 * BEFORE ROW triggers (they may change the row, and log_metric has already
 * moved latest_metrics with the row it was given), statement-level triggers
 * and transition tables other than the extension's own latest-value trigger
 * (log_metric does that trigger's work itself, so it must be there, enabled
 * and unconditional), columns other than the six it fills (their defaults),
 * an id without its identity sequence, replica session_replication_role.
 * Our own triggers are recognised by the C function they call, not by name.
 *
 * One check is proven instead of run: the RI check of the extension's own
 * foreign key metrics(run_id) -> runs(id). log_metric has just locked that
 * run row FOR SHARE in this transaction (stronger than the FOR KEY SHARE the
 * check takes), so the check cannot fail. The trigger is skipped only when
 * its pg_constraint row is exactly that key (same columns, uuid equality,
 * not deferrable); any foreign key an admin adds fires as in an INSERT.
 */
#include "postgres.h"

#include "compat.h"

#include "access/table.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_language.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_trigger.h"
#include "commands/sequence.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/parsenodes.h"
#include "access/sysattr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/uuid.h"

#include "common/checks.h"
#include "common/spi_owner.h"
#include "tracking/tracking.h"

/* The six columns of mlops.metrics, in the order of MetricPoint's fields. */
static const char *const metric_cols[MLOPS_METRIC_NCOLS] = {"id", "run_id", "key", "step", "ts", "value"};
static const Oid metric_types[MLOPS_METRIC_NCOLS] = {INT8OID, UUIDOID, TEXTOID, INT8OID, TIMESTAMPTZOID, FLOAT8OID};

/*
 * Attribute numbers of the six columns when the table has exactly these
 * live columns with these types, id an identity column and none generated;
 * false otherwise (then the INSERT's defaults would matter).
 */
static bool
metric_attnums(TupleDesc desc, AttrNumber *attnums)
{
	int			live = 0,
				i,
				c;

	for (c = 0; c < MLOPS_METRIC_NCOLS; c++)
		attnums[c] = InvalidAttrNumber;
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute a = TupleDescAttr(desc, i);

		if (a->attisdropped)
			continue;
		live++;
		for (c = 0; c < MLOPS_METRIC_NCOLS; c++)
			if (strcmp(NameStr(a->attname), metric_cols[c]) == 0)
			{
				if (a->atttypid != metric_types[c] || a->attgenerated)
					return false;
				if (c == 0 && !a->attidentity)
					return false;
				attnums[c] = a->attnum;
			}
	}
	if (live != MLOPS_METRIC_NCOLS)
		return false;
	for (c = 0; c < MLOPS_METRIC_NCOLS; c++)
		if (attnums[c] == InvalidAttrNumber)
			return false;
	return true;
}

/* Whether a function is the extension's C function with this symbol. */
static bool
is_own_c_function(Oid funcoid, const char *symbol)
{
	HeapTuple	tp = SearchSysCache1(PROCOID, ObjectIdGetDatum(funcoid));
	bool		own = false;

	if (HeapTupleIsValid(tp))
	{
		Form_pg_proc p = (Form_pg_proc) GETSTRUCT(tp);
		bool		isnull;
		Datum		src;

		if (p->prolang == ClanguageId)
		{
			src = SysCacheGetAttr(PROCOID, tp, Anum_pg_proc_prosrc, &isnull);
			own = !isnull && strcmp(TextDatumGetCString(src), symbol) == 0;
		}
		ReleaseSysCache(tp);
	}
	return own;
}

/* Whether a trigger fires in this session (ALTER TABLE ... ENABLE/DISABLE). */
static bool
trigger_fires(Trigger *t)
{
	if (SessionReplicationRole == SESSION_REPLICATION_ROLE_REPLICA)
		return t->tgenabled == TRIGGER_FIRES_ON_REPLICA || t->tgenabled == TRIGGER_FIRES_ALWAYS;
	return t->tgenabled != TRIGGER_DISABLED && t->tgenabled != TRIGGER_FIRES_ON_REPLICA;
}

/*
 * Whether the INSERT triggers of metrics are ones the simple path fires as
 * an INSERT would (row-level, no transition table; BEFORE only our guard),
 * plus exactly our latest-value statement trigger, firing unconditionally.
 */
static bool
metrics_triggers_ok(TriggerDesc *td)
{
	int			latest = 0,
				i;

	for (i = 0; td && i < td->numtriggers; i++)
	{
		Trigger    *t = &td->triggers[i];

		if (!TRIGGER_FOR_INSERT(t->tgtype))
			continue;
		if (TRIGGER_FOR_ROW(t->tgtype))
		{
			if (TRIGGER_FOR_INSTEAD(t->tgtype) || t->tgnewtable || t->tgoldtable)
				return false;
			if (TRIGGER_FOR_BEFORE(t->tgtype) && trigger_fires(t) &&
				!is_own_c_function(t->tgfoid, "mlops_run_guard"))
				return false;
			continue;
		}
		/* statement level: only our latest-value trigger, which log_metric replaces */
		if (!TRIGGER_FOR_AFTER(t->tgtype) || t->tgqual != NULL ||
			!is_own_c_function(t->tgfoid, "mlops_metrics_latest"))
			return false;
		if (trigger_fires(t))
			latest++;
	}
	return latest == 1;
}

/*
 * What the checks below read of metrics' columns, triggers and foreign key,
 * for one relation, remembered for one catalog generation (ALTER TABLE,
 * CREATE or DROP TRIGGER, ENABLE or DISABLE TRIGGER, a constraint added or
 * dropped, a trigger's function replaced all start a new one). Rules,
 * row-level security and the session's replication role are read at every
 * call.
 */
typedef struct MetricsShape
{
	Oid			relid;			/* InvalidOid: nothing remembered */
	uint64		generation;		/* the catalog generation it was read in */
	bool		cols_ok;		/* metric_attnums */
	AttrNumber	attnums[MLOPS_METRIC_NCOLS];
	bool		triggers_ok;	/* metrics_triggers_ok, outside replica mode */
	Oid			runs_relid;		/* own_fk_trigger is for this runs table */
	Oid			own_fk_trigger; /* the own foreign key's insert check trigger, or InvalidOid */
} MetricsShape;

static MetricsShape metrics_shape = {InvalidOid};

static bool own_run_fk_check(Trigger *t, Relation rel, AttrNumber run_attnum, Oid runs_relid);

/* The shape of rel (metrics), from memory or read now; not in replica mode. */
static const MetricsShape *
metrics_shape_of(Relation rel)
{
	uint64		gen = mlops_catalog_generation();
	int			i;

	if (metrics_shape.relid == RelationGetRelid(rel) && metrics_shape.generation == gen)
		return &metrics_shape;
	metrics_shape.relid = InvalidOid;
	metrics_shape.cols_ok = metric_attnums(RelationGetDescr(rel), metrics_shape.attnums);
	metrics_shape.triggers_ok = metrics_triggers_ok(rel->trigdesc);
	metrics_shape.runs_relid = mlops_relid("runs");
	metrics_shape.own_fk_trigger = InvalidOid;
	if (metrics_shape.cols_ok && rel->trigdesc != NULL)
		for (i = 0; i < rel->trigdesc->numtriggers; i++)
			if (own_run_fk_check(&rel->trigdesc->triggers[i], rel, metrics_shape.attnums[1],
								 metrics_shape.runs_relid))
			{
				metrics_shape.own_fk_trigger = rel->trigdesc->triggers[i].tgoid;
				break;
			}
	metrics_shape.relid = RelationGetRelid(rel);
	metrics_shape.generation = gen;
	return &metrics_shape;
}

/*
 * Whether log_metric may insert through the simple path (see the file
 * comment); runs_rls says whether mlops.runs has row-level security.
 * rd_rules, not relhasrules: DROP RULE leaves relhasrules set until VACUUM.
 */
bool
mlops_metrics_insert_simple_ok(Relation rel, bool runs_rls)
{
	const MetricsShape *shape;

	if (rel->rd_rel->relkind != RELKIND_RELATION || rel->rd_rel->relrowsecurity ||
		rel->rd_rules != NULL || runs_rls ||
		SessionReplicationRole == SESSION_REPLICATION_ROLE_REPLICA)
		return false;
	shape = metrics_shape_of(rel);
	return shape->cols_ok && shape->triggers_ok;
}

/*
 * A range table entry for an INSERT into rel naming the five columns
 * log_metric writes (id comes from its identity, as in an INSERT that omits it).
 */
static RangeTblEntry *
metrics_insert_rte(Relation rel, const AttrNumber *attnums)
{
	RangeTblEntry *rte = makeNode(RangeTblEntry);
	int			c;

	rte->rtekind = RTE_RELATION;
	rte->relid = RelationGetRelid(rel);
	rte->relkind = rel->rd_rel->relkind;
	rte->rellockmode = RowExclusiveLock;
	rte->requiredPerms = ACL_INSERT;
	rte->checkAsUser = InvalidOid;	/* the current user, as in the caller's INSERT */
	for (c = 1; c < MLOPS_METRIC_NCOLS; c++)
		rte->insertedCols = bms_add_member(rte->insertedCols,
										   attnums[c] - FirstLowInvalidHeapAttributeNumber);
	return rte;
}

/*
 * Check the current user's INSERT privilege on metrics as the executor does
 * for INSERT INTO mlops.metrics (run_id, key, step, ts, value): table or
 * column privileges. Raises the executor's error.
 */
void
mlops_metrics_check_insert_privilege(Relation rel)
{
	AttrNumber	attnums[MLOPS_METRIC_NCOLS];

	if (SessionReplicationRole != SESSION_REPLICATION_ROLE_REPLICA)
	{
		const MetricsShape *shape = metrics_shape_of(rel);

		if (!shape->cols_ok)
			return;				/* unknown layout: the SQL INSERT that follows checks it */
		memcpy(attnums, shape->attnums, sizeof(attnums));
	}
	else if (!metric_attnums(RelationGetDescr(rel), attnums))
		return;
	ExecCheckRTPerms(list_make1(metrics_insert_rte(rel, attnums)), true);
}

/*
 * The identity sequence of metrics.id (a pg_depend scan), remembered per
 * backend while it exists: DROP IDENTITY drops it, so a re-created identity
 * is looked up again.
 */
static Oid
metrics_id_sequence(Oid relid, AttrNumber attnum)
{
	static Oid	cached_rel = InvalidOid;
	static AttrNumber cached_att = InvalidAttrNumber;
	static Oid	cached_seq = InvalidOid;

	if (cached_rel != relid || cached_att != attnum ||
		!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(cached_seq)))
	{
		cached_seq = getIdentitySequence(relid, attnum, false);
		cached_rel = relid;
		cached_att = attnum;
	}
	return cached_seq;
}

/* Fill a virtual slot with the point; id from the identity sequence. */
static void
fill_metric_slot(TupleTableSlot *slot, Relation rel, const AttrNumber *attnums, const MetricPoint *p)
{
	TupleDesc	desc = RelationGetDescr(rel);
	Oid			seq = metrics_id_sequence(RelationGetRelid(rel), attnums[0]);

	ExecClearTuple(slot);
	memset(slot->tts_isnull, true, sizeof(bool) * desc->natts);
	slot->tts_values[attnums[0] - 1] = Int64GetDatum(nextval_internal(seq, false));
	slot->tts_values[attnums[1] - 1] = UUIDPGetDatum(unconstify(pg_uuid_t *, &p->run));
	slot->tts_values[attnums[2] - 1] = PointerGetDatum(p->key);
	slot->tts_values[attnums[3] - 1] = Int64GetDatum(p->step);
	slot->tts_values[attnums[4] - 1] = TimestampTzGetDatum(p->ts);
	slot->tts_values[attnums[5] - 1] = Float8GetDatum(p->value);
	for (int c = 0; c < MLOPS_METRIC_NCOLS; c++)
		slot->tts_isnull[attnums[c] - 1] = false;
	ExecStoreVirtualTuple(slot);
}

/* Whether a constraint array column holds exactly one element equal to want. */
static bool
single_element_is(HeapTuple tp, AttrNumber col, bool is_oid, Datum want)
{
	bool		isnull;
	Datum		d = SysCacheGetAttr(CONSTROID, tp, col, &isnull);
	ArrayType  *a;

	if (isnull)
		return false;
	a = DatumGetArrayTypeP(d);
	if (ARR_NDIM(a) != 1 || ARR_DIMS(a)[0] != 1 || ARR_HASNULL(a))
		return false;
	if (is_oid)
		return get_opcode(((Oid *) ARR_DATA_PTR(a))[0]) == DatumGetObjectId(want);
	return ((int16 *) ARR_DATA_PTR(a))[0] == DatumGetInt16(want);
}

/*
 * Whether t is the insert check trigger of the extension's own foreign key
 * metrics(run_id) -> runs(id): not deferrable, uuid equality (file comment).
 */
static bool
own_run_fk_check(Trigger *t, Relation rel, AttrNumber run_attnum, Oid runs_relid)
{
	HeapTuple	tp;
	Form_pg_constraint con;
	bool		own;

	if (!t->tgisinternal || t->tgfoid != F_RI_FKEY_CHECK_INS || !OidIsValid(t->tgconstraint))
		return false;
	tp = SearchSysCache1(CONSTROID, ObjectIdGetDatum(t->tgconstraint));
	if (!HeapTupleIsValid(tp))
		return false;
	con = (Form_pg_constraint) GETSTRUCT(tp);
	own = con->contype == CONSTRAINT_FOREIGN && !con->condeferrable &&
		con->conrelid == RelationGetRelid(rel) && con->confrelid == runs_relid &&
		single_element_is(tp, Anum_pg_constraint_conkey, false, Int16GetDatum(run_attnum)) &&
		single_element_is(tp, Anum_pg_constraint_confkey, false,
						  Int16GetDatum(get_attnum(runs_relid, "id"))) &&
		single_element_is(tp, Anum_pg_constraint_conpfeqop, true, ObjectIdGetDatum(F_UUID_EQ));
	ReleaseSysCache(tp);
	return own;
}

/*
 * Drop the own foreign key's check (trigger own_fk, found by
 * own_run_fk_check) from the result relation's copy of the trigger list (the
 * lock log_metric holds proves it); every other trigger stays.
 */
static void
skip_own_run_fk_check(ResultRelInfo *rri, Oid own_fk)
{
	TriggerDesc *td = rri->ri_TrigDesc;
	bool		after_row = false;
	int			i,
				n = 0;

	if (td == NULL)
		return;
	for (i = 0; i < td->numtriggers; i++)
	{
		Trigger    *t = &td->triggers[i];

		if (OidIsValid(own_fk) && t->tgoid == own_fk)
			continue;
		if (TRIGGER_TYPE_MATCHES(t->tgtype, TRIGGER_TYPE_ROW, TRIGGER_TYPE_AFTER, TRIGGER_TYPE_INSERT))
			after_row = true;
		if (n != i)
			td->triggers[n] = *t;
		n++;
	}
	td->numtriggers = n;
	td->trig_insert_after_row = after_row;
}

/*
 * Insert one point through the simple path, as the current user. The caller
 * checked mlops_metrics_insert_simple_ok() on rel (opened RowExclusiveLock)
 * and the privilege. BEFORE ROW triggers, constraints, indexes and AFTER
 * ROW triggers (foreign keys) run as in an INSERT; statement triggers do not
 * (the caller does the latest-value trigger's work). The caller holds the
 * run (mlops.runs row, runs_relid) locked FOR SHARE.
 */
void
mlops_metrics_insert_simple(Relation rel, Oid runs_relid, const MetricPoint *p)
{
	const MetricsShape *shape = metrics_shape_of(rel);
	const AttrNumber *attnums = shape->attnums;
	EState	   *estate = CreateExecutorState();
	ResultRelInfo *rri = makeNode(ResultRelInfo);
	TupleTableSlot *slot;

	if (!shape->cols_ok || shape->runs_relid != runs_relid)
		elog(ERROR, "mlops.metrics changed under log_metric");
	ExecInitRangeTable(estate, list_make1(metrics_insert_rte(rel, attnums)));
	InitResultRelInfo(rri, rel, 1, NULL, 0);
	skip_own_run_fk_check(rri, shape->own_fk_trigger);
	mlops_prepare_checks(rri, estate);	/* the CHECK constraints, read and planned once */
	/* as logical replication's apply: lets ExecGetTriggerResultRel find it */
	estate->es_opened_result_relations = lappend(estate->es_opened_result_relations, rri);
	estate->es_output_cid = GetCurrentCommandId(true);
	AfterTriggerBeginQuery();
	slot = ExecInitExtraTupleSlot(estate, RelationGetDescr(rel), &TTSOpsVirtual);
	fill_metric_slot(slot, rel, attnums, p);
	ExecOpenIndices(rri, false);
	ExecSimpleRelationInsert(rri, estate, slot);
	ExecCloseIndices(rri);
	/* AFTER ROW triggers: foreign keys, deferrable unique rechecks, user triggers */
	AfterTriggerEndQuery(estate);
	ExecResetTupleTable(estate->es_tupleTable, false);
	FreeExecutorState(estate);
}
