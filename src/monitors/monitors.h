/*
 * monitors.h: the monitor engine (src/monitors/monitor.c: the SQL API and
 * bookkeeping; windows.c: reading the source and computing windows).
 *
 * A monitor's windows are aligned to its window_size from the Unix epoch,
 * as date_bin(window_size, t, '1970-01-01 00:00:00+00') aligns them. Times
 * are handled as microseconds on the timestamptz axis; a timestamp (without
 * time zone) column is read as UTC and a date column as its midnight UTC,
 * so windows never depend on the session's TimeZone.
 */
#ifndef MLOPS_MONITORS_H
#define MLOPS_MONITORS_H

#include "datatype/timestamp.h"
#include "utils/jsonb.h"

#include "monitors/methods.h"

/* Where a monitor's reference comes from. */
typedef enum MonitorRefKind
{
	MREF_PREVIOUS,				/* the window before each window */
	MREF_RANGE,					/* a time range of the source, summarised once */
	MREF_DATASET				/* a dataset version's column profile */
} MonitorRefKind;

/* A monitor as the engine needs it (a row of mlops.monitors, resolved). */
typedef struct MonitorDef
{
	int64		id;
	char	   *name;
	char	   *model;			/* NULL: a monitor without model */
	char	   *source;			/* schema-qualified, quoted */
	char	   *value_column;
	char	   *time_column;
	MonitorMethod method;
	double		threshold;
	bool		threshold_null;
	int			bins;
	int64		width;			/* window_size in microseconds */
	Oid			owner;			/* role the source is read as */
	char	   *owner_name;
	MonitorRefKind ref_kind;
	TimestampTz ref_from;		/* MREF_RANGE */
	TimestampTz ref_to;
	char	   *ref_dataset;	/* MREF_DATASET */
	int32		ref_version;
	char	   *ref_column;
} MonitorDef;

/* One computed window. */
typedef struct MonitorWindow
{
	TimestampTz start;
	TimestampTz end;
	int64		n_ref;
	int64		n_cur;
	double		stat;
	bool		stat_null;
	double		p;
	bool		p_null;
	double		threshold;
	bool		threshold_null;
	bool		breached;
	const char *note;			/* why stat is NULL, or NULL */
	char	   *histogram;		/* JSON text, or NULL */
} MonitorWindow;

/* Longest window_size (100000000 days): aligning a time never overflows. */
#define MONITOR_MAX_WIDTH (INT64CONST(100000000) * USECS_PER_DAY)

/* Largest number of windows one evaluation computes (the rest: next time). */
#define MONITOR_MAX_WINDOWS 100000

/* The start of the window containing t (date_bin from the epoch). */
extern TimestampTz mlops_monitor_align(TimestampTz t, int64 width);

/* Resolve the source relation and check its columns now (42P01, 42703, 42804). */
extern Oid	mlops_monitor_source_relid(const MonitorDef *m, bool missing_ok);
extern void mlops_monitor_check_columns(Oid relid, const char *qualified, const char *value_column,
										const char *time_column, MonitorMethod method);

/* The earliest time of the source's rows as the owner; false when it has none. */
extern bool mlops_monitor_min_time(const MonitorDef *m, TimestampTz *t);

/*
 * Compute nwin consecutive windows from start (aligned) in one scan of the
 * source as the monitor's owner. store_ref: a time-range reference not yet
 * stored is stored (else summarised on the fly). out has nwin entries.
 */
extern void mlops_monitor_compute(const MonitorDef *m, TimestampTz start, int nwin, bool store_ref,
								  MonitorWindow *out);

/* A reference from a dataset version's column profile (42704, 55000, 42804). */
extern MonitorRef *mlops_monitor_dataset_ref(MonitorMethod method, int bins, const char *dataset,
											 int32 version, const char *column);

/* A timestamp as ISO 8601 in UTC ("2026-01-01T00:00:00+00:00"), palloc'd. */
extern char *mlops_monitor_iso(TimestampTz t);

#endif							/* MLOPS_MONITORS_H */
