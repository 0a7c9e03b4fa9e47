/*
 * tracking.h: experiment tracking limits and helpers shared by tracking.c
 * and search.c.
 */
#ifndef MLOPS_TRACKING_H
#define MLOPS_TRACKING_H

#include "utils/relcache.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

/* Limits (characters), mirrored by named CHECK constraints in 20_tracking.sql. */
#define MLOPS_KEY_MAX		250
#define MLOPS_VALUE_MAX		8000

extern void mlops_check_key(const char *what, text *key);

/* One point for mlops.metrics (id comes from its identity sequence). */
#define MLOPS_METRIC_NCOLS	6
typedef struct MetricPoint
{
	pg_uuid_t	run;
	text	   *key;
	int64		step;
	TimestampTz ts;
	float8		value;
} MetricPoint;

/* metrics_insert.c: log_metric's executor-sound insert without a planner. */
extern bool mlops_metrics_insert_simple_ok(Relation rel, bool runs_rls);
extern void mlops_metrics_check_insert_privilege(Relation rel);
extern void mlops_metrics_insert_simple(Relation rel, Oid runs_relid, const MetricPoint *p);

/*
 * import_mlflow.c: whether the running statement is one that
 * mlops.import_mlflow() issued (the run guard then leaves the run checks to
 * the import, which makes them per statement).
 */
extern bool mlops_import_trusted(void);

#endif							/* MLOPS_TRACKING_H */
