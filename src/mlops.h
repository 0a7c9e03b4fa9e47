/*
 * mlops.h: declarations shared across the mlops module.
 */
#ifndef MLOPS_H
#define MLOPS_H

#include "postgres.h"

/* guc.c */
extern char *mlops_database;
extern int	mlops_naptime_ms;
extern bool mlops_worker_enabled;
extern int	mlops_webhook_timeout_ms;
extern int	mlops_webhook_max_attempts;
extern char *mlops_webhook_allowed_hosts;

extern void mlops_guc_init(void);

/* mlops.c */
extern bool mlops_preloaded;

#endif							/* MLOPS_H */
