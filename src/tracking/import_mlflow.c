/*
 * import_mlflow.c: mlops.import_mlflow(source_schema, experiments), the
 * import of an MLflow tracking + registry store that lives in another schema
 * of this database (MLflow's own PostgreSQL tables, or foreign tables that
 * postgres_fdw's IMPORT FOREIGN SCHEMA made of a remote MLflow database).
 *
 * Shape of an import (one call, one transaction: all or nothing):
 *  1. the caller must be an admin; every MLflow table and column it reads
 *     must exist (42P01 / 42703 naming it) and be readable by the caller;
 *  2. in an owner scope (common/spi_owner) one set-based INSERT ... SELECT
 *     per table, in dependency order: experiments, runs, params, tags,
 *     metrics, datasets and their versions, run inputs, models, versions,
 *     aliases. Each statement adds only what mlops does not hold yet, so a
 *     repeated import adds nothing and a later one only what is new;
 *  3. audit rows: one per imported model, version and alias (actions
 *     model.import, version.import, alias.import: an imported stage is
 *     recorded as imported, not as a transition nobody approved) and a
 *     summary row mlflow.import with the counts the call returns.
 *
 * Trust. The statements are issued through mlops_owner_exec_plan, so the
 * registry triggers see them as internal (they fire at the trusted level
 * and pass the rows through: versions keep MLflow's numbers and land in
 * their stages, the stage history is written here). The run guard on
 * params, tags, metrics and inputs refuses rows for ended or deleted runs,
 * and most imported runs have ended (their rows were logged before MLflow
 * ended or deleted them); it lets a row through unchecked only while
 * mlops_import_trusted() holds: an import is running in this backend AND
 * the row comes from a statement the import issued (not from user code that
 * statement reaches, e.g. a user trigger). What the guard would check per
 * row is checked here per statement instead: the caller is an admin (who
 * may write every run), and every run written to exists (it is one of the
 * source runs just imported or already present, locked FOR SHARE). The
 * guard's metric key check still runs per row.
 */
#include "postgres.h"

#include "compat.h"

#include "access/htup_details.h"
#include "access/relation.h"
#include "access/transam.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "audit/audit.h"
#include "common/spi_owner.h"
#include "tracking/tracking.h"

/* Whether an import runs in this backend (its statements are trusted). */
static bool import_active = false;

/* Whether the running statement was issued by the import in progress (see the file comment). */
bool
mlops_import_trusted(void)
{
	return import_active && mlops_owner_trusted();
}

/* The MLflow tables and columns an import reads (MLflow 2.x, final migration state). */
typedef struct SourceTable
{
	const char *name;
	const char *columns[14];
} SourceTable;

static const SourceTable source_tables[] = {
	{"experiments", {"experiment_id", "name", "lifecycle_stage", "creation_time", "last_update_time"}},
	{"experiment_tags", {"experiment_id", "key", "value"}},
	{"runs", {"run_uuid", "name", "user_id", "status", "start_time", "end_time", "deleted_time",
	"lifecycle_stage", "artifact_uri", "experiment_id"}},
	{"params", {"run_uuid", "key", "value"}},
	{"tags", {"run_uuid", "key", "value"}},
	{"metrics", {"run_uuid", "key", "value", "timestamp", "step", "is_nan"}},
	{"datasets", {"dataset_uuid", "experiment_id", "name", "digest", "dataset_source", "dataset_schema",
	"dataset_profile"}},
	{"inputs", {"input_uuid", "source_type", "source_id", "destination_type", "destination_id"}},
	{"input_tags", {"input_uuid", "name", "value"}},
	{"registered_models", {"name", "creation_time", "last_updated_time", "description"}},
	{"registered_model_tags", {"name", "key", "value"}},
	{"model_versions", {"name", "version", "creation_time", "last_updated_time", "description", "user_id",
	"current_stage", "source", "run_id", "run_link", "storage_location"}},
	{"model_version_tags", {"name", "version", "key", "value"}},
	{"registered_model_aliases", {"name", "alias", "version"}},
};

/* One import: the source schema (quoted) and the statements' parameters. */
typedef struct ImportCtx
{
	const char *schema;			/* as given */
	const char *qschema;		/* quoted identifier */
	const char *lschema;		/* quoted literal */
	StringInfoData archived;	/* versions archived instead of an exclusive stage (JSON) */
	Datum		params[4];		/* $1 experiments filter, $2 new run uuids (text), $3 their
								 * ids, $4 new experiments deleted in MLflow */
	char		nulls[4];
	StringInfoData counts;		/* the result object, being built */
} ImportCtx;

static const Oid import_types[4] = {TEXTARRAYOID, TEXTARRAYOID, UUIDARRAYOID, TEXTARRAYOID};

/* Error unless the caller is a superuser or a member of mlops_admin. */
static void
require_admin(void)
{
	Oid			admin = get_role_oid("mlops_admin", true);

	if (superuser() || (OidIsValid(admin) && has_privs_of_role(GetUserId(), admin)))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied to import an MLflow store"),
			 errdetail("An import writes runs, model versions and stages on behalf of their MLflow authors."),
			 errhint("mlops.import_mlflow() is for members of mlops_admin.")));
}

/*
 * Error unless every table and column the import reads exists in the source
 * schema (42P01, 42703, naming it) and the caller may read it: the import
 * reads as the extension owner, which must not let an admin read more than
 * its own privileges allow.
 */
/*
 * The import reads the source as the extension owner (a superuser), so
 * reading it must run no code a user wrote: a view's query (and any function
 * it calls) would run with the owner's rights, and so would a cast or
 * operator of a user-defined column type. Tables, partitioned and foreign
 * tables and materialized views only, every column of a built-in type.
 */
