/*
 * jobs.c: the retraining job queue (mlops.jobs).
 *
 * A job goes queued -> claimed (claim_job) -> running (first heartbeat) ->
 * succeeded | failed (complete_job); a claim whose lease runs out goes back
 * to queued (mlops.tick()). At most one job per model is open (queued,
 * claimed or running): the partial unique index jobs_one_open_per_model is
 * the rule, so enqueueing is INSERT ... ON CONFLICT DO NOTHING and then the
 * open job is read; two sessions enqueueing at once get the same job.
 *
 * Every statement runs as the extension owner through common/spi_owner;
 * callers only read the table. Events: job.queued when a job is created or
 * returns to the queue, job.completed when it ends (events/events.h).
 */
#include "postgres.h"

#include "compat.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/jsonb.h"
#include "utils/uuid.h"

#include "common/spi_owner.h"
#include "events/events.h"
#include "guc.h"
#include "jobs/jobs.h"
#include "lineage/lineage.h"

int64		mlops_jobs_created = 0;

/* Attempts of the insert-or-read loop before giving up (each needs a concurrent change). */
#define ENQUEUE_ATTEMPTS 100

char	 ***
mlops_jobs_owner_query(const char *sql, int nargs, Oid *types, Datum *values,
					   const char *nulls, int ncols, uint64 *nrows)
{
	OwnerScope	s;
	char	 ***volatile rows = NULL;
	volatile uint64 n = 0;

	mlops_owner_begin(&s);
	PG_TRY();
	{
		n = mlops_owner_exec(sql, nargs, types, values, nulls, false, 0);
		if (ncols == 0)
			n = 0;
		else if (n > 0 && (SPI_tuptable == NULL || SPI_tuptable->tupdesc->natts < ncols))
			elog(ERROR, "mlops jobs statement returned fewer than %d columns: %s", ncols, sql);
		rows = MemoryContextAlloc(s.caller_cxt, sizeof(char **) * (n + 1));
		for (uint64 i = 0; i < n; i++)
		{
			rows[i] = MemoryContextAllocZero(s.caller_cxt, sizeof(char *) * (ncols + 1));
			for (int c = 0; c < ncols; c++)
			{
				char	   *v = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, c + 1);

				rows[i][c] = v ? MemoryContextStrdup(s.caller_cxt, v) : NULL;
			}
		}
	}
	PG_CATCH();
	{
		mlops_owner_cleanup(&s);
		PG_RE_THROW();
	}
	PG_END_TRY();
	mlops_owner_end(&s);
	*nrows = n;
	return rows;
}

bool
mlops_jobs_session_is_admin(void)
{
	Oid			me = GetSessionUserId();
	Oid			admin = get_role_oid("mlops_admin", true);

	return superuser_arg(me) || (OidIsValid(admin) && is_member_of_role(me, admin));
}

/* A uuid for messages. */
static char *
uuid_text(pg_uuid_t *u)
{
	return DatumGetCString(DirectFunctionCall1(uuid_out, UUIDPGetDatum(u)));
}

/* The nulls string of SPI for values that are 0 when not given ("not given" = NULL). */
static char
null_if_zero(int64 v)
{
	return v == 0 ? 'n' : ' ';
}

