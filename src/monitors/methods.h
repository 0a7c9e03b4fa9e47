/*
 * methods.h: the statistics of a monitor window (src/monitors/methods.c).
 *
 * A monitor compares each time window of a value column with a reference.
 * This module knows the methods; the window engine (monitor.c, windows.c)
 * knows tables, time and bookkeeping. The engine:
 *
 *	 1. gets a reference: either a stored summary (mlops_mref_deserialize),
 *		one built once from a time range of the source or from the previous
 *		window (collect its values in a MonitorAcc created with ref = NULL,
 *		then mlops_mref_from_acc), or one built from a dataset version's
 *		column profile (mlops_mref_from_profile);
 *	 2. per window, creates a MonitorAcc against that reference and feeds it
 *		every non-NULL value of the window (NaN included);
 *	 3. calls mlops_monitor_compare for the statistic and p-value, and
 *		mlops_monitor_histogram_json for the report's counts.
 *
 * Results equal the SQL aggregates over the same rows, for a reference built
 * from values: psi (bins), ks_test (two-sided), wasserstein, jensen_shannon
 * (bins), hellinger (bins), psi_categorical, chi2_test. mean_change and
 * p95_change are |cur - ref| / |ref| of the mean and of the 95th percentile
 * (percentile_cont(0.95)); NaN values are ignored by these two.
 *
 * Everything is palloc'd in CurrentMemoryContext at the call; errors are
 * ereport(ERROR) with a SQLSTATE.
 */
#ifndef MLOPS_MONITOR_METHODS_H
#define MLOPS_MONITOR_METHODS_H

#include "utils/jsonb.h"

typedef enum MonitorMethod
{
	MM_PSI,
	MM_KS,
	MM_WASSERSTEIN,
	MM_JENSEN_SHANNON,
	MM_HELLINGER,
	MM_PSI_CATEGORICAL,
	MM_CHI2,
	MM_MEAN_CHANGE,
	MM_P95_CHANGE
} MonitorMethod;

/* The method of a name; unknown: ERROR 22023 naming it, with the list in a hint. */
extern MonitorMethod mlops_monitor_method(const char *name);
extern const char *mlops_monitor_method_name(MonitorMethod m);
/* psi_categorical and chi2 read text values; the others float8. */
extern bool mlops_monitor_method_is_categorical(MonitorMethod m);
/* Whether the method has a p-value (ks, chi2). */
extern bool mlops_monitor_method_has_pvalue(MonitorMethod m);

/* A summarised reference (opaque). */
typedef struct MonitorRef MonitorRef;

/* The values of one side: a window, or a reference being collected (opaque). */
typedef struct MonitorAcc MonitorAcc;

/*
 * A new accumulator. With a reference, values are reduced as they arrive
 * when the method allows it (binned for psi, jensen_shannon, hellinger;
 * summed for mean_change); with ref = NULL every value is kept, so that the
 * accumulator can become a reference (mlops_mref_from_acc).
 */
extern MonitorAcc *mlops_macc_new(MonitorMethod m, int bins, const MonitorRef *ref);
extern void mlops_macc_add_float(MonitorAcc *acc, double x);
extern void mlops_macc_add_text(MonitorAcc *acc, const char *s, int len);
/* Values added so far. */
extern int64 mlops_macc_count(const MonitorAcc *acc);

/* A reference from collected values (acc must have been created with ref = NULL); consumes acc. */
extern MonitorRef *mlops_mref_from_acc(MonitorAcc *acc);

/*
 * A reference from a dataset version's column profile (a row of
 * mlops.dataset_column_profiles): sketch is its qsketch (numeric columns,
 * else NULL), top_values its jsonb (text columns, else NULL), n the non-NULL
 * count. A method the profile cannot serve (a numeric method on a text
 * column, a categorical one on a number) is ERROR 42804 naming the column.
 * Statistics against a profile are as accurate as the sketch (its
 * rank_error) and, for categories, its top values.
 */
extern MonitorRef *mlops_mref_from_profile(MonitorMethod m, int bins, const char *column,
										   bytea *sketch, Jsonb *top_values, int64 n);

/* Values in the reference (n_ref of a result). */
extern int64 mlops_mref_count(const MonitorRef *ref);

/* Stored form (mlops.monitor_references.summary), versioned and validated on read (XX001 when corrupt). */
extern bytea *mlops_mref_serialize(const MonitorRef *ref);
extern MonitorRef *mlops_mref_deserialize(bytea *data);

/*
 * The statistic of a window against the reference. cur may have been
 * created with this reference (reduced values) or with ref = NULL (kept
 * values, as for a previous-window reference: compare first, then turn it
 * into the next reference). *stat_null when either
 * side is empty (or a relative change of a zero reference); *p_null when the
 * method has no p-value or the statistic is NULL.
 */
extern void mlops_monitor_compare(const MonitorRef *ref, const MonitorAcc *cur,
								  double *stat, bool *stat_null, double *p, bool *p_null);

/*
 * The reference's and the window's counts on the same bins, as a JSON object
 * (text): numeric {"edges": [...], "ref": [...], "cur": [...]}, categorical
 * {"categories": [...], "ref": [...], "cur": [...]} (the 20 most frequent,
 * names clipped to 200 characters).
 */
extern char *mlops_monitor_histogram_json(const MonitorRef *ref, const MonitorAcc *cur);

#endif							/* MLOPS_MONITOR_METHODS_H */
