/*
 * registry.c: the governed model registry (API.md -> Registry and governance).
 *
 * The rules live in BEFORE ROW triggers so that the mlops.* functions and a
 * plain INSERT/UPDATE/DELETE from an ORM or psql meet the same checks:
 *   models          fills created_by/at; only the description may change
 *   model_versions  row-locked version counter; the stage machine; policies,
 *                   approvals and gates; archiving the previous holder of an
 *                   exclusive stage; stage history; no deletion in production
 *   requests        from_stage, allowed move, one open request per target
 *   approvals       open request, approver role, no self-approval, once each
 *   model_aliases   history: a new assignment closes the old one, a DELETE
 *                   closes the current one
 *   stages, stage_transitions, policies: validation and audit
 * Bookkeeping writes run as the owner of the registry tables with a pinned
 * search_path (reg_begin); the acting role is captured before that, and
 * triggers fired by those writes see internal_depth > 0 and trust them.
 */
#include "postgres.h"

#include "compat.h"

#include <ctype.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/uuid.h"

#include "events/events.h"
#include "registry/registry.h"

/* Longest model name, in characters (also a CHECK on mlops.models). */
#define REGISTRY_MODEL_NAME_MAX 200

/* Nesting depth of the registry's own (owner) writes in this backend. */
static int	internal_depth = 0;

/* Acting role of the outermost registry operation in progress. */
static Oid	actor_role = InvalidOid;

/* Version that a promotion is archiving (for the audit detail), or 0. */
static int	archiving_for_version = 0;

/* Comment noted by mlops.transition() for the next stage change. */
static LocalTransactionId note_lxid = InvalidLocalTransactionId;
static int64 note_version_id = 0;
static char *note_comment = NULL;

/* Depth of the registry's own writes (for audit.c). */
int
mlops_registry_internal_depth(void)
{
	return internal_depth;
}

/* Oid of a table in schema mlops. */
Oid
registry_relid(const char *relname)
{
	Oid			relid = get_relname_relid(relname, get_namespace_oid("mlops", false));

	if (!OidIsValid(relid))
		elog(ERROR, "mlops.%s is missing", relname);
	return relid;
}

/* Owner of the registry tables (the owner of mlops.audit_log). */
static Oid
registry_owner(void)
{
	HeapTuple	tp = SearchSysCache1(RELOID, ObjectIdGetDatum(registry_relid("audit_log")));
	Oid			owner;

	if (!HeapTupleIsValid(tp))
		elog(ERROR, "cache lookup failed for mlops.audit_log");
	owner = ((Form_pg_class) GETSTRUCT(tp))->relowner;
	ReleaseSysCache(tp);
	return owner;
}

/*
 * Start a registry operation: capture the actor, connect SPI and switch to
 * the registry owner with search_path = pg_catalog, pg_temp.
 */
void
reg_begin(RegCtx *c)
{
	memset(c, 0, sizeof(*c));
	c->upper = CurrentMemoryContext;
	c->internal = internal_depth > 0;
	if (!c->internal)
		actor_role = GetUserId();
	c->role = actor_role;
	c->role_name = GetUserNameFromId(c->role, false);
	c->session_name = GetUserNameFromId(GetSessionUserId(), false);
	c->is_super = superuser_arg(c->role);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	GetUserIdAndSecContext(&c->save_uid, &c->save_sec);
	c->save_depth = internal_depth;
	SetUserIdAndSecContext(registry_owner(), c->save_sec | SECURITY_LOCAL_USERID_CHANGE);
	c->guc_nest = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	internal_depth++;
}

/* End a registry operation normally. */
void
reg_end(RegCtx *c)
{
	AtEOXact_GUC(true, c->guc_nest);
	SetUserIdAndSecContext(c->save_uid, c->save_sec);
	internal_depth = c->save_depth;
	if (SPI_finish() != SPI_OK_FINISH)
		elog(ERROR, "SPI_finish failed");
}

/* Undo reg_begin's backend state on error (the abort cleans GUC and SPI). */
void
reg_abort(RegCtx *c)
{
	SetUserIdAndSecContext(c->save_uid, c->save_sec);
	internal_depth = c->save_depth;
	archiving_for_version = 0;
}

/* Saved plans of the registry's fixed queries, keyed by the query text's address. */
typedef struct RegistryPlan
{
	const char *sql;
	SPIPlanPtr	plan;
} RegistryPlan;

static RegistryPlan plan_cache[64];
static int	plan_cache_n = 0;

/* The saved plan of a fixed query, prepared on first use. */
static SPIPlanPtr
cached_plan(const char *sql, int nargs, Oid *types)
{
	SPIPlanPtr	plan;
	int			i;

	for (i = 0; i < plan_cache_n; i++)
		if (plan_cache[i].sql == sql)
			return plan_cache[i].plan;
	plan = SPI_prepare(sql, nargs, types);
	if (plan == NULL)
		elog(ERROR, "registry query could not be prepared (SPI %d): %s", SPI_result, sql);
	if (plan_cache_n >= lengthof(plan_cache))
		return plan;			/* not cached; freed with the SPI context */
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "SPI_keepplan failed");
	plan_cache[plan_cache_n].sql = sql;
	plan_cache[plan_cache_n].plan = plan;
	plan_cache_n++;
	return plan;
}

/*
 * Run one of the registry's fixed queries (sql must be a string literal: its
 * address keys the plan cache); returns the number of rows processed.
 */
int
reg_exec(const char *sql, int nargs, Oid *types, Datum *values,
		 const char *nulls, bool read_only, long limit)
{
	int			rc = SPI_execute_plan(cached_plan(sql, nargs, types), values, nulls, read_only, limit);

	if (rc < 0)
		elog(ERROR, "registry query failed (SPI %d): %s", rc, sql);
	return (int) SPI_processed;
}

/* Append "key":"value" (or null) to an open JSON object. */
void
json_kv_str(StringInfo buf, const char *key, const char *value)
{
	if (buf->len > 1)
		appendStringInfoChar(buf, ',');
	escape_json(buf, key);
	appendStringInfoChar(buf, ':');
	if (value)
		escape_json(buf, value);
	else
		appendStringInfoString(buf, "null");
}

/* Append "key":<raw JSON> to an open JSON object. */
void
json_kv_raw(StringInfo buf, const char *key, const char *raw)
{
	if (buf->len > 1)
		appendStringInfoChar(buf, ',');
	escape_json(buf, key);
	appendStringInfoChar(buf, ':');
	appendStringInfoString(buf, raw ? raw : "null");
}

/* Append "key":<integer> to an open JSON object. */
void
json_kv_int(StringInfo buf, const char *key, int64 value)
{
	char		num[32];

	snprintf(num, sizeof(num), INT64_FORMAT, value);
	json_kv_raw(buf, key, num);
}

/* A new open JSON object. */
static StringInfo
json_open(void)
{
	StringInfo	b = makeStringInfo();

	appendStringInfoChar(b, '{');
	return b;
}

/* Emit a registry event (outbox row now, NOTIFY mlops_registry at commit) with a JSON payload. */
static void
registry_notify(const char *event, const char *entity, StringInfo payload)
{
	appendStringInfoChar(payload, '}');
	(void) mlops_emit(event, entity, payload->data);
}

/* ------------------------------------------------------------ tuples */

/* Column values of the tuple a trigger returns, collected by name. */
typedef struct TupleEdit
{
	int			n;
	int			cols[16];
	Datum		vals[16];
	bool		nulls[16];
} TupleEdit;

/* Set column name to val (or NULL) in the edit. */
static void
edit_set(TupleEdit *e, TupleDesc desc, const char *name, Datum val, bool isnull)
{
	int			col = SPI_fnumber(desc, name);

	if (col <= 0 || e->n >= 16)
		elog(ERROR, "registry trigger: bad column %s", name);
	e->cols[e->n] = col;
	e->vals[e->n] = val;
	e->nulls[e->n] = isnull;
	e->n++;
}

/* Apply the edit to tup in the caller's memory context. */
static HeapTuple
edit_apply(RegCtx *c, TupleEdit *e, HeapTuple tup, TupleDesc desc)
{
	MemoryContext old = MemoryContextSwitchTo(c->upper);
	HeapTuple	res = e->n ? heap_modify_tuple_by_cols(tup, desc, e->n, e->cols, e->vals, e->nulls)
		: heap_copytuple(tup);

	MemoryContextSwitchTo(old);
	return res;
}

/* Value of column name in tup. */
static Datum
col_get(HeapTuple tup, TupleDesc desc, const char *name, bool *isnull)
{
	int			col = SPI_fnumber(desc, name);

	if (col <= 0)
		elog(ERROR, "registry trigger: no column %s", name);
	return heap_getattr(tup, col, desc, isnull);
}

/* Text value of column name in tup (output function), or NULL. */
static char *
col_str(HeapTuple tup, TupleDesc desc, const char *name)
{
	int			col = SPI_fnumber(desc, name);

	if (col <= 0)
		elog(ERROR, "registry trigger: no column %s", name);
	return SPI_getvalue(tup, desc, col);
}

/* int8 value of column name, 0 if NULL. */
static int64
col_int8(HeapTuple tup, TupleDesc desc, const char *name)
{
	bool		isnull;
	Datum		d = col_get(tup, desc, name, &isnull);

	return isnull ? 0 : DatumGetInt64(d);
}