char *
mlops_job_enqueue(int64 model_id, const char *reason_json, int64 policy_id,
				  int64 drift_result_id, int64 dataset_version_id, bool *created)
{
	Oid			types[5] = {INT8OID, TEXTOID, INT8OID, INT8OID, INT8OID};
	Datum		vals[5];
	char		nulls[6] = "     ";
	uint64		n;
	char	 ***rows;

	vals[0] = Int64GetDatum(model_id);
	vals[1] = CStringGetTextDatum(reason_json);
	vals[2] = Int64GetDatum(policy_id);
	vals[3] = Int64GetDatum(drift_result_id);
	vals[4] = Int64GetDatum(dataset_version_id);
	nulls[2] = null_if_zero(policy_id);
	nulls[3] = null_if_zero(drift_result_id);
	nulls[4] = null_if_zero(dataset_version_id);

	/*
	 * created_at is the clock time, so that jobs queued in one transaction
	 * are claimed in the order they were queued. ON CONFLICT waits for a concurrent insert of the model's open job and
	 * does nothing once it committed; the next statement's snapshot then sees
	 * that job. Only when it ended in between is there nothing to read: try
	 * again.
	 */
	for (int attempt = 0; attempt < ENQUEUE_ATTEMPTS; attempt++)
	{
		rows = mlops_jobs_owner_query(
			"INSERT INTO mlops.jobs AS j (model_id, reason, policy_id, drift_result_id, dataset_version_id, created_at) "
			"VALUES ($1, $2::pg_catalog.jsonb, $3, $4, $5, pg_catalog.clock_timestamp()) "
			"ON CONFLICT (model_id) WHERE status OPERATOR(pg_catalog.=) ANY (" MLOPS_JOB_OPEN ") DO NOTHING "
			"RETURNING j.id::pg_catalog.text, pg_catalog.jsonb_build_object("
			"'job', j.id, 'model', (SELECT m.name FROM mlops.models m WHERE m.id OPERATOR(pg_catalog.=) j.model_id), "
			"'reason', j.reason)::pg_catalog.text",
			5, types, vals, nulls, 2, &n);
		if (n == 1)
		{
			mlops_emit("job.queued", psprintf("job:%s", rows[0][0]), rows[0][1]);
			mlops_jobs_created++;
			*created = true;
			return rows[0][0];
		}
		rows = mlops_jobs_owner_query(
			"SELECT j.id::pg_catalog.text FROM mlops.jobs j "
			"WHERE j.model_id OPERATOR(pg_catalog.=) $1 AND j.status OPERATOR(pg_catalog.=) ANY (" MLOPS_JOB_OPEN ")",
			1, types, vals, NULL, 1, &n);
		if (n == 1)
		{
			*created = false;
			return rows[0][0];
		}
		CHECK_FOR_INTERRUPTS();
	}
	ereport(ERROR,
			(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
			 errmsg("could not queue a retraining job for model id " INT64_FORMAT ": its open job keeps changing",
					model_id),
			 errhint("Retry the transaction.")));
	return NULL;				/* keep the compiler quiet */
}

int64
mlops_jobs_model_id(const char *name)
{
	Oid			types[1] = {TEXTOID};
	Datum		vals[1];
	uint64		n;
	char	 ***rows;

	if (name == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("a model name must not be NULL")));
	vals[0] = CStringGetTextDatum(name);
	rows = mlops_jobs_owner_query("SELECT m.id FROM mlops.models m WHERE m.name OPERATOR(pg_catalog.=) $1",
								  1, types, vals, NULL, 1, &n);
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model \"%s\" does not exist", name),
				 errhint("Register it with mlops.register_model().")));
	return pg_strtoint64(rows[0][0]);
}

PG_FUNCTION_INFO_V1(mlops_enqueue_retrain);

/*
 * mlops.enqueue_retrain(model, reason): queue a job by hand. The reason
 * records the caller's object and who asked; "trigger" and "by" are set here
 * (a caller cannot claim to be someone else or a policy).
 */
Datum
mlops_enqueue_retrain(PG_FUNCTION_ARGS)
{
	int64		model_id = mlops_jobs_model_id(PG_ARGISNULL(0) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(0)));
	Oid			types[3] = {JSONBOID, NAMEOID, NAMEOID};
	Datum		vals[3];
	char		nulls[4] = "   ";
	uint64		n;
	char	 ***rows;
	bool		created;
	char	   *job;

	vals[0] = PG_ARGISNULL(1) ? (Datum) 0 : PG_GETARG_DATUM(1);
	nulls[0] = PG_ARGISNULL(1) ? 'n' : ' ';
	vals[1] = DirectFunctionCall1(namein, CStringGetDatum(GetUserNameFromId(GetSessionUserId(), false)));
	vals[2] = DirectFunctionCall1(namein, CStringGetDatum(GetUserNameFromId(GetUserId(), false)));
	rows = mlops_jobs_owner_query(
		"SELECT pg_catalog.jsonb_typeof(r) OPERATOR(pg_catalog.=) 'object', "
		"(CASE WHEN pg_catalog.jsonb_typeof(r) OPERATOR(pg_catalog.=) 'object' THEN r ELSE '{}' END "
		"OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('trigger', 'manual', 'by', $2) "
		"OPERATOR(pg_catalog.||) CASE WHEN $2 OPERATOR(pg_catalog.=) $3 THEN '{}'::pg_catalog.jsonb "
		"ELSE pg_catalog.jsonb_build_object('as', $3) END)::pg_catalog.text "
		"FROM (SELECT COALESCE($1, '{}'::pg_catalog.jsonb) AS r) x",
		3, types, vals, nulls, 2, &n);
	if (strcmp(rows[0][0], "t") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the reason for retraining model \"%s\" must be a JSON object, not %s",
						text_to_cstring(PG_GETARG_TEXT_PP(0)),
						JsonbToCString(NULL, &PG_GETARG_JSONB_P(1)->root, 0)),
				 errhint("Pass for example '{\"ticket\": \"ML-42\"}'.")));
	job = mlops_job_enqueue(model_id, rows[0][1], 0, 0, 0, &created);
	PG_RETURN_DATUM(DirectFunctionCall1(uuid_in, CStringGetDatum(job)));
}

