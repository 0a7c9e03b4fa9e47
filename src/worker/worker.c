/*
 * worker.c: the background worker "mlops scheduler".
 *
 * One worker per cluster, started as a dynamic worker by the launcher
 * (launcher.c), which registers from shared_preload_libraries, restarts it
 * with backoff and stops it for DROP DATABASE. It connects to
 * mlops.database and, each round, runs mlops.tick() in its own
 * short transaction (leases, due monitors, schedule policies). Between
 * rounds it holds no transaction, snapshot or lock, and sleeps on its latch
 * for mlops.naptime; a commit that emitted an event sets the latch
 * (mlops_worker_wake), so queued work is handled at once. After the tick,
 * outside any transaction, it drives webhook deliveries
 * (mlops_webhooks_run), and sleeps no longer than until the next one is due.
 *
 * The launcher starts it once recovery has finished: on a hot standby none
 * runs and mlops.worker_status says 'standby'. It idles while
 * mlops.worker_enabled is off and while the extension is not
 * installed in its database. A failing round is logged, recorded in shared
 * memory (mlops.worker_status) and the loop goes on.
 */
#include "postgres.h"

#include <limits.h>

#include "compat.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "tcop/tcopprot.h"
#include "commands/dbcommands.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timeout.h"
#include "utils/timestamp.h"

#include "guc.h"
#include "webhooks/webhooks.h"
#include "worker/launcher.h"
#include "worker/worker.h"

/* Lower bound of the statement timeout armed around each tick (ms). */
#define TICK_TIMEOUT_MIN_MS		60000

/*
 * First sleep when webhook work is due at once but the last round made no
 * progress (ms). While deliveries progress a backlog is worked through with
 * no sleep between rounds; without progress (a unit that keeps failing) the
 * sleep starts here and doubles up to naptime, so the worker never spins.
 */
#define MIN_SLEEP_MS			50

#define RESULT_MAX	1024
#define ERROR_MAX	512

/* What the worker is doing; names are what mlops.worker_status shows. */
typedef enum WorkerState
{
	WS_NOT_RUNNING = 0,
	WS_STARTING,
	WS_IDLE,
	WS_RUNNING,
	WS_STANDBY,
	WS_DISABLED,
	WS_NO_EXTENSION,
	WS_OUTDATED,
	WS_NO_DATABASE
} WorkerState;

static const char *const state_names[] = {
	"not running", "starting", "idle", "running", "standby", "disabled",
	"no extension", "extension outdated", "no database"
};

/*
 * The worker's status in shared memory. Only the pid, the latch (inside the
 * worker's PGPROC, which outlives any one process) and plain values: nothing
 * here points into a process's private memory.
 */
typedef struct WorkerShared
{
	slock_t		mutex;
	pid_t		pid;
	Latch	   *latch;
	WorkerState state;
	TimestampTz started_at;
	TimestampTz last_tick_start;
	TimestampTz last_tick_end;
	TimestampTz last_error_at;
	int64		ticks;
	int64		tick_errors;
	int64		monitors_evaluated;
	int64		jobs_queued;
	WebhookCounters webhooks;
	char		last_result[RESULT_MAX];
	char		last_error[ERROR_MAX];
} WorkerShared;

static WorkerShared *worker_shared = NULL;
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

/* Whether the worker already logged that the extension is missing (reset when it appears). */
static bool missing_logged = false;

/* Whether deliveries a previous worker left in flight were returned to the queue. */
static bool webhooks_recovered = false;

/* Current sleep when webhook work is due at once (see MIN_SLEEP_MS). */
static long eager_sleep_ms = MIN_SLEEP_MS;

PGDLLEXPORT void mlops_worker_main(Datum arg) pg_attribute_noreturn();

/* shmem_request_hook: reserve the status area. */
static void
worker_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(WorkerShared)));
}

