/*
 * policies.c: retraining policies (mlops.retrain_policies) and their firing.
 *
 *  - drift: the AFTER trigger mlops._jobs_drift_breached() on
 *    mlops.drift_results fires the enabled drift policies of a window's
 *    monitor when the window becomes breached;
 *  - new_dataset_version: the AFTER INSERT trigger
 *    mlops._jobs_dataset_version_added() on mlops.dataset_versions fires the
 *    policies of every model whose production version was trained on (its
 *    run read) any version of that dataset;
 *  - schedule: mlops.tick() fires policies whose next_due has come, then
 *    moves next_due past now() in steps of every (missed ticks are skipped);
 *  - manual: never fires; jobs come from mlops.enqueue_retrain().
 * A policy fires at most once per cooldown, counted from last_fired_at: the
 * firing statement is an UPDATE of the policy rows whose WHERE checks the
 * cooldown, so concurrent firings of one policy serialise on its row and
 * the second re-checks against the first one's last_fired_at.
 *
 * The triggers fire inside user transactions and inside statements mlops
 * runs as the extension owner; their writes go through common/spi_owner.
 * A session loading a dump fires nothing.
 */
#include "postgres.h"

#include "compat.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "datasets/datasets.h"
#include "jobs/jobs.h"

/* Text of an interval for messages. */
static char *
interval_text(Datum d)
{
	return DatumGetCString(DirectFunctionCall1(interval_out, d));
}

/* The id of a monitor by name (42704 naming it) and its model's id (0: none). */
static int64
monitor_lookup(const char *name, const char *model, int64 *monitor_model)
{
	Oid			types[1] = {TEXTOID};
	Datum		vals[1] = {CStringGetTextDatum(name)};
	uint64		n;
	char	 ***rows;

	rows = mlops_jobs_owner_query(
		"SELECT m.id, m.model_id FROM mlops.monitors m WHERE m.name OPERATOR(pg_catalog.=) $1",
		1, types, vals, NULL, 2, &n);
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("monitor \"%s\" does not exist (drift policy for model \"%s\")", name, model),
				 errhint("Create it with mlops.create_monitor().")));
	*monitor_model = rows[0][1] ? pg_strtoint64(rows[0][1]) : 0;
	return pg_strtoint64(rows[0][0]);
}

/* The name of a model by id. */
static char *
model_name(int64 id)
{
	Oid			types[1] = {INT8OID};
	Datum		vals[1] = {Int64GetDatum(id)};
	uint64		n;
	char	 ***rows;

	rows = mlops_jobs_owner_query("SELECT m.name FROM mlops.models m WHERE m.id OPERATOR(pg_catalog.=) $1",
								  1, types, vals, NULL, 1, &n);
	return n == 1 ? rows[0][0] : psprintf("id " INT64_FORMAT, id);
}

/* Whether trigger is one a policy can have. */
static bool
known_trigger(const char *trigger)
{
	return strcmp(trigger, "drift") == 0 || strcmp(trigger, "schedule") == 0 ||
		strcmp(trigger, "new_dataset_version") == 0 || strcmp(trigger, "manual") == 0;
}

/* Check the trigger and its monitor; returns the monitor id (0: none). */
static int64
check_trigger_monitor(const char *model, int64 model_id, const char *trigger, const char *monitor)
{
	int64		monitor_id;
	int64		monitor_model;

	if (trigger == NULL || !known_trigger(trigger))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown retraining trigger %s for model \"%s\"",
						trigger ? quote_literal_cstr(trigger) : "NULL", model),
				 errhint("A policy fires on 'drift', 'schedule', 'new_dataset_version' or 'manual'.")));
	if (strcmp(trigger, "drift") != 0)
	{
		if (monitor != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a %s policy for model \"%s\" takes no monitor", trigger, model),
					 errhint("Only drift policies follow a monitor.")));
		return 0;
	}
	if (monitor == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a drift policy for model \"%s\" needs a monitor", model),
				 errhint("Pass monitor => the name of one of mlops.monitors.")));
	monitor_id = monitor_lookup(monitor, model, &monitor_model);
	if (monitor_model != 0 && monitor_model != model_id)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("monitor \"%s\" watches model \"%s\", not model \"%s\"",
						monitor, model_name(monitor_model), model),
				 errhint("A drift policy retrains the model its monitor watches (or any model, for a monitor without one).")));
	return monitor_id;
}

