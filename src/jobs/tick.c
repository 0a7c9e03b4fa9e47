/*
 * tick.c: mlops.tick(), one pass of the scheduler's work.
 *
 *  (a) claims whose lease ran out return to the queue;
 *  (b) every enabled monitor that is due (next_due NULL or past) is
 *      evaluated by mlops.evaluate_monitor(name), each in its own
 *      subtransaction: one that raises is rolled back alone, its error is
 *      recorded on the monitor and its next check is one schedule later;
 *      the drift policies its breaches fire queue jobs (policies.c); a
 *      statement timeout is recorded on the monitor it stopped and ends
 *      this part (the timeout fires once: the rest would run without one);
 *  (c) schedule policies that are due fire.
 * The whole tick is one transaction of its caller; when nothing is due it
 * is one indexed query per part.
 */
#include "postgres.h"

#include "compat.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

#include "jobs/jobs.h"

/* What one tick did. */
typedef struct TickStats
{
	int64		leases_expired;
	int64		monitors_evaluated;
	int64		windows;
	int64		breaches;
	int64		monitor_errors;
} TickStats;

/* Record an evaluation error on the monitor and put its next check one schedule later. */
static void
monitor_record_error(const char *name, ErrorData *edata)
{
	Oid			types[3] = {TEXTOID, TEXTOID, TEXTOID};
	Datum		vals[3];
	uint64		n;

	vals[0] = CStringGetTextDatum(name);
	vals[1] = CStringGetTextDatum(edata->message ? edata->message : "unknown error");
	vals[2] = CStringGetTextDatum(unpack_sql_state(edata->sqlerrcode));
	(void) mlops_jobs_owner_query(
		"UPDATE mlops.monitors m SET last_error = $2, last_sqlstate = $3, last_error_at = pg_catalog.now(), "
		"next_due = pg_catalog.now() OPERATOR(pg_catalog.+) m.schedule WHERE m.name OPERATOR(pg_catalog.=) $1",
		3, types, vals, NULL, 0, &n);
}

/*
 * The SQLSTATE of the error evaluate_monitor recorded on the monitor in this
 * transaction, or NULL when it recorded none.
 */
static char *
monitor_failed_quietly(const char *name)
{
	Oid			types[1] = {TEXTOID};
	Datum		vals[1] = {CStringGetTextDatum(name)};
	uint64		n;
	char	 ***rows;

	rows = mlops_jobs_owner_query(
		"SELECT m.last_sqlstate FROM mlops.monitors m WHERE m.name OPERATOR(pg_catalog.=) $1 "
		"AND m.last_error IS NOT NULL AND m.last_error_at OPERATOR(pg_catalog.>=) pg_catalog.now()",
		1, types, vals, NULL, 1, &n);
	return n == 1 ? rows[0][0] : NULL;
}

/*
 * Evaluate one monitor inside a subtransaction, as the caller (the monitor's
 * evaluation switches to its owner itself). A cancel is not swallowed.
 * Returns false when the statement timed out: the timeout fires once per
 * statement, so the monitors after this one would run without any.
 */
static bool
evaluate_one(const char *name, TickStats *st)
{
	bool		timed_out = false;
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	int64		created_before = mlops_jobs_created;
	Oid			types[1] = {TEXTOID};
	Datum		vals[1] = {CStringGetTextDatum(name)};

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		bool		isnull;

		if (SPI_execute_with_args("SELECT pg_catalog.count(*), pg_catalog.count(*) FILTER (WHERE r.breached) "
								  "FROM mlops.evaluate_monitor($1) r",
								  1, types, vals, NULL, false, 0) != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "mlops.evaluate_monitor(%s) returned no count", quote_literal_cstr(name));
		st->windows += DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		st->breaches += DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
		{
			char	   *failed = monitor_failed_quietly(name);

			if (failed)
				st->monitor_errors++;
			timed_out = failed && strcmp(failed, unpack_sql_state(ERRCODE_QUERY_CANCELED)) == 0;
		}
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		mlops_jobs_created = created_before;	/* its jobs were rolled back too */
		if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED)
			ReThrowError(edata);
		monitor_record_error(name, edata);
		st->monitor_errors++;
		FreeErrorData(edata);
	}
	PG_END_TRY();
	st->monitors_evaluated++;
	return !timed_out;
}

/* Evaluate every due monitor. */
static void
evaluate_due_monitors(TickStats *st)
{
	uint64		n;
	char	 ***rows;

	rows = mlops_jobs_owner_query(
		"SELECT m.name FROM mlops.monitors m WHERE m.enabled "
		"AND (m.next_due IS NULL OR m.next_due OPERATOR(pg_catalog.<=) pg_catalog.now()) "
		"ORDER BY m.next_due NULLS FIRST, m.id",
		0, NULL, NULL, NULL, 1, &n);
	if (n == 0)
		return;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	for (uint64 i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		/* the rest stay due for the next tick */
		if (!evaluate_one(rows[i][0], st))
			break;
	}
	SPI_finish();
}

PG_FUNCTION_INFO_V1(mlops_tick);

/* mlops.tick(): returns what it did as a JSON object. */
Datum
mlops_tick(PG_FUNCTION_ARGS)
{
	TickStats	st = {0};
	int64		created_before = mlops_jobs_created;
	char	   *json;

	st.leases_expired = mlops_jobs_expire_leases();
	evaluate_due_monitors(&st);
	(void) mlops_policies_fire_schedules();
	json = psprintf("{\"leases_expired\": " INT64_FORMAT ", \"monitors_evaluated\": " INT64_FORMAT
					", \"windows\": " INT64_FORMAT ", \"breaches\": " INT64_FORMAT
					", \"monitor_errors\": " INT64_FORMAT ", \"jobs_queued\": " INT64_FORMAT "}",
					st.leases_expired, st.monitors_evaluated, st.windows, st.breaches,
					st.monitor_errors, mlops_jobs_created - created_before);
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(json)));
}
