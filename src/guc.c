/*
 * guc.c: the mlops.* server settings (API.md: "Server settings").
 *
 * Worker-only settings are defined in every backend so that SHOW and
 * ALTER SYSTEM work everywhere; their descriptions say that they take
 * effect only when mlops is in shared_preload_libraries, and the view
 * mlops.settings flags them when it is not.
 */
#include "postgres.h"

#include <limits.h>

#include "utils/guc.h"

#include "compat.h"
#include "guc.h"

char	   *mlops_database = NULL;
int			mlops_naptime_ms = 1000;
bool		mlops_worker_enabled = true;
int			mlops_webhook_timeout_ms = 5000;
int			mlops_webhook_max_attempts = 8;
char	   *mlops_webhook_allowed_hosts = NULL;
int			mlops_webhook_log_retention_s = 30 * 24 * 3600;
int			mlops_job_lease_ms = 600000;

/*
 * Settings read by the background worker. mlops.database is PGC_POSTMASTER,
 * which PostgreSQL only accepts during shared_preload_libraries; when the
 * library is loaded later there is no worker, so it is defined as SIGHUP.
 */
static void
define_worker_gucs(void)
{
	DefineCustomStringVariable("mlops.database",
							   "Database the mlops scheduler connects to (read by the background scheduler, which runs only when mlops is in shared_preload_libraries).",
							   NULL, &mlops_database, "postgres",
							   mlops_preloaded ? PGC_POSTMASTER : PGC_SIGHUP,
							   GUC_SUPERUSER_ONLY,
							   NULL, NULL, NULL);
	DefineCustomIntVariable("mlops.naptime",
							"Time the mlops scheduler sleeps between ticks (read by the background scheduler, which runs only when mlops is in shared_preload_libraries).",
							NULL, &mlops_naptime_ms, 1000, 10, INT_MAX / 1000,
							PGC_SIGHUP, GUC_UNIT_MS,
							NULL, NULL, NULL);
	DefineCustomBoolVariable("mlops.worker_enabled",
							 "Whether the mlops scheduler evaluates monitors and delivers webhooks (read by the background scheduler, which runs only when mlops is in shared_preload_libraries).",
							 NULL, &mlops_worker_enabled, true,
							 PGC_SIGHUP, 0, NULL, NULL, NULL);
}

/* Settings for webhook delivery. */
static void
define_webhook_gucs(void)
{
	DefineCustomIntVariable("mlops.webhook_timeout",
							"Total timeout of one webhook HTTP request (read by the background scheduler, which runs only when mlops is in shared_preload_libraries).",
							NULL, &mlops_webhook_timeout_ms, 5000, 100, 600000,
							PGC_SIGHUP, GUC_UNIT_MS,
							NULL, NULL, NULL);
	DefineCustomIntVariable("mlops.webhook_max_attempts",
							"Attempts before a webhook delivery is marked dead (read by the background scheduler, which runs only when mlops is in shared_preload_libraries).",
							NULL, &mlops_webhook_max_attempts, 8, 1, 100,
							PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("mlops.webhook_allowed_hosts",
							   "Comma-separated host names webhooks may target; empty allows any (read by the background scheduler, which runs only when mlops is in shared_preload_libraries).",
							   NULL, &mlops_webhook_allowed_hosts, "",
							   PGC_SIGHUP, GUC_SUPERUSER_ONLY,
							   NULL, NULL, NULL);
	DefineCustomIntVariable("mlops.webhook_log_retention",
							"How long webhook attempts and finished deliveries are kept; 0 keeps them forever (read by the background scheduler, which runs only when mlops is in shared_preload_libraries).",
							NULL, &mlops_webhook_log_retention_s, 30 * 24 * 3600, 0, INT_MAX,
							PGC_SIGHUP, GUC_UNIT_S,
							NULL, NULL, NULL);
}

/*
 * The lease of a job claim, read by mlops.claim_job() and heartbeat_job().
 * Superusers set it (per role with ALTER ROLE ... SET): a trainer that could
 * choose its own lease could hold a job forever without heartbeats.
 */
static void
define_job_gucs(void)
{
	DefineCustomIntVariable("mlops.job_lease",
							"How long a claimed retraining job stays claimed without a heartbeat before mlops.tick() queues it again.",
							NULL, &mlops_job_lease_ms, 600000, 1, INT_MAX,
							PGC_SUSET, GUC_UNIT_MS,
							NULL, NULL, NULL);
}

/* Define every mlops.* setting and reserve the prefix. */
void
mlops_guc_init(void)
{
	define_worker_gucs();
	define_webhook_gucs();
	define_job_gucs();
	mlops_reserve_guc_prefix("mlops");
}