/* Whether an interval is positive with no negative field (so adding it always moves forward). */
static bool
interval_forward(Interval *iv)
{
	return iv->month >= 0 && iv->day >= 0 && iv->time >= 0 &&
		(iv->month > 0 || iv->day > 0 || iv->time > 0);
}

/* Check every (schedule policies only, positive) and cooldown (not NULL, not negative). */
static void
check_intervals(const char *model, const char *trigger, Datum every, bool every_null,
				Datum cooldown, bool cooldown_null)
{
	bool		schedule = strcmp(trigger, "schedule") == 0;

	if (schedule && every_null)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a schedule policy for model \"%s\" needs an interval", model),
				 errhint("Pass every => for example interval '1 day'.")));
	if (!schedule && !every_null)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a %s policy for model \"%s\" takes no interval (every)", trigger, model),
				 errhint("Only schedule policies repeat every interval.")));
	if (schedule && !interval_forward(DatumGetIntervalP(every)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the interval of the schedule policy for model \"%s\" must be positive, not %s",
						model, interval_text(every)),
				 errhint("Months, days and time must each be zero or more, and not all zero.")));
	if (cooldown_null)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the cooldown of a policy for model \"%s\" must not be NULL", model),
				 errhint("Pass interval '0' for no cooldown.")));
	if (DatumGetIntervalP(cooldown)->month < 0 || DatumGetIntervalP(cooldown)->day < 0 ||
		DatumGetIntervalP(cooldown)->time < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the cooldown of a policy for model \"%s\" must not be negative, not %s",
						model, interval_text(cooldown)),
				 errhint("Pass interval '0' for no cooldown.")));
}

PG_FUNCTION_INFO_V1(mlops_create_retrain_policy);

/* mlops.create_retrain_policy(model, trigger, monitor, every, cooldown, webhook). */
Datum
mlops_create_retrain_policy(PG_FUNCTION_ARGS)
{
	char	   *model = PG_ARGISNULL(0) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *trigger = PG_ARGISNULL(1) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(1));
	char	   *monitor = PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2));
	char	   *webhook = PG_ARGISNULL(5) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(5));
	int64		model_id = mlops_jobs_model_id(model);
	int64		monitor_id = check_trigger_monitor(model, model_id, trigger, monitor);
	Oid			types[6] = {INT8OID, TEXTOID, INT8OID, INTERVALOID, INTERVALOID, TEXTOID};
	Datum		vals[6];
	char		nulls[7] = "      ";
	uint64		n;
	char	 ***rows;

	check_intervals(model, trigger, PG_GETARG_DATUM(3), PG_ARGISNULL(3), PG_GETARG_DATUM(4), PG_ARGISNULL(4));
	if (webhook != NULL && (webhook[0] == '\0' || strlen(webhook) > 250))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the webhook name of a policy for model \"%s\" must have 1 to 250 characters", model)));
	if (webhook != NULL)
	{
		Oid			wtypes[1] = {TEXTOID};
		Datum		wvals[1] = {CStringGetTextDatum(webhook)};

		(void) mlops_jobs_owner_query("SELECT 1 FROM mlops.webhooks w WHERE w.name OPERATOR(pg_catalog.=) $1",
									  1, wtypes, wvals, NULL, 1, &n);
		if (n == 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("webhook \"%s\" does not exist", webhook),
					 errhint("Create it with mlops.create_webhook(); the policy's job events are also sent to it.")));
	}
	vals[0] = Int64GetDatum(model_id);
	vals[1] = CStringGetTextDatum(trigger);
	vals[2] = Int64GetDatum(monitor_id);
	nulls[2] = monitor_id == 0 ? 'n' : ' ';
	vals[3] = PG_GETARG_DATUM(3);
	nulls[3] = PG_ARGISNULL(3) ? 'n' : ' ';
	vals[4] = PG_GETARG_DATUM(4);
	vals[5] = webhook ? CStringGetTextDatum(webhook) : (Datum) 0;
	nulls[5] = webhook ? ' ' : 'n';
	rows = mlops_jobs_owner_query(
		"INSERT INTO mlops.retrain_policies (model_id, trigger, monitor_id, every, cooldown, webhook, next_due) "
		"VALUES ($1, $2, $3, $4, $5, $6, pg_catalog.now() OPERATOR(pg_catalog.+) $4) RETURNING id",
		6, types, vals, nulls, 1, &n);
	PG_RETURN_INT64(pg_strtoint64(rows[0][0]));
}