static void
source_relation_safe(Oid relid, const char *schema, const char *name)
{
	char		kind = get_rel_relkind(relid);
	Relation	rel;
	TupleDesc	desc;
	int			i;

	if (kind != RELKIND_RELATION && kind != RELKIND_PARTITIONED_TABLE &&
		kind != RELKIND_FOREIGN_TABLE && kind != RELKIND_MATVIEW)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s.%s\" is not a table: mlops.import_mlflow() reads tables only", schema, name),
				 errdetail("The import reads its source as the extension owner, so the code of a view would run with the owner's rights."),
				 errhint("Copy the rows into a table first (CREATE TABLE ... AS SELECT ...) and import from that schema.")));
	rel = relation_open(relid, AccessShareLock);
	desc = RelationGetDescr(rel);
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute a = TupleDescAttr(desc, i);

		char	   *column;
		char	   *type;

		if (a->attisdropped || a->atttypid < FirstNormalObjectId)
			continue;
		column = pstrdup(NameStr(a->attname));
		type = format_type_be(a->atttypid);
		relation_close(rel, AccessShareLock);
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" of relation \"%s.%s\" is of type %s, not a built-in type",
						column, schema, name, type),
				 errdetail("The import reads its source as the extension owner, and a cast or operator of a user-defined type would run with the owner's rights."),
				 errhint("MLflow's tables use built-in types only; copy the rows into a table of built-in types and import from that schema.")));
	}
	relation_close(rel, AccessShareLock);
}

static void
check_source(ImportCtx *ic)
{
	Oid			nsp = get_namespace_oid(ic->schema, true);
	int			t,
				c;

	if (!OidIsValid(nsp))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_SCHEMA_NAME),
				 errmsg("schema \"%s\" does not exist", ic->schema),
				 errhint("Name the schema that holds MLflow's tables (for a remote store, the schema postgres_fdw's IMPORT FOREIGN SCHEMA filled).")));
	for (t = 0; t < lengthof(source_tables); t++)
	{
		const SourceTable *st = &source_tables[t];
		Oid			relid = get_relname_relid(st->name, nsp);

		if (!OidIsValid(relid))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_TABLE),
					 errmsg("relation \"%s.%s\" does not exist", ic->schema, st->name),
					 errdetail("Schema \"%s\" does not look like an MLflow store: mlops.import_mlflow() reads MLflow 2.x's tracking and registry tables.",
							   ic->schema),
					 errhint("Point source_schema at the tables of an MLflow database upgraded with \"mlflow db upgrade\".")));
		source_relation_safe(relid, ic->schema, st->name);
		for (c = 0; c < lengthof(st->columns) && st->columns[c]; c++)
			if (get_attnum(relid, st->columns[c]) == InvalidAttrNumber)
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_COLUMN),
						 errmsg("column \"%s\" of relation \"%s.%s\" does not exist",
								st->columns[c], ic->schema, st->name),
						 errdetail("Schema \"%s\" does not look like an MLflow 2.x store.", ic->schema),
						 errhint("Upgrade the MLflow database with \"mlflow db upgrade\" before importing it.")));
		if (pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("permission denied for table %s.%s", ic->schema, st->name),
					 errhint("The importing role needs SELECT on the MLflow tables.")));
	}
}

/* The statement template with "@S" replaced by the source schema as an identifier, "@L" as a literal. */
static char *
with_schema(ImportCtx *ic, const char *tmpl)
{
	StringInfoData b;
	const char *p;

	initStringInfo(&b);
	for (p = tmpl; *p; p++)
	{
		if (p[0] == '@' && (p[1] == 'S' || p[1] == 'L'))
		{
			appendStringInfoString(&b, p[1] == 'S' ? ic->qschema : ic->lschema);
			p++;
		}
		else
			appendStringInfoChar(&b, *p);
	}
	return b.data;
}

/*
 * Run one import statement as a trusted statement of the owner scope with
 * the import's parameters; returns the number of rows (SPI_processed). The
 * text depends on the schema, so its plan is not kept.
 */
static uint64
import_exec(ImportCtx *ic, const char *tmpl)
{
	char	   *sql = with_schema(ic, tmpl);
	SPIPlanPtr	plan = SPI_prepare(sql, 4, (Oid *) import_types);
	int			rc;

	if (plan == NULL)
		elog(ERROR, "import statement could not be prepared (%s): %s",
			 SPI_result_code_string(SPI_result), sql);
	rc = mlops_owner_exec_plan(plan, ic->params, ic->nulls, false, 0);
	if (rc < 0)
		elog(ERROR, "import statement failed (%s): %s", SPI_result_code_string(rc), sql);
	SPI_freeplan(plan);
	pfree(sql);
	return SPI_processed;
}

/* Add "name": n to the result object. */
static void
count_add(ImportCtx *ic, const char *name, uint64 n)
{
	appendStringInfo(&ic->counts, "%s\"%s\": " UINT64_FORMAT, ic->counts.len > 1 ? ", " : "", name, n);
}

/* The experiments in scope: all, or those named (or numbered) in $1. */
#define IN_SCOPE(e) \
	"($1 IS NULL OR " e ".name OPERATOR(pg_catalog.=) ANY ($1) " \
	"OR " e ".experiment_id::pg_catalog.text OPERATOR(pg_catalog.=) ANY ($1))"

/* The source runs in scope, as r (r.run_uuid, r.start_time). */
#define SCOPED_RUNS \
	"(SELECT sr.run_uuid, sr.start_time FROM @S.runs sr JOIN @S.experiments se " \
	"ON se.experiment_id OPERATOR(pg_catalog.=) sr.experiment_id WHERE " IN_SCOPE("se") ") r"

/* Epoch milliseconds (bigint) to timestamptz, exact to the microsecond. */
#define MS_TS(x) "pg_catalog.to_timestamp((" x ")::pg_catalog.float8 OPERATOR(pg_catalog./) 1000)"

/* The role a MLflow user id names, or the session user when there is none. */
#define CREATOR(u) \
	"COALESCE((SELECT a.rolname FROM pg_catalog.pg_roles a WHERE a.rolname OPERATOR(pg_catalog.=) " u "), SESSION_USER)"