/* Whether column name differs between two tuples (binary image). */
static bool
col_changed(HeapTuple a, HeapTuple b, TupleDesc desc, const char *name)
{
	int			col = SPI_fnumber(desc, name);
	Form_pg_attribute att;
	bool		na,
				nb;
	Datum		da,
				db;

	if (col <= 0)
		elog(ERROR, "registry trigger: no column %s", name);
	att = TupleDescAttr(desc, col - 1);
	da = heap_getattr(a, col, desc, &na);
	db = heap_getattr(b, col, desc, &nb);
	if (na || nb)
		return na != nb;
	return !datum_image_eq(da, db, att->attbyval, att->attlen);
}

/* Result cell (row, col) of the last SPI query as a string, or NULL. */
static char *
res_str(int row, int col)
{
	return SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col);
}

/* Result cell (row, col) as a Datum. */
static Datum
res_datum(int row, int col, bool *isnull)
{
	return SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, isnull);
}

/* A name Datum. */
static Datum
name_datum(const char *s)
{
	return DirectFunctionCall1(namein, CStringGetDatum(s));
}

/* The transaction's now(). */
static Datum
now_datum(void)
{
	return TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
}

/* The TriggerData of a trigger call, or an error. */
static TriggerData *
trigger_data(FunctionCallInfo fcinfo, const char *fn)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "%s: not called as a trigger", fn);
	return (TriggerData *) fcinfo->context;
}

/* The tuple to return when a trigger lets a row through unchanged. */
static HeapTuple
passthrough(TriggerData *td)
{
	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		return td->tg_newtuple;
	return td->tg_trigtuple;
}

/* ------------------------------------------------------ model lookups */

/* Model version facts used by the rules. */
typedef struct VersionInfo
{
	int64		id;
	int64		model_id;
	int			version;
	char	   *model;
	char	   *stage;
	char	   *run_id;
} VersionInfo;

/* Load a model version by id; false if it does not exist. */
static bool
load_version(int64 version_id, VersionInfo *vi)
{
	Oid			types[1] = {INT8OID};
	Datum		vals[1] = {Int64GetDatum(version_id)};
	bool		isnull;

	if (reg_exec("SELECT v.model_id, v.version, m.name, v.stage, v.run_id::text "
				 "FROM mlops.model_versions v JOIN mlops.models m ON m.id OPERATOR(pg_catalog.=) v.model_id "
				 "WHERE v.id OPERATOR(pg_catalog.=) $1", 1, types, vals, NULL, false, 1) == 0)
		return false;
	vi->id = version_id;
	vi->model_id = DatumGetInt64(res_datum(0, 1, &isnull));
	vi->version = DatumGetInt32(res_datum(0, 2, &isnull));
	vi->model = res_str(0, 3);
	vi->stage = res_str(0, 4);
	vi->run_id = res_str(0, 5);
	return true;
}

/* Lock a model's row (serialises its stage, alias and version changes); returns its name. */
static char *
lock_model(int64 model_id)
{
	Oid			types[1] = {INT8OID};
	Datum		vals[1] = {Int64GetDatum(model_id)};

	if (reg_exec("SELECT m.name FROM mlops.models m WHERE m.id OPERATOR(pg_catalog.=) $1 FOR UPDATE",
				 1, types, vals, NULL, false, 1) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model_id " INT64_FORMAT " does not match any model in mlops.models", model_id),
				 errhint("Look the model up by name in mlops.models, or use the mlops.* functions, which take model names.")));
	return res_str(0, 1);
}

/* Whether stage exists; *exclusive receives its flag. */
static bool
stage_lookup(const char *stage, bool *exclusive)
{
	Oid			types[1] = {TEXTOID};
	Datum		vals[1] = {CStringGetTextDatum(stage)};
	bool		isnull;

	if (reg_exec("SELECT s.exclusive FROM mlops.stages s WHERE s.name OPERATOR(pg_catalog.=) $1",
				 1, types, vals, NULL, false, 1) == 0)
		return false;
	*exclusive = DatumGetBool(res_datum(0, 1, &isnull));
	return true;
}

/* Error unless stage exists; returns its exclusive flag. */
static bool
stage_require(const char *stage)
{
	bool		exclusive = false;

	if (!stage_lookup(stage, &exclusive))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("stage \"%s\" does not exist", stage),
				 errhint("The stages are listed in mlops.stages.")));
	return exclusive;
}

/* Error unless from -> to is listed in mlops.stage_transitions. */
static void
transition_require(const VersionInfo *vi, const char *from, const char *to)
{
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		vals[2] = {CStringGetTextDatum(from), CStringGetTextDatum(to)};
	char	   *allowed;

	if (reg_exec("SELECT 1 FROM mlops.stage_transitions t WHERE t.from_stage OPERATOR(pg_catalog.=) $1 "
				 "AND t.to_stage OPERATOR(pg_catalog.=) $2", 2, types, vals, NULL, false, 1) > 0)
		return;
	reg_exec("SELECT pg_catalog.string_agg(t.to_stage, ', ' ORDER BY t.to_stage) FROM mlops.stage_transitions t "
			 "WHERE t.from_stage OPERATOR(pg_catalog.=) $1", 1, types, vals, NULL, false, 1);
	allowed = res_str(0, 1);
	ereport(ERROR,
			(errcode(ERRCODE_RAISE_EXCEPTION),
			 errmsg("moving version %d of model \"%s\" from stage \"%s\" to \"%s\" is not an allowed transition",
					vi->version, vi->model, from, to),
			 errdetail("Allowed moves from \"%s\": %s (mlops.stage_transitions).", from,
					   allowed ? allowed : "none"),
			 errhint("Use mlops.request_transition() with an allowed target stage.")));
}

/* The policy that covers (model, stage). */
typedef struct Policy
{
	bool		found;
	int64		id;
	int			min_approvals;
	Oid			approver_role;
	char	   *approver_role_name;
	bool		allow_self;
	Datum		gates;
} Policy;

/* Find the policy of a model for a target stage: the model's own, else '*'. */
static void
policy_lookup(int64 model_id, const char *stage, Policy *p)
{
	Oid			types[2] = {INT8OID, TEXTOID};
	Datum		vals[2] = {Int64GetDatum(model_id), CStringGetTextDatum(stage)};
	bool		isnull;

	memset(p, 0, sizeof(*p));
	if (reg_exec("SELECT p.id, p.min_approvals, p.approver_role::pg_catalog.oid, p.approver_role::pg_catalog.text, "
				 "p.allow_self_approval, p.gates FROM mlops.policies p "
				 "WHERE (p.model_id OPERATOR(pg_catalog.=) $1 OR p.model_id IS NULL) "
				 "AND p.to_stage OPERATOR(pg_catalog.=) $2 ORDER BY p.model_id NULLS LAST LIMIT 1",
				 2, types, vals, NULL, false, 1) == 0)
		return;
	p->found = true;
	p->id = DatumGetInt64(res_datum(0, 1, &isnull));
	p->min_approvals = DatumGetInt32(res_datum(0, 2, &isnull));
	p->approver_role = DatumGetObjectId(res_datum(0, 3, &isnull));
	p->approver_role_name = res_str(0, 4);
	p->allow_self = DatumGetBool(res_datum(0, 5, &isnull));
	p->gates = res_datum(0, 6, &isnull);
}

/* Whether a session user name is a superuser (same-login check). */
static bool
role_name_is_super(const char *name)
{
	Oid			r = get_role_oid(name, true);

	return OidIsValid(r) && superuser_arg(r);
}

/* ---------------------------------------------------------------- gates */

/* Whether op is one of the gate operators. */
static bool
gate_op_valid(const char *op)
{
	return strcmp(op, ">=") == 0 || strcmp(op, ">") == 0 || strcmp(op, "<=") == 0 ||
		strcmp(op, "<") == 0 || strcmp(op, "=") == 0 || strcmp(op, "!=") == 0;
}

/* Compare a with b under op. */
static bool
gate_compare(double a, const char *op, double b)
{
	if (strcmp(op, ">=") == 0)
		return a >= b;
	if (strcmp(op, ">") == 0)
		return a > b;
	if (strcmp(op, "<=") == 0)
		return a <= b;
	if (strcmp(op, "<") == 0)
		return a < b;
	if (strcmp(op, "=") == 0)
		return a == b;
	if (strcmp(op, "!=") == 0)
		return a != b;
	elog(ERROR, "unknown gate operator %s", op);
	return false;
}

/* A run's latest value of a metric through mlops.run_metric(); false if missing. */
static bool
run_metric(const char *run_id, const char *metric, double *value)
{
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		vals[2] = {CStringGetTextDatum(run_id), CStringGetTextDatum(metric)};
	bool		isnull;
	Datum		d;

	reg_exec("SELECT mlops.run_metric($1::pg_catalog.uuid, $2)", 2, types, vals, NULL, false, 1);
	d = res_datum(0, 1, &isnull);
	if (isnull)
		return false;
	*value = DatumGetFloat8(d);
	return true;
}

