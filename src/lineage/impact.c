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

/*
 * One fixed statement with a kept generic plan: the dataset version's id
 * (by its name and number, an init plan), then the projection rows by that
 * id (they carry the model version ids) joined by primary key to the model
 * versions and models, in the answer's order (depth, model name in byte
 * order, version). When there are no rows, mlops._dataset_version_id()
 * tells an unknown version (42704) from one that reaches no model.
 */
Datum
mlops_impacted_models(PG_FUNCTION_ARGS)
{
	static const char *rows_sql =
		"SELECT m.name, v.version, v.stage, i.depth"
		"  FROM mlops.lineage_impact i"
		"  JOIN mlops.model_versions v ON v.id OPERATOR(pg_catalog.=) i.model_version_id"
		"  JOIN mlops.models m ON m.id OPERATOR(pg_catalog.=) v.model_id"
		" WHERE i.dataset_version_id OPERATOR(pg_catalog.=)"
		"       (SELECT dv.id FROM mlops.datasets ds"
		"          JOIN mlops.dataset_versions dv ON dv.dataset_id OPERATOR(pg_catalog.=) ds.id"
		"         WHERE ds.name OPERATOR(pg_catalog.=) $1 AND dv.version OPERATOR(pg_catalog.=) $2)"
		" ORDER BY i.depth, m.name COLLATE pg_catalog.\"C\", v.version";
	static const char *check_sql = "SELECT mlops._dataset_version_id($1, $2)";
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			types[2] = {TEXTOID, INT4OID};
	Datum		args[2] = {PG_GETARG_DATUM(0), PG_GETARG_DATUM(1)};
	SPITupleTable *tt;

	InitMaterializedSRF(fcinfo, 0);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_plan(mlops_lineage_plan(rows_sql, 2, types), args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "impacted_models: lookup failed");
	if (SPI_processed == 0)
	{
		/* raises 42704 for a version that does not exist */
		if (SPI_execute_plan(mlops_lineage_plan(check_sql, 2, types), args, NULL, true, 1) != SPI_OK_SELECT)
			elog(ERROR, "impacted_models: check failed");
		SPI_finish();
		return (Datum) 0;
	}
	tt = SPI_tuptable;
	/* the tuplestore copies each row into its own (per-query) memory */
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		Datum		values[4];
		bool		nulls[4];

		for (int c = 0; c < 4; c++)
			values[c] = SPI_getbinval(tt->vals[r], tt->tupdesc, c + 1, &nulls[c]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	SPI_finish();
	return (Datum) 0;
}
