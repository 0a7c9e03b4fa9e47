/*
 * params.c: mlops._param_value(run, key), the lookup of the params rule
 * (mlops._params_rules, 21_tracking_rules.sql).
 *
 * The rule runs once per inserted row. Its lookup used to be a plpgsql
 * SELECT whose plan is cached per session: planned while mlops.params was
 * small it filtered (key, value) index entries on run_id, so a bulk
 * INSERT ... SELECT became quadratic. Here the row is found by a btree scan
 * of the unique (run_id, key) index with both columns as scan keys, every
 * time, whatever the statistics: one index probe per inserted row.
 */
#include "postgres.h"

#include "compat.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relscan.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/uuid.h"

#include "common/spi_owner.h"

/* Whether index indexoid is a plain unique btree on exactly (col1, col2) of its table. */
static bool
is_unique_index_on(Oid indexoid, AttrNumber col1, AttrNumber col2)
{
	HeapTuple	tp = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(indexoid));
	Form_pg_index idx;
	bool		ok;

	if (!HeapTupleIsValid(tp))
		return false;
	idx = (Form_pg_index) GETSTRUCT(tp);
	ok = idx->indisunique && idx->indisvalid && idx->indnkeyatts == 2 &&
		idx->indkey.values[0] == col1 && idx->indkey.values[1] == col2 &&
		heap_attisnull(tp, Anum_pg_index_indexprs, NULL) &&
		heap_attisnull(tp, Anum_pg_index_indpred, NULL);
	ReleaseSysCache(tp);
	if (!ok)
		return false;
	tp = SearchSysCache1(RELOID, ObjectIdGetDatum(indexoid));
	if (!HeapTupleIsValid(tp))
		return false;
	ok = ((Form_pg_class) GETSTRUCT(tp))->relam == BTREE_AM_OID;
	ReleaseSysCache(tp);
	return ok;
}

/* The unique (run_id, key) index of mlops.params, or a clear error when it is gone. */
static Oid
params_run_key_index(Relation heap)
{
	AttrNumber	run = get_attnum(RelationGetRelid(heap), "run_id");
	AttrNumber	key = get_attnum(RelationGetRelid(heap), "key");
	List	   *indexes = RelationGetIndexList(heap);
	ListCell   *lc;
	Oid			found = InvalidOid;

	foreach(lc, indexes)
		if (run != InvalidAttrNumber && key != InvalidAttrNumber &&
			is_unique_index_on(lfirst_oid(lc), run, key))
		{
			found = lfirst_oid(lc);
			break;
		}
	list_free(indexes);
	if (!OidIsValid(found))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table mlops.params has no unique index on (run_id, key)"),
				 errhint("Restore it: ALTER TABLE mlops.params ADD UNIQUE (run_id, key).")));
	return found;
}

/*
 * Refuse a caller who could not have read the row with a SELECT (table or
 * the three columns): the lookup must not reveal more than the query it
 * replaces.
 */
static void
check_params_select(Relation heap)
{
	static const char *const cols[] = {"run_id", "key", "value"};
	Oid			relid = RelationGetRelid(heap);
	int			i;

	if (pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) == ACLCHECK_OK)
		return;
	for (i = 0; i < lengthof(cols); i++)
		if (pg_attribute_aclcheck(relid, get_attnum(relid, cols[i]), GetUserId(),
								  ACL_SELECT) != ACLCHECK_OK)
			aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_TABLE, RelationGetRelationName(heap));
}

/* An equality scan key on index column attno (1-based) for value, from the index's opfamily. */
static void
index_eq_key(ScanKey sk, Relation irel, AttrNumber attno, Datum value)
{
	Oid			opfamily = irel->rd_opfamily[attno - 1];
	Oid			opcintype = irel->rd_opcintype[attno - 1];
	Oid			eqop = get_opfamily_member(opfamily, opcintype, opcintype, BTEqualStrategyNumber);

	if (!OidIsValid(eqop))
		elog(ERROR, "no equality operator in opfamily %u", opfamily);
	ScanKeyEntryInitialize(sk, 0, attno, BTEqualStrategyNumber, opcintype,
						   irel->rd_indcollation[attno - 1], get_opcode(eqop), value);
}

PG_FUNCTION_INFO_V1(mlops_param_value);

/*
 * mlops._param_value(run, key): the value of the run's param, or NULL, read
 * with the active snapshot (in the rule: the rows inserted so far by the
 * same statement are visible, as they were to the SELECT it replaces).
 */
Datum
mlops_param_value(PG_FUNCTION_ARGS)
{
	Relation	heap = table_open(mlops_relid("params"), AccessShareLock);
	Relation	irel;
	ScanKeyData sk[2];
	IndexScanDesc scan;
	TupleTableSlot *slot;
	text	   *result = NULL;

	check_params_select(heap);
	irel = index_open(params_run_key_index(heap), AccessShareLock);
	index_eq_key(&sk[0], irel, 1, PG_GETARG_DATUM(0));
	index_eq_key(&sk[1], irel, 2, PG_GETARG_DATUM(1));
	slot = table_slot_create(heap, NULL);
	scan = index_beginscan(heap, irel, GetActiveSnapshot(), 2, 0);
	index_rescan(scan, sk, 2, NULL, 0);
	if (index_getnext_slot(scan, ForwardScanDirection, slot))
	{
		bool		isnull;
		Datum		v = slot_getattr(slot, get_attnum(RelationGetRelid(heap), "value"), &isnull);

		if (!isnull)
			result = DatumGetTextPCopy(v);
	}
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	index_close(irel, AccessShareLock);
	table_close(heap, AccessShareLock);
	if (result == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(result);
}
