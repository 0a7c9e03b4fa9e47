/*
 * guc.h: the mlops.* settings (guc.c) and how the library was loaded (mlops.c).
 */
#ifndef MLOPS_GUC_H
#define MLOPS_GUC_H


/* guc.c */
extern char *mlops_database;
extern int	mlops_naptime_ms;
extern bool mlops_worker_enabled;
extern int	mlops_webhook_timeout_ms;
extern int	mlops_webhook_max_attempts;
extern char *mlops_webhook_allowed_hosts;
extern int	mlops_webhook_log_retention_s;
extern int	mlops_job_lease_ms;

extern void mlops_guc_init(void);

/* mlops.c */
extern bool mlops_preloaded;

#endif							/* MLOPS_GUC_H */