/* shmem_startup_hook: create (postmaster) or attach to the status area. */
static void
worker_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	worker_shared = ShmemInitStruct("mlops scheduler", sizeof(WorkerShared), &found);
	if (!found)
	{
		memset(worker_shared, 0, sizeof(WorkerShared));
		SpinLockInit(&worker_shared->mutex);
	}
	LWLockRelease(AddinShmemInitLock);
}

void
mlops_worker_init(void)
{
	if (!process_shared_preload_libraries_in_progress)
		return;
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = worker_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = worker_shmem_startup;
	mlops_launcher_init();
}

pid_t
mlops_worker_pid(void)
{
	pid_t		pid;

	if (worker_shared == NULL)
		return 0;
	SpinLockAcquire(&worker_shared->mutex);
	pid = worker_shared->pid;
	SpinLockRelease(&worker_shared->mutex);
	return pid;
}

void
mlops_worker_wake(void)
{
	Latch	   *latch;
	pid_t		pid;

	if (worker_shared == NULL)
		return;
	SpinLockAcquire(&worker_shared->mutex);
	latch = worker_shared->latch;
	pid = worker_shared->pid;
	SpinLockRelease(&worker_shared->mutex);
	/* the worker's own ticks emit events: it is awake already */
	if (latch != NULL && pid != MyProcPid)
		SetLatch(latch);
}

/* Set the state shown in mlops.worker_status. */
static void
set_state(WorkerState state)
{
	SpinLockAcquire(&worker_shared->mutex);
	worker_shared->state = state;
	SpinLockRelease(&worker_shared->mutex);
}

/* on_shmem_exit: the worker is gone; nobody is left to wake. */
static void
worker_unpublish(int code, Datum arg)
{
	SpinLockAcquire(&worker_shared->mutex);
	worker_shared->pid = 0;
	worker_shared->latch = NULL;
	worker_shared->state = WS_NOT_RUNNING;
	SpinLockRelease(&worker_shared->mutex);
}

/* Publish this process as the worker; counters count from this start. */
static void
worker_publish(void)
{
	SpinLockAcquire(&worker_shared->mutex);
	worker_shared->pid = MyProcPid;
	worker_shared->latch = &MyProc->procLatch;
	worker_shared->state = WS_STARTING;
	worker_shared->started_at = GetCurrentTimestamp();
	worker_shared->last_tick_start = 0;
	worker_shared->last_tick_end = 0;
	worker_shared->last_error_at = 0;
	worker_shared->ticks = 0;
	worker_shared->tick_errors = 0;
	worker_shared->monitors_evaluated = 0;
	worker_shared->jobs_queued = 0;
	memset(&worker_shared->webhooks, 0, sizeof(WebhookCounters));
	worker_shared->last_result[0] = '\0';
	worker_shared->last_error[0] = '\0';
	SpinLockRelease(&worker_shared->mutex);
	on_shmem_exit(worker_unpublish, (Datum) 0);
}