/* Error (42704) for a name in the experiments filter that matches no MLflow experiment. */
static void
check_filter(ImportCtx *ic)
{
	char	   *missing;

	if (ic->nulls[0] == 'n')
		return;
	if (import_exec(ic, "SELECT f.x FROM pg_catalog.unnest($1) f(x) WHERE NOT EXISTS "
					"(SELECT 1 FROM @S.experiments e WHERE e.name OPERATOR(pg_catalog.=) f.x "
					"OR e.experiment_id::pg_catalog.text OPERATOR(pg_catalog.=) f.x) LIMIT 1") == 0)
		return;
	missing = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("MLflow experiment \"%s\" does not exist in schema \"%s\"",
					missing ? missing : "(null)", ic->schema),
			 errhint("Name experiments by name or id as listed in %s.experiments.", ic->schema)));
}

/* Error (22P02) for a source run id that is not 32 hex digits (MLflow's uuid4().hex). */
static void
check_run_ids(ImportCtx *ic)
{
	if (import_exec(ic, "SELECT r.run_uuid FROM " SCOPED_RUNS
					" WHERE r.run_uuid OPERATOR(pg_catalog.!~) '^[0-9a-fA-F]{32}$' LIMIT 1") == 0)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("run_uuid \"%s\" of %s.runs is not an MLflow run id",
					SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1), ic->schema),
			 errdetail("MLflow run ids are 32 hexadecimal digits; mlops maps them to uuids.")));
}

/*
 * Experiments (with their tags) that mlops has no experiment of that name
 * for. They come in active: a deleted experiment takes no new active runs,
 * and MLflow may hold some in one; those deleted in MLflow are deleted by
 * delete_deleted_experiments() once their runs are in. Keeps their names in
 * $4.
 */
static void
import_experiments(ImportCtx *ic)
{
	bool		isnull;

	(void) import_exec(ic,
		"WITH ins AS (INSERT INTO mlops.experiments (name, tags, created_at, last_update_time) "
		"SELECT e.name, COALESCE((SELECT pg_catalog.jsonb_object_agg(t.key, t.value) FROM @S.experiment_tags t "
		"  WHERE t.experiment_id OPERATOR(pg_catalog.=) e.experiment_id), '{}'), "
		"COALESCE(" MS_TS("e.creation_time") ", pg_catalog.now()), "
		"CASE WHEN e.lifecycle_stage OPERATOR(pg_catalog.=) 'deleted' THEN pg_catalog.clock_timestamp() "
		"ELSE COALESCE(" MS_TS("e.last_update_time") ", pg_catalog.now()) END "
		"FROM @S.experiments e WHERE " IN_SCOPE("e") " AND NOT EXISTS (SELECT 1 FROM mlops.experiments x "
		"WHERE x.name OPERATOR(pg_catalog.=) e.name) ORDER BY e.experiment_id RETURNING name) "
		"SELECT pg_catalog.count(*), COALESCE(pg_catalog.array_agg(i.name) FILTER (WHERE e.lifecycle_stage "
		"OPERATOR(pg_catalog.=) 'deleted'), '{}') FROM ins i JOIN @S.experiments e ON e.name OPERATOR(pg_catalog.=) i.name");
	count_add(ic, "experiments",
			  (uint64) DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)));
	ic->params[3] = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
	ic->nulls[3] = ' ';
}

/*
 * The experiments this call imported that MLflow has deleted: deleted now,
 * through the experiments' own rules (an admin may delete any), at MLflow's
 * last update time.
 */
static void
delete_deleted_experiments(ImportCtx *ic)
{
	(void) import_exec(ic,
		"UPDATE mlops.experiments x SET lifecycle_stage = 'deleted', deleted_time = " MS_TS("e.last_update_time") ", "
		"last_update_time = COALESCE(" MS_TS("e.last_update_time") ", pg_catalog.now()) "
		"FROM @S.experiments e WHERE e.name OPERATOR(pg_catalog.=) x.name AND x.name OPERATOR(pg_catalog.=) ANY ($4)");
}

/*
 * Runs mlops does not hold yet, in one statement (so a parent imported with
 * its children satisfies the foreign key at the statement's end). The
 * parent comes from the mlflow.parentRunId tag when that run is imported too
 * or already in mlops. Keeps the uuids of the new runs in $2 and $3: their
 * rows need no duplicate check below.
 */
