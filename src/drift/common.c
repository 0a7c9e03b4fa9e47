/*
 * drift_common.c: arithmetic shared by every PSI flavour (arrays, aggregates,
 * histograms, sketches): bin shares with the empty-bin fill and the PSI sum.
 */
#include "postgres.h"

#include <math.h>

#include "drift/drift.h"

/*
 * Turn bin counts into shares. An empty bin gets DRIFT_EMPTY_SHARE, or
 * min_nonzero * 1e-6 when the smallest non-zero share is at most
 * DRIFT_EMPTY_SHARE; no renormalisation afterwards (API.md -> psi).
 * The caller guarantees a positive total.
 */
void
drift_bin_shares(const double *counts, int nbins, double *shares)
{
	double		total = 0.0;
	double		min_nonzero = INFINITY;
	double		fill;
	int			i;

	for (i = 0; i < nbins; i++)
		total += counts[i];
	Assert(total > 0.0);
	for (i = 0; i < nbins; i++)
	{
		shares[i] = counts[i] / total;
		if (shares[i] > 0.0 && shares[i] < min_nonzero)
			min_nonzero = shares[i];
	}
	fill = (min_nonzero <= DRIFT_EMPTY_SHARE) ? min_nonzero * 1e-6 : DRIFT_EMPTY_SHARE;
	for (i = 0; i < nbins; i++)
		if (shares[i] == 0.0)
			shares[i] = fill;
}

/*
 * PSI = sum over bins of (cur - ref) * ln(cur / ref) on filled shares; bins
 * empty in both samples are left out (with unequal fills they would add a
 * spurious term, and PSI must not depend on how many such bins there are).
 */
double
drift_psi_counts(const double *ref, const double *cur, int nbins)
{
	double	   *e = palloc(sizeof(double) * nbins);
	double	   *a = palloc(sizeof(double) * nbins);
	double		psi = 0.0;
	int			i;

	drift_bin_shares(ref, nbins, e);
	drift_bin_shares(cur, nbins, a);
	for (i = 0; i < nbins; i++)
	{
		/* a bin empty on both sides carries no information: skip it */
		if (ref[i] == 0.0 && cur[i] == 0.0)
			continue;
		psi += (a[i] - e[i]) * log(a[i] / e[i]);
	}
	pfree(e);
	pfree(a);
	return psi;
}