/* The lease of a claim as seconds (mlops.job_lease). */
static Datum
lease_seconds(void)
{
	return Float8GetDatum(mlops_job_lease_ms / 1000.0);
}

/* The result row of claim_job: the SPI row, as a datum of the function's composite type. */
static Datum
job_row_datum(FunctionCallInfo fcinfo, HeapTuple tup, TupleDesc spidesc, MemoryContext cxt)
{
	TupleDesc	desc;
	Datum	   *vals;
	bool	   *nulls;
	MemoryContext old = MemoryContextSwitchTo(cxt);

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "mlops.claim_job must return a composite type");
	desc = BlessTupleDesc(desc);
	vals = palloc0(sizeof(Datum) * desc->natts);
	nulls = palloc0(sizeof(bool) * desc->natts);
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		int			c;

		nulls[i] = true;
		if (att->attisdropped || (c = SPI_fnumber(spidesc, NameStr(att->attname))) <= 0)
			continue;
		vals[i] = SPI_getbinval(tup, spidesc, c, &nulls[i]);
		if (!nulls[i])
			vals[i] = datumCopy(vals[i], att->attbyval, att->attlen);
	}
	MemoryContextSwitchTo(old);
	return HeapTupleGetDatum(heap_form_tuple(desc, vals, nulls));
}

PG_FUNCTION_INFO_V1(mlops_claim_job);

/*
 * mlops.claim_job(worker): take the oldest queued job. SKIP LOCKED: a job
 * another claimer is taking is passed over, never waited for or taken twice.
 */
Datum
mlops_claim_job(PG_FUNCTION_ARGS)
{
	OwnerScope	s;
	Oid			types[2] = {TEXTOID, FLOAT8OID};
	Datum		vals[2];
	char	   *worker;
	volatile Datum result = (Datum) 0;
	volatile bool found = false;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the worker name of a job claim must not be NULL")));
	worker = text_to_cstring(PG_GETARG_TEXT_PP(0));
	if (worker[0] == '\0' || strlen(worker) > 200)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the worker name of a job claim must have 1 to 200 characters, not %d",
						(int) strlen(worker)),
				 errhint("Name the trainer, e.g. its host and process id.")));
	vals[0] = CStringGetTextDatum(worker);
	vals[1] = lease_seconds();
	mlops_owner_begin(&s);
	PG_TRY();
	{
		if (mlops_owner_exec(
				"UPDATE mlops.jobs j SET status = 'claimed', claimed_by = $1, claimed_login = SESSION_USER, "
				"claimed_at = pg_catalog.now(), heartbeat_at = NULL, started_at = NULL, "
				"lease_until = pg_catalog.now() OPERATOR(pg_catalog.+) pg_catalog.make_interval(secs => $2), "
				"attempts = j.attempts OPERATOR(pg_catalog.+) 1 "
				"WHERE j.id OPERATOR(pg_catalog.=) (SELECT q.id FROM mlops.jobs q "
				"WHERE q.status OPERATOR(pg_catalog.=) 'queued' ORDER BY q.created_at "
				"LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING j.*",
				2, types, vals, NULL, false, 0) == 1)
		{
			result = job_row_datum(fcinfo, SPI_tuptable->vals[0], SPI_tuptable->tupdesc, s.caller_cxt);
			found = true;
		}
	}
	PG_CATCH();
	{
		mlops_owner_cleanup(&s);
		PG_RE_THROW();
	}
	PG_END_TRY();
	mlops_owner_end(&s);
	if (!found)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(result);
}

/* A job's state for heartbeat and complete, row-locked. */
typedef struct JobState
{
	char	   *id;
	char	   *status;
	char	   *claimed_login;
	char	   *claimed_by;
	char	   *model;
} JobState;

/*
 * Lock a job and check that the session may act on its claim: the job
 * exists (42704), is claimed or running (55000 naming its status) and was
 * claimed by this login, unless the session is an admin (42501). what is
 * the action ("complete", "heartbeat").
 */