static void
import_runs(ImportCtx *ic)
{
	bool		isnull;
	int64		n;

	(void) import_exec(ic,
		"WITH ins AS (INSERT INTO mlops.runs (id, experiment_id, name, status, start_time, end_time, created_by, "
		"  parent_run_id, lifecycle_stage, artifact_uri, deleted_time) "
		"SELECT r.run_uuid::pg_catalog.uuid, x.id, COALESCE(r.name, (SELECT t.value FROM @S.tags t "
		"  WHERE t.run_uuid OPERATOR(pg_catalog.=) r.run_uuid AND t.key OPERATOR(pg_catalog.=) 'mlflow.runName')), "
		"COALESCE(r.status, 'SCHEDULED'), "
		"COALESCE(" MS_TS("r.start_time") ", " MS_TS("r.end_time") ", pg_catalog.now()), "
		"CASE WHEN r.status OPERATOR(pg_catalog.=) ANY ('{FINISHED,FAILED,KILLED}') THEN "
		"  " MS_TS("GREATEST(COALESCE(r.end_time, r.start_time), r.start_time)") " END, "
		CREATOR("r.user_id") ", "
		"(SELECT p.value::pg_catalog.uuid FROM @S.tags p WHERE p.run_uuid OPERATOR(pg_catalog.=) r.run_uuid "
		"  AND p.key OPERATOR(pg_catalog.=) 'mlflow.parentRunId' AND p.value OPERATOR(pg_catalog.~) '^[0-9a-fA-F]{32}$' "
		"  AND p.value OPERATOR(pg_catalog.<>) r.run_uuid AND (EXISTS (SELECT 1 FROM mlops.runs m "
		"    WHERE m.id OPERATOR(pg_catalog.=) p.value::pg_catalog.uuid) "
		"  OR EXISTS (SELECT 1 FROM @S.runs pr JOIN @S.experiments e ON e.experiment_id OPERATOR(pg_catalog.=) pr.experiment_id "
		"    WHERE pr.run_uuid OPERATOR(pg_catalog.=) p.value AND " IN_SCOPE("e") "))), "
		"COALESCE(r.lifecycle_stage, 'active'), NULLIF(r.artifact_uri, ''), "
		"CASE WHEN r.lifecycle_stage OPERATOR(pg_catalog.=) 'deleted' THEN "
		"  COALESCE(" MS_TS("r.deleted_time") ", " MS_TS("COALESCE(r.end_time, r.start_time)") ") END "
		"FROM @S.runs r JOIN @S.experiments e ON e.experiment_id OPERATOR(pg_catalog.=) r.experiment_id "
		"JOIN mlops.experiments x ON x.name OPERATOR(pg_catalog.=) e.name "
		"WHERE " IN_SCOPE("e") " AND NOT EXISTS (SELECT 1 FROM mlops.runs m "
		"  WHERE m.id OPERATOR(pg_catalog.=) r.run_uuid::pg_catalog.uuid) "
		"ORDER BY r.start_time, r.run_uuid "
		"RETURNING id) "
		"SELECT pg_catalog.count(*), COALESCE(pg_catalog.array_agg(r.run_uuid), '{}'), "
		"COALESCE(pg_catalog.array_agg(ins.id), '{}') "
		"FROM ins JOIN @S.runs r ON r.run_uuid::pg_catalog.uuid OPERATOR(pg_catalog.=) ins.id");
	n = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	ic->params[1] = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
	ic->params[2] = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull);
	ic->nulls[1] = ic->nulls[2] = ' ';
	count_add(ic, "runs", (uint64) n);
	/* runs imported before that get rows now: hold them as the guard would (FOR SHARE) */
	(void) import_exec(ic, "SELECT 1 FROM mlops.runs m JOIN " SCOPED_RUNS
					   " ON m.id OPERATOR(pg_catalog.=) r.run_uuid::pg_catalog.uuid "
					   "WHERE NOT (r.run_uuid OPERATOR(pg_catalog.=) ANY ($2)) FOR SHARE OF m");
}

/* Params and tags of the runs in scope that mlops does not hold yet (by run and key). */
static void
import_params_tags(ImportCtx *ic)
{
	count_add(ic, "params", import_exec(ic,
		"INSERT INTO mlops.params (run_id, key, value) "
		"SELECT p.run_uuid::pg_catalog.uuid, p.key, p.value FROM " SCOPED_RUNS
		" JOIN @S.params p ON p.run_uuid OPERATOR(pg_catalog.=) r.run_uuid "
		"ORDER BY 1, 2 ON CONFLICT (run_id, key) DO NOTHING"));
	count_add(ic, "tags", import_exec(ic,
		"INSERT INTO mlops.tags (run_id, key, value) "
		"SELECT t.run_uuid::pg_catalog.uuid, t.key, COALESCE(t.value, '') FROM " SCOPED_RUNS
		" JOIN @S.tags t ON t.run_uuid OPERATOR(pg_catalog.=) r.run_uuid "
		"ORDER BY 1, 2 ON CONFLICT (run_id, key) DO NOTHING"));
}

/* The mlops value of an MLflow metric point: NaN is stored as is_nan with value 0. */
#define POINT_VALUE \
	"CASE WHEN m.is_nan THEN 'NaN'::pg_catalog.float8 ELSE m.value END"

/*
 * Metric points. A new run's points go in without a duplicate check; a run
 * imported before gets the points it lacks, a point being identified by
 * (key, step, timestamp, value) as in MLflow's primary key.
 */
static void
import_metrics(ImportCtx *ic)
{
	uint64		n;

	n = import_exec(ic,
		"INSERT INTO mlops.metrics (run_id, key, step, ts, value) "
		"SELECT n.id, m.key, m.step, " MS_TS("m.timestamp") ", " POINT_VALUE " "
		"FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3)) n(u, id) JOIN @S.metrics m ON m.run_uuid OPERATOR(pg_catalog.=) n.u");
	n += import_exec(ic,
		"INSERT INTO mlops.metrics (run_id, key, step, ts, value) "
		"SELECT s.id, m.key, m.step, " MS_TS("m.timestamp") ", " POINT_VALUE " "
		"FROM (SELECT r.run_uuid, r.run_uuid::pg_catalog.uuid AS id FROM " SCOPED_RUNS
		"  WHERE NOT (r.run_uuid OPERATOR(pg_catalog.=) ANY ($2))) s "
		"JOIN @S.metrics m ON m.run_uuid OPERATOR(pg_catalog.=) s.run_uuid "
		"WHERE NOT EXISTS (SELECT 1 FROM mlops.metrics x WHERE x.run_id OPERATOR(pg_catalog.=) s.id "
		"  AND x.key OPERATOR(pg_catalog.=) m.key AND x.step OPERATOR(pg_catalog.=) m.step "
		"  AND x.ts OPERATOR(pg_catalog.=) " MS_TS("m.timestamp") " AND x.value OPERATOR(pg_catalog.=) " POINT_VALUE ")");
	count_add(ic, "metrics", n);
}

/*
 * The fingerprint of an MLflow dataset digest: the digest itself in
 * lowercase when it is hex (MLflow's digests are truncated MD5/SHA hex),
 * otherwise the SHA-256 of its text, so that it stays an identity.
 */