PG_FUNCTION_INFO_V1(mlops_drop_retrain_policy);

/* mlops.drop_retrain_policy(id): its jobs stay, without the policy. */
Datum
mlops_drop_retrain_policy(PG_FUNCTION_ARGS)
{
	Oid			types[1] = {INT8OID};
	Datum		vals[1];
	uint64		n;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the retrain policy to drop must not be NULL")));
	vals[0] = PG_GETARG_DATUM(0);
	(void) mlops_jobs_owner_query("DELETE FROM mlops.retrain_policies p WHERE p.id OPERATOR(pg_catalog.=) $1 "
								  "RETURNING p.id", 1, types, vals, NULL, 1, &n);
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("retrain policy " INT64_FORMAT " does not exist", PG_GETARG_INT64(0)),
				 errhint("Policies are listed in mlops.retrain_policies.")));
	PG_RETURN_VOID();
}

/*
 * Queue a job for each fired policy: rows of (policy id, model id, reason
 * JSON); returns how many jobs were created.
 */
static int64
enqueue_fired(char ***rows, uint64 n, int64 drift_result_id, int64 dataset_version_id)
{
	int64		created = 0;

	for (uint64 i = 0; i < n; i++)
	{
		bool		c;

		(void) mlops_job_enqueue(pg_strtoint64(rows[i][1]), rows[i][2], pg_strtoint64(rows[i][0]),
								 drift_result_id, dataset_version_id, &c);
		created += c ? 1 : 0;
	}
	return created;
}

/* The trigger data of a trigger function, or an error when called otherwise. */
static TriggerData *
trigger_data(FunctionCallInfo fcinfo, const char *name)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "%s: not called by the trigger manager", name);
	return (TriggerData *) fcinfo->context;
}

/* An int8 column of the trigger's new row. */
static Datum
new_column(TriggerData *td, const char *column)
{
	HeapTuple	tup = TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple;
	TupleDesc	desc = td->tg_relation->rd_att;
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, SPI_fnumber(desc, column), &isnull);

	if (isnull)
		elog(ERROR, "mlops jobs trigger: column %s is NULL", column);
	return d;
}

PG_FUNCTION_INFO_V1(mlops_jobs_drift_breached);

/*
 * AFTER INSERT OR UPDATE OF breached on mlops.drift_results, for a row that
 * became breached (the trigger's WHEN clause): fire the monitor's drift policies.
 */
Datum
mlops_jobs_drift_breached(PG_FUNCTION_ARGS)
{
	TriggerData *td = trigger_data(fcinfo, "mlops._jobs_drift_breached");
	Oid			types[2] = {INT8OID, INT8OID};
	Datum		vals[2];
	uint64		n;
	char	 ***rows;

	if (mlops_datasets_restoring())
		return PointerGetDatum(NULL);
	vals[0] = new_column(td, "monitor_id");
	vals[1] = new_column(td, "id");
	rows = mlops_jobs_owner_query(
		"WITH fired AS (UPDATE mlops.retrain_policies p SET last_fired_at = pg_catalog.now() "
		"WHERE p.monitor_id OPERATOR(pg_catalog.=) $1 AND p.trigger OPERATOR(pg_catalog.=) 'drift' AND p.enabled "
		"AND (p.last_fired_at IS NULL OR p.last_fired_at OPERATOR(pg_catalog.+) p.cooldown "
		"OPERATOR(pg_catalog.<=) pg_catalog.now()) RETURNING p.id, p.model_id) "
		"SELECT f.id, f.model_id, pg_catalog.jsonb_build_object('trigger', 'drift', 'policy', f.id, "
		"'monitor', m.name, 'drift_result_id', d.id, 'window_start', d.window_start, "
		"'window_end', d.window_end, 'statistic', d.statistic, 'threshold', d.threshold)::pg_catalog.text "
		"FROM fired f, mlops.drift_results d JOIN mlops.monitors m ON m.id OPERATOR(pg_catalog.=) d.monitor_id "
		"WHERE d.id OPERATOR(pg_catalog.=) $2 ORDER BY f.id",
		2, types, vals, NULL, 3, &n);
	(void) enqueue_fired(rows, n, DatumGetInt64(vals[1]), 0);
	return PointerGetDatum(NULL);
}

