/*
 * launcher.c: the background worker "mlops launcher".
 *
 * A static worker, registered from shared_preload_libraries and started once
 * recovery has finished (so nothing runs on a hot standby). It connects to no
 * database and reads only the shared catalog pg_database. It starts the
 * scheduler (worker.c) as a dynamic worker that the postmaster never restarts
 * by itself, and watches it through its handle and latch:
 *
 * - while mlops.database is missing or refuses connections it says so once
 *   in the log and looks again every naptime;
 * - an exit it did not ask for is a failure: it starts the scheduler again
 *   after 1 s, 2 s, 4 s ... at most 60 s; a run of 5 minutes resets the delay.
 *   The count and the last failure are in mlops.worker_status;
 * - a command that needs the database to itself (DROP DATABASE, ALTER
 *   DATABASE ... RENAME or SET TABLESPACE, CREATE DATABASE ... TEMPLATE) asks
 *   it, through the utility hook below, to stop the scheduler and to start
 *   none for a few seconds. If the database is still there afterwards (the
 *   command failed or it was a copy) the scheduler starts again.
 *
 * SIGTERM stops the launcher and the scheduler with it; the postmaster starts
 * the launcher again after LAUNCHER_RESTART_SECONDS.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_database.h"
#include "commands/dbcommands.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "tcop/tcopprot.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/relcache.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "guc.h"
#include "worker/launcher.h"
#include "worker/worker.h"

/* Seconds the postmaster waits before starting the launcher again after it exits. */
#define LAUNCHER_RESTART_SECONDS	5

/* Delay before the first restart after a failure; it doubles up to the cap. */
#define BACKOFF_FIRST_MS		1000
#define BACKOFF_MAX_MS			60000

/* A scheduler that ran this long before failing is restarted after BACKOFF_FIRST_MS again. */
#define BACKOFF_RESET_MS		(5 * 60 * 1000)

/* How long a database command waits for the scheduler to exit. */
#define STOP_WAIT_MS			5000

/* How long no scheduler starts after a database command asked for the stop. */
#define PAUSE_MS				5000

#define EXIT_MAX	512

/*
 * Shared between the launcher, the scheduler (its exit), backends running a
 * database command (the stop request) and mlops.worker_status.
 */
typedef struct LauncherShared
{
	slock_t		mutex;
	pid_t		pid;			/* the launcher; 0 when none runs */
	Latch	   *latch;
	pid_t		scheduler_pid;	/* as the launcher last saw it; 0 when stopped */
	bool		stop_requested; /* a database command waits for the scheduler to exit */
	TimestampTz paused_until;	/* no start before this */
	bool		no_database;	/* mlops.database is missing or refuses connections */
	int64		restarts;		/* starts after a failure since the server started */
	TimestampTz last_exit_at;
	TimestampTz next_start_at;	/* a restart after a failure is due then; 0 when none */
	char		last_exit[EXIT_MAX];
	/* written by the scheduler process as it exits */
	int			exit_code;
	char		exit_message[EXIT_MAX];
} LauncherShared;

/* What the launcher found in pg_database under the name mlops.database. */
typedef enum DatabaseState
{
	DB_USABLE,
	DB_MISSING,
	DB_NO_CONNECTIONS,
	DB_INVALID
} DatabaseState;

static LauncherShared *launcher_shared = NULL;
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;
static ProcessUtility_hook_type prev_utility_hook = NULL;
static emit_log_hook_type prev_emit_log_hook = NULL;

/* Launcher-local: the running scheduler and the restart bookkeeping. */
static BackgroundWorkerHandle *scheduler = NULL;
static bool stopping = false;	/* the launcher asked the scheduler to exit */
static TimestampTz scheduler_started_at = 0;
static int	failures = 0;		/* failures in a row, for the backoff */
static bool restart_pending = false;	/* the next start follows a failure */
static TimestampTz next_start = 0;
static DatabaseState logged_state = DB_USABLE;	/* what was logged last; logged once */