#define DIGEST_FP(d) \
	"(CASE WHEN " d " OPERATOR(pg_catalog.~) '^[0-9a-fA-F]{1,128}$' THEN pg_catalog.lower(" d ") " \
	"ELSE pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(" d ", 'UTF8')), 'hex') END)"

/*
 * Datasets: an MLflow dataset (experiment, name, digest) becomes a version
 * of the mlops dataset of that name whose fingerprint is the digest; one
 * version per distinct digest, numbered in the order runs first used them.
 * Then run inputs: a DATASET -> RUN edge of MLflow's inputs table, with the
 * context its mlflow.data.context input tag gives (default training).
 */
static void
import_datasets(ImportCtx *ic)
{
	(void) import_exec(ic,
		"INSERT INTO mlops.datasets (name) SELECT DISTINCT d.name FROM @S.datasets d "
		"JOIN @S.experiments e ON e.experiment_id OPERATOR(pg_catalog.=) d.experiment_id "
		"WHERE " IN_SCOPE("e") " AND NOT EXISTS (SELECT 1 FROM mlops.datasets x WHERE x.name OPERATOR(pg_catalog.=) d.name) "
		"ORDER BY 1");
	count_add(ic, "dataset_versions", import_exec(ic,
		"INSERT INTO mlops.dataset_versions (dataset_id, uri, fingerprint, row_count, schema) "
		"SELECT s.dataset_id, s.uri, s.fp, s.row_count, s.schema FROM ("
		" SELECT DISTINCT ON (x.id, " DIGEST_FP("d.digest") ") x.id AS dataset_id, " DIGEST_FP("d.digest") " AS fp, "
		"  NULLIF(pg_catalog.left(COALESCE(src.j OPERATOR(pg_catalog.->>) 'uri', src.j OPERATOR(pg_catalog.->>) 'url', "
		"   src.j OPERATOR(pg_catalog.->>) 'path'), 2048), '') AS uri, "
		"  CASE WHEN (prof.j OPERATOR(pg_catalog.->>) 'num_rows') OPERATOR(pg_catalog.~) '^[0-9]{1,18}$' "
		"   THEN (prof.j OPERATOR(pg_catalog.->>) 'num_rows')::pg_catalog.int8 END AS row_count, "
		"  CASE WHEN pg_catalog.jsonb_typeof(sch.j) OPERATOR(pg_catalog.=) ANY ('{object,array}') THEN sch.j END AS schema, "
		"  (SELECT pg_catalog.min(r.start_time) FROM @S.inputs i JOIN @S.runs r ON r.run_uuid OPERATOR(pg_catalog.=) i.destination_id "
		"   WHERE i.source_id OPERATOR(pg_catalog.=) d.dataset_uuid AND i.source_type OPERATOR(pg_catalog.=) 'DATASET' "
		"   AND i.destination_type OPERATOR(pg_catalog.=) 'RUN') AS first_use "
		" FROM @S.datasets d JOIN @S.experiments e ON e.experiment_id OPERATOR(pg_catalog.=) d.experiment_id "
		" JOIN mlops.datasets x ON x.name OPERATOR(pg_catalog.=) d.name "
		" CROSS JOIN LATERAL (SELECT mlops._mlflow_json(d.dataset_source) AS j) src "
		" CROSS JOIN LATERAL (SELECT mlops._mlflow_json(d.dataset_profile) AS j) prof "
		" CROSS JOIN LATERAL (SELECT mlops._mlflow_json(d.dataset_schema) AS j) sch "
		" WHERE " IN_SCOPE("e") " AND NOT EXISTS (SELECT 1 FROM mlops.dataset_versions v "
		"  WHERE v.dataset_id OPERATOR(pg_catalog.=) x.id AND v.fingerprint OPERATOR(pg_catalog.=) " DIGEST_FP("d.digest") ") "
		" ORDER BY x.id, " DIGEST_FP("d.digest") ", first_use NULLS LAST) s "
		"ORDER BY s.dataset_id, s.first_use NULLS LAST, s.fp"));
	count_add(ic, "run_inputs", import_exec(ic,
		"INSERT INTO mlops.run_inputs (run_id, dataset, version, context) "
		"SELECT DISTINCT r.run_uuid::pg_catalog.uuid, d.name, v.version, "
		"  pg_catalog.left(COALESCE(ctx.value, 'training'), 100) "
		"FROM " SCOPED_RUNS " "
		"JOIN @S.inputs i ON i.destination_id OPERATOR(pg_catalog.=) r.run_uuid "
		"  AND i.destination_type OPERATOR(pg_catalog.=) 'RUN' AND i.source_type OPERATOR(pg_catalog.=) 'DATASET' "
		"JOIN @S.datasets d ON d.dataset_uuid OPERATOR(pg_catalog.=) i.source_id "
		"JOIN mlops.datasets x ON x.name OPERATOR(pg_catalog.=) d.name "
		"CROSS JOIN LATERAL (SELECT pg_catalog.min(v.version) AS version FROM mlops.dataset_versions v "
		"  WHERE v.dataset_id OPERATOR(pg_catalog.=) x.id AND v.fingerprint OPERATOR(pg_catalog.=) " DIGEST_FP("d.digest") ") v "
		"LEFT JOIN @S.input_tags ctx ON ctx.input_uuid OPERATOR(pg_catalog.=) i.input_uuid "
		"  AND ctx.name OPERATOR(pg_catalog.=) 'mlflow.data.context' "
		"WHERE v.version IS NOT NULL AND COALESCE(ctx.value, 'training') OPERATOR(pg_catalog.<>) '' "
		"ON CONFLICT (run_id, dataset, version, context) DO NOTHING"));
}

/* The mlops stage of an MLflow current_stage (None, Staging, Production, Archived). */
#define MAPPED_STAGE(s) \
	"(CASE pg_catalog.lower(COALESCE(" s ", 'None')) WHEN 'none' THEN 'none' WHEN 'staging' THEN 'staging' " \
	"WHEN 'production' THEN 'production' WHEN 'archived' THEN 'archived' END)"

