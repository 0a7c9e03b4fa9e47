/*
 * impact.c: mlops.impacted_models(dataset, version), the model versions a
 * dataset version reaches downstream, read from the projection
 * mlops.lineage_impact (src/lineage/graph.c keeps it with every edge
 * change): one kept plan, index lookups only, no traversal at query time.
 * Runs as the caller (readers may ask).
 */
#include "postgres.h"

#include "compat.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

#include "lineage/walk.h"

/* Kept plans of the lineage's fixed statements, by their (static) text. */
#define LINEAGE_PLANS 32
static struct
{
	const char *sql;
	SPIPlanPtr	plan;
}			lineage_plans[LINEAGE_PLANS];
static int	lineage_nplans = 0;

SPIPlanPtr
mlops_lineage_plan(const char *sql, int nargs, Oid *types)
{
	SPIPlanPtr	plan;

	for (int i = 0; i < lineage_nplans; i++)
		if (lineage_plans[i].sql == sql)
			return lineage_plans[i].plan;
	if (lineage_nplans == LINEAGE_PLANS)
		elog(ERROR, "too many lineage statements");
	plan = SPI_prepare_cursor(sql, nargs, types, CURSOR_OPT_GENERIC_PLAN);
	if (plan == NULL || SPI_keepplan(plan) != 0)
		elog(ERROR, "lineage statement could not be prepared: %s", sql);
	lineage_plans[lineage_nplans].sql = sql;
	lineage_plans[lineage_nplans].plan = plan;
	lineage_nplans++;
	return plan;
}

PG_FUNCTION_INFO_V1(mlops_impacted_models);

/* One answer row, before sorting. */
typedef struct ImpactRow
{
	char	   *model;
	int32		version;
	char	   *stage;
	int32		depth;
} ImpactRow;

/* Rows by depth, then model name (byte order), then version. */
static int
impact_row_cmp(const void *a, const void *b)
{
	const ImpactRow *x = a;
	const ImpactRow *y = b;
	int			c;

	if (x->depth != y->depth)
		return x->depth < y->depth ? -1 : 1;
	c = strcmp(x->model, y->model);
	if (c != 0)
		return c;
	return x->version < y->version ? -1 : x->version > y->version;
}

/*
 * Two kinds of fixed statements with kept generic plans: the projection rows
 * of the dataset version (by its name and number), then a primary-key join
 * per model version node. Each has a single sensible plan, whatever the
 * sizes of the tables (one statement joining all seven tables may get a
 * generic plan that scans an index from its start). When there are no rows,
 * mlops._dataset_version_id() tells an unknown version (42704) from one
 * that reaches no model.
 */
Datum
mlops_impacted_models(PG_FUNCTION_ARGS)
{
	static const char *rows_sql =
		"SELECT i.model_node_id, i.depth"
		"  FROM mlops.datasets ds"
		"  JOIN mlops.dataset_versions dv ON dv.dataset_id OPERATOR(pg_catalog.=) ds.id"
		"  JOIN mlops.lineage_nodes d ON d.dataset_version_id OPERATOR(pg_catalog.=) dv.id"
		"  JOIN mlops.lineage_impact i ON i.dataset_node_id OPERATOR(pg_catalog.=) d.id"
		" WHERE ds.name OPERATOR(pg_catalog.=) $1 AND dv.version OPERATOR(pg_catalog.=) $2";
	static const char *model_sql =
		"SELECT m.name, mv.version, mv.stage"
		"  FROM mlops.lineage_nodes n"
		"  JOIN mlops.model_versions mv ON mv.id OPERATOR(pg_catalog.=) n.model_version_id"
		"  JOIN mlops.models m ON m.id OPERATOR(pg_catalog.=) mv.model_id"
		" WHERE n.id OPERATOR(pg_catalog.=) $1";
	static const char *check_sql = "SELECT mlops._dataset_version_id($1, $2)";
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext upper = CurrentMemoryContext;
	Oid			types[2] = {TEXTOID, INT4OID};
	Oid			node_type = INT8OID;
	Datum		args[2] = {PG_GETARG_DATUM(0), PG_GETARG_DATUM(1)};
	SPITupleTable *tt;
	ImpactRow  *rows;
	uint64		n;
	uint64		kept = 0;

	InitMaterializedSRF(fcinfo, 0);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_plan(mlops_lineage_plan(rows_sql, 2, types), args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "impacted_models: lookup failed");
	n = SPI_processed;
	tt = SPI_tuptable;
	/* raises 42704 for a version that does not exist */
	if (n == 0 && SPI_execute_plan(mlops_lineage_plan(check_sql, 2, types), args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "impacted_models: check failed");
	rows = MemoryContextAlloc(upper, sizeof(ImpactRow) * Max(n, 1));
	for (uint64 r = 0; r < n; r++)
	{
		bool		isnull;
		Datum		node = SPI_getbinval(tt->vals[r], tt->tupdesc, 1, &isnull);
		int32		depth = DatumGetInt32(SPI_getbinval(tt->vals[r], tt->tupdesc, 2, &isnull));
		HeapTuple	mt;
		MemoryContext old;

		if (SPI_execute_plan(mlops_lineage_plan(model_sql, 1, &node_type), &node, NULL, true, 1) != SPI_OK_SELECT)
			elog(ERROR, "impacted_models: lookup failed");
		if (SPI_processed == 0)
			continue;			/* a node the caller's snapshot no longer shows */
		mt = SPI_tuptable->vals[0];
		old = MemoryContextSwitchTo(upper);
		rows[kept].model = TextDatumGetCString(SPI_getbinval(mt, SPI_tuptable->tupdesc, 1, &isnull));
		rows[kept].version = DatumGetInt32(SPI_getbinval(mt, SPI_tuptable->tupdesc, 2, &isnull));
		rows[kept].stage = TextDatumGetCString(SPI_getbinval(mt, SPI_tuptable->tupdesc, 3, &isnull));
		rows[kept].depth = depth;
		MemoryContextSwitchTo(old);
		kept++;
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_finish();
	qsort(rows, kept, sizeof(ImpactRow), impact_row_cmp);
	for (uint64 r = 0; r < kept; r++)
	{
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};

		values[0] = CStringGetTextDatum(rows[r].model);
		values[1] = Int32GetDatum(rows[r].version);
		values[2] = CStringGetTextDatum(rows[r].stage);
		values[3] = Int32GetDatum(rows[r].depth);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
