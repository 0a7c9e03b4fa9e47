/*
 * approvals.c: transition requests, approvals, policies and gates.
 */
#include "postgres.h"

#include <math.h>

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

#include "registry/registry.h"
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

/*
 * A run's latest value of a metric, as mlops.run_metric() gives it (read
 * here directly: a SQL function with its own search_path is planned anew at
 * every call); false if missing.
 */
static bool
run_metric(const char *run_id, const char *metric, double *value)
{
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		vals[2] = {CStringGetTextDatum(run_id), CStringGetTextDatum(metric)};
	bool		isnull;
	Datum		d;

	if (reg_exec("SELECT lm.value FROM mlops.latest_metrics lm "
				 "WHERE lm.run_id OPERATOR(pg_catalog.=) $1::pg_catalog.uuid AND lm.key OPERATOR(pg_catalog.=) $2",
				 2, types, vals, NULL, false, 1) == 0)
		return false;
	d = reg_res_datum(0, 1, &isnull);
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
		prod_version = DatumGetInt32(reg_res_datum(0, 1, &isnull));
		prod_run = reg_res_str(0, 2);
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
void
reg_gates_check(const VersionInfo *vi, const char *to, Datum gates, StringInfo log)
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

		/* a policy loaded verbatim by a superuser skipped reg_gates_validate */
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

/*
 * Whether a JSON number can be compared as double precision, as the gate
 * check compares it: neither overflowing to infinity nor underflowing to 0.
 */
static bool
gate_value_in_range(const char *value)
{
	char	   *end;
	double		d;

	errno = 0;
	d = strtod(value, &end);
	if (errno == ERANGE && (d == 0.0 || isinf(d)))
		return false;
	return isfinite(d);
}

/* Validate a policy's gates array; errors name the offending gate. */
void
reg_gates_validate(Datum gates)
{
	Oid			types[1] = {JSONBOID};
	Datum		vals[1] = {gates};
	int			n,
				i;

	reg_exec("SELECT pg_catalog.jsonb_typeof($1)", 1, types, vals, NULL, false, 1);
	if (strcmp(reg_res_str(0, 1), "array") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("policy gates must be a JSON array"),
				 errhint("For example [{\"metric\":\"auc\",\"op\":\">=\",\"value\":0.8}].")));
	n = reg_exec("SELECT e.i, pg_catalog.jsonb_typeof(g), pg_catalog.jsonb_typeof(g->'metric'), g->>'metric', "
				 "g->>'op', pg_catalog.jsonb_typeof(g->'value'), g->>'baseline', "
				 "(SELECT pg_catalog.string_agg(k, ',') FROM pg_catalog.jsonb_object_keys("
				 " CASE pg_catalog.jsonb_typeof(g) WHEN 'object' THEN g ELSE '{}' END) k "
				 " WHERE k OPERATOR(pg_catalog.<>) ALL (ARRAY['metric','op','value','baseline'])), "
				 "g->>'value' "
				 "FROM pg_catalog.jsonb_array_elements($1) WITH ORDINALITY AS e(g, i) ORDER BY e.i",
				 1, types, vals, NULL, false, 0);
	for (i = 0; i < n; i++)
	{
		char	   *idx = reg_res_str(i, 1);
		char	   *kind = reg_res_str(i, 2);
		char	   *mkind = reg_res_str(i, 3);
		char	   *metric = reg_res_str(i, 4);
		char	   *op = reg_res_str(i, 5);
		char	   *vkind = reg_res_str(i, 6);
		char	   *baseline = reg_res_str(i, 7);
		char	   *extra = reg_res_str(i, 8);
		char	   *value = reg_res_str(i, 9);
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
		else if (vkind != NULL && !gate_value_in_range(value))
			problem = "has a \"value\" outside the range of double precision";
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

/* Result cell (row, col) of the last SPI query as an oid; InvalidOid when NULL. */
static Oid
res_oid(int row, int col)
{
	bool		isnull;
	Datum		d = reg_res_datum(row, col, &isnull);

	return isnull ? InvalidOid : DatumGetObjectId(d);
}

/*
 * Approvals that count for a request under a policy. Requester and approvers
 * are compared by role oid (names are kept for display): a role dropped and
 * created again under the same name is another role, a renamed one the same.
 */
static int
count_approvals(int64 request_id, const Policy *p, Oid requested_by, Oid requested_session)
{
	Oid			types[6] = {INT8OID, BOOLOID, OIDOID, OIDOID, BOOLOID, OIDOID};
	Datum		vals[6];
	bool		isnull;

	vals[0] = Int64GetDatum(request_id);
	vals[1] = BoolGetDatum(p->allow_self);
	vals[2] = ObjectIdGetDatum(requested_by);
	vals[3] = ObjectIdGetDatum(p->approver_role);
	/* the same login acting under another role counts unless it is a superuser session */
	vals[4] = BoolGetDatum(p->allow_self || (OidIsValid(requested_session) && superuser_arg(requested_session)));
	vals[5] = ObjectIdGetDatum(requested_session);

	/* one login is one approver, whatever roles it sets: count session users */
	reg_exec("SELECT pg_catalog.count(DISTINCT a.approver_session_id)::int4 FROM mlops.approvals a "
			 "JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) a.approver_id::pg_catalog.oid "
			 "WHERE a.request_id OPERATOR(pg_catalog.=) $1 AND a.decision OPERATOR(pg_catalog.=) 'approve' "
			 "AND ($2 OR a.approver_id::pg_catalog.oid IS DISTINCT FROM $3) "
			 "AND ($5 OR a.approver_session_id::pg_catalog.oid IS DISTINCT FROM $6) "
			 "AND pg_catalog.pg_has_role(r.oid, $4, 'MEMBER')",
			 6, types, vals, NULL, false, 1);
	return DatumGetInt32(reg_res_datum(0, 1, &isnull));
}

/* Whether a run status is terminal (FINISHED, FAILED, KILLED). */
static bool
run_status_ended(const char *status)
{
	return strcmp(status, "FINISHED") == 0 || strcmp(status, "FAILED") == 0 || strcmp(status, "KILLED") == 0;
}

/*
 * Approvals bind to the metrics the approvers saw: a governed move needs the
 * version's run to have ended (an ended run takes no more metrics, see the
 * tracking rules) before the request was made. With request_id 0 (the
 * request is being made) it checks only that the run has ended.
 */
static void
require_run_ended(const VersionInfo *vi, const char *to, int64 request_id, Datum requested_at)
{
	Oid			types[2] = {TEXTOID, TIMESTAMPTZOID};
	Datum		vals[2] = {CStringGetTextDatum(vi->run_id), requested_at};
	char	   *status;
	char	   *ended_before;

	reg_exec("SELECT ru.status, (ru.end_time IS NOT NULL AND ($2 IS NULL OR ru.end_time OPERATOR(pg_catalog.<=) $2))::text "
			 "FROM mlops.runs ru WHERE ru.id OPERATOR(pg_catalog.=) $1::pg_catalog.uuid",
			 2, types, vals, request_id ? NULL : " n", false, 1);
	status = reg_res_str(0, 1);
	ended_before = reg_res_str(0, 2);
	if (status == NULL || !run_status_ended(status))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("version %d of model \"%s\" cannot move to stage \"%s\" while its run %s is %s",
						vi->version, vi->model, to, vi->run_id, status ? status : "missing"),
				 errdetail("A policy governs moves to stage \"%s\"; approvals and gates bind to the run's final metrics.", to),
				 errhint("End the run with mlops.end_run(), then request the move with mlops.request_transition().")));
	if (ended_before == NULL || strcmp(ended_before, "true") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("transition request " INT64_FORMAT " for version %d of model \"%s\" was made before its run %s ended",
						request_id, vi->version, vi->model, vi->run_id),
				 errdetail("The approvals may not have seen the run's final metrics."),
				 errhint("Reject request " INT64_FORMAT " with mlops.reject() and request the move again.", request_id)));
}