/* Whether a model version's run is in scope (imported by this or an earlier call). */
#define VERSION_RUN_IN_SCOPE(v) \
	"(" v ".run_id OPERATOR(pg_catalog.~) '^[0-9a-fA-F]{32}$' AND EXISTS (SELECT 1 FROM " SCOPED_RUNS \
	" JOIN mlops.runs mr ON mr.id OPERATOR(pg_catalog.=) r.run_uuid::pg_catalog.uuid " \
	"WHERE r.run_uuid OPERATOR(pg_catalog.=) " v ".run_id))"

/* Append an audit row per result row of the last statement: (action, entity, detail jsonb). */
static void
audit_rows(const char *actor)
{
	SPITupleTable *tt = SPI_tuptable;
	uint64		n = SPI_processed,
				i;

	for (i = 0; i < n; i++)
	{
		bool		isnull;
		char	   *action = SPI_getvalue(tt->vals[i], tt->tupdesc, 1);
		char	   *entity = SPI_getvalue(tt->vals[i], tt->tupdesc, 2);
		Datum		detail = SPI_getbinval(tt->vals[i], tt->tupdesc, 3, &isnull);

		audit_append(actor, action, entity, DatumGetJsonbP(detail));
	}
}

/* Collect column 4 of the last statement's rows (JSON objects, or NULL) into ic->archived. */
static void
note_archived(ImportCtx *ic)
{
	uint64		i;

	for (i = 0; i < SPI_processed; i++)
	{
		char	   *o = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 4);

		if (o)
			appendStringInfo(&ic->archived, "%s%s", ic->archived.len ? ", " : "", o);
	}
}

/* Detail of an import audit row: the object's fields plus where it came from. */
#define AUDIT_DETAIL(fields) \
	"pg_catalog.jsonb_build_object(" fields ", 'source', 'mlflow', 'schema', @L::pg_catalog.text) " \
	"OPERATOR(pg_catalog.||) CASE WHEN CURRENT_USER OPERATOR(pg_catalog.<>) SESSION_USER THEN " \
	"pg_catalog.jsonb_build_object('current_user', CURRENT_USER) ELSE '{}' END"

/*
 * Registered models mlops has none of that name for (with their tags). With
 * an experiments filter, only models with a version built by a run in scope.
 */
static void
import_models(ImportCtx *ic, const char *actor)
{
	count_add(ic, "models", import_exec(ic,
		"WITH ins AS (INSERT INTO mlops.models (name, description, created_by, created_at, last_version, tags, last_updated_at) "
		"SELECT rm.name, rm.description, SESSION_USER, COALESCE(" MS_TS("rm.creation_time") ", pg_catalog.now()), 0, "
		"  COALESCE((SELECT pg_catalog.jsonb_object_agg(t.key, t.value) FROM @S.registered_model_tags t "
		"   WHERE t.name OPERATOR(pg_catalog.=) rm.name), '{}'), "
		"COALESCE(" MS_TS("COALESCE(rm.last_updated_time, rm.creation_time)") ", pg_catalog.now()) "
		"FROM @S.registered_models rm "
		"WHERE ($1 IS NULL OR EXISTS (SELECT 1 FROM @S.model_versions mv WHERE mv.name OPERATOR(pg_catalog.=) rm.name "
		"  AND " VERSION_RUN_IN_SCOPE("mv") ")) "
		"AND NOT EXISTS (SELECT 1 FROM mlops.models m WHERE m.name OPERATOR(pg_catalog.=) rm.name) "
		"ORDER BY rm.creation_time, rm.name RETURNING name, description) "
		"SELECT 'model.import', 'model:' OPERATOR(pg_catalog.||) i.name, "
		AUDIT_DETAIL("'model', i.name, 'description', i.description") " FROM ins i ORDER BY i.name"));
	audit_rows(actor);
}

/*
 * Model versions mlops does not hold yet, with MLflow's numbers, in their
 * mapped stages, with a stage history reconstructed from MLflow's times
 * (none from creation, the stage from the last update). MLflow lets several
 * versions sit in Production; in an exclusive stage the most recently
 * updated one lands there and the others (and any when mlops already has a
 * holder) in archived, which the result and their audit rows say.
 */