static void
job_lock_claimed(pg_uuid_t *job, const char *what, JobState *js)
{
	Oid			types[1] = {UUIDOID};
	Datum		vals[1] = {UUIDPGetDatum(job)};
	uint64		n;
	char	 ***rows;
	const char *me = GetUserNameFromId(GetSessionUserId(), false);

	js->id = uuid_text(job);
	rows = mlops_jobs_owner_query(
		"SELECT j.status, j.claimed_login, j.claimed_by, m.name FROM mlops.jobs j "
		"JOIN mlops.models m ON m.id OPERATOR(pg_catalog.=) j.model_id "
		"WHERE j.id OPERATOR(pg_catalog.=) $1 FOR UPDATE OF j",
		1, types, vals, NULL, 4, &n);
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("job %s does not exist", js->id),
				 errhint("Jobs are listed in mlops.job_queue.")));
	js->status = rows[0][0];
	js->claimed_login = rows[0][1];
	js->claimed_by = rows[0][2];
	js->model = rows[0][3];
	if (strcmp(js->status, "claimed") != 0 && strcmp(js->status, "running") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot %s job %s of model \"%s\": its status is %s, not claimed or running",
						what, js->id, js->model, js->status),
				 strcmp(js->status, "queued") == 0
				 ? errhint("Claim it first with mlops.claim_job().")
				 : errhint("A finished job stays finished; queue a new one with mlops.enqueue_retrain().")));
	if (strcmp(js->claimed_login, me) != 0 && !mlops_jobs_session_is_admin())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("role \"%s\" cannot %s job %s of model \"%s\"", me, what, js->id, js->model),
				 errdetail("Job %s was claimed by role \"%s\" (worker \"%s\").",
						   js->id, js->claimed_login, js->claimed_by),
				 errhint("Only the role that claimed a job, or a member of mlops_admin, acts on its claim.")));
}

/*
 * An error unless a run exists (42704 naming the run and the job); the
 * job's own errors come first.
 */
static void
require_run(Datum run, pg_uuid_t *job)
{
	Oid			types[1] = {UUIDOID};
	Datum		vals[1] = {run};
	uint64		n;
	JobState	js;

	(void) mlops_jobs_owner_query("SELECT 1 FROM mlops.runs r WHERE r.id OPERATOR(pg_catalog.=) $1",
								  1, types, vals, NULL, 1, &n);
	if (n == 1)
		return;
	job_lock_claimed(job, "complete", &js);
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("run %s does not exist (completing job %s)",
					uuid_text(DatumGetUUIDP(run)), js.id),
			 errhint("Pass the id of the run the trainer tracked (mlops.start_run()), or NULL.")));
}

/* The rule of heartbeat and complete as SQL: the job is claimed or running by this login ($N: or an admin). */
#define CLAIM_HOLDER(admin_param) \
	"j.status OPERATOR(pg_catalog.=) ANY (ARRAY['claimed', 'running']) AND " \
	"(j.claimed_login OPERATOR(pg_catalog.=) SESSION_USER OR " admin_param ")"

/*
 * Run the UPDATE of a claim (its WHERE includes CLAIM_HOLDER); when it
 * changes no row, find out why (job_lock_claimed raises the error) and run
 * it again with the row locked. Returns the first row's columns.
 */
static char **
claim_update(const char *sql, int nargs, Oid *types, Datum *values, const char *nulls,
			 int ncols, pg_uuid_t *job, const char *what)
{
	uint64		n;
	char	 ***rows;
	JobState	js;

	rows = mlops_jobs_owner_query(sql, nargs, types, values, nulls, ncols, &n);
	if (n == 1)
		return rows[0];
	job_lock_claimed(job, what, &js);
	rows = mlops_jobs_owner_query(sql, nargs, types, values, nulls, ncols, &n);
	if (n != 1)
		elog(ERROR, "job %s could not be updated although its claim is held", js.id);
	return rows[0];
}

PG_FUNCTION_INFO_V1(mlops_heartbeat_job);