/*
 * The approval rule for a governed move: an open request for exactly this
 * version, source and target stage with enough valid approvals and passing
 * gates. Returns the request id (0 when no policy and no request).
 */
int64
reg_approval_require(const VersionInfo *vi, const char *from, const char *to,
				 StringInfo gate_log, int *napprovals)
{
	Policy		p;
	Oid			types[3] = {INT8OID, TEXTOID, TEXTOID};
	Datum		vals[3] = {Int64GetDatum(vi->id), CStringGetTextDatum(to), CStringGetTextDatum(from)};
	int64		request_id = 0;
	bool		isnull;
	Oid			requested_by = InvalidOid;
	Oid			requested_session = InvalidOid;
	Datum		requested_at = (Datum) 0;
	bool		at_null = true;

	reg_policy_lookup(vi->model_id, to, &p);
	if (reg_exec("SELECT r.id, r.requested_by_id::pg_catalog.oid, r.requested_session_id::pg_catalog.oid, r.requested_at "
				 "FROM mlops.transition_requests r "
				 "WHERE r.model_version_id OPERATOR(pg_catalog.=) $1 AND r.to_stage OPERATOR(pg_catalog.=) $2 "
				 "AND r.from_stage OPERATOR(pg_catalog.=) $3 AND r.status OPERATOR(pg_catalog.=) 'open' FOR UPDATE",
				 3, types, vals, NULL, false, 1) > 0)
	{
		request_id = DatumGetInt64(reg_res_datum(0, 1, &isnull));
		requested_by = res_oid(0, 2);
		requested_session = res_oid(0, 3);
		requested_at = reg_res_datum(0, 4, &at_null);
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
	/* a request without a time (loaded verbatim) cannot show it followed the run's end */
	require_run_ended(vi, to, request_id, at_null ? TimestampTzGetDatum(DT_NOBEGIN) : requested_at);
	*napprovals = count_approvals(request_id, &p, requested_by, requested_session);
	if (*napprovals < p.min_approvals)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("transition request " INT64_FORMAT " (version %d of model \"%s\" to stage \"%s\") has %d of %d required approvals",
						request_id, vi->version, vi->model, to, *napprovals, p.min_approvals),
				 errhint("Members of role \"%s\" other than the requester approve it with mlops.approve(" INT64_FORMAT ").",
						 p.approver_role_name, request_id)));
	reg_gates_check(vi, to, p.gates, gate_log);
	return request_id;
}