static void
import_versions(ImportCtx *ic, const char *actor)
{
	/*
	 * Lock the models first, in id order, as a registry operation does
	 * before numbering a version: a version created meanwhile through
	 * mlops.create_model_version() waits for the import, or the import sees
	 * it (a version of that number in mlops is not imported).
	 */
	(void) import_exec(ic,
		"SELECT 1 FROM mlops.models m WHERE m.name OPERATOR(pg_catalog.=) ANY "
		"(SELECT mv.name FROM @S.model_versions mv) ORDER BY m.id FOR UPDATE OF m");
	count_add(ic, "model_versions", import_exec(ic,
		"WITH src AS (SELECT mv.name, mv.version, m.id AS model_id, mv.run_id::pg_catalog.uuid AS run_id, "
		"  COALESCE(mv.storage_location, mv.source) AS artifact_uri, mv.source, mv.run_link, mv.description, "
		"  mv.current_stage AS mlflow_stage, st.name AS stage, st.exclusive, "
		"  COALESCE(" MS_TS("mv.creation_time") ", pg_catalog.now()) AS created_at, "
		"  " MS_TS("COALESCE(mv.last_updated_time, mv.creation_time)") " AS updated_at, "
		"  " CREATOR("mv.user_id") " AS created_by, "
		"  COALESCE((SELECT pg_catalog.jsonb_object_agg(t.key, t.value) FROM @S.model_version_tags t "
		"   WHERE t.name OPERATOR(pg_catalog.=) mv.name AND t.version OPERATOR(pg_catalog.=) mv.version), '{}') AS tags "
		" FROM @S.model_versions mv JOIN mlops.models m ON m.name OPERATOR(pg_catalog.=) mv.name "
		" JOIN mlops.stages st ON st.name OPERATOR(pg_catalog.=) " MAPPED_STAGE("mv.current_stage") " "
		" WHERE " VERSION_RUN_IN_SCOPE("mv") " AND COALESCE(mv.storage_location, mv.source) IS NOT NULL "
		" AND NOT EXISTS (SELECT 1 FROM mlops.model_versions v WHERE v.model_id OPERATOR(pg_catalog.=) m.id "
		"  AND v.version OPERATOR(pg_catalog.=) mv.version)), "
		"placed AS (SELECT s.*, CASE WHEN s.exclusive AND (pg_catalog.row_number() OVER "
		"  (PARTITION BY s.model_id, s.stage ORDER BY s.updated_at DESC NULLS LAST, s.version DESC) OPERATOR(pg_catalog.>) 1 "
		"  OR EXISTS (SELECT 1 FROM mlops.model_versions v WHERE v.model_id OPERATOR(pg_catalog.=) s.model_id "
		"   AND v.stage OPERATOR(pg_catalog.=) s.stage)) THEN 'archived' ELSE s.stage END AS final_stage FROM src s), "
		"ins AS (INSERT INTO mlops.model_versions (model_id, version, run_id, artifact_uri, stage, stage_exclusive, "
		"  description, created_by, created_at, stage_changed_at, source, run_link, tags, last_updated_at) "
		" SELECT p.model_id, p.version, p.run_id, p.artifact_uri, p.final_stage, fs.exclusive, p.description, "
		"  p.created_by, p.created_at, CASE WHEN p.final_stage OPERATOR(pg_catalog.=) 'none' THEN p.created_at "
		/* never before the model's latest stage move in mlops, as any move */
		"  ELSE GREATEST(p.updated_at, p.created_at, (SELECT pg_catalog.max(h.valid_from) FROM mlops.stage_history h "
		"   WHERE h.model_id OPERATOR(pg_catalog.=) p.model_id)) END, p.source, p.run_link, p.tags, "
		"  GREATEST(p.updated_at, p.created_at) "
		" FROM placed p JOIN mlops.stages fs ON fs.name OPERATOR(pg_catalog.=) p.final_stage "
		" ORDER BY p.model_id, p.version "
		" RETURNING id, model_id, version, stage, created_at, stage_changed_at, run_id), "
		"hist AS (INSERT INTO mlops.stage_history (model_version_id, model_id, stage, valid_from, valid_to) "
		" SELECT i.id, i.model_id, h.stage, h.valid_from, h.valid_to FROM ins i CROSS JOIN LATERAL (VALUES "
		"  ('none', i.created_at, CASE WHEN i.stage OPERATOR(pg_catalog.<>) 'none' THEN i.stage_changed_at END, true), "
		"  (i.stage, i.stage_changed_at, NULL::pg_catalog.timestamptz, i.stage OPERATOR(pg_catalog.<>) 'none')) "
		"  h(stage, valid_from, valid_to, wanted) WHERE h.wanted) "
		"SELECT 'version.import', 'model:' OPERATOR(pg_catalog.||) p.name OPERATOR(pg_catalog.||) '@' OPERATOR(pg_catalog.||) i.version, "
		AUDIT_DETAIL("'model', p.name, 'version', i.version, 'stage', i.stage, 'mlflow_stage', p.mlflow_stage, "
					 "'run_id', i.run_id, 'artifact_uri', p.artifact_uri") " "
		"OPERATOR(pg_catalog.||) CASE WHEN i.stage OPERATOR(pg_catalog.<>) p.stage THEN "
		"pg_catalog.jsonb_build_object('instead_of', p.stage) ELSE '{}' END, "
		"CASE WHEN i.stage OPERATOR(pg_catalog.<>) p.stage THEN pg_catalog.jsonb_build_object('model', p.name, "
		"'version', i.version, 'mlflow_stage', p.mlflow_stage, 'stage', i.stage)::pg_catalog.text END "
		"FROM ins i JOIN placed p ON p.model_id OPERATOR(pg_catalog.=) i.model_id AND p.version OPERATOR(pg_catalog.=) i.version "
		"ORDER BY p.name, i.version"));
	note_archived(ic);
	audit_rows(actor);
	/* keep each model's version counter ahead of the numbers MLflow gave */
	(void) import_exec(ic,
		"UPDATE mlops.models m SET last_version = s.v FROM (SELECT v.model_id, pg_catalog.max(v.version) AS v "
		"FROM mlops.model_versions v GROUP BY v.model_id) s WHERE s.model_id OPERATOR(pg_catalog.=) m.id "
		"AND s.v OPERATOR(pg_catalog.>) m.last_version");
}

/* Aliases mlops has no current assignment of, pointing at imported versions. */
static void
import_aliases(ImportCtx *ic, const char *actor)
{
	count_add(ic, "aliases", import_exec(ic,
		"WITH ins AS (INSERT INTO mlops.model_aliases (model_id, alias, model_version_id, valid_from, set_by) "
		"SELECT m.id, a.alias, v.id, pg_catalog.clock_timestamp(), SESSION_USER "
		"FROM @S.registered_model_aliases a JOIN mlops.models m ON m.name OPERATOR(pg_catalog.=) a.name "
		"JOIN mlops.model_versions v ON v.model_id OPERATOR(pg_catalog.=) m.id AND v.version OPERATOR(pg_catalog.=) a.version "
		"WHERE a.alias OPERATOR(pg_catalog.~) '^[A-Za-z][A-Za-z0-9_.-]{0,62}$' "
		"AND ($1 IS NULL OR EXISTS (SELECT 1 FROM " SCOPED_RUNS " WHERE r.run_uuid::pg_catalog.uuid OPERATOR(pg_catalog.=) v.run_id)) "
		"AND NOT EXISTS (SELECT 1 FROM mlops.model_aliases x WHERE x.model_id OPERATOR(pg_catalog.=) m.id "
		"  AND x.alias OPERATOR(pg_catalog.=) a.alias AND x.valid_to IS NULL) "
		"ORDER BY a.name, a.alias RETURNING model_id, alias, model_version_id) "
		"SELECT 'alias.import', 'model:' OPERATOR(pg_catalog.||) m.name OPERATOR(pg_catalog.||) '#' OPERATOR(pg_catalog.||) i.alias, "
		AUDIT_DETAIL("'model', m.name, 'alias', i.alias, 'version', v.version") " "
		"FROM ins i JOIN mlops.models m ON m.id OPERATOR(pg_catalog.=) i.model_id "
		"JOIN mlops.model_versions v ON v.id OPERATOR(pg_catalog.=) i.model_version_id ORDER BY m.name, i.alias"));
	audit_rows(actor);
}