PGDLLEXPORT void mlops_launcher_main(Datum arg) pg_attribute_noreturn();

/* shmem_request_hook: reserve the launcher's area. */
static void
launcher_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(LauncherShared)));
}

/* shmem_startup_hook: create (postmaster) or attach to the launcher's area. */
static void
launcher_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	launcher_shared = ShmemInitStruct("mlops launcher", sizeof(LauncherShared), &found);
	if (!found)
	{
		memset(launcher_shared, 0, sizeof(LauncherShared));
		SpinLockInit(&launcher_shared->mutex);
	}
	LWLockRelease(AddinShmemInitLock);
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

/* ---------------------------------------------------------------- the scheduler's side */

/* emit_log_hook in the scheduler: keep the message of a FATAL error, its last words. */
static void
scheduler_log_hook(ErrorData *edata)
{
	if (edata->elevel >= FATAL && edata->message != NULL)
	{
		SpinLockAcquire(&launcher_shared->mutex);
		copy_bounded(launcher_shared->exit_message, edata->message, EXIT_MAX);
		SpinLockRelease(&launcher_shared->mutex);
	}
	if (prev_emit_log_hook)
		prev_emit_log_hook(edata);
}

/* on_shmem_exit in the scheduler: record its exit code. */
static void
scheduler_exit(int code, Datum arg)
{
	SpinLockAcquire(&launcher_shared->mutex);
	launcher_shared->exit_code = code;
	SpinLockRelease(&launcher_shared->mutex);
}

void
mlops_launcher_scheduler_started(void)
{
	on_shmem_exit(scheduler_exit, (Datum) 0);
	prev_emit_log_hook = emit_log_hook;
	emit_log_hook = scheduler_log_hook;
}

/* ---------------------------------------------------------------- the launcher */

