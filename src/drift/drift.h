/*
 * drift.h: shared pieces of the drift statistics (drift_*.c).
 */
#ifndef MLOPS_DRIFT_H
#define MLOPS_DRIFT_H


/* Share below which (and replacement for) an empty bin, as in Evidently. */
#define DRIFT_EMPTY_SHARE 1e-4

extern void drift_bin_shares(const double *counts, int nbins, double *shares);
extern double drift_psi_counts(const double *ref, const double *cur, int nbins);


/* ---- exact-statistics helpers (drift_sort.c, drift_samples.c, drift_kdist.c, drift_chi2.c) ---- */

#include <math.h>

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/array.h"

/*
 * Loops that can run over millions of values (sorting, selection, merging,
 * binning) check for interrupts every DRIFT_CFI_STRIDE iterations, so that a
 * statement_timeout or a cancel stops them promptly; a check costs a load and
 * a branch, the mask keeps it off the hot path.
 */
#define DRIFT_CFI_STRIDE 65536
#define DRIFT_CFI_EVERY(i) \
	do { \
		if (((i) & (DRIFT_CFI_STRIDE - 1)) == 0) \
			CHECK_FOR_INTERRUPTS(); \
	} while (0)

/* Sort float8 values ascending in place: -0 becomes 0, NaN sorts last (as in PostgreSQL). */
extern void drift_sort_float8(double *v, int64 n);

/* Largest shift drift_group_float8 returns (two 11-bit digits above the lowest four). */
#define DRIFT_GROUP_MAX_SHIFT 44

/* Order float8 values by key >> shift only (the returned shift; 0 = sorted). */
extern int	drift_group_float8(double *v, int64 n);

/* Order-preserving unsigned key of a float8 (after canonicalising -0 and NaN). */
static inline uint64
drift_key(double x)
{
	uint64		u;

	if (isnan(x))
		x = NAN;
	else if (x == 0.0)
		x = 0.0;
	memcpy(&u, &x, sizeof(u));
	if (u & UINT64CONST(0x8000000000000000))
		return ~u;
	return u | UINT64CONST(0x8000000000000000);
}

/* The float8 a key was made from. */
static inline double
drift_unkey(uint64 k)
{
	double		x;

	if (k & UINT64CONST(0x8000000000000000))
		k &= ~UINT64CONST(0x8000000000000000);
	else
		k = ~k;
	memcpy(&x, &k, sizeof(x));
	return x;
}
/*
 * Three-way comparison in PostgreSQL's float8 order (NaN above +Infinity,
 * NaN = NaN). Inline: the KS sweep and the parallel merge call it per value.
 */
static inline int
drift_cmp_float8(double a, double b)
{
	if (likely(!isnan(a) && !isnan(b)))
		return (a < b) ? -1 : (a > b) ? 1 : 0;
	if (isnan(a))
		return isnan(b) ? 0 : 1;
	return -1;
}

/*
 * A run of values in drift_sort_float8's form, ordered by drift_key >> shift:
 * sorted when shift is 0, else in groups of equal key >> shift, each group in
 * any order (drift_group_float8).
 */
typedef struct DriftRun
{
	double	   *v;
	int64		n;
	int			shift;
} DriftRun;

/*
 * Two samples collected by an aggregate (0 = reference, 1 = current). The
 * combine function adopts the sorted sides and the runs of partial states
 * as further runs instead of merging them: a binned statistic counts on the
 * runs as they are, and drift_samples_sort sorts and merges them for the
 * statistics that need one sorted array.
 */
typedef struct DriftSamples
{
	int64		n[2];			/* values held per side, runs included */
	int64		cap[2];			/* allocated per side (v) */
	double	   *v[2];			/* the side's first n - inruns values, in aggcontext */
	bool		sorted[2];		/* v in drift_sort_float8's order (and form) */
	int32		param;			/* bins or alternative; -1 when not given */
	int			nruns[2];		/* further runs of the side (only when v is sorted); a
								 * deserialized grouped side is one run */
	int			maxruns[2];
	int64		inruns[2];		/* values in those runs */
	DriftRun   *runs[2];
	bool		handed_over;	/* arrays handed over by the leader's own partial
								 * aggregate (drift_local_take): no other state
								 * owns them, whatever context they live in */
} DriftSamples;

/* Reference-quantile bin counts of both samples (the reference is reordered in place). */
typedef struct DriftBins
{
	int			nbins;			/* bins + 1 (the NaN bin) */
	double	   *ref;			/* counts */
	double	   *cur;
} DriftBins;

extern DriftSamples *drift_samples_from_arrays(ArrayType *ref, ArrayType *cur);
extern void drift_samples_sort(DriftSamples *s);
extern void drift_check_bins(int32 bins);
extern int	drift_parse_alternative(text *t);
extern Datum drift_result_datum(FunctionCallInfo fcinfo, double stat, double p, bool has_p,
								int64 n_ref, int64 n_cur);
extern void drift_bin_samples(DriftSamples *s, int bins, DriftBins *out);
extern int	drift_quantile_edges(const double *v, int64 r, int bins, double *edges);

/*
 * Bin of a non-NaN value among edges (non-decreasing): the number of edges at
 * or below it (equal goes up), branch-free. Inline: binning runs per value.
 */
static inline int
drift_bin_of(const double *edges, int nedges, double x)
{
	const double *base = edges;
	int			len = nedges;

	if (len == 0)
		return 0;
	while (len > 1)
	{
		int			half = len / 2;

		base = (base[half] <= x) ? base + half : base;
		len -= half;
	}
	return (int) (base - edges) + (*base <= x);
}

/* Statistics on prepared samples (drift_ks.c, drift_dist.c). */
extern void drift_ks_statistics(const double *a, int64 m, const double *b, int64 n,
								double *dplus, double *dminus);
extern double drift_wasserstein_sorted(const double *a, int64 m, const double *b, int64 n);
extern double drift_jensen_shannon_shares(const double *p, const double *q, int k);
extern double drift_hellinger_shares(const double *p, const double *q, int k);
extern void drift_chi2_homogeneity(const double *ref, const double *cur, int64 k,
								   int64 n_ref, int64 n_cur, double *stat, double *p);

/* Kolmogorov-Smirnov distributions (drift_kdist.c). */
extern double drift_kolmogn_sf(int64 n, double x);
extern double drift_smirnov_sf(int64 n, double x);
extern bool drift_ks2_exact(int64 m, int64 n, double *d, int alternative, double *p);
extern double drift_ks2_asymp(int64 m, int64 n, double d, int alternative);

#define DRIFT_ALT_TWO_SIDED 0
#define DRIFT_ALT_GREATER	1
#define DRIFT_ALT_LESS		2

/* Chi-square distribution (drift_chi2.c). */
extern double drift_chi2_sf(double x, double df);
extern double drift_chi2_ppf(double p, double df);
extern double drift_chi2_isf(double q, double df);

#endif							/* MLOPS_DRIFT_H */
