/*
 * worker.h: the background worker "mlops scheduler" (src/worker/worker.c).
 */
#ifndef MLOPS_WORKER_H
#define MLOPS_WORKER_H

/*
 * Called from _PG_init while shared_preload_libraries is processed: install
 * the shared-memory hooks and register the launcher, which starts the worker.
 */
extern void mlops_worker_init(void);

/* The running worker's pid, 0 when none runs (or it is exiting). */
extern pid_t mlops_worker_pid(void);

/*
 * Set the worker's latch so it runs a round now. Safe to call from a commit
 * callback: it never throws, and does nothing when no worker runs.
 */
extern void mlops_worker_wake(void);

#endif							/* MLOPS_WORKER_H */
