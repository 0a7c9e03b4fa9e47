/*
 * jobs.h: retraining jobs and the policies that queue them (src/jobs/).
 *
 * jobs.c keeps the queue (mlops.jobs): enqueue, claim, heartbeat, complete,
 * and the lease expiry mlops.tick() runs. policies.c keeps the retraining
 * policies and fires them: drift (a trigger on mlops.drift_results),
 * new_dataset_version (a trigger on mlops.dataset_versions) and schedule
 * (mlops.tick()). tick.c is mlops.tick() itself.
 *
 * Every write to mlops.jobs and mlops.retrain_policies is a fixed statement
 * run as the extension owner (common/spi_owner); callers hold no privilege
 * on the tables beyond SELECT.
 */
#ifndef MLOPS_JOBS_H
#define MLOPS_JOBS_H

/* SQL text of "a job is open" (the predicate of index jobs_one_open_per_model). */
#define MLOPS_JOB_OPEN "ARRAY['queued', 'claimed', 'running']"

/*
 * Queue a retraining job for a model unless one is open; reason is a JSON
 * object as text; policy_id, drift_result_id and dataset_version_id are 0
 * when not given. Returns the job id (text, palloc'd in the caller's
 * context): the new job's, or the open job's; *created says which. A new
 * job emits job.queued in the caller's transaction.
 */
extern char *mlops_job_enqueue(int64 model_id, const char *reason_json, int64 policy_id,
							   int64 drift_result_id, int64 dataset_version_id, bool *created);

/* Jobs this backend has created so far (mlops.tick() reports its share). */
extern int64 mlops_jobs_created;

/* Return claimed or running jobs whose lease ran out to the queue; returns how many. */
extern int64 mlops_jobs_expire_leases(void);

/* Fire the schedule policies that are due; returns how many jobs were created. */
extern int64 mlops_policies_fire_schedules(void);

/*
 * Run a fixed statement as the extension owner and return its rows as text:
 * rows[i][c] is column c + 1 of row i, NULL for a null, palloc'd in the
 * caller's context; *nrows is the number of rows.
 */
extern char ***mlops_jobs_owner_query(const char *sql, int nargs, Oid *types, Datum *values,
									  const char *nulls, int ncols, uint64 *nrows);

/* The id of a model by name (22004 for NULL, 42704 naming it when unknown). */
extern int64 mlops_jobs_model_id(const char *name);

/* Whether the session user is a superuser or a member of mlops_admin. */
extern bool mlops_jobs_session_is_admin(void);

#endif							/* MLOPS_JOBS_H */