/* Check one gate of a policy against a version; errors name the failure. */
static void
gate_check(const VersionInfo *vi, const char *metric, const char *op,
		   bool has_value, double threshold, StringInfo log)
{
	double		value;
	char	   *what;

	if (!run_metric(vi->run_id, metric, &value))
		ereport(ERROR,
				(errcode(ERRCODE_RAISE_EXCEPTION),
				 errmsg("gate on metric \"%s\" failed: run %s of version %d of model \"%s\" has no metric \"%s\"",
						metric, vi->run_id, vi->version, vi->model, metric),
				 errhint("Log the metric on the run, request another move with mlops.request_transition(), or change the policy with mlops.set_policy().")));
	if (!has_value)
	{
		Oid			types[2] = {INT8OID, INT8OID};
		Datum		vals[2] = {Int64GetDatum(vi->model_id), Int64GetDatum(vi->id)};
		bool		isnull;
		int			prod_version;
		char	   *prod_run;

		if (reg_exec("SELECT v.version, v.run_id::text FROM mlops.model_versions v "
					 "WHERE v.model_id OPERATOR(pg_catalog.=) $1 AND v.stage OPERATOR(pg_catalog.=) 'production' "
					 "AND v.id OPERATOR(pg_catalog.<>) $2", 2, types, vals, NULL, false, 1) == 0)
		{
			appendStringInfo(log, "%s%s=%g (no production baseline)", log->len ? ", " : "", metric, value);
			return;				/* nothing in production to compare with */
		}
		prod_version = DatumGetInt32(res_datum(0, 1, &isnull));
		prod_run = res_str(0, 2);
		if (!run_metric(prod_run, metric, &threshold))
			ereport(ERROR,
					(errcode(ERRCODE_RAISE_EXCEPTION),
					 errmsg("gate on metric \"%s\" failed: production version %d of model \"%s\" has no metric \"%s\" to compare with",
							metric, prod_version, vi->model, metric),
					 errhint("Change the gates with mlops.set_policy(), or request another move with mlops.request_transition().")));
		what = psprintf("production version %d (%g)", prod_version, threshold);
	}
	else
		what = psprintf("%g", threshold);
	if (!gate_compare(value, op, threshold))
		ereport(ERROR,
				(errcode(ERRCODE_RAISE_EXCEPTION),
				 errmsg("gate %s %s %s failed for version %d of model \"%s\": %s = %g",
						metric, op, what, vi->version, vi->model, metric, value),
				 errhint("Promote a version that passes (mlops.request_transition()), or change the gates with mlops.set_policy().")));
	appendStringInfo(log, "%s%s=%g %s %s", log->len ? ", " : "", metric, value, op, what);
}

/* Check every gate of a policy (a jsonb array) against a version. */
static void
gates_check(const VersionInfo *vi, const char *to, Datum gates, StringInfo log)
{
	Oid			types[1] = {JSONBOID};
	Datum		vals[1] = {gates};
	int			n,
				i;
	SPITupleTable *tt;

	n = reg_exec("SELECT g->>'metric', g->>'op', (g->>'value')::pg_catalog.float8 "
				 "FROM pg_catalog.jsonb_array_elements($1) WITH ORDINALITY AS e(g, i) ORDER BY i",
				 1, types, vals, NULL, false, 0);
	tt = SPI_tuptable;
	for (i = 0; i < n; i++)
	{
		bool		isnull;
		char	   *metric = SPI_getvalue(tt->vals[i], tt->tupdesc, 1);
		char	   *op = SPI_getvalue(tt->vals[i], tt->tupdesc, 2);
		Datum		thr = SPI_getbinval(tt->vals[i], tt->tupdesc, 3, &isnull);

		/* a policy loaded verbatim by a superuser skipped gates_validate */
		if (metric == NULL || metric[0] == '\0' || op == NULL || !gate_op_valid(op))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("gate %d of the policy for moving model \"%s\" to stage \"%s\" is invalid: %s",
							i + 1, vi->model, to, metric == NULL || metric[0] == '\0' ? "no \"metric\""
							: op == NULL ? "no \"op\"" : psprintf("unknown \"op\" \"%s\"", op)),
					 errhint("Fix the gates with mlops.set_policy(); then mlops.transition() again.")));
		/* no "value" means "baseline": "production" (the only baseline set_policy accepts) */
		gate_check(vi, metric, op, !isnull, isnull ? 0 : DatumGetFloat8(thr), log);
	}
}

/* Validate a policy's gates array; errors name the offending gate. */
static void
gates_validate(Datum gates)
{
	Oid			types[1] = {JSONBOID};
	Datum		vals[1] = {gates};
	int			n,
				i;

	reg_exec("SELECT pg_catalog.jsonb_typeof($1)", 1, types, vals, NULL, false, 1);
	if (strcmp(res_str(0, 1), "array") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("policy gates must be a JSON array"),
				 errhint("For example [{\"metric\":\"auc\",\"op\":\">=\",\"value\":0.8}].")));
	n = reg_exec("SELECT e.i, pg_catalog.jsonb_typeof(g), pg_catalog.jsonb_typeof(g->'metric'), g->>'metric', "
				 "g->>'op', pg_catalog.jsonb_typeof(g->'value'), g->>'baseline', "
				 "(SELECT pg_catalog.string_agg(k, ',') FROM pg_catalog.jsonb_object_keys("
				 " CASE pg_catalog.jsonb_typeof(g) WHEN 'object' THEN g ELSE '{}' END) k "
				 " WHERE k OPERATOR(pg_catalog.<>) ALL (ARRAY['metric','op','value','baseline'])) "
				 "FROM pg_catalog.jsonb_array_elements($1) WITH ORDINALITY AS e(g, i) ORDER BY e.i",
				 1, types, vals, NULL, false, 0);
	for (i = 0; i < n; i++)
	{
		char	   *idx = res_str(i, 1);
		char	   *kind = res_str(i, 2);
		char	   *mkind = res_str(i, 3);
		char	   *metric = res_str(i, 4);
		char	   *op = res_str(i, 5);
		char	   *vkind = res_str(i, 6);
		char	   *baseline = res_str(i, 7);
		char	   *extra = res_str(i, 8);
		const char *problem = NULL;

		if (strcmp(kind, "object") != 0)
			problem = "is not a JSON object";
		else if (mkind == NULL || strcmp(mkind, "string") != 0 || metric[0] == '\0')
			problem = "needs \"metric\": a metric name";
		else if (op == NULL || !gate_op_valid(op))
			problem = "needs \"op\": one of >=, >, <=, <, =, !=";
		else if ((vkind != NULL) == (baseline != NULL))
			problem = "needs exactly one of \"value\" (a number) and \"baseline\": \"production\"";
		else if (vkind != NULL && strcmp(vkind, "number") != 0)
			problem = "has a \"value\" that is not a number";
		else if (baseline != NULL && strcmp(baseline, "production") != 0)
			problem = "has a \"baseline\" other than \"production\"";
		else if (extra != NULL)
			problem = psprintf("has unknown keys: %s", extra);
		if (problem)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("gate %s of the policy %s", idx, problem),
					 errhint("A gate looks like {\"metric\":\"auc\",\"op\":\">=\",\"value\":0.8} or "
							 "{\"metric\":\"auc\",\"op\":\">=\",\"baseline\":\"production\"}.")));
	}
}

/* ------------------------------------------------------- stage history */

/*
 * Close a version's current stage-history row and open one for stage. The
 * time is now(), but never before the model's latest history entry: a
 * transaction that started earlier but got the model's lock later must not
 * close an interval before it began or open one that overlaps.
 */
static void
history_move(int64 version_id, int64 model_id, const char *stage)
{
	Oid			types[4] = {INT8OID, INT8OID, TEXTOID, TIMESTAMPTZOID};
	Datum		vals[4] = {Int64GetDatum(version_id), Int64GetDatum(model_id), CStringGetTextDatum(stage), 0};
	bool		isnull;

	reg_exec("SELECT GREATEST(pg_catalog.now(), pg_catalog.max(h.valid_from)) FROM mlops.stage_history h "
			 "WHERE h.model_id OPERATOR(pg_catalog.=) $1", 1, &types[1], &vals[1], NULL, false, 1);
	vals[3] = res_datum(0, 1, &isnull);
	if (isnull)
		vals[3] = now_datum();
	reg_exec("UPDATE mlops.stage_history SET valid_to = $4 "
			 "WHERE model_version_id OPERATOR(pg_catalog.=) $1 AND valid_to IS NULL",
			 4, types, vals, NULL, false, 0);
	reg_exec("INSERT INTO mlops.stage_history (model_version_id, model_id, stage, valid_from) "
			 "VALUES ($1, $2, $3, $4)", 4, types, vals, NULL, false, 0);
}

/* Entity name of a model version in the audit log. */
static char *
version_entity(const VersionInfo *vi)
{
	return psprintf("model:%s@%d", vi->model, vi->version);
}

/* ---------------------------------------------------------- models */