/*
 * A row loaded verbatim by a superuser (pg_restore) that names roles but not
 * their oids (a dump of an older version): take the oids of the roles named,
 * or leave NULL when no such role exists.
 */
static HeapTuple
verbatim_role_ids(RegCtx *c, HeapTuple tup, TupleDesc desc,
				  const char *name_col, const char *id_col,
				  const char *session_col, const char *session_id_col)
{
	TupleEdit	e = {0};
	const char *cols[2][2] = {{name_col, id_col}, {session_col, session_id_col}};
	int			i;

	for (i = 0; i < 2; i++)
	{
		bool		isnull;
		char	   *name;
		Oid			role;

		(void) reg_col_get(tup, desc, cols[i][1], &isnull);
		if (!isnull)
			continue;
		name = reg_col_str(tup, desc, cols[i][0]);
		role = name ? get_role_oid(name, true) : InvalidOid;
		if (OidIsValid(role))
			reg_edit_set(&e, desc, cols[i][1], ObjectIdGetDatum(role), false);
	}
	return e.n ? reg_edit_apply(c, &e, tup, desc) : tup;
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
	bool		isnull,
				allowed;
	char	   *to = reg_col_str(tup, desc, "to_stage");
	int64		version_id = reg_col_int8(tup, desc, "model_version_id");
	int64		id = reg_col_int8(tup, desc, "id");
	Oid			types[2] = {INT8OID, TEXTOID};
	Datum		vals[2];
	StringInfo	d;

	(void) reg_col_get(tup, desc, "requested_by", &isnull);
	if (c->is_super && !isnull)	/* verbatim load (pg_restore) */
		return verbatim_role_ids(c, tup, desc, "requested_by", "requested_by_id",
								 "requested_session", "requested_session_id");
	if (!reg_load_version(version_id, &vi))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model_version_id " INT64_FORMAT " does not match any model version in mlops.model_versions", version_id),
				 errhint("Use the mlops.* functions, which take a model name and version number.")));
	(void) reg_lock_model(vi.model_id);
	(void) reg_load_version(version_id, &vi);
	(void) reg_stage_move_lookup(vi.stage, to ? to : "", &allowed);
	if (strcmp(vi.stage, to) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("version %d of model \"%s\" is already in stage \"%s\"", vi.version, vi.model, to)));
	if (!allowed)
		reg_transition_require(&vi, vi.stage, to);
	{
		Policy		p;

		reg_policy_lookup(vi.model_id, to, &p);
		if (p.found)
			require_run_ended(&vi, to, 0, (Datum) 0);
	}
	vals[0] = Int64GetDatum(version_id);
	vals[1] = CStringGetTextDatum(to);
	if (reg_exec("SELECT r.id FROM mlops.transition_requests r WHERE r.model_version_id OPERATOR(pg_catalog.=) $1 "
				 "AND r.to_stage OPERATOR(pg_catalog.=) $2 AND r.status OPERATOR(pg_catalog.=) 'open'",
				 2, types, vals, NULL, false, 1) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNIQUE_VIOLATION),
				 errmsg("transition request %s for version %d of model \"%s\" to stage \"%s\" is already open",
						reg_res_str(0, 1), vi.version, vi.model, to),
				 errhint("Approve or reject request %s first.", reg_res_str(0, 1))));
	reg_edit_set(&e, desc, "from_stage", CStringGetTextDatum(vi.stage), false);
	reg_edit_set(&e, desc, "status", CStringGetTextDatum("open"), false);
	reg_edit_set(&e, desc, "requested_by", reg_name_datum(c->role_name), false);
	reg_edit_set(&e, desc, "requested_session", reg_name_datum(c->session_name), false);
	reg_edit_set(&e, desc, "requested_by_id", ObjectIdGetDatum(c->role), false);
	reg_edit_set(&e, desc, "requested_session_id", ObjectIdGetDatum(c->session), false);
	reg_edit_set(&e, desc, "requested_at", reg_now_datum(), false);
	reg_edit_set(&e, desc, "closed_by", (Datum) 0, true);
	reg_edit_set(&e, desc, "closed_at", (Datum) 0, true);
	d = reg_json_open();
	json_kv_int(d, "request", id);
	json_kv_str(d, "model", vi.model);
	json_kv_int(d, "version", vi.version);
	json_kv_str(d, "from", vi.stage);
	json_kv_str(d, "to", to);
	json_kv_str(d, "comment", reg_col_str(tup, desc, "comment"));
	reg_audit(c, "transition.request", reg_version_entity(&vi), d);
	d = reg_json_open();
	json_kv_int(d, "request", id);
	json_kv_str(d, "model", vi.model);
	json_kv_int(d, "version", vi.version);
	json_kv_str(d, "from", vi.stage);
	json_kv_str(d, "to", to);
	json_kv_str(d, "actor", c->session_name);
	registry_notify("transition.requested", reg_version_entity(&vi), d);
	return reg_edit_apply(c, &e, tup, desc);
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
	return reg_passthrough(td);
}