/* Look up mlops.database in the shared catalog. In a transaction of its own. */
static DatabaseState
database_state(void)
{
	DatabaseState state;
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	rel = table_open(DatabaseRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_database_datname, BTEqualStrategyNumber, F_NAMEEQ,
				CStringGetDatum(mlops_database));
	/* without a database the index is usable only once the shared relcache file exists */
	scan = systable_beginscan(rel, DatabaseNameIndexId, criticalSharedRelcachesBuilt, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (!HeapTupleIsValid(tup))
		state = DB_MISSING;
#ifdef DATCONNLIMIT_INVALID_DB
	else if (database_is_invalid_form((Form_pg_database) GETSTRUCT(tup)))
		state = DB_INVALID;
#endif
	else if (!((Form_pg_database) GETSTRUCT(tup))->datallowconn)
		state = DB_NO_CONNECTIONS;
	else
		state = DB_USABLE;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	CommitTransactionCommand();
	pgstat_report_stat(false);
	return state;
}

/* Say once why the scheduler cannot start; again only after the state changed. */
static void
log_database_state(DatabaseState state)
{
	if (state == logged_state)
		return;
	logged_state = state;
	if (state == DB_MISSING)
		ereport(LOG,
				(errmsg("mlops launcher: database \"%s\" does not exist; waiting", mlops_database),
				 errhint("Create the database and run CREATE EXTENSION mlops in it, or point mlops.database at another database.")));
	else if (state == DB_NO_CONNECTIONS)
		ereport(LOG,
				(errmsg("mlops launcher: database \"%s\" does not allow connections; waiting", mlops_database),
				 errhint("Run ALTER DATABASE %s ALLOW_CONNECTIONS true.", quote_identifier(mlops_database))));
	else if (state == DB_INVALID)
		ereport(LOG,
				(errmsg("mlops launcher: database \"%s\" is invalid; waiting", mlops_database),
				 errhint("Drop the database; an interrupted DROP DATABASE left it invalid.")));
}

/* Milliseconds from now until ts, 0 when it has passed. */
static long
ms_until(TimestampTz now, TimestampTz ts)
{
	return TimestampDifferenceMilliseconds(now, ts);
}

/* The delay before the next restart: 1 s, doubled per failure in a row, at most 60 s. */
static long
backoff_ms(int n)
{
	long		ms = BACKOFF_FIRST_MS;

	while (n-- > 1 && ms < BACKOFF_MAX_MS)
		ms *= 2;
	return Min(ms, BACKOFF_MAX_MS);
}

/* The scheduler is gone: a stop the launcher asked for, or a failure to back off from. */
static void
scheduler_stopped(TimestampTz now)
{
	char		exit_text[EXIT_MAX];
	long		delay;

	SpinLockAcquire(&launcher_shared->mutex);
	launcher_shared->scheduler_pid = 0;
	if (launcher_shared->exit_message[0] != '\0')
		strcpy(exit_text, launcher_shared->exit_message);
	else if (launcher_shared->exit_code >= 0)
		snprintf(exit_text, EXIT_MAX, "exited with code %d", launcher_shared->exit_code);
	else
		strcpy(exit_text, "exited before it recorded why");
	if (!stopping)
	{
		strcpy(launcher_shared->last_exit, exit_text);
		launcher_shared->last_exit_at = now;
	}
	SpinLockRelease(&launcher_shared->mutex);

	pfree(scheduler);
	scheduler = NULL;
	if (stopping)
	{
		stopping = false;
		return;
	}
	if (TimestampDifferenceExceeds(scheduler_started_at, now, BACKOFF_RESET_MS))
		failures = 0;
	failures++;
	delay = backoff_ms(failures);
	next_start = TimestampTzPlusMilliseconds(now, delay);
	restart_pending = true;
	SpinLockAcquire(&launcher_shared->mutex);
	launcher_shared->next_start_at = next_start;
	SpinLockRelease(&launcher_shared->mutex);
	ereport(LOG,
			(errmsg("mlops launcher: the scheduler exited unexpectedly; starting it again in %ld s", delay / 1000),
			 errdetail("It exited with: %s", exit_text)));
}

/* Start the scheduler in mlops.database. */
static void
start_scheduler(TimestampTz now)
{
	BackgroundWorker bgw;
	BgwHandleStatus status;
	pid_t		pid = 0;

	memset(&bgw, 0, sizeof(bgw));
	bgw.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	bgw.bgw_start_time = BgWorkerStart_RecoveryFinished;
	/* the launcher decides about restarts, with backoff */
	bgw.bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(bgw.bgw_library_name, BGW_MAXLEN, "mlops");
	snprintf(bgw.bgw_function_name, BGW_MAXLEN, "mlops_worker_main");
	snprintf(bgw.bgw_name, BGW_MAXLEN, "mlops scheduler");
	snprintf(bgw.bgw_type, BGW_MAXLEN, "mlops scheduler");
	bgw.bgw_notify_pid = MyProcPid;

	/* what the scheduler leaves here as it exits is about this start */
	SpinLockAcquire(&launcher_shared->mutex);
	launcher_shared->exit_code = -1;
	launcher_shared->exit_message[0] = '\0';
	SpinLockRelease(&launcher_shared->mutex);

	if (!RegisterDynamicBackgroundWorker(&bgw, &scheduler))
	{
		scheduler = NULL;
		failures++;
		next_start = TimestampTzPlusMilliseconds(now, backoff_ms(failures));
		ereport(WARNING,
				(errmsg("mlops launcher: could not start the scheduler: no free background worker slot; trying again in %ld s",
						backoff_ms(failures) / 1000),
				 errhint("Raise max_worker_processes.")));
		return;
	}
	stopping = false;
	scheduler_started_at = now;
	status = WaitForBackgroundWorkerStartup(scheduler, &pid);
	if (status == BGWH_POSTMASTER_DIED)
		proc_exit(1);
	SpinLockAcquire(&launcher_shared->mutex);
	launcher_shared->scheduler_pid = (status == BGWH_STARTED) ? pid : 0;
	launcher_shared->next_start_at = 0;
	if (restart_pending)
		launcher_shared->restarts++;
	SpinLockRelease(&launcher_shared->mutex);
	restart_pending = false;
}

/* Follow the running scheduler: notice its exit, pass on a stop request. */
static void
watch_scheduler(TimestampTz now)
{
	BgwHandleStatus status;
	pid_t		pid = 0;
	bool		stop;

	SpinLockAcquire(&launcher_shared->mutex);
	stop = launcher_shared->stop_requested;
	SpinLockRelease(&launcher_shared->mutex);

	if (scheduler != NULL)
	{
		status = GetBackgroundWorkerPid(scheduler, &pid);
		if (status == BGWH_POSTMASTER_DIED)
			proc_exit(1);
		if (status == BGWH_STOPPED)
			scheduler_stopped(now);
		else if (status == BGWH_STARTED)
		{
			SpinLockAcquire(&launcher_shared->mutex);
			launcher_shared->scheduler_pid = pid;
			SpinLockRelease(&launcher_shared->mutex);
		}
	}
	if (stop && scheduler != NULL && !stopping)
	{
		ereport(LOG,
				(errmsg("mlops launcher: stopping the scheduler for a command on database \"%s\"", mlops_database)));
		TerminateBackgroundWorker(scheduler);
		stopping = true;
	}
	if (stop && scheduler == NULL)
	{
		SpinLockAcquire(&launcher_shared->mutex);
		launcher_shared->stop_requested = false;
		SpinLockRelease(&launcher_shared->mutex);
	}
}

/*
 * No scheduler runs: start one when nothing holds it back. Returns how long
 * to sleep (ms) before looking again.
 */
static long
maybe_start(TimestampTz now)
{
	TimestampTz paused_until;
	DatabaseState state;

	/* a scheduler of a previous launcher is still exiting */
	if (mlops_worker_pid() != 0)
		return Min(mlops_naptime_ms, 100);
	SpinLockAcquire(&launcher_shared->mutex);
	paused_until = launcher_shared->paused_until;
	SpinLockRelease(&launcher_shared->mutex);
	if (now < paused_until)
		return ms_until(now, paused_until);
	if (restart_pending && now < next_start)
		return Min(ms_until(now, next_start), (long) mlops_naptime_ms);

	state = database_state();
	log_database_state(state);
	SpinLockAcquire(&launcher_shared->mutex);
	launcher_shared->no_database = (state != DB_USABLE);
	SpinLockRelease(&launcher_shared->mutex);
	if (state != DB_USABLE)
		return mlops_naptime_ms;
	if (now < next_start)
		return Min(ms_until(now, next_start), (long) mlops_naptime_ms);
	start_scheduler(now);
	return mlops_naptime_ms;
}

/* before_shmem_exit in the launcher: the scheduler goes with it. */
static void
launcher_exit(int code, Datum arg)
{
	if (scheduler != NULL)
		TerminateBackgroundWorker(scheduler);
	SpinLockAcquire(&launcher_shared->mutex);
	launcher_shared->pid = 0;
	launcher_shared->latch = NULL;
	launcher_shared->scheduler_pid = 0;
	launcher_shared->stop_requested = false;
	launcher_shared->next_start_at = 0;
	SpinLockRelease(&launcher_shared->mutex);
}

void
mlops_launcher_main(Datum arg)
{
	pqsignal(SIGTERM, die);
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	BackgroundWorkerUnblockSignals();

	/* no database: the launcher reads only the shared catalog pg_database */
	BackgroundWorkerInitializeConnection(NULL, NULL, 0);
	pgstat_report_appname("mlops launcher");

	SpinLockAcquire(&launcher_shared->mutex);
	launcher_shared->pid = MyProcPid;
	launcher_shared->latch = &MyProc->procLatch;
	launcher_shared->scheduler_pid = 0;
	launcher_shared->stop_requested = false;
	launcher_shared->no_database = false;
	SpinLockRelease(&launcher_shared->mutex);
	before_shmem_exit(launcher_exit, (Datum) 0);
	ereport(LOG, (errmsg("mlops launcher started for database \"%s\"", mlops_database)));

	for (;;)
	{
		TimestampTz now;
		long		sleep_ms = mlops_naptime_ms;

		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		now = GetCurrentTimestamp();
		watch_scheduler(now);
		if (scheduler == NULL)
			sleep_ms = maybe_start(now);

		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 Max(sleep_ms, 1), PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}

/* ---------------------------------------------------------------- database commands */

/*
 * The database a utility statement needs without other sessions, or NULL:
 * DROP DATABASE, ALTER DATABASE ... RENAME, ALTER DATABASE ... SET
 * TABLESPACE, CREATE DATABASE ... TEMPLATE. *as_template is set for the last.
 */
static const char *
exclusive_database(Node *stmt, bool top_level, bool *as_template)
{
	ListCell   *lc;

	*as_template = false;
	/* these refuse to run in a transaction block: leave the scheduler alone */
	if (!top_level || IsTransactionBlock())
	{
		if (IsA(stmt, RenameStmt) && ((RenameStmt *) stmt)->renameType == OBJECT_DATABASE)
			return ((RenameStmt *) stmt)->subname;
		return NULL;
	}
	switch (nodeTag(stmt))
	{
		case T_DropdbStmt:
			return ((DropdbStmt *) stmt)->dbname;
		case T_RenameStmt:
			if (((RenameStmt *) stmt)->renameType == OBJECT_DATABASE)
				return ((RenameStmt *) stmt)->subname;
			return NULL;
		case T_AlterDatabaseStmt:
			foreach(lc, ((AlterDatabaseStmt *) stmt)->options)
			{
				DefElem    *def = lfirst_node(DefElem, lc);

				if (strcmp(def->defname, "tablespace") == 0)
					return ((AlterDatabaseStmt *) stmt)->dbname;
			}
			return NULL;
		case T_CreatedbStmt:
			foreach(lc, ((CreatedbStmt *) stmt)->options)
			{
				DefElem    *def = lfirst_node(DefElem, lc);

				if (strcmp(def->defname, "template") == 0 && def->arg != NULL && IsA(def->arg, String))
				{
					*as_template = true;
					return strVal(def->arg);
				}
			}
			return NULL;
		default:
			return NULL;
	}
}

/*
 * Whether the current user may run the command on the database: its owner
 * may (a superuser always); copying it takes CREATEDB, and a role that does
 * not own it may copy it only when it is a template. Others get PostgreSQL's
 * own error and do not disturb the scheduler.
 */
static bool
may_run_command(Oid dboid, bool as_template)
{
	HeapTuple	tup;
	bool		owner = pg_database_ownercheck(dboid, GetUserId());
	bool		istemplate = false;
	bool		createdb = false;

	if (!as_template)
		return owner;
	if (superuser())
		return true;
	tup = SearchSysCache1(DATABASEOID, ObjectIdGetDatum(dboid));
	if (HeapTupleIsValid(tup))
	{
		istemplate = ((Form_pg_database) GETSTRUCT(tup))->datistemplate;
		ReleaseSysCache(tup);
	}
	tup = SearchSysCache1(AUTHOID, ObjectIdGetDatum(GetUserId()));
	if (HeapTupleIsValid(tup))
	{
		createdb = ((Form_pg_authid) GETSTRUCT(tup))->rolcreatedb;
		ReleaseSysCache(tup);
	}
	return createdb && (owner || istemplate);
}

/*
 * Ask the launcher to stop the scheduler and start none for PAUSE_MS; wait
 * until it has exited (at most STOP_WAIT_MS).
 */
static void
stop_scheduler_for_command(void)
{
	TimestampTz deadline;
	Latch	   *latch;

	SpinLockAcquire(&launcher_shared->mutex);
	if (launcher_shared->pid == 0)
	{
		SpinLockRelease(&launcher_shared->mutex);
		return;
	}
	launcher_shared->stop_requested = true;
	launcher_shared->paused_until = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), PAUSE_MS);
	latch = launcher_shared->latch;
	SpinLockRelease(&launcher_shared->mutex);
	if (latch != NULL)
		SetLatch(latch);

	deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), STOP_WAIT_MS);
	for (;;)
	{
		bool		done;

		SpinLockAcquire(&launcher_shared->mutex);
		done = !launcher_shared->stop_requested || launcher_shared->pid == 0;
		SpinLockRelease(&launcher_shared->mutex);
		if (done || GetCurrentTimestamp() >= deadline)
			break;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 10, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
	/* the pause counts from the exit, so the command gets its database lock first */
	SpinLockAcquire(&launcher_shared->mutex);
	launcher_shared->paused_until = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), PAUSE_MS);
	SpinLockRelease(&launcher_shared->mutex);
}