/* Copy src into a buffer of size dst_size, cut at a character boundary. */
static void
copy_bounded(char *dst, const char *src, int dst_size)
{
	int			len = strlen(src);

	if (len >= dst_size)
		len = pg_mbcliplen(src, len, dst_size - 1);
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/*
 * Whether mlops.tick() can run in this database: sets the state and logs
 * once when the extension is missing or too old to have tick().
 */
static bool
extension_ready(void)
{
	bool		isnull;
	bool		has_tick;

	if (SPI_execute("SELECT pg_catalog.to_regprocedure('mlops.tick()') IS NOT NULL "
					"FROM pg_catalog.pg_extension e WHERE e.extname OPERATOR(pg_catalog.=) 'mlops'",
					true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not look up extension \"mlops\"");
	if (SPI_processed == 0)
	{
		if (!missing_logged)
			ereport(LOG,
					(errmsg("mlops scheduler: extension \"mlops\" is not installed in database \"%s\"; waiting",
							get_database_name(MyDatabaseId)),
					 errhint("Run CREATE EXTENSION mlops in that database, or point mlops.database at the database that has it.")));
		missing_logged = true;
		set_state(WS_NO_EXTENSION);
		return false;
	}
	has_tick = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	if (!has_tick)
	{
		if (!missing_logged)
			ereport(LOG,
					(errmsg("mlops scheduler: extension \"mlops\" in database \"%s\" has no mlops.tick(); waiting",
							get_database_name(MyDatabaseId)),
					 errhint("Run ALTER EXTENSION mlops UPDATE.")));
		missing_logged = true;
		set_state(WS_OUTDATED);
		return false;
	}
	missing_logged = false;
	return true;
}

/* The statement timeout of one tick: ten naptimes, at least a minute. */
static int
tick_timeout_ms(void)
{
	return Max(TICK_TIMEOUT_MIN_MS, mlops_naptime_ms * 10);
}

/* Run mlops.tick() under a statement timeout; record its result. Inside a transaction. */
static void
run_tick(void)
{
	char	   *result;
	bool		isnull;
	int64		monitors;
	int64		jobs;

	SpinLockAcquire(&worker_shared->mutex);
	worker_shared->state = WS_RUNNING;
	worker_shared->last_tick_start = GetCurrentTimestamp();
	SpinLockRelease(&worker_shared->mutex);

	SPI_execute("SELECT pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true)", false, 0);
	pgstat_report_activity(STATE_RUNNING, "SELECT mlops.tick()");
	/* SPI does not arm statement_timeout (postgres.c does, for clients): arm it here */
	enable_timeout_after(STATEMENT_TIMEOUT, tick_timeout_ms());
	if (SPI_execute("SELECT r::text, "
					"COALESCE((r OPERATOR(pg_catalog.->>) 'monitors_evaluated')::int8, 0), "
					"COALESCE((r OPERATOR(pg_catalog.->>) 'jobs_queued')::int8, 0) "
					"FROM mlops.tick() AS r", false, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "mlops.tick() returned no row");
	disable_timeout(STATEMENT_TIMEOUT, false);
	result = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	monitors = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	jobs = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull));

	SpinLockAcquire(&worker_shared->mutex);
	if (result != NULL && strlen(result) < RESULT_MAX)
		strcpy(worker_shared->last_result, result);
	else
		strcpy(worker_shared->last_result, "{\"truncated\": true}");
	worker_shared->monitors_evaluated += monitors;
	worker_shared->jobs_queued += jobs;
	SpinLockRelease(&worker_shared->mutex);
}

/* Record a failed tick or webhook round (the error was already logged). */
static void
record_error(ErrorData *edata, bool in_tick)
{
	char	   *msg = psprintf("%s%s (SQLSTATE %s)", in_tick ? "" : "webhook delivery: ",
							   edata->message ? edata->message : "unknown error",
							   unpack_sql_state(edata->sqlerrcode));

	SpinLockAcquire(&worker_shared->mutex);
	copy_bounded(worker_shared->last_error, msg, ERROR_MAX);
	worker_shared->last_error_at = GetCurrentTimestamp();
	if (in_tick)
		worker_shared->tick_errors++;
	worker_shared->state = WS_IDLE;
	SpinLockRelease(&worker_shared->mutex);
}

/* Log and record the error being handled, leaving no transaction open. Inside PG_CATCH. */
static void
recover_from_error(MemoryContext round_cxt, bool in_tick)
{
	ErrorData  *edata;

	HOLD_INTERRUPTS();
	disable_timeout(STATEMENT_TIMEOUT, false);
	MemoryContextSwitchTo(round_cxt);
	edata = CopyErrorData();
	EmitErrorReport();
	AbortOutOfAnyTransaction();
	FlushErrorState();
	RESUME_INTERRUPTS();
	record_error(edata, in_tick);
}

/*
 * One tick in one transaction. An error is logged, recorded and rolled back;
 * the worker goes on with its next round.
 */
static void
tick_transaction(MemoryContext round_cxt)
{
	volatile bool ticked = false;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PG_TRY();
	{
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		PushActiveSnapshot(GetTransactionSnapshot());
		if (extension_ready())
		{
			run_tick();
			ticked = true;
		}
		SPI_finish();
		PopActiveSnapshot();
		CommitTransactionCommand();
	}
	PG_CATCH();
	{
		recover_from_error(round_cxt, true);
		ticked = false;
	}
	PG_END_TRY();
	MemoryContextSwitchTo(round_cxt);
	pgstat_report_stat(false);
	pgstat_report_activity(STATE_IDLE, NULL);
	if (ticked)
	{
		SpinLockAcquire(&worker_shared->mutex);
		worker_shared->ticks++;
		worker_shared->last_tick_end = GetCurrentTimestamp();
		worker_shared->state = WS_IDLE;
		SpinLockRelease(&worker_shared->mutex);
	}
}

/*
 * Webhook deliveries, outside any transaction (they open their own). At the
 * first round that runs on a primary, deliveries a crashed or killed worker
 * left in flight go back to the queue first. Returns when the next is due.
 */
static TimestampTz
webhooks_round(MemoryContext round_cxt, bool *progress)
{
	volatile TimestampTz next = DT_NOEND;
	WebhookCounters c;

	PG_TRY();
	{
		if (!webhooks_recovered)
		{
			mlops_webhooks_recover();
			webhooks_recovered = true;
		}
		pgstat_report_activity(STATE_RUNNING, "mlops webhook deliveries");
		next = mlops_webhooks_run();
	}
	PG_CATCH();
	{
		recover_from_error(round_cxt, false);
	}
	PG_END_TRY();
	MemoryContextSwitchTo(round_cxt);
	pgstat_report_stat(false);
	pgstat_report_activity(STATE_IDLE, NULL);
	mlops_webhooks_counters(&c);
	SpinLockAcquire(&worker_shared->mutex);
	*progress = memcmp(&worker_shared->webhooks, &c, sizeof(c)) != 0;
	worker_shared->webhooks = c;
	SpinLockRelease(&worker_shared->mutex);
	return next;
}

/* Whether the last tick found the extension usable (webhooks need it too). */
static bool
extension_present(void)
{
	WorkerState state;

	SpinLockAcquire(&worker_shared->mutex);
	state = worker_shared->state;
	SpinLockRelease(&worker_shared->mutex);
	return state != WS_NO_EXTENSION && state != WS_OUTDATED;
}

/*
 * One round: nothing on a standby or while disabled, else one tick and the
 * webhook deliveries. Returns how long to sleep (ms).
 */
static long
worker_round(MemoryContext round_cxt)
{
	TimestampTz next;
	long		until_ms;
	bool		progress = false;

	if (RecoveryInProgress())
	{
		set_state(WS_STANDBY);
		return mlops_naptime_ms;
	}
	if (!mlops_worker_enabled)
	{
		set_state(WS_DISABLED);
		return mlops_naptime_ms;
	}
	tick_transaction(round_cxt);
	if (!extension_present())
		return mlops_naptime_ms;
	next = webhooks_round(round_cxt, &progress);
	until_ms = (next == DT_NOEND) ? LONG_MAX :
		TimestampDifferenceMilliseconds(GetCurrentTimestamp(), next);
	if (until_ms >= MIN_SLEEP_MS)
	{
		eager_sleep_ms = MIN_SLEEP_MS;
		return Min(until_ms, (long) mlops_naptime_ms);
	}
	/* due (almost) at once: straight on while deliveries progress, backing off while they do not */
	if (progress)
	{
		eager_sleep_ms = MIN_SLEEP_MS;
		return Max(until_ms, 0);
	}
	eager_sleep_ms = Min(eager_sleep_ms * 2, Max((long) mlops_naptime_ms, (long) MIN_SLEEP_MS));
	return eager_sleep_ms;
}

void
mlops_worker_main(Datum arg)
{
	MemoryContext round_cxt;
	long		sleep_ms;

	/* die, not bgworker_die: it respects critical sections and query cancel */
	pqsignal(SIGTERM, die);
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	BackgroundWorkerUnblockSignals();

	mlops_launcher_scheduler_started();
	worker_publish();
	BackgroundWorkerInitializeConnection(mlops_database, NULL, 0);
	pgstat_report_appname("mlops scheduler");
	ereport(LOG, (errmsg("mlops scheduler started in database \"%s\"", mlops_database)));

	round_cxt = AllocSetContextCreate(TopMemoryContext, "mlops scheduler round", ALLOCSET_DEFAULT_SIZES);
	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		MemoryContextReset(round_cxt);
		MemoryContextSwitchTo(round_cxt);
		sleep_ms = worker_round(round_cxt);

		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 sleep_ms, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}

/* A timestamp column: NULL when it was never set. */
static Datum
ts_or_null(TimestampTz ts, bool *isnull)
{
	*isnull = (ts == 0);
	return TimestampTzGetDatum(ts);
}

PG_FUNCTION_INFO_V1(mlops_worker_status);

/*
 * Why no scheduler runs: on a standby none is started, the launcher may have
 * found no usable database; else it is not preloaded or waits for a restart.
 */
static WorkerState
absent_state(void)
{
	if (worker_shared == NULL)
		return WS_NOT_RUNNING;
	if (RecoveryInProgress())
		return WS_STANDBY;
	if (mlops_launcher_no_database())
		return WS_NO_DATABASE;
	return WS_NOT_RUNNING;
}

/*
 * mlops._worker_status(): one row from shared memory. Without
 * shared_preload_libraries there is no worker and no status area: the row
 * says 'not running'. The last columns are the launcher's.
 */
Datum
mlops_worker_status(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	WorkerShared snap;
	Datum		values[15 + MLOPS_LAUNCHER_STATUS_COLS];
	bool		nulls[15 + MLOPS_LAUNCHER_STATUS_COLS];

	InitMaterializedSRF(fcinfo, 0);
	memset(&snap, 0, sizeof(snap));
	if (worker_shared != NULL)
	{
		SpinLockAcquire(&worker_shared->mutex);
		memcpy(&snap, worker_shared, sizeof(snap));
		SpinLockRelease(&worker_shared->mutex);
	}
	if (snap.pid == 0)
		snap.state = absent_state();

	memset(nulls, 0, sizeof(nulls));
	values[0] = Int32GetDatum(snap.pid);
	nulls[0] = (snap.pid == 0);
	values[1] = CStringGetTextDatum(state_names[snap.state]);
	values[2] = ts_or_null(snap.started_at, &nulls[2]);
	values[3] = ts_or_null(snap.last_tick_start, &nulls[3]);
	values[4] = ts_or_null(snap.last_tick_end, &nulls[4]);
	nulls[5] = (snap.last_result[0] == '\0');
	if (!nulls[5])
		values[5] = DirectFunctionCall1(jsonb_in, CStringGetDatum(snap.last_result));
	nulls[6] = (snap.last_error[0] == '\0');
	if (!nulls[6])
		values[6] = CStringGetTextDatum(snap.last_error);
	values[7] = ts_or_null(snap.last_error_at, &nulls[7]);
	values[8] = Int64GetDatum(snap.ticks);
	values[9] = Int64GetDatum(snap.tick_errors);
	values[10] = Int64GetDatum(snap.monitors_evaluated);
	values[11] = Int64GetDatum(snap.jobs_queued);
	values[12] = Int64GetDatum(snap.webhooks.delivered);
	values[13] = Int64GetDatum(snap.webhooks.failed_attempts);
	values[14] = Int64GetDatum(snap.webhooks.dead);
	mlops_launcher_status(&values[15], &nulls[15]);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	return (Datum) 0;
}