/*
 * What was left out: MLflow versions of models in scope that mlops does not
 * hold with that number and run (no run, a run not imported, the number
 * taken in mlops by a version of another run, no artifact location, a stage
 * mlops does not know), and the versions that landed in archived instead of
 * an exclusive stage. Added to the result as arrays.
 */
static void
report_left_out(ImportCtx *ic)
{
	(void) import_exec(ic,
		"SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('model', mv.name, 'version', mv.version, "
		"  'reason', CASE WHEN mv.run_id IS NULL OR mv.run_id OPERATOR(pg_catalog.!~) '^[0-9a-fA-F]{32}$' THEN 'no run' "
		"   WHEN NOT " VERSION_RUN_IN_SCOPE("mv") " THEN 'run not imported' "
		"   WHEN EXISTS (SELECT 1 FROM mlops.model_versions v WHERE v.model_id OPERATOR(pg_catalog.=) m.id "
		"    AND v.version OPERATOR(pg_catalog.=) mv.version) THEN 'version number taken in mlops by another run' "
		"   WHEN COALESCE(mv.storage_location, mv.source) IS NULL THEN 'no artifact location' "
		"   ELSE 'unknown stage ' OPERATOR(pg_catalog.||) COALESCE(mv.current_stage, '') END) "
		"  ORDER BY mv.name, mv.version)::pg_catalog.text, '[]') "
		"FROM @S.model_versions mv JOIN mlops.models m ON m.name OPERATOR(pg_catalog.=) mv.name "
		"WHERE mv.current_stage IS DISTINCT FROM 'Deleted_Internal' "
		"AND NOT EXISTS (SELECT 1 FROM mlops.model_versions v WHERE v.model_id OPERATOR(pg_catalog.=) m.id "
		"  AND v.version OPERATOR(pg_catalog.=) mv.version AND pg_catalog.replace(v.run_id::pg_catalog.text, '-', '') "
		"  OPERATOR(pg_catalog.=) pg_catalog.lower(mv.run_id)) "
		"AND ($1 IS NULL OR EXISTS (SELECT 1 FROM @S.model_versions o WHERE o.name OPERATOR(pg_catalog.=) mv.name "
		"  AND " VERSION_RUN_IN_SCOPE("o") "))");
	appendStringInfo(&ic->counts, ", \"model_versions_skipped\": %s",
					 SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1));
	appendStringInfo(&ic->counts, ", \"archived_instead\": [%s]", ic->archived.data);
}

/* The whole import, inside the owner scope; audit rows use actor (session_user). */
static void
import_all(ImportCtx *ic, const char *actor)
{
	/*
	 * One import at a time: a second one waits, then its statements see what
	 * the first committed and add only the rest (instead of both inserting
	 * the same runs and the second failing on their keys).
	 */
	(void) import_exec(ic, "SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('mlops.import_mlflow'))");
	check_filter(ic);
	check_run_ids(ic);
	import_experiments(ic);
	import_runs(ic);
	import_params_tags(ic);
	import_metrics(ic);
	import_datasets(ic);
	delete_deleted_experiments(ic);
	import_models(ic, actor);
	import_versions(ic, actor);
	import_aliases(ic, actor);
	report_left_out(ic);
	appendStringInfoChar(&ic->counts, '}');
}

PG_FUNCTION_INFO_V1(mlops_import_mlflow);

/*
 * mlops.import_mlflow(source_schema text, experiments text[] default null)
 * returns jsonb: the counts of what was added per table, the versions left
 * out and why, the versions archived instead of an exclusive stage.
 */
Datum
mlops_import_mlflow(PG_FUNCTION_ARGS)
{
	ImportCtx	ic;
	OwnerScope	s;
	const char *actor = GetUserNameFromId(GetSessionUserId(), false);
	Jsonb	   *result;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("source_schema must not be null")));
	require_admin();
	memset(&ic, 0, sizeof(ic));
	ic.schema = text_to_cstring(PG_GETARG_TEXT_PP(0));
	ic.qschema = quote_identifier(ic.schema);
	ic.lschema = quote_literal_cstr(ic.schema);
	initStringInfo(&ic.archived);
	ic.params[0] = PG_ARGISNULL(1) ? (Datum) 0 : PG_GETARG_DATUM(1);
	ic.nulls[0] = PG_ARGISNULL(1) ? 'n' : ' ';
	ic.nulls[1] = ic.nulls[2] = ic.nulls[3] = 'n';
	initStringInfo(&ic.counts);
	appendStringInfoChar(&ic.counts, '{');
	check_source(&ic);
	mlops_owner_begin(&s);
	import_active = true;
	PG_TRY();
	{
		import_all(&ic, actor);
		audit_append(actor, "mlflow.import", psprintf("mlflow:%s", ic.schema),
					 DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(ic.counts.data))));
	}
	PG_CATCH();
	{
		import_active = false;
		mlops_owner_cleanup(&s);
		PG_RE_THROW();
	}
	PG_END_TRY();
	import_active = false;
	mlops_owner_end(&s);
	result = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(ic.counts.data)));
	PG_RETURN_JSONB_P(result);
}