/* models: fill created_by/at on INSERT; only the description may change. */
static HeapTuple
models_body(TriggerData *td, RegCtx *c)
{
	TupleDesc	desc = td->tg_relation->rd_att;
	HeapTuple	tup = td->tg_trigtuple;
	TupleEdit	e = {0};
	bool		isnull;
	char	   *name;
	StringInfo	d;

	if (c->internal)
		return passthrough(td);
	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
	{
		static const char *const fixed[] = {"id", "name", "created_by", "created_at", "last_version"};
		int			i;

		for (i = 0; i < lengthof(fixed); i++)
			if (col_changed(tup, td->tg_newtuple, desc, fixed[i]))
				ereport(ERROR,
						(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
						 errmsg("column \"%s\" of model \"%s\" cannot be changed", fixed[i],
								col_str(tup, desc, "name")),
						 errhint("Only the description of a model can be updated.")));
		return td->tg_newtuple;
	}
	(void) col_get(tup, desc, "created_by", &isnull);
	if (c->is_super && !isnull)
		return tup;				/* a superuser loading rows verbatim (pg_restore) */
	name = col_str(tup, desc, "name");
	/* keeps NOTIFY payloads (which carry the name) far below their 8000-byte limit */
	if (name && pg_mbstrlen(name) > REGISTRY_MODEL_NAME_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_NAME_TOO_LONG),
				 errmsg("model name \"%s...\" is too long (%d characters, at most %d)",
						pnstrdup(name, pg_mbcliplen(name, strlen(name), 40)), pg_mbstrlen(name),
						REGISTRY_MODEL_NAME_MAX),
				 errhint("Choose a shorter name; put details in the description.")));
	edit_set(&e, desc, "created_by", name_datum(c->session_name), false);
	edit_set(&e, desc, "created_at", now_datum(), false);
	edit_set(&e, desc, "last_version", Int32GetDatum(0), false);
	d = json_open();
	json_kv_str(d, "model", name);
	json_kv_str(d, "description", col_str(tup, desc, "description"));
	audit_append(c, "model.register", psprintf("model:%s", name ? name : ""), d);
	return edit_apply(c, &e, tup, desc);
}

/* Run a trigger body inside reg_begin/reg_end, undoing state on error. */
static Datum
run_trigger(TriggerData *td, HeapTuple (*body) (TriggerData *, RegCtx *))
{
	RegCtx		c;

	reg_begin(&c);
	PG_TRY();
	{
		c.result = body(td, &c);
	}
	PG_CATCH();
	{
		reg_abort(&c);
		PG_RE_THROW();
	}
	PG_END_TRY();
	reg_end(&c);
	return PointerGetDatum(c.result);
}

PG_FUNCTION_INFO_V1(mlops_models_guard);

/* Trigger on mlops.models. */
Datum
mlops_models_guard(PG_FUNCTION_ARGS)
{
	TriggerData *td = trigger_data(fcinfo, "mlops_models_guard");

	/* fast path: a description-only update needs no SPI (descriptions are not audited) */
	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event) &&
		!col_changed(td->tg_trigtuple, td->tg_newtuple, td->tg_relation->rd_att, "name") &&
		!col_changed(td->tg_trigtuple, td->tg_newtuple, td->tg_relation->rd_att, "created_by") &&
		!col_changed(td->tg_trigtuple, td->tg_newtuple, td->tg_relation->rd_att, "created_at") &&
		!col_changed(td->tg_trigtuple, td->tg_newtuple, td->tg_relation->rd_att, "last_version") &&
		!col_changed(td->tg_trigtuple, td->tg_newtuple, td->tg_relation->rd_att, "id"))
		return PointerGetDatum(td->tg_newtuple);
	return run_trigger(td, models_body);
}

/* ---------------------------------------------------- model versions */

/* INSERT into model_versions: next number from the row-locked counter, stage none. */
static HeapTuple
versions_insert(TriggerData *td, RegCtx *c)
{
	TupleDesc	desc = td->tg_relation->rd_att;
	HeapTuple	tup = td->tg_trigtuple;
	TupleEdit	e = {0};
	bool		isnull,
				vnull,
				excl = false;
	Datum		given = col_get(tup, desc, "version", &vnull);
	int64		model_id = col_int8(tup, desc, "model_id");
	Oid			types[2] = {INT8OID, INT4OID};
	Datum		vals[2] = {Int64GetDatum(model_id), given};
	char	   *stage = col_str(tup, desc, "stage");
	VersionInfo vi;
	StringInfo	d;

	(void) col_get(tup, desc, "created_by", &isnull);
	if (c->is_super && !vnull && !isnull)
	{
		/* a superuser loading rows verbatim (pg_restore): keep the counter ahead */
		reg_exec("UPDATE mlops.models SET last_version = GREATEST(last_version, $2) "
				 "WHERE id OPERATOR(pg_catalog.=) $1", 2, types, vals, NULL, false, 0);
		return tup;
	}
	if (reg_exec("UPDATE mlops.models SET last_version = last_version OPERATOR(pg_catalog.+) 1 "
				 "WHERE id OPERATOR(pg_catalog.=) $1 RETURNING last_version, name",
				 1, types, vals, NULL, false, 0) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model_id " INT64_FORMAT " does not match any model in mlops.models", model_id),
				 errhint("Register the model with mlops.register_model() and create versions by name with mlops.create_model_version().")));
	memset(&vi, 0, sizeof(vi));
	vi.id = col_int8(tup, desc, "id");
	vi.model_id = model_id;
	vi.version = DatumGetInt32(res_datum(0, 1, &isnull));
	vi.model = res_str(0, 2);
	vi.run_id = col_str(tup, desc, "run_id");
	if (!vnull && DatumGetInt32(given) != vi.version)
		ereport(ERROR,
				(errcode(ERRCODE_GENERATED_ALWAYS),
				 errmsg("version numbers of model \"%s\" are assigned by mlops: the next one is %d, not %d",
						vi.model, vi.version, DatumGetInt32(given)),
				 errhint("Leave the version column out (or use mlops.create_model_version()).")));
	if (stage == NULL)
		stage = "none";
	if (strcmp(stage, "none") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("a new version of model \"%s\" starts in stage \"none\", not \"%s\"", vi.model, stage),
				 errhint("Move it afterwards with mlops.request_transition() and mlops.transition().")));
	(void) stage_lookup("none", &excl);
	edit_set(&e, desc, "version", Int32GetDatum(vi.version), false);
	edit_set(&e, desc, "stage", CStringGetTextDatum("none"), false);
	edit_set(&e, desc, "stage_exclusive", BoolGetDatum(excl), false);
	edit_set(&e, desc, "created_by", name_datum(c->session_name), false);
	edit_set(&e, desc, "created_at", now_datum(), false);
	edit_set(&e, desc, "stage_changed_at", now_datum(), false);
	if (vi.id != 0)
		history_move(vi.id, model_id, "none");
	d = json_open();
	json_kv_str(d, "model", vi.model);
	json_kv_int(d, "version", vi.version);
	json_kv_str(d, "run_id", vi.run_id);
	json_kv_str(d, "artifact_uri", col_str(tup, desc, "artifact_uri"));
	audit_append(c, "version.create", version_entity(&vi), d);
	return edit_apply(c, &e, tup, desc);
}

/* Archive the other holders of an exclusive stage; returns their versions as JSON. */
static char *
archive_holders(const VersionInfo *vi, const char *stage)
{
	Oid			types[3] = {INT8OID, TEXTOID, INT8OID};
	Datum		vals[3] = {Int64GetDatum(vi->model_id), CStringGetTextDatum(stage), Int64GetDatum(vi->id)};
	int			n,
				i;
	StringInfoData out;
	SPITupleTable *tt;

	initStringInfo(&out);
	appendStringInfoChar(&out, '[');
	n = reg_exec("SELECT v.id, v.version FROM mlops.model_versions v WHERE v.model_id OPERATOR(pg_catalog.=) $1 "
				 "AND v.stage OPERATOR(pg_catalog.=) $2 AND v.id OPERATOR(pg_catalog.<>) $3 ORDER BY v.id FOR UPDATE",
				 3, types, vals, NULL, false, 0);
	tt = SPI_tuptable;
	for (i = 0; i < n; i++)
	{
		bool		isnull;
		Datum		id = SPI_getbinval(tt->vals[i], tt->tupdesc, 1, &isnull);
		Oid			t1[1] = {INT8OID};
		Datum		v1[1] = {id};

		appendStringInfo(&out, "%s%s", i ? "," : "", SPI_getvalue(tt->vals[i], tt->tupdesc, 2));
		archiving_for_version = vi->version;
		reg_exec("UPDATE mlops.model_versions SET stage = 'archived' WHERE id OPERATOR(pg_catalog.=) $1",
				 1, t1, v1, NULL, false, 0);
		archiving_for_version = 0;
	}
	appendStringInfoChar(&out, ']');
	return out.data;
}

/* Approvals that count for a request under a policy. */
static int
count_approvals(int64 request_id, const Policy *p, const char *requested_by, const char *requested_session)
{
	Oid			types[6] = {INT8OID, BOOLOID, NAMEOID, OIDOID, BOOLOID, NAMEOID};
	Datum		vals[6];
	bool		isnull;

	vals[0] = Int64GetDatum(request_id);
	vals[1] = BoolGetDatum(p->allow_self);
	vals[2] = name_datum(requested_by);
	vals[3] = ObjectIdGetDatum(p->approver_role);
	/* the same login acting under another role counts unless it is a superuser session */
	vals[4] = BoolGetDatum(p->allow_self || role_name_is_super(requested_session));
	vals[5] = name_datum(requested_session);

	/* one login is one approver, whatever roles it sets: count session users */
	reg_exec("SELECT pg_catalog.count(DISTINCT a.approver_session)::int4 FROM mlops.approvals a "
			 "JOIN pg_catalog.pg_roles r ON r.rolname OPERATOR(pg_catalog.=) a.approver "
			 "WHERE a.request_id OPERATOR(pg_catalog.=) $1 AND a.decision OPERATOR(pg_catalog.=) 'approve' "
			 "AND ($2 OR a.approver OPERATOR(pg_catalog.<>) $3) "
			 "AND ($5 OR a.approver_session OPERATOR(pg_catalog.<>) $6) "
			 "AND pg_catalog.pg_has_role(r.oid, $4, 'MEMBER')",
			 6, types, vals, NULL, false, 1);
	return DatumGetInt32(res_datum(0, 1, &isnull));
}

