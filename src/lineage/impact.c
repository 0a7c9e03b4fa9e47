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
#include "utils/array.h"
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

/* Projection rows by model version node, for bsearch. */
typedef struct ImpactNode
{
	int64		node;
	int32		depth;
} ImpactNode;

static int
impact_node_cmp(const void *a, const void *b)
{
	int64		x = ((const ImpactNode *) a)->node;
	int64		y = ((const ImpactNode *) b)->node;

	return x < y ? -1 : x > y;
}

/*
 * Two fixed statements with kept generic plans: the projection rows of the
 * dataset version (by its name and number), then one primary-key join for
 * all its model version nodes at once (n.id = ANY), so that a call costs two
 * statements whatever the number of rows. Each has a single sensible plan,
 * whatever the sizes of the tables (one statement joining all seven tables
 * may get a generic plan that scans an index from its start). When there
 * are no rows, mlops._dataset_version_id() tells an unknown version (42704)
 * from one that reaches no model.
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
	static const char *models_sql =
		"SELECT n.id, m.name, mv.version, mv.stage"
		"  FROM mlops.lineage_nodes n"
		"  JOIN mlops.model_versions mv ON mv.id OPERATOR(pg_catalog.=) n.model_version_id"
		"  JOIN mlops.models m ON m.id OPERATOR(pg_catalog.=) mv.model_id"
		" WHERE n.id OPERATOR(pg_catalog.=) ANY ($1)";
	static const char *check_sql = "SELECT mlops._dataset_version_id($1, $2)";
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext upper = CurrentMemoryContext;
	Oid			types[2] = {TEXTOID, INT4OID};
	Oid			nodes_type = INT8ARRAYOID;
	Datum		args[2] = {PG_GETARG_DATUM(0), PG_GETARG_DATUM(1)};
	SPITupleTable *tt;
	ImpactNode *nodes;
	Datum	   *ids;
	Datum		ids_arg;
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
	if (n == 0)
	{
		/* raises 42704 for a version that does not exist */
		if (SPI_execute_plan(mlops_lineage_plan(check_sql, 2, types), args, NULL, true, 1) != SPI_OK_SELECT)
			elog(ERROR, "impacted_models: check failed");
		SPI_finish();
		return (Datum) 0;
	}
	nodes = palloc(sizeof(ImpactNode) * n);
	ids = palloc(sizeof(Datum) * n);
	for (uint64 r = 0; r < n; r++)
	{
		bool		isnull;

		ids[r] = SPI_getbinval(tt->vals[r], tt->tupdesc, 1, &isnull);
		nodes[r].node = DatumGetInt64(ids[r]);
		nodes[r].depth = DatumGetInt32(SPI_getbinval(tt->vals[r], tt->tupdesc, 2, &isnull));
	}
	qsort(nodes, n, sizeof(ImpactNode), impact_node_cmp);
	ids_arg = PointerGetDatum(construct_array(ids, (int) n, INT8OID, sizeof(int64),
											  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	if (SPI_execute_plan(mlops_lineage_plan(models_sql, 1, &nodes_type), &ids_arg, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "impacted_models: lookup failed");
	tt = SPI_tuptable;
	/* a node the caller's snapshot no longer shows has no row here */
	rows = MemoryContextAlloc(upper, sizeof(ImpactRow) * Max(SPI_processed, 1));
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		bool		isnull;
		HeapTuple	mt = tt->vals[r];
		ImpactNode	key;
		ImpactNode *hit;
		MemoryContext old;

		key.node = DatumGetInt64(SPI_getbinval(mt, tt->tupdesc, 1, &isnull));
		hit = bsearch(&key, nodes, n, sizeof(ImpactNode), impact_node_cmp);
		if (hit == NULL)
			continue;
		old = MemoryContextSwitchTo(upper);
		rows[kept].model = TextDatumGetCString(SPI_getbinval(mt, tt->tupdesc, 2, &isnull));
		rows[kept].version = DatumGetInt32(SPI_getbinval(mt, tt->tupdesc, 3, &isnull));
		rows[kept].stage = TextDatumGetCString(SPI_getbinval(mt, tt->tupdesc, 4, &isnull));
		rows[kept].depth = hit->depth;
		MemoryContextSwitchTo(old);
		kept++;
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
