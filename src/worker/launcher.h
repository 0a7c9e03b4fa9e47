/*
 * launcher.h: the background worker "mlops launcher" (src/worker/launcher.c),
 * which starts the scheduler (worker.c) as a dynamic worker and watches it.
 */
#ifndef MLOPS_LAUNCHER_H
#define MLOPS_LAUNCHER_H

/* Columns mlops_launcher_status() fills, at the end of mlops._worker_status(). */
#define MLOPS_LAUNCHER_STATUS_COLS	5

/*
 * Called from mlops_worker_init while shared_preload_libraries is processed:
 * the launcher's shared memory, its registration and the utility hook that
 * stops the scheduler before commands that need its database alone.
 */
extern void mlops_launcher_init(void);

/*
 * Called first thing in the scheduler process: its exit code and last fatal
 * message are recorded for the launcher.
 */
extern void mlops_launcher_scheduler_started(void);

/* Whether the launcher found mlops.database missing or refusing connections. */
extern bool mlops_launcher_no_database(void);

/*
 * The launcher's columns of mlops.worker_status: launcher pid, restarts,
 * last exit time, last exit, next start time.
 */
extern void mlops_launcher_status(Datum *values, bool *nulls);

#endif							/* MLOPS_LAUNCHER_H */