/*
 * The approval rule for a governed move: an open request for exactly this
 * version, source and target stage with enough valid approvals and passing
 * gates. Returns the request id (0 when no policy and no request).
 */
static int64
approval_require(const VersionInfo *vi, const char *from, const char *to,
				 StringInfo gate_log, int *napprovals)
{
	Policy		p;
	Oid			types[3] = {INT8OID, TEXTOID, TEXTOID};
	Datum		vals[3] = {Int64GetDatum(vi->id), CStringGetTextDatum(to), CStringGetTextDatum(from)};
	int64		request_id = 0;
	bool		isnull;
	char	   *requested_by = NULL;
	char	   *requested_session = NULL;

	policy_lookup(vi->model_id, to, &p);
	if (reg_exec("SELECT r.id, r.requested_by::text, r.requested_session::text FROM mlops.transition_requests r "
				 "WHERE r.model_version_id OPERATOR(pg_catalog.=) $1 AND r.to_stage OPERATOR(pg_catalog.=) $2 "
				 "AND r.from_stage OPERATOR(pg_catalog.=) $3 AND r.status OPERATOR(pg_catalog.=) 'open' FOR UPDATE",
				 3, types, vals, NULL, false, 1) > 0)
	{
		request_id = DatumGetInt64(res_datum(0, 1, &isnull));
		requested_by = res_str(0, 2) ? res_str(0, 2) : "";
		requested_session = res_str(0, 3) ? res_str(0, 3) : "";
	}
	*napprovals = 0;
	if (!p.found)
		return request_id;
	if (request_id == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("moving version %d of model \"%s\" to stage \"%s\" needs an approved transition request",
						vi->version, vi->model, to),
				 errdetail("A policy requires %d approval(s) from members of role \"%s\".",
						   p.min_approvals, p.approver_role_name),
				 errhint("Call mlops.request_transition(%s, %d, %s) and have it approved with mlops.approve().",
						 quote_literal_cstr(vi->model), vi->version, quote_literal_cstr(to))));
	*napprovals = count_approvals(request_id, &p, requested_by, requested_session);
	if (*napprovals < p.min_approvals)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("transition request " INT64_FORMAT " (version %d of model \"%s\" to stage \"%s\") has %d of %d required approvals",
						request_id, vi->version, vi->model, to, *napprovals, p.min_approvals),
				 errhint("Members of role \"%s\" other than the requester approve it with mlops.approve(" INT64_FORMAT ").",
						 p.approver_role_name, request_id)));
	gates_check(vi, to, p.gates, gate_log);
	return request_id;
}

/* UPDATE of model_versions that changes the stage: the governed move. */
static HeapTuple
versions_stage_change(TriggerData *td, RegCtx *c)
{
	TupleDesc	desc = td->tg_relation->rd_att;
	HeapTuple	newtup = td->tg_newtuple;
	TupleEdit	e = {0};
	VersionInfo vi;
	char	   *from = col_str(td->tg_trigtuple, desc, "stage");
	char	   *to = col_str(newtup, desc, "stage");
	bool		excl,
				isnull;
	int64		request_id = 0;
	int			napprovals = 0;
	char	   *archived = NULL;
	char	   *cancelled = NULL;
	char	   *comment = NULL;
	StringInfoData gate_log;
	StringInfo	d,
				n;

	initStringInfo(&gate_log);
	memset(&vi, 0, sizeof(vi));
	vi.id = col_int8(newtup, desc, "id");
	vi.model_id = col_int8(newtup, desc, "model_id");
	vi.version = DatumGetInt32(col_get(newtup, desc, "version", &isnull));
	vi.run_id = col_str(newtup, desc, "run_id");
	vi.model = lock_model(vi.model_id);
	vi.stage = from;
	excl = stage_require(to);
	if (!c->internal)
	{
		Oid			types[3] = {INT8OID, TEXTOID, NAMEOID};
		Datum		vals[3] = {Int64GetDatum(vi.id), CStringGetTextDatum(to), name_datum(c->role_name)};

		transition_require(&vi, from, to);
		request_id = approval_require(&vi, from, to, &gate_log, &napprovals);
		if (request_id != 0)
		{
			Datum		rvals[3] = {Int64GetDatum(request_id), vals[1], vals[2]};

			reg_exec("UPDATE mlops.transition_requests SET status = 'consumed', closed_at = pg_catalog.now(), "
					 "closed_by = $3 WHERE id OPERATOR(pg_catalog.=) $1", 3, types, rvals, NULL, false, 0);
		}
		if (note_lxid == MyProc->lxid && note_version_id == vi.id)
			comment = note_comment;
		note_lxid = InvalidLocalTransactionId;
	}

	/*
	 * Open requests of this version that start elsewhere are stale now, also
	 * when the move is internal (archived by another version's promotion):
	 * their approvals must not be reused later.
	 */
	{
		Oid			types[3] = {INT8OID, TEXTOID, NAMEOID};
		Datum		vals[3] = {Int64GetDatum(vi.id), CStringGetTextDatum(to), name_datum(c->role_name)};

		reg_exec("WITH c AS (UPDATE mlops.transition_requests SET status = 'cancelled', closed_at = pg_catalog.now(), "
				 "closed_by = $3 WHERE model_version_id OPERATOR(pg_catalog.=) $1 AND status OPERATOR(pg_catalog.=) 'open' "
				 "AND from_stage OPERATOR(pg_catalog.<>) $2 RETURNING id) "
				 "SELECT pg_catalog.jsonb_agg(c.id ORDER BY c.id)::text FROM c", 3, types, vals, NULL, false, 0);
		cancelled = res_str(0, 1);
	}
	if (excl)
		archived = archive_holders(&vi, to);
	edit_set(&e, desc, "stage_exclusive", BoolGetDatum(excl), false);
	edit_set(&e, desc, "stage_changed_at", now_datum(), false);
	history_move(vi.id, vi.model_id, to);

	d = json_open();
	json_kv_str(d, "model", vi.model);
	json_kv_int(d, "version", vi.version);
	json_kv_str(d, "from", from);
	json_kv_str(d, "to", to);
	if (request_id)
	{
		json_kv_int(d, "request", request_id);
		json_kv_int(d, "approvals", napprovals);
	}
	if (gate_log.len)
		json_kv_str(d, "gates", gate_log.data);
	if (archived && strcmp(archived, "[]") != 0)
		json_kv_raw(d, "archived_versions", archived);
	if (cancelled)
		json_kv_raw(d, "cancelled_requests", cancelled);
	if (c->internal && archiving_for_version)
		json_kv_int(d, "replaced_by_version", archiving_for_version);
	if (comment)
		json_kv_str(d, "comment", comment);
	audit_append(c, "stage.change", version_entity(&vi), d);

	n = json_open();
	json_kv_str(n, "model", vi.model);
	json_kv_int(n, "version", vi.version);
	json_kv_str(n, "from", from);
	json_kv_str(n, "to", to);
	json_kv_str(n, "actor", c->session_name);
	registry_notify("stage.changed", version_entity(&vi), n);
	return edit_apply(c, &e, newtup, desc);
}

/* UPDATE of model_versions: immutable columns, then the stage change if any. */
static HeapTuple
versions_update(TriggerData *td, RegCtx *c)
{
	static const char *const fixed[] = {"id", "model_id", "version", "run_id", "artifact_uri",
	"created_by", "created_at"};
	TupleDesc	desc = td->tg_relation->rd_att;
	int			i;

	for (i = 0; i < lengthof(fixed); i++)
		if (col_changed(td->tg_trigtuple, td->tg_newtuple, desc, fixed[i]))
		{
			bool		isnull;
			int64		model_id = col_int8(td->tg_trigtuple, desc, "model_id");
			Oid			types[1] = {INT8OID};
			Datum		vals[1] = {Int64GetDatum(model_id)};
			char	   *model;

			reg_exec("SELECT m.name FROM mlops.models m WHERE m.id OPERATOR(pg_catalog.=) $1",
					 1, types, vals, NULL, false, 1);
			model = res_str(0, 1);
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("column \"%s\" of version %d of model \"%s\" cannot be changed", fixed[i],
							DatumGetInt32(col_get(td->tg_trigtuple, desc, "version", &isnull)),
							model ? model : "?"),
					 strcmp(fixed[i], "artifact_uri") == 0
					 ? errhint("A version's artifact is immutable: create a new version with "
							   "mlops.create_model_version() for a new artifact.")
					 : errhint("Register a new version with mlops.create_model_version(); move stages with "
							   "mlops.request_transition() and mlops.transition().")));
		}
	if (!col_changed(td->tg_trigtuple, td->tg_newtuple, desc, "stage"))
	{
		/* stage_exclusive alone changes only through the stages FK cascade */
		if (col_changed(td->tg_trigtuple, td->tg_newtuple, desc, "stage_changed_at") && !c->internal)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("column \"stage_changed_at\" of mlops.model_versions is maintained by the registry")));
		return td->tg_newtuple;
	}
	return versions_stage_change(td, c);
}