PG_FUNCTION_INFO_V1(mlops_requests_guard);

/* Trigger on mlops.transition_requests. */
Datum
mlops_requests_guard(PG_FUNCTION_ARGS)
{
	return reg_run_trigger(reg_trigger_data(fcinfo, "mlops_requests_guard"), requests_body);
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
	int64		request_id = reg_col_int8(tup, desc, "request_id");
	char	   *decision = reg_col_str(tup, desc, "decision");
	bool		is_reject;
	Oid			types[2] = {INT8OID, OIDOID};
	Datum		vals[2] = {Int64GetDatum(request_id), ObjectIdGetDatum(c->role)};
	VersionInfo vi;
	char	   *status,
			   *to,
			   *requested_by;
	Oid			requested_by_id,
				requested_session_id;
	int64		version_id;
	Policy		p;
	StringInfo	d;

	(void) reg_col_get(tup, desc, "approver", &isnull);
	if (c->is_super && !isnull)	/* verbatim load (pg_restore) */
		return verbatim_role_ids(c, tup, desc, "approver", "approver_id",
								 "approver_session", "approver_session_id");
	if (decision == NULL || (strcmp(decision, "approve") != 0 && strcmp(decision, "reject") != 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("decision must be \"approve\" or \"reject\", not \"%s\"", decision ? decision : "")));
	is_reject = strcmp(decision, "reject") == 0;
	if (reg_exec("SELECT r.status, r.to_stage, r.requested_by::text, r.requested_by_id::pg_catalog.oid, "
				 "r.requested_session_id::pg_catalog.oid, r.model_version_id "
				 "FROM mlops.transition_requests r WHERE r.id OPERATOR(pg_catalog.=) $1 FOR UPDATE",
				 1, types, vals, NULL, false, 1) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("transition request " INT64_FORMAT " does not exist", request_id)));
	status = reg_res_str(0, 1);
	to = reg_res_str(0, 2);
	requested_by = reg_res_str(0, 3) ? reg_res_str(0, 3) : "";
	requested_by_id = res_oid(0, 4);
	requested_session_id = res_oid(0, 5);
	version_id = DatumGetInt64(reg_res_datum(0, 6, &isnull));
	(void) reg_load_version(version_id, &vi);
	if (strcmp(status, "open") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("transition request " INT64_FORMAT " is %s, not open", request_id, status),
				 errhint("Open a new one with mlops.request_transition(%s, %d, %s).",
						 quote_literal_cstr(vi.model), vi.version, quote_literal_cstr(to))));
	{
		/*
		 * One decision per role and one per login (SET ROLE does not make a
		 * second approver); a decision by this role is named first.
		 */
		Oid			dtypes[3] = {INT8OID, OIDOID, OIDOID};
		Datum		dvals[3] = {vals[0], vals[1], ObjectIdGetDatum(c->session)};

		if (reg_exec("SELECT a.decision, a.approver::text, "
					 "a.approver_id::pg_catalog.oid OPERATOR(pg_catalog.=) $2 AS same_role FROM mlops.approvals a "
					 "WHERE a.request_id OPERATOR(pg_catalog.=) $1 "
					 "AND (a.approver_id::pg_catalog.oid OPERATOR(pg_catalog.=) $2 "
					 "OR a.approver_session_id::pg_catalog.oid OPERATOR(pg_catalog.=) $3) "
					 "ORDER BY 3 DESC NULLS LAST", 3, dtypes, dvals, NULL, false, 1) > 0)
		{
			if (DatumGetBool(reg_res_datum(0, 3, &isnull)) && !isnull)
				ereport(ERROR,
						(errcode(ERRCODE_UNIQUE_VIOLATION),
						 errmsg("role \"%s\" has already %s transition request " INT64_FORMAT, c->role_name,
								strcmp(reg_res_str(0, 1), "approve") == 0 ? "approved" : "rejected", request_id)));
			ereport(ERROR,
					(errcode(ERRCODE_UNIQUE_VIOLATION),
					 errmsg("login \"%s\" has already %s transition request " INT64_FORMAT " (as role \"%s\")",
							c->session_name, strcmp(reg_res_str(0, 1), "approve") == 0 ? "approved" : "rejected",
							request_id, reg_res_str(0, 2)),
					 errhint("Each login decides once; another member of the approver role must approve it.")));
		}
	}
	reg_policy_lookup(vi.model_id, to, &p);
	if (p.found && !is_member_of_role(c->role, p.approver_role))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("role \"%s\" is not a member of role \"%s\", which approves moving model \"%s\" to stage \"%s\"",
						c->role_name, p.approver_role_name, vi.model, to)));
	if (!is_reject && !(p.found && p.allow_self) &&
		(c->role == requested_by_id ||
		 (c->session == requested_session_id && !superuser_arg(c->session))))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("role \"%s\" cannot approve its own transition request " INT64_FORMAT,
						c->role_name, request_id),
				 errhint("Another member of the approver role must approve it.")));
	reg_edit_set(&e, desc, "approver", reg_name_datum(c->role_name), false);
	reg_edit_set(&e, desc, "approver_session", reg_name_datum(c->session_name), false);
	reg_edit_set(&e, desc, "approver_id", ObjectIdGetDatum(c->role), false);
	reg_edit_set(&e, desc, "approver_session_id", ObjectIdGetDatum(c->session), false);
	reg_edit_set(&e, desc, "at", reg_now_datum(), false);
	if (is_reject)
	{
		Oid			rtypes[2] = {INT8OID, NAMEOID};
		Datum		rvals[2] = {Int64GetDatum(request_id), reg_name_datum(c->role_name)};

		reg_exec("UPDATE mlops.transition_requests SET status = 'rejected', closed_at = pg_catalog.now(), "
				 "closed_by = $2 WHERE id OPERATOR(pg_catalog.=) $1", 2, rtypes, rvals, NULL, false, 0);
	}
	d = reg_json_open();
	json_kv_int(d, "request", request_id);
	json_kv_str(d, "model", vi.model);
	json_kv_int(d, "version", vi.version);
	json_kv_str(d, "to", to);
	json_kv_str(d, "requested_by", requested_by);
	json_kv_str(d, "comment", reg_col_str(tup, desc, "comment"));
	reg_audit(c, is_reject ? "transition.reject" : "transition.approve", reg_version_entity(&vi), d);
	if (!is_reject)
	{
		d = reg_json_open();
		json_kv_int(d, "request", request_id);
		json_kv_str(d, "model", vi.model);
		json_kv_int(d, "version", vi.version);
		json_kv_str(d, "to", to);
		json_kv_str(d, "approver", c->role_name);
		json_kv_str(d, "actor", c->session_name);
		registry_notify("transition.approved", reg_version_entity(&vi), d);
	}
	return reg_edit_apply(c, &e, tup, desc);
}

/* Dispatch approvals trigger events. */
static HeapTuple
approvals_body(TriggerData *td, RegCtx *c)
{
	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
		return c->internal ? td->tg_trigtuple : approvals_insert(td, c);
	refuse_direct_change(c, "approvals", "An approval or rejection is final; open a new request instead.");
	return reg_passthrough(td);
}

PG_FUNCTION_INFO_V1(mlops_approvals_guard);

/* Trigger on mlops.approvals. */
Datum
mlops_approvals_guard(PG_FUNCTION_ARGS)
{
	return reg_run_trigger(reg_trigger_data(fcinfo, "mlops_approvals_guard"), approvals_body);
}