/* ProcessUtility_hook: before a command that needs mlops.database alone, stop the scheduler. */
static void
launcher_utility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
				 ProcessUtilityContext context, ParamListInfo params,
				 QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	bool		as_template;
	const char *dbname = exclusive_database(pstmt->utilityStmt,
											context == PROCESS_UTILITY_TOPLEVEL, &as_template);

	if (dbname != NULL && mlops_database != NULL && strcmp(dbname, mlops_database) == 0)
	{
		Oid			dboid = get_database_oid(dbname, true);

		if (OidIsValid(dboid) && may_run_command(dboid, as_template))
			stop_scheduler_for_command();
	}
	if (prev_utility_hook)
		prev_utility_hook(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
}

/* ---------------------------------------------------------------- registration and status */

void
mlops_launcher_init(void)
{
	BackgroundWorker bgw;

	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = launcher_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = launcher_shmem_startup;
	prev_utility_hook = ProcessUtility_hook;
	ProcessUtility_hook = launcher_utility;

	memset(&bgw, 0, sizeof(bgw));
	bgw.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	/* recovery finished: no scheduler on a hot standby, one after promotion */
	bgw.bgw_start_time = BgWorkerStart_RecoveryFinished;
	bgw.bgw_restart_time = LAUNCHER_RESTART_SECONDS;
	snprintf(bgw.bgw_library_name, BGW_MAXLEN, "mlops");
	snprintf(bgw.bgw_function_name, BGW_MAXLEN, "mlops_launcher_main");
	snprintf(bgw.bgw_name, BGW_MAXLEN, "mlops launcher");
	snprintf(bgw.bgw_type, BGW_MAXLEN, "mlops launcher");
	RegisterBackgroundWorker(&bgw);
}