/* DELETE from model_versions: never a version in an exclusive stage or production. */
static HeapTuple
versions_delete(TriggerData *td, RegCtx *c)
{
	TupleDesc	desc = td->tg_relation->rd_att;
	HeapTuple	tup = td->tg_trigtuple;
	VersionInfo vi;
	bool		isnull;
	StringInfo	d;
	Oid			types[1] = {INT8OID};
	Datum		vals[1];

	if (c->internal)
		return tup;
	if (!load_version(col_int8(tup, desc, "id"), &vi))
		return tup;
	if (DatumGetBool(col_get(tup, desc, "stage_exclusive", &isnull)) || strcmp(vi.stage, "production") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("version %d of model \"%s\" is in stage \"%s\" and cannot be deleted",
						vi.version, vi.model, vi.stage),
				 errhint("Move it to \"archived\" first.")));
	vals[0] = Int64GetDatum(vi.id);
	reg_exec("DELETE FROM mlops.stage_history WHERE model_version_id OPERATOR(pg_catalog.=) $1",
			 1, types, vals, NULL, false, 0);
	d = json_open();
	json_kv_str(d, "model", vi.model);
	json_kv_int(d, "version", vi.version);
	json_kv_str(d, "stage", vi.stage);
	json_kv_str(d, "run_id", vi.run_id);
	audit_append(c, "version.delete", version_entity(&vi), d);
	return tup;
}

/* Dispatch model_versions trigger events. */
static HeapTuple
versions_body(TriggerData *td, RegCtx *c)
{
	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
		return c->internal ? td->tg_trigtuple : versions_insert(td, c);
	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		return versions_update(td, c);
	return versions_delete(td, c);
}

PG_FUNCTION_INFO_V1(mlops_model_versions_guard);

/* Trigger on mlops.model_versions. */
Datum
mlops_model_versions_guard(PG_FUNCTION_ARGS)
{
	TriggerData *td = trigger_data(fcinfo, "mlops_model_versions_guard");

	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
	{
		/* fast path: nothing governed changes (description, stage_exclusive by the FK cascade) */
		static const char *const watched[] = {"stage", "model_id", "version", "run_id", "id",
		"artifact_uri", "created_by", "created_at", "stage_changed_at"};
		TupleDesc	desc = td->tg_relation->rd_att;
		int			i;

		for (i = 0; i < lengthof(watched); i++)
			if (col_changed(td->tg_trigtuple, td->tg_newtuple, desc, watched[i]))
				break;
		if (i == lengthof(watched))
			return PointerGetDatum(td->tg_newtuple);
	}
	return run_trigger(td, versions_body);
}

/* ------------------------------------------------- transition requests */

/* INSERT into transition_requests: the move must be allowed, one open per target. */
static HeapTuple
requests_insert(TriggerData *td, RegCtx *c)
{
	TupleDesc	desc = td->tg_relation->rd_att;
	HeapTuple	tup = td->tg_trigtuple;
	TupleEdit	e = {0};
	VersionInfo vi;
	bool		isnull;
	char	   *to = col_str(tup, desc, "to_stage");
	int64		version_id = col_int8(tup, desc, "model_version_id");
	int64		id = col_int8(tup, desc, "id");
	Oid			types[2] = {INT8OID, TEXTOID};
	Datum		vals[2];
	StringInfo	d;

	(void) col_get(tup, desc, "requested_by", &isnull);
	if (c->is_super && !isnull)
		return tup;				/* verbatim load (pg_restore) */
	if (!load_version(version_id, &vi))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model_version_id " INT64_FORMAT " does not match any model version in mlops.model_versions", version_id),
				 errhint("Use the mlops.* functions, which take a model name and version number.")));
	(void) lock_model(vi.model_id);
	(void) load_version(version_id, &vi);
	(void) stage_require(to ? to : "");
	if (strcmp(vi.stage, to) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("version %d of model \"%s\" is already in stage \"%s\"", vi.version, vi.model, to)));
	transition_require(&vi, vi.stage, to);
	vals[0] = Int64GetDatum(version_id);
	vals[1] = CStringGetTextDatum(to);
	if (reg_exec("SELECT r.id FROM mlops.transition_requests r WHERE r.model_version_id OPERATOR(pg_catalog.=) $1 "
				 "AND r.to_stage OPERATOR(pg_catalog.=) $2 AND r.status OPERATOR(pg_catalog.=) 'open'",
				 2, types, vals, NULL, false, 1) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNIQUE_VIOLATION),
				 errmsg("transition request %s for version %d of model \"%s\" to stage \"%s\" is already open",
						res_str(0, 1), vi.version, vi.model, to),
				 errhint("Approve or reject request %s first.", res_str(0, 1))));
	edit_set(&e, desc, "from_stage", CStringGetTextDatum(vi.stage), false);
	edit_set(&e, desc, "status", CStringGetTextDatum("open"), false);
	edit_set(&e, desc, "requested_by", name_datum(c->role_name), false);
	edit_set(&e, desc, "requested_session", name_datum(c->session_name), false);
	edit_set(&e, desc, "requested_at", now_datum(), false);
	edit_set(&e, desc, "closed_by", (Datum) 0, true);
	edit_set(&e, desc, "closed_at", (Datum) 0, true);
	d = json_open();
	json_kv_int(d, "request", id);
	json_kv_str(d, "model", vi.model);
	json_kv_int(d, "version", vi.version);
	json_kv_str(d, "from", vi.stage);
	json_kv_str(d, "to", to);
	json_kv_str(d, "comment", col_str(tup, desc, "comment"));
	audit_append(c, "transition.request", version_entity(&vi), d);
	return edit_apply(c, &e, tup, desc);
}

/* Requests and approvals change only through the registry (or a superuser). */
static void
refuse_direct_change(RegCtx *c, const char *what, const char *hint)
{
	if (c->internal || c->is_super)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("%s cannot be changed or deleted directly", what),
			 errhint("%s", hint)));
}

/* Dispatch transition_requests trigger events. */
static HeapTuple
requests_body(TriggerData *td, RegCtx *c)
{
	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
		return c->internal ? td->tg_trigtuple : requests_insert(td, c);
	refuse_direct_change(c, "transition requests",
						 "Use mlops.approve(), mlops.reject() and mlops.transition().");
	return passthrough(td);
}

PG_FUNCTION_INFO_V1(mlops_requests_guard);

/* Trigger on mlops.transition_requests. */
Datum
mlops_requests_guard(PG_FUNCTION_ARGS)
{
	return run_trigger(trigger_data(fcinfo, "mlops_requests_guard"), requests_body);
}

/* ------------------------------------------------------------ approvals */

/* INSERT into approvals: an open request, a member of the approver role, not the requester, once. */
static HeapTuple
approvals_insert(TriggerData *td, RegCtx *c)
{
	TupleDesc	desc = td->tg_relation->rd_att;
	HeapTuple	tup = td->tg_trigtuple;
	TupleEdit	e = {0};
	bool		isnull;
	int64		request_id = col_int8(tup, desc, "request_id");
	char	   *decision = col_str(tup, desc, "decision");
	bool		is_reject;
	Oid			types[2] = {INT8OID, NAMEOID};
	Datum		vals[2] = {Int64GetDatum(request_id), name_datum(c->role_name)};
	VersionInfo vi;
	char	   *status,
			   *to,
			   *requested_by,
			   *requested_session;
	int64		version_id;
	Policy		p;
	StringInfo	d;

	(void) col_get(tup, desc, "approver", &isnull);
	if (c->is_super && !isnull)
		return tup;				/* verbatim load (pg_restore) */
	if (decision == NULL || (strcmp(decision, "approve") != 0 && strcmp(decision, "reject") != 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("decision must be \"approve\" or \"reject\", not \"%s\"", decision ? decision : "")));
	is_reject = strcmp(decision, "reject") == 0;
	if (reg_exec("SELECT r.status, r.to_stage, r.requested_by::text, r.requested_session::text, r.model_version_id "
				 "FROM mlops.transition_requests r WHERE r.id OPERATOR(pg_catalog.=) $1 FOR UPDATE",
				 1, types, vals, NULL, false, 1) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("transition request " INT64_FORMAT " does not exist", request_id)));
	status = res_str(0, 1);
	to = res_str(0, 2);
	requested_by = res_str(0, 3) ? res_str(0, 3) : "";
	requested_session = res_str(0, 4) ? res_str(0, 4) : "";
	version_id = DatumGetInt64(res_datum(0, 5, &isnull));
	(void) load_version(version_id, &vi);
	if (strcmp(status, "open") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("transition request " INT64_FORMAT " is %s, not open", request_id, status),
				 errhint("Open a new one with mlops.request_transition(%s, %d, %s).",
						 quote_literal_cstr(vi.model), vi.version, quote_literal_cstr(to))));
	if (reg_exec("SELECT a.decision FROM mlops.approvals a WHERE a.request_id OPERATOR(pg_catalog.=) $1 "
				 "AND a.approver OPERATOR(pg_catalog.=) $2", 2, types, vals, NULL, false, 1) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNIQUE_VIOLATION),
				 errmsg("role \"%s\" has already %s transition request " INT64_FORMAT, c->role_name,
						strcmp(res_str(0, 1), "approve") == 0 ? "approved" : "rejected", request_id)));
	{
		/* one decision per login: SET ROLE does not make a second approver */
		Datum		svals[2] = {vals[0], name_datum(c->session_name)};

		if (reg_exec("SELECT a.decision, a.approver::text FROM mlops.approvals a "
					 "WHERE a.request_id OPERATOR(pg_catalog.=) $1 "
					 "AND a.approver_session OPERATOR(pg_catalog.=) $2", 2, types, svals, NULL, false, 1) > 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNIQUE_VIOLATION),
					 errmsg("login \"%s\" has already %s transition request " INT64_FORMAT " (as role \"%s\")",
							c->session_name, strcmp(res_str(0, 1), "approve") == 0 ? "approved" : "rejected",
							request_id, res_str(0, 2)),
					 errhint("Each login decides once; another member of the approver role must approve it.")));
	}
	policy_lookup(vi.model_id, to, &p);
	if (p.found && !is_member_of_role(c->role, p.approver_role))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("role \"%s\" is not a member of role \"%s\", which approves moving model \"%s\" to stage \"%s\"",
						c->role_name, p.approver_role_name, vi.model, to)));
	if (!is_reject && !(p.found && p.allow_self) &&
		(strcmp(c->role_name, requested_by) == 0 ||
		 (strcmp(c->session_name, requested_session) == 0 && !role_name_is_super(c->session_name))))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("role \"%s\" cannot approve its own transition request " INT64_FORMAT,
						c->role_name, request_id),
				 errhint("Another member of the approver role must approve it.")));
	edit_set(&e, desc, "approver", name_datum(c->role_name), false);
	edit_set(&e, desc, "approver_session", name_datum(c->session_name), false);
	edit_set(&e, desc, "at", now_datum(), false);
	if (is_reject)
		reg_exec("UPDATE mlops.transition_requests SET status = 'rejected', closed_at = pg_catalog.now(), "
				 "closed_by = $2 WHERE id OPERATOR(pg_catalog.=) $1", 2, types, vals, NULL, false, 0);
	d = json_open();
	json_kv_int(d, "request", request_id);
	json_kv_str(d, "model", vi.model);
	json_kv_int(d, "version", vi.version);
	json_kv_str(d, "to", to);
	json_kv_str(d, "requested_by", requested_by);
	json_kv_str(d, "comment", col_str(tup, desc, "comment"));
	audit_append(c, is_reject ? "transition.reject" : "transition.approve", version_entity(&vi), d);
	return edit_apply(c, &e, tup, desc);
}

