/*
 * drift_ks.c: the two-sample Kolmogorov-Smirnov test, as a function on
 * arrays (mlops.ks_2samp) and as an aggregate over rows (mlops.ks_test).
 *
 * D is exact with ties: both ECDFs are taken after all values equal to the
 * current one. P-values follow scipy.stats.ks_2samp(method='auto') in SciPy
 * 1.10 (see drift_kdist.c).
 */
#include "postgres.h"

#include "compat.h"

#include <math.h>

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "drift/drift.h"

/* A drift_result row; statistic and pvalue NULL when one side is empty. */
Datum
drift_result_datum(FunctionCallInfo fcinfo, double stat, double p, bool has_p,
				   int64 n_ref, int64 n_cur)
{
	TupleDesc	tupdesc;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};
	bool		empty = (n_ref == 0 || n_cur == 0);

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	tupdesc = BlessTupleDesc(tupdesc);
	values[0] = Float8GetDatum(stat);
	values[1] = Float8GetDatum(p);
	values[2] = Int64GetDatum(n_ref);
	values[3] = Int64GetDatum(n_cur);
	nulls[0] = empty;
	nulls[1] = empty || !has_p;
	return HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
}

/*
 * D+ = max(F_ref - F_cur) and D- = max(F_cur - F_ref) over the sorted
 * samples, each ECDF evaluated after all ties at a value.
 *
 * Over the values before the NaN tails one step takes the smaller head
 * without a branch and evaluates the difference as soon as neither head
 * equals the value just taken; a tie runs to the end of its value first.
 * NaN (equal to NaN, above everything) and whatever follows one side's last
 * number go through the plain walk, from the same position, so every
 * difference evaluated is the one the plain walk evaluates.
 */
void
drift_ks_statistics(const double *a, int64 m, const double *b, int64 n,
					double *dplus, double *dminus)
{
	int64		i = 0,
				j = 0,
				ma = m,
				nb = n;
	double		hi = 0.0,
				lo = 0.0;
	int64		steps = 0;

	while (ma > 0 && isnan(a[ma - 1]))
		ma--;
	while (nb > 0 && isnan(b[nb - 1]))
		nb--;
	while (i < ma && j < nb)
	{
		double		x = a[i],
					y = b[j];
		bool		take_a = (x <= y);
		double		v = take_a ? x : y,
					diff;

		DRIFT_CFI_EVERY(++steps);
		i += take_a;
		j += !take_a;
		/* the heads after the step (the last value again past the end) */
		if (unlikely(!(((i >= ma) | (a[i - (i >= ma)] != v)) &
					   ((j >= nb) | (b[j - (j >= nb)] != v)))))
		{
			while (i < ma && a[i] == v)
				i++;
			while (j < nb && b[j] == v)
				j++;
		}
		diff = (double) i / (double) m - (double) j / (double) n;
		hi = (diff > hi) ? diff : hi;
		lo = (diff < lo) ? diff : lo;
	}
	while (i < m && j < n)
	{
		double		v = (drift_cmp_float8(a[i], b[j]) <= 0) ? a[i] : b[j];
		double		diff;

		DRIFT_CFI_EVERY(++steps);
		while (i < m && drift_cmp_float8(a[i], v) == 0)
			i++;
		while (j < n && drift_cmp_float8(b[j], v) == 0)
			j++;
		diff = (double) i / (double) m - (double) j / (double) n;
		if (diff > hi)
			hi = diff;
		if (diff < lo)
			lo = diff;
	}
	*dplus = hi;
	/* 0.0 - lo, not -lo: with lo = 0 that is +0, never -0 */
	*dminus = Min(0.0 - lo, 1.0);
}

/* Sort both samples, compute the statistic for the alternative and its p-value. */
static Datum
ks_compute(FunctionCallInfo fcinfo, DriftSamples *s, int alternative)
{
	int64		m = s->n[0],
				n = s->n[1];
	double		dplus,
				dminus,
				d,
				p;

	if (m == 0 || n == 0)
		return drift_result_datum(fcinfo, 0.0, 0.0, false, m, n);
	drift_samples_sort(s);		/* no-op for sides merged from parallel workers */
	drift_ks_statistics(s->v[0], m, s->v[1], n, &dplus, &dminus);
	if (alternative == DRIFT_ALT_GREATER)
		d = dplus;
	else if (alternative == DRIFT_ALT_LESS)
		d = dminus;
	else
		d = (dminus > dplus) ? dminus : dplus;
	if (!drift_ks2_exact(m, n, &d, alternative, &p))
		p = drift_ks2_asymp(m, n, d, alternative);
	return drift_result_datum(fcinfo, d, p, true, m, n);
}

PG_FUNCTION_INFO_V1(mlops_ks_2samp);

/* A sample array must be one-dimensional (or empty): a matrix is not a sample. */
static void
ks_check_sample(ArrayType *a, const char *name)
{
	if (ARR_NDIM(a) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a one-dimensional array, not %d-dimensional", name, ARR_NDIM(a)),
				 errhint("Pass the sample as a flat float8[], e.g. with array_agg() or unnest().")));
}

/* mlops.ks_2samp(ref float8[], cur float8[], alternative text): the test on arrays. */
Datum
mlops_ks_2samp(PG_FUNCTION_ARGS)
{
	ArrayType  *ref = PG_GETARG_ARRAYTYPE_P(0);
	ArrayType  *cur = PG_GETARG_ARRAYTYPE_P(1);
	int			alternative;
	DriftSamples *s;

	ks_check_sample(ref, "ref");
	ks_check_sample(cur, "cur");
	alternative = drift_parse_alternative(PG_GETARG_TEXT_PP(2));
	s = drift_samples_from_arrays(ref, cur);

	PG_RETURN_DATUM(ks_compute(fcinfo, s, alternative));
}

PG_FUNCTION_INFO_V1(mlops_ks_final);

/*
 * Final function of mlops.ks_test: the alternative recorded in the state, else two-sided.
 * Sorts or partitions the state's samples in place. FINALFUNC_MODIFY stays
 * READ_ONLY (the default) because the state still holds the same multiset of
 * values: the transition function only appends, and every final function
 * sorts or selects again, so a window frame or a final call on a shared
 * state gives the same answer.
 */
Datum
mlops_ks_final(PG_FUNCTION_ARGS)
{
	DriftSamples *s;

	if (PG_ARGISNULL(0))
		PG_RETURN_DATUM(drift_result_datum(fcinfo, 0.0, 0.0, false, 0, 0));
	s = (DriftSamples *) PG_GETARG_POINTER(0);
	PG_RETURN_DATUM(ks_compute(fcinfo, s, s->param < 0 ? DRIFT_ALT_TWO_SIDED : s->param));
}

PG_FUNCTION_INFO_V1(mlops_kolmogn_sf);

/* mlops._kolmogn_sf(n bigint, x float8): P(D_n >= x) of the one-sample statistic (SciPy's kstwo.sf). */
Datum
mlops_kolmogn_sf(PG_FUNCTION_ARGS)
{
	int64		n = PG_GETARG_INT64(0);

	if (n <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("n must be positive, not %lld", (long long) n)));
	PG_RETURN_FLOAT8(drift_kolmogn_sf(n, PG_GETARG_FLOAT8(1)));
}
