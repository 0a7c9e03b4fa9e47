/*
 * drift_psi.c: the population stability index on reference-quantile bins,
 * as a function on arrays and as an aggregate, and its chi-square-calibrated
 * threshold. Binning is drift_bin_samples (drift_samples.c); the empty-bin
 * fill and the sum are drift_psi_counts (drift_common.c), shared with the
 * histogram and sketch flavours.
 */
#include "postgres.h"

#include "compat.h"

#include <math.h>

#include "fmgr.h"
#include "utils/array.h"

#include "drift/drift.h"

/* Default number of bins (deciles) when the aggregate is called without bins. */
#define PSI_DEFAULT_BINS 10

/* PSI of the two samples on bins reference-quantile bins plus the NaN bin. */
static double
psi_of_samples(DriftSamples *s, int bins)
{
	DriftBins	b;
	double		psi;

	drift_bin_samples(s, bins, &b);
	psi = drift_psi_counts(b.ref, b.cur, b.nbins);
	pfree(b.ref);
	pfree(b.cur);
	return psi;
}

PG_FUNCTION_INFO_V1(mlops_psi_arrays);

/* mlops.psi(ref float8[], cur float8[], bins int): PSI of two arrays; NULL when a side is empty. */
Datum
mlops_psi_arrays(PG_FUNCTION_ARGS)
{
	int32		bins = PG_GETARG_INT32(2);
	DriftSamples *s;

	drift_check_bins(bins);
	s = drift_samples_from_arrays(PG_GETARG_ARRAYTYPE_P(0), PG_GETARG_ARRAYTYPE_P(1));
	if (s->n[0] == 0 || s->n[1] == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(psi_of_samples(s, bins));
}

PG_FUNCTION_INFO_V1(mlops_psi_final);

/*
 * Final function of the mlops.psi aggregates.
 * Sorts or partitions the state's samples in place. FINALFUNC_MODIFY stays
 * READ_ONLY (the default) because the state still holds the same multiset of
 * values: the transition function only appends, and every final function
 * sorts or selects again, so a window frame or a final call on a shared
 * state gives the same answer.
 */
Datum
mlops_psi_final(PG_FUNCTION_ARGS)
{
	DriftSamples *s;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = (DriftSamples *) PG_GETARG_POINTER(0);
	if (s->n[0] == 0 || s->n[1] == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(psi_of_samples(s, s->param < 0 ? PSI_DEFAULT_BINS : s->param));
}

PG_FUNCTION_INFO_V1(mlops_psi_threshold);

/*
 * mlops.psi_threshold(n_ref, n_cur, bins, alpha): under no drift PSI is about
 * (1/n_ref + 1/n_cur) chi2(bins - 1), so the critical value at level alpha
 * is chi2.ppf(1 - alpha, bins - 1) (1/n_ref + 1/n_cur).
 */
Datum
mlops_psi_threshold(PG_FUNCTION_ARGS)
{
	int64		n_ref = PG_GETARG_INT64(0);
	int64		n_cur = PG_GETARG_INT64(1);
	int32		bins = PG_GETARG_INT32(2);
	double		alpha = PG_GETARG_FLOAT8(3);

	if (n_ref < 1 || n_cur < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("n_ref and n_cur must be positive"),
				 errhint("Pass the sizes of the reference and current samples.")));
	drift_check_bins(bins);
	if (!(alpha > 0.0 && alpha < 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("alpha must be between 0 and 1 (exclusive), not %g", alpha)));
	PG_RETURN_FLOAT8(drift_chi2_isf(alpha, (double) (bins - 1))
					 * (1.0 / (double) n_ref + 1.0 / (double) n_cur));
}

PG_FUNCTION_INFO_V1(mlops_chi2_ppf);

/* mlops._chi2_ppf(p, df): chi-square quantile (exposed for the SciPy cross-check). */
Datum
mlops_chi2_ppf(PG_FUNCTION_ARGS)
{
	double		p = PG_GETARG_FLOAT8(0);
	double		df = PG_GETARG_FLOAT8(1);

	if (!(df > 0.0) || !(p >= 0.0 && p <= 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("chi-square quantile needs 0 <= p <= 1 and df > 0")));
	PG_RETURN_FLOAT8(drift_chi2_ppf(p, df));
}

PG_FUNCTION_INFO_V1(mlops_chi2_sf);

/* mlops._chi2_sf(x, df): chi-square survival function (exposed for the SciPy cross-check). */
Datum
mlops_chi2_sf(PG_FUNCTION_ARGS)
{
	double		df = PG_GETARG_FLOAT8(1);

	if (!(df > 0.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("chi-square survival function needs df > 0")));
	PG_RETURN_FLOAT8(drift_chi2_sf(PG_GETARG_FLOAT8(0), df));
}