/* Dispatch approvals trigger events. */
static HeapTuple
approvals_body(TriggerData *td, RegCtx *c)
{
	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
		return c->internal ? td->tg_trigtuple : approvals_insert(td, c);
	refuse_direct_change(c, "approvals", "An approval or rejection is final; open a new request instead.");
	return passthrough(td);
}

PG_FUNCTION_INFO_V1(mlops_approvals_guard);

/* Trigger on mlops.approvals. */
Datum
mlops_approvals_guard(PG_FUNCTION_ARGS)
{
	return run_trigger(trigger_data(fcinfo, "mlops_approvals_guard"), approvals_body);
}

/* -------------------------------------------------------------- aliases */

/* NOTIFY and audit an alias change. */
static void
alias_event(RegCtx *c, const char *action, const VersionInfo *vi, const char *alias,
			int version, int previous)
{
	StringInfo	d = json_open();
	StringInfo	n = json_open();

	json_kv_str(d, "model", vi->model);
	json_kv_str(d, "alias", alias);
	if (version)
		json_kv_int(d, "version", version);
	else
		json_kv_raw(d, "version", "null");
	if (previous)
		json_kv_int(d, "previous_version", previous);
	audit_append(c, action, psprintf("model:%s#%s", vi->model, alias), d);
	json_kv_str(n, "model", vi->model);
	json_kv_str(n, "alias", alias);
	if (version)
		json_kv_int(n, "version", version);
	else
		json_kv_raw(n, "version", "null");
	if (previous)
		json_kv_int(n, "previous_version", previous);
	json_kv_str(n, "actor", c->session_name);
	registry_notify("alias.changed", psprintf("model:%s#%s", vi->model, alias), n);
}

/* Time of an alias change: now(), but never before the alias's latest assignment. */
static Datum
alias_time(int64 model_id, const char *alias)
{
	Oid			types[2] = {INT8OID, TEXTOID};
	Datum		vals[2] = {Int64GetDatum(model_id), CStringGetTextDatum(alias)};
	bool		isnull;
	Datum		ts;

	reg_exec("SELECT GREATEST(pg_catalog.now(), pg_catalog.max(a.valid_from)) FROM mlops.model_aliases a "
			 "WHERE a.model_id OPERATOR(pg_catalog.=) $1 AND a.alias OPERATOR(pg_catalog.=) $2",
			 2, types, vals, NULL, false, 1);
	ts = res_datum(0, 1, &isnull);
	return isnull ? now_datum() : ts;
}

/* Close the current assignment of an alias at ts; returns its version (0 if none). */
static int
alias_close(RegCtx *c, int64 model_id, const char *alias, Datum ts)
{
	Oid			types[4] = {INT8OID, TEXTOID, NAMEOID, TIMESTAMPTZOID};
	Datum		vals[4] = {Int64GetDatum(model_id), CStringGetTextDatum(alias), name_datum(c->role_name), ts};
	bool		isnull;

	if (reg_exec("UPDATE mlops.model_aliases a SET valid_to = $4, closed_by = $3 "
				 "FROM mlops.model_versions v WHERE v.id OPERATOR(pg_catalog.=) a.model_version_id "
				 "AND a.model_id OPERATOR(pg_catalog.=) $1 AND a.alias OPERATOR(pg_catalog.=) $2 AND a.valid_to IS NULL "
				 "RETURNING v.version", 4, types, vals, NULL, false, 0) == 0)
		return 0;
	return DatumGetInt32(res_datum(0, 1, &isnull));
}

/* Whether an alias name is valid: a letter, then letters, digits, _ . - (at most 63). */
static bool
alias_valid(const char *alias)
{
	const char *p;

	if (alias == NULL || !isalpha((unsigned char) alias[0]) || strlen(alias) > 63)
		return false;
	for (p = alias; *p; p++)
		if (!isalnum((unsigned char) *p) && *p != '_' && *p != '.' && *p != '-')
			return false;
	return true;
}

/* INSERT into model_aliases: close the current assignment, open this one. */
static HeapTuple
aliases_insert(TriggerData *td, RegCtx *c)
{
	TupleDesc	desc = td->tg_relation->rd_att;
	HeapTuple	tup = td->tg_trigtuple;
	TupleEdit	e = {0};
	bool		isnull;
	int64		model_id = col_int8(tup, desc, "model_id");
	int64		version_id = col_int8(tup, desc, "model_version_id");
	char	   *alias = col_str(tup, desc, "alias");
	VersionInfo vi;
	Oid			types[3] = {INT8OID, TEXTOID, INT8OID};
	Datum		vals[3];
	int			previous;
	Datum		ts;

	(void) col_get(tup, desc, "set_by", &isnull);
	if (c->is_super && !isnull)
		return tup;				/* verbatim load (pg_restore) */
	if (!load_version(version_id, &vi))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model_version_id " INT64_FORMAT " does not match any model version in mlops.model_versions", version_id),
				 errhint("Use the mlops.* functions, which take a model name and version number.")));
	if (!alias_valid(alias))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("\"%s\" is not a valid alias of model \"%s\"", alias ? alias : "", vi.model),
				 errhint("An alias starts with a letter, followed by up to 62 letters, digits, \"_\", \".\" or \"-\".")));
	if (vi.model_id != model_id)
	{
		char	   *target = lock_model(model_id);

		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("alias \"%s\" of model \"%s\" cannot point at version %d of model \"%s\"",
						alias, target, vi.version, vi.model)));
	}
	(void) lock_model(model_id);
	vals[0] = Int64GetDatum(model_id);
	vals[1] = CStringGetTextDatum(alias);
	vals[2] = Int64GetDatum(version_id);
	if (reg_exec("SELECT 1 FROM mlops.model_aliases a WHERE a.model_id OPERATOR(pg_catalog.=) $1 "
				 "AND a.alias OPERATOR(pg_catalog.=) $2 AND a.valid_to IS NULL "
				 "AND a.model_version_id OPERATOR(pg_catalog.=) $3", 3, types, vals, NULL, false, 1) > 0)
		return NULL;			/* already points there: nothing changes */
	ts = alias_time(model_id, alias);
	previous = alias_close(c, model_id, alias, ts);
	edit_set(&e, desc, "valid_from", ts, false);
	edit_set(&e, desc, "valid_to", (Datum) 0, true);
	edit_set(&e, desc, "set_by", name_datum(c->role_name), false);
	edit_set(&e, desc, "closed_by", (Datum) 0, true);
	alias_event(c, "alias.set", &vi, alias, vi.version, previous);
	return edit_apply(c, &e, tup, desc);
}

/* DELETE from model_aliases: close the current assignment instead; history stays. */
static HeapTuple
aliases_delete(TriggerData *td, RegCtx *c)
{
	TupleDesc	desc = td->tg_relation->rd_att;
	HeapTuple	tup = td->tg_trigtuple;
	bool		isnull;
	char	   *alias = col_str(tup, desc, "alias");
	VersionInfo vi;
	int			previous;

	(void) col_get(tup, desc, "valid_to", &isnull);
	if (!load_version(col_int8(tup, desc, "model_version_id"), &vi))
		return tup;
	if (!isnull)
	{
		if (c->is_super)
			return tup;
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("the history of alias \"%s\" of model \"%s\" cannot be deleted", alias, vi.model)));
	}
	(void) lock_model(vi.model_id);
	previous = alias_close(c, vi.model_id, alias, alias_time(vi.model_id, alias));
	if (previous)
		alias_event(c, "alias.delete", &vi, alias, 0, previous);
	return NULL;				/* the row stays, closed */
}