/* mlops.heartbeat_job(job): extend the lease; the first heartbeat starts the job. */
Datum
mlops_heartbeat_job(PG_FUNCTION_ARGS)
{
	Oid			types[3] = {UUIDOID, FLOAT8OID, BOOLOID};
	Datum		vals[3];

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the job of a heartbeat must not be NULL")));
	vals[0] = PG_GETARG_DATUM(0);
	vals[1] = lease_seconds();
	vals[2] = BoolGetDatum(mlops_jobs_session_is_admin());
	(void) claim_update(
		"UPDATE mlops.jobs j SET status = 'running', "
		"started_at = COALESCE(j.started_at, pg_catalog.now()), heartbeat_at = pg_catalog.now(), "
		"lease_until = pg_catalog.now() OPERATOR(pg_catalog.+) pg_catalog.make_interval(secs => $2) "
		"WHERE j.id OPERATOR(pg_catalog.=) $1 AND " CLAIM_HOLDER("$3") " RETURNING j.id",
		3, types, vals, NULL, 1, PG_GETARG_UUID_P(0), "heartbeat");
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(mlops_complete_job);

/*
 * mlops.complete_job(job, status, run): end a claimed or running job; the
 * run that trained it is linked job -> run ('trained') in lineage.
 */
Datum
mlops_complete_job(PG_FUNCTION_ARGS)
{
	char	   *status;
	char	   *job;
	Oid			types[4] = {UUIDOID, TEXTOID, UUIDOID, BOOLOID};
	Datum		vals[4];
	char		nulls[5] = "    ";
	char	  **row;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the job to complete must not be NULL")));
	job = uuid_text(PG_GETARG_UUID_P(0));
	status = PG_ARGISNULL(1) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(1));
	if (status == NULL || (strcmp(status, "succeeded") != 0 && strcmp(status, "failed") != 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("job %s cannot end with status %s", job,
						status ? quote_literal_cstr(status) : "NULL"),
				 errhint("A job ends as 'succeeded' or 'failed'.")));
	if (!PG_ARGISNULL(2))
		require_run(PG_GETARG_DATUM(2), PG_GETARG_UUID_P(0));
	vals[0] = PG_GETARG_DATUM(0);
	vals[1] = CStringGetTextDatum(status);
	vals[2] = PG_ARGISNULL(2) ? (Datum) 0 : PG_GETARG_DATUM(2);
	nulls[2] = PG_ARGISNULL(2) ? 'n' : ' ';
	vals[3] = BoolGetDatum(mlops_jobs_session_is_admin());
	row = claim_update(
		"UPDATE mlops.jobs j SET status = $2, finished_at = pg_catalog.now(), run_id = $3, lease_until = NULL "
		"WHERE j.id OPERATOR(pg_catalog.=) $1 AND " CLAIM_HOLDER("$4") " RETURNING pg_catalog.jsonb_build_object("
		"'job', j.id, 'model', (SELECT m.name FROM mlops.models m WHERE m.id OPERATOR(pg_catalog.=) j.model_id), "
		"'status', j.status, 'run', j.run_id)::pg_catalog.text",
		4, types, vals, nulls, 1, PG_GETARG_UUID_P(0), "complete");
	if (!PG_ARGISNULL(2))
		mlops_lineage_add("job", job, "run", uuid_text(PG_GETARG_UUID_P(2)), "trained");
	mlops_emit("job.completed", psprintf("job:%s", job), row[0]);
	PG_RETURN_VOID();
}

int64
mlops_jobs_expire_leases(void)
{
	uint64		n;
	char	 ***rows;

	/* SKIP LOCKED: a claim being heartbeaten or completed right now is not waited for. */
	rows = mlops_jobs_owner_query(
		"WITH x AS (SELECT q.id, q.claimed_by, q.claimed_login, q.lease_until FROM mlops.jobs q "
		"WHERE q.status OPERATOR(pg_catalog.=) ANY (ARRAY['claimed', 'running']) "
		"AND q.lease_until OPERATOR(pg_catalog.<) pg_catalog.now() FOR UPDATE SKIP LOCKED) "
		"UPDATE mlops.jobs j SET status = 'queued', requeued_at = pg_catalog.now(), "
		"error = pg_catalog.format('the lease of worker %s (role %s) ran out at %s', "
		"x.claimed_by, x.claimed_login, x.lease_until), "
		"claimed_by = NULL, claimed_login = NULL, claimed_at = NULL, started_at = NULL, "
		"heartbeat_at = NULL, lease_until = NULL FROM x WHERE j.id OPERATOR(pg_catalog.=) x.id "
		"RETURNING j.id::pg_catalog.text, pg_catalog.jsonb_build_object("
		"'job', j.id, 'model', (SELECT m.name FROM mlops.models m WHERE m.id OPERATOR(pg_catalog.=) j.model_id), "
		"'reason', j.reason, 'requeued', true, 'expired_claim', pg_catalog.jsonb_build_object("
		"'worker', x.claimed_by, 'login', x.claimed_login, 'lease_until', x.lease_until, "
		"'attempts', j.attempts))::pg_catalog.text",
		0, NULL, NULL, NULL, 2, &n);
	for (uint64 i = 0; i < n; i++)
		mlops_emit("job.queued", psprintf("job:%s", rows[i][0]), rows[i][1]);
	return (int64) n;
}