bool
mlops_launcher_no_database(void)
{
	bool		result;

	if (launcher_shared == NULL)
		return false;
	SpinLockAcquire(&launcher_shared->mutex);
	result = launcher_shared->pid != 0 && launcher_shared->no_database;
	SpinLockRelease(&launcher_shared->mutex);
	return result;
}

void
mlops_launcher_status(Datum *values, bool *nulls)
{
	LauncherShared snap;

	memset(&snap, 0, sizeof(snap));
	if (launcher_shared != NULL)
	{
		SpinLockAcquire(&launcher_shared->mutex);
		memcpy(&snap, launcher_shared, sizeof(snap));
		SpinLockRelease(&launcher_shared->mutex);
	}
	values[0] = Int32GetDatum(snap.pid);
	nulls[0] = (snap.pid == 0);
	values[1] = Int64GetDatum(snap.restarts);
	nulls[1] = false;
	values[2] = TimestampTzGetDatum(snap.last_exit_at);
	nulls[2] = (snap.last_exit_at == 0);
	nulls[3] = (snap.last_exit[0] == '\0');
	if (!nulls[3])
		values[3] = CStringGetTextDatum(snap.last_exit);
	values[4] = TimestampTzGetDatum(snap.next_start_at);
	nulls[4] = (snap.next_start_at == 0);
}