/* Dispatch model_aliases trigger events. */
static HeapTuple
aliases_body(TriggerData *td, RegCtx *c)
{
	if (c->internal)
		return passthrough(td);
	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
		return aliases_insert(td, c);
	if (TRIGGER_FIRED_BY_DELETE(td->tg_event))
		return aliases_delete(td, c);
	if (!c->is_super)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("rows of mlops.model_aliases cannot be updated"),
				 errhint("Use mlops.set_alias() or mlops.delete_alias(); the history is kept.")));
	return td->tg_newtuple;
}

PG_FUNCTION_INFO_V1(mlops_aliases_guard);

/* Trigger on mlops.model_aliases. */
Datum
mlops_aliases_guard(PG_FUNCTION_ARGS)
{
	return run_trigger(trigger_data(fcinfo, "mlops_aliases_guard"), aliases_body);
}

/* ---------------------------------------- stages, transitions, policies */

/* to_jsonb() text of a row, or "null". */
static char *
row_json(HeapTuple tup, TupleDesc desc)
{
	Oid			types[1];
	Datum		vals[1];

	if (tup == NULL)
		return "null";
	types[0] = desc->tdtypeid;
	vals[0] = heap_copy_tuple_as_datum(tup, desc);
	reg_exec("SELECT pg_catalog.to_jsonb($1)::text", 1, types, vals, NULL, false, 1);
	return res_str(0, 1);
}

/* Validate a policy row. */
static void
policy_validate(HeapTuple tup, TupleDesc desc)
{
	bool		isnull;
	Datum		d = col_get(tup, desc, "min_approvals", &isnull);
	Datum		gates;

	if (!isnull && DatumGetInt32(d) < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("min_approvals of a policy must be at least 1, not %d", DatumGetInt32(d)),
				 errhint("A stage that needs no approval needs no policy: delete it from mlops.policies.")));
	gates = col_get(tup, desc, "gates", &isnull);
	if (!isnull)
		gates_validate(gates);
}

/* Entity name of a config row in the audit log. */
static char *
config_entity(const char *kind, HeapTuple tup, TupleDesc desc)
{
	if (strcmp(kind, "stage") == 0)
		return psprintf("stage:%s", col_str(tup, desc, "name"));
	if (strcmp(kind, "stage_transition") == 0)
		return psprintf("stage_transition:%s->%s", col_str(tup, desc, "from_stage"), col_str(tup, desc, "to_stage"));
	else
	{
		bool		isnull;
		Datum		mid = col_get(tup, desc, "model_id", &isnull);
		char	   *model = "*";

		if (!isnull)
		{
			Oid			types[1] = {INT8OID};
			Datum		vals[1] = {mid};

			if (reg_exec("SELECT m.name FROM mlops.models m WHERE m.id OPERATOR(pg_catalog.=) $1",
						 1, types, vals, NULL, false, 1) > 0)
				model = res_str(0, 1);
		}
		return psprintf("policy:%s/%s", model, col_str(tup, desc, "to_stage"));
	}
}

/* Error unless an UPDATE of a built-in stage or move changes at most its description. */
static void
builtin_update_check(const char *kind, HeapTuple oldtup, HeapTuple newtup, TupleDesc desc)
{
	int			i;

	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		const char *col = NameStr(att->attname);

		/* a rename has its own error below */
		if (att->attisdropped || strcmp(col, "description") == 0 ||
			(strcmp(kind, "stage") == 0 && strcmp(col, "name") == 0) ||
			!col_changed(oldtup, newtup, desc, col))
			continue;
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("column \"%s\" of built-in %s cannot be changed", col,
						strcmp(kind, "stage") == 0
						? psprintf("stage \"%s\"", col_str(oldtup, desc, "name"))
						: psprintf("stage transition \"%s\" -> \"%s\"", col_str(oldtup, desc, "from_stage"),
								   col_str(oldtup, desc, "to_stage"))),
				 errhint(strcmp(kind, "stage") == 0
						 ? "Built-in stages are part of the extension; only their description can be updated."
						 : "Built-in moves are part of the extension; govern them with mlops.set_policy() instead.")));
	}
}

/* Config tables: validation, protected built-ins, audit with before/after. */
static HeapTuple
config_body(TriggerData *td, RegCtx *c)
{
	const char *kind = td->tg_trigger->tgnargs > 0 ? td->tg_trigger->tgargs[0] : "config";
	TupleDesc	desc = td->tg_relation->rd_att;
	HeapTuple	oldtup = TRIGGER_FIRED_BY_INSERT(td->tg_event) ? NULL : td->tg_trigtuple;
	HeapTuple	newtup = TRIGGER_FIRED_BY_INSERT(td->tg_event) ? td->tg_trigtuple :
		TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : NULL;
	TupleEdit	e = {0};
	bool		isnull;
	StringInfo	d;
	HeapTuple	result = newtup ? newtup : oldtup;
	const char *verb;

	if (c->internal)
		return passthrough(td);
	if (newtup && !oldtup && c->is_super)
	{
		/* a superuser loading rows verbatim (pg_restore) supplies who added them */
		(void) col_get(newtup, desc, strcmp(kind, "policy") == 0 ? "updated_by" : "added_by", &isnull);
		if (!isnull)
			return newtup;
	}
	if (strcmp(kind, "policy") != 0)
	{
		/* built-in stages and moves are part of the extension */
		if (oldtup && DatumGetBool(col_get(oldtup, desc, "builtin", &isnull)) && newtup == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("built-in %s cannot be deleted",
							strcmp(kind, "stage") == 0
							? psprintf("stage \"%s\"", col_str(oldtup, desc, "name"))
							: psprintf("stage transition \"%s\" -> \"%s\"", col_str(oldtup, desc, "from_stage"),
									   col_str(oldtup, desc, "to_stage"))),
					 errhint(strcmp(kind, "stage") == 0
							 ? "Built-in stages are part of the extension; add your own stages beside them."
							 : "Built-in moves are part of the extension; govern them with mlops.set_policy() instead.")));
		if (oldtup && newtup && DatumGetBool(col_get(oldtup, desc, "builtin", &isnull)))
			builtin_update_check(kind, oldtup, newtup, desc);
		if (newtup)
		{
			Datum		added_by = name_datum(c->role_name);
			bool		added_null = false;

			/* (fetched first: the NULL flag must be read after col_get sets it) */
			if (oldtup)
				added_by = col_get(oldtup, desc, "added_by", &added_null);
			edit_set(&e, desc, "builtin", oldtup ? col_get(oldtup, desc, "builtin", &isnull) : BoolGetDatum(false), false);
			edit_set(&e, desc, "added_by", added_by, added_null);
		}
		if (strcmp(kind, "stage") == 0 && oldtup && newtup && col_changed(oldtup, newtup, desc, "name"))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("stage \"%s\" cannot be renamed", col_str(oldtup, desc, "name")),
					 errhint("Add a new stage and move versions to it.")));
	}
	else if (newtup)
	{
		policy_validate(newtup, desc);
		edit_set(&e, desc, "updated_by", name_datum(c->role_name), false);
		edit_set(&e, desc, "updated_at", now_datum(), false);
	}
	if (newtup)
		result = edit_apply(c, &e, newtup, desc);
	verb = newtup == NULL ? "delete" : oldtup == NULL ? "insert" : "update";
	d = json_open();
	json_kv_raw(d, "before", row_json(oldtup, desc));
	json_kv_raw(d, "after", newtup ? row_json(result, desc) : "null");
	audit_append(c, psprintf("%s.%s", kind, verb), config_entity(kind, result, desc), d);
	return result;
}

PG_FUNCTION_INFO_V1(mlops_config_guard);

/* Trigger on mlops.stages, mlops.stage_transitions and mlops.policies. */
Datum
mlops_config_guard(PG_FUNCTION_ARGS)
{
	return run_trigger(trigger_data(fcinfo, "mlops_config_guard"), config_body);
}

/* ------------------------------------------------------------ helpers */

PG_FUNCTION_INFO_V1(mlops_prepare_transition);

/*
 * mlops._prepare_transition(version_id, comment): lock the version's model
 * before its row (the order the triggers use) and note the comment that the
 * coming stage change records in the audit log.
 */
Datum
mlops_prepare_transition(PG_FUNCTION_ARGS)
{
	int64		version_id;
	RegCtx		c;

	if (PG_ARGISNULL(0))
		PG_RETURN_VOID();
	version_id = PG_GETARG_INT64(0);
	reg_begin(&c);
	PG_TRY();
	{
		VersionInfo vi;

		if (load_version(version_id, &vi))
			(void) lock_model(vi.model_id);
	}
	PG_CATCH();
	{
		reg_abort(&c);
		PG_RE_THROW();
	}
	PG_END_TRY();
	reg_end(&c);
	note_lxid = MyProc->lxid;
	note_version_id = version_id;
	note_comment = PG_ARGISNULL(1) ? NULL
		: MemoryContextStrdup(TopTransactionContext, text_to_cstring(PG_GETARG_TEXT_PP(1)));
	PG_RETURN_VOID();
}