PG_FUNCTION_INFO_V1(mlops_jobs_dataset_version_added);

/*
 * AFTER INSERT on mlops.dataset_versions: fire the new_dataset_version
 * policies of the models whose production version's run read this dataset.
 */
Datum
mlops_jobs_dataset_version_added(PG_FUNCTION_ARGS)
{
	TriggerData *td = trigger_data(fcinfo, "mlops._jobs_dataset_version_added");
	Oid			types[2] = {INT8OID, INT8OID};
	Datum		vals[2];
	uint64		n;
	char	 ***rows;

	if (mlops_datasets_restoring())
		return PointerGetDatum(NULL);
	vals[0] = new_column(td, "dataset_id");
	vals[1] = new_column(td, "id");
	rows = mlops_jobs_owner_query(
		"WITH fired AS (UPDATE mlops.retrain_policies p SET last_fired_at = pg_catalog.now() "
		"WHERE p.trigger OPERATOR(pg_catalog.=) 'new_dataset_version' AND p.enabled "
		"AND (p.last_fired_at IS NULL OR p.last_fired_at OPERATOR(pg_catalog.+) p.cooldown "
		"OPERATOR(pg_catalog.<=) pg_catalog.now()) "
		"AND EXISTS (SELECT 1 FROM mlops.model_versions mv "
		"JOIN mlops.run_inputs ri ON ri.run_id OPERATOR(pg_catalog.=) mv.run_id "
		"JOIN mlops.dataset_versions dv ON dv.id OPERATOR(pg_catalog.=) ri.dataset_version_id "
		"WHERE mv.model_id OPERATOR(pg_catalog.=) p.model_id AND mv.stage OPERATOR(pg_catalog.=) 'production' "
		"AND dv.dataset_id OPERATOR(pg_catalog.=) $1) RETURNING p.id, p.model_id) "
		"SELECT f.id, f.model_id, pg_catalog.jsonb_build_object('trigger', 'new_dataset_version', "
		"'policy', f.id, 'dataset', d.name, 'version', v.version, 'dataset_version_id', v.id)::pg_catalog.text "
		"FROM fired f, mlops.dataset_versions v JOIN mlops.datasets d ON d.id OPERATOR(pg_catalog.=) v.dataset_id "
		"WHERE v.id OPERATOR(pg_catalog.=) $2 ORDER BY f.id",
		2, types, vals, NULL, 3, &n);
	(void) enqueue_fired(rows, n, 0, DatumGetInt64(vals[1]));
	return PointerGetDatum(NULL);
}

/* Fire the due schedule policies (tick); how many jobs were created. */
int64
mlops_policies_fire_schedules(void)
{
	uint64		n;
	char	 ***rows;
	int64		created = 0;

	/*
	 * Every due policy moves its next_due on; the ones out of cooldown fire.
	 * SKIP LOCKED: a policy another tick is firing is left to it.
	 */
	rows = mlops_jobs_owner_query(
		"WITH due AS (SELECT q.id, q.next_due, (q.last_fired_at IS NULL OR q.last_fired_at "
		"OPERATOR(pg_catalog.+) q.cooldown OPERATOR(pg_catalog.<=) pg_catalog.now()) AS fire "
		"FROM mlops.retrain_policies q WHERE q.enabled AND q.trigger OPERATOR(pg_catalog.=) 'schedule' "
		"AND q.next_due OPERATOR(pg_catalog.<=) pg_catalog.now() FOR UPDATE SKIP LOCKED) "
		"UPDATE mlops.retrain_policies p SET next_due = mlops._next_due(due.next_due, p.every), "
		"last_fired_at = CASE WHEN due.fire THEN pg_catalog.now() ELSE p.last_fired_at END "
		"FROM due WHERE p.id OPERATOR(pg_catalog.=) due.id "
		"RETURNING p.id, p.model_id, pg_catalog.jsonb_build_object('trigger', 'schedule', 'policy', p.id, "
		"'due_at', due.next_due, 'every', p.every)::pg_catalog.text, due.fire",
		0, NULL, NULL, NULL, 4, &n);
	for (uint64 i = 0; i < n; i++)
	{
		if (strcmp(rows[i][3], "t") == 0)
			created += enqueue_fired(&rows[i], 1, 0, 0);
	}
	return created;
}
