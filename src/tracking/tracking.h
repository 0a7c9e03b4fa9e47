/*
 * tracking.h: experiment tracking limits and helpers shared by tracking.c
 * and search.c.
 */
#ifndef MLOPS_TRACKING_H
#define MLOPS_TRACKING_H

#include "storage/itemptr.h"
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
 * run_probe.c: in READ COMMITTED, lock the run FOR SHARE in its latest
 * version and check it is open (running or scheduled, active, in an active
 * experiment), copying its created_by to *owner (UNAVAILABLE when the tables
 * are not as created or the isolation level needs the SQL statement); and
 * lock a key's latest_metrics row FOR KEY SHARE, returning its point.
 */
typedef enum MlopsRunProbe
{
	RUN_PROBE_OPEN,				/* locked and open */
	RUN_PROBE_REFUSE,			/* unknown or not open: the SQL check raises why */
	RUN_PROBE_UNAVAILABLE		/* use the SQL statement */
} MlopsRunProbe;
extern MlopsRunProbe mlops_lock_open_run(pg_uuid_t *run, NameData *owner);
typedef enum MlopsLatestProbe
{
	LATEST_PROBE_LOCKED,		/* the row is locked; *step, *ts, *value are its point */
	LATEST_PROBE_MISSING,		/* no row for the key */
	LATEST_PROBE_UNKNOWN		/* not as created, or changing: use the SQL statements */
} MlopsLatestProbe;
extern MlopsLatestProbe mlops_latest_probe(pg_uuid_t *run, text *key, int64 *step, TimestampTz *ts,
										   float8 *value, ItemPointer tid);
typedef enum MlopsLatestMove
{
	LATEST_MOVE_DONE,			/* the row now holds the point, or a later one */
	LATEST_MOVE_UNAVAILABLE		/* not as created, missing or changing: use the SQL statements */
} MlopsLatestMove;
extern MlopsLatestMove mlops_latest_move(pg_uuid_t *run, text *key, ItemPointer tid, int64 step,
										 TimestampTz ts, float8 value);
/* Whether the point (step, ts, value) is strictly later than (estep, ets, evalue). */
extern bool mlops_latest_later(int64 step, TimestampTz ts, float8 value,
							   int64 estep, TimestampTz ets, float8 evalue);

/*
 * import_mlflow.c: whether the running statement is one that
 * mlops.import_mlflow() issued (the run guard then leaves the run checks to
 * the import, which makes them per statement).
 */
extern bool mlops_import_trusted(void);

#endif							/* MLOPS_TRACKING_H */
