/*
 * methods.c: the statistics of a monitor window (see methods.h).
 *
 * A reference built from values is reduced once to what its method needs:
 *  - every numeric method: the bins - 1 reference-quantile edges and the
 *    reference's counts on them (NaN bin last), as drift_bin_samples
 *    computes them, for psi, jensen_shannon, hellinger and for the
 *    histogram of a report;
 *  - ks, wasserstein: the sorted values (the exact ECDF);
 *  - mean_change: the mean of the non-NaN values, summed in arrival order
 *    as avg() sums; p95_change: their percentile_cont(0.95);
 *  - psi_categorical, chi2: the categories with their counts, in byte order.
 * A window accumulator created against such a reference bins its values as
 * they arrive (binned methods, mean_change also sums), keeps them in one
 * growing array (ks, wasserstein, p95_change), or counts categories in a
 * simplehash table. The final arithmetic is the drift aggregates' own
 * (src/drift), on the same counts in the same order, so the statistics are
 * bit-identical to mlops.psi, ks_test, wasserstein, jensen_shannon,
 * hellinger, psi_categorical and chi2_test over the same rows.
 *
 * A reference from a dataset profile (mlops_mref_from_profile) stands for
 * the profiled values through their qsketch: the sketch's retained items
 * with their weights are a weighted sample whose CDF is within the sketch's
 * rank error (mlops.rank_error) of the true one; a sketch that never
 * compacted holds the values themselves. So, as approximations of the
 * exact statistics:
 *  - psi, jensen_shannon, hellinger: edges at the sketch's quantiles k/bins
 *    (percentile_disc style, as the profile's histogram and qsketch psi),
 *    reference counts from its ranks, NaN counted apart;
 *  - ks: sup |F_cur - F_sketch| over the window's non-NaN values (NaN is
 *    outside the sketch's CDF), each share off by at most the rank error;
 *    the p-value takes the sketch's non-NaN count as the reference size;
 *  - wasserstein: W1 between the window's ECDF and the sketch's CDF;
 *  - mean_change, p95_change: the mean and percentile_cont(0.95) of the
 *    weighted sample (the 95th percentile within the rank error in rank,
 *    the mean exact only while the sketch has not compacted).
 * Categories come from the profile's top values (exact counts up to 256
 * distinct values, lower bounds beyond), the rest of the reference (and any
 * window value outside the top list) in one "other" bucket.
 */
#include "postgres.h"

#include <math.h>

#include "common/hashfn.h"
#include "common/int.h"
#include "common/shortest_dec.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "drift/drift.h"
#include "drift/core/qsketch_core.h"
#include "monitors/methods.h"

#define MM_NMETHODS (MM_P95_CHANGE + 1)
/* Categories named in a report's histogram. */
#define MM_HIST_CATEGORIES 20
/* Initial capacity of a value array. */
#define MM_VALUES_INIT 1024

static const char *const mm_names[MM_NMETHODS] = {
	"psi", "ks", "wasserstein", "jensen_shannon", "hellinger",
	"psi_categorical", "chi2", "mean_change", "p95_change"
};

/* ---------------------------------------------------------------------- */
/* Methods                                                                  */
/* ---------------------------------------------------------------------- */

MonitorMethod
mlops_monitor_method(const char *name)
{
	int			i;

	for (i = 0; i < MM_NMETHODS; i++)
		if (strcmp(name, mm_names[i]) == 0)
			return (MonitorMethod) i;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown monitor method \"%s\"", name),
			 errhint("Use psi, ks, wasserstein, jensen_shannon, hellinger, psi_categorical, chi2, mean_change or p95_change.")));
	return MM_PSI;				/* not reached */
}

const char *
mlops_monitor_method_name(MonitorMethod m)
{
	if ((int) m < 0 || (int) m >= MM_NMETHODS)
		elog(ERROR, "invalid monitor method %d", (int) m);
	return mm_names[m];
}

bool
mlops_monitor_method_is_categorical(MonitorMethod m)
{
	return m == MM_PSI_CATEGORICAL || m == MM_CHI2;
}

bool
mlops_monitor_method_has_pvalue(MonitorMethod m)
{
	return m == MM_KS || m == MM_CHI2;
}

/* Methods on reference-quantile bins. */
static inline bool
mm_binned(MonitorMethod m)
{
	return m == MM_PSI || m == MM_JENSEN_SHANNON || m == MM_HELLINGER;
}

/* Methods that need every value of a window. */
static inline bool
mm_keeps_values(MonitorMethod m)
{
	return m == MM_KS || m == MM_WASSERSTEIN || m == MM_P95_CHANGE;
}

/* ---------------------------------------------------------------------- */
/* Categories: a simplehash table of text -> count                         */
/* ---------------------------------------------------------------------- */

typedef struct MmCatKey
{
	const char *data;
	int32		len;
} MmCatKey;

typedef struct MmCatEntry
{
	MmCatKey	key;			/* bytes (NUL-terminated copy) in the table's context */
	uint32		hash;
	char		status;
	int64		count;
} MmCatEntry;

#define SH_PREFIX mm_cat
#define SH_ELEMENT_TYPE MmCatEntry
#define SH_KEY_TYPE MmCatKey
#define SH_KEY key
#define SH_HASH_KEY(tb, k) hash_bytes((const unsigned char *) (k).data, (k).len)
#define SH_EQUAL(tb, a, b) ((a).len == (b).len && memcmp((a).data, (b).data, (a).len) == 0)
#define SH_STORE_HASH
#define SH_GET_HASH(tb, e) ((e)->hash)
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/* A category of a reference: bytes (NUL-terminated) and count. */
typedef struct MmCat
{
	char	   *data;
	int32		len;
	int64		count;
} MmCat;

/* Byte order of two categories, the shorter first on a common prefix (as chi2_test sums). */
static inline int
mm_bytes_cmp(const char *a, int32 alen, const char *b, int32 blen)
{
	int			r = memcmp(a, b, Min(alen, blen));

	if (r != 0)
		return r;
	return (alen > blen) - (alen < blen);
}

/* qsort order of reference categories. */
static int
mm_cat_cmp(const void *a, const void *b)
{
	const MmCat *x = a,
			   *y = b;

	return mm_bytes_cmp(x->data, x->len, y->data, y->len);
}

typedef MmCatEntry *MmCatEntryPtr;

#define ST_SORT mm_sort_entries
#define ST_ELEMENT_TYPE MmCatEntryPtr
#define ST_COMPARE(a, b) mm_bytes_cmp((*(a))->key.data, (*(a))->key.len, (*(b))->key.data, (*(b))->key.len)
#define ST_CHECK_FOR_INTERRUPTS
#define ST_SCOPE static
#define ST_DECLARE
#define ST_DEFINE
#include "lib/sort_template.h"

/* ---------------------------------------------------------------------- */
/* Structures                                                               */
/* ---------------------------------------------------------------------- */

struct MonitorRef
{
	MonitorMethod method;
	int			bins;
	bool		from_profile;
	int64		n;				/* values in the reference */
	/* numeric methods */
	int			nedges;			/* bins - 1, or 0 without a non-NaN value */
	double	   *edges;
	double	   *counts;			/* bins + 1: the bins, then NaN */
	int64		nvals;			/* ks, wasserstein: sorted values */
	double	   *vals;
	uint64	   *cum;			/* profile: cumulative weights of vals; NULL: weight 1 each */
	double		mean;			/* mean_change: mean of the non-NaN values ... */
	int64		mean_n;			/* ... and how many there are (weight, for a profile) */
	double		p95;			/* p95_change: percentile_cont(0.95) of the non-NaN values */
	int64		p95_n;
	/* categorical methods */
	int64		ncat;
	MmCat	   *cats;			/* sorted by bytes */
	bool		has_other;		/* profile: a bucket for everything outside cats */
	int64		other;
};

struct MonitorAcc
{
	MonitorMethod method;
	int			bins;
	const MonitorRef *ref;
	MemoryContext cxt;			/* where the accumulator grows */
	bool		consumed;		/* turned into a reference: no further use */
	int64		n;				/* values added */
	/* kept values (ref NULL, or ks / wasserstein / p95_change) */
	bool		keep;
	double	   *v;
	int64		nv;
	int64		cap;
	bool		sorted;
	/* counts on the reference's bins (binned methods and mean_change with a reference) */
	double	   *counts;
	/* mean_change: sum of the non-NaN values in arrival order */
	double		sum;
	int64		sum_n;
	/* categorical */
	mm_cat_hash *table;
};

/* ---------------------------------------------------------------------- */
/* Accumulators                                                             */
/* ---------------------------------------------------------------------- */

MonitorAcc *
mlops_macc_new(MonitorMethod m, int bins, const MonitorRef *ref)
{
	MonitorAcc *acc;

	(void) mlops_monitor_method_name(m);
	if (!mlops_monitor_method_is_categorical(m))
		drift_check_bins(bins);
	if (ref != NULL && ref->method != m)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the monitor reference was summarised for method %s, not %s",
						mm_names[ref->method], mm_names[m])));
	if (ref != NULL && !mlops_monitor_method_is_categorical(m) && ref->bins != bins)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the monitor reference was summarised with %d bins, not %d", ref->bins, bins)));
	acc = palloc0(sizeof(MonitorAcc));
	acc->method = m;
	acc->bins = bins;
	acc->ref = ref;
	acc->cxt = CurrentMemoryContext;
	acc->sorted = true;
	if (mlops_monitor_method_is_categorical(m))
		acc->table = mm_cat_create(CurrentMemoryContext, 64, NULL);
	else if (ref == NULL || mm_keeps_values(m))
		acc->keep = true;
	else
		acc->counts = palloc0(sizeof(double) * (bins + 1));
	return acc;
}

/* Room for one more kept value: doubling, in the accumulator's context. */
static void
mm_grow(MonitorAcc *acc)
{
	int64		cap = Max(acc->cap * 2, MM_VALUES_INIT);

	if ((Size) cap > MaxAllocHugeSize / sizeof(double))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many values in one monitor window"),
				 errhint("Use a shorter window_size.")));
	if (acc->v == NULL)
		acc->v = MemoryContextAllocHuge(acc->cxt, cap * sizeof(double));
	else
		acc->v = repalloc_huge(acc->v, cap * sizeof(double));
	acc->cap = cap;
}

/* An accumulator already turned into a reference is not used again. */
static inline void
mm_check_live(const MonitorAcc *acc)
{
	if (unlikely(acc->consumed))
		elog(ERROR, "monitor accumulator used after it became a reference");
}

void
mlops_macc_add_float(MonitorAcc *acc, double x)
{
	if (unlikely(acc->table != NULL || acc->consumed))
	{
		mm_check_live(acc);
		elog(ERROR, "monitor method %s takes text values", mm_names[acc->method]);
	}
	acc->n++;
	if (acc->counts != NULL)
	{
		const MonitorRef *ref = acc->ref;

		if (isnan(x))
			acc->counts[acc->bins] += 1.0;
		else
			acc->counts[drift_bin_of(ref->edges, ref->nedges, x)] += 1.0;
	}
	if (acc->keep)
	{
		if (unlikely(acc->nv >= acc->cap))
			mm_grow(acc);
		acc->v[acc->nv++] = x;
		acc->sorted = false;
	}
	if (acc->method == MM_MEAN_CHANGE && !isnan(x))
	{
		acc->sum += x;
		acc->sum_n++;
	}
}

void
mlops_macc_add_text(MonitorAcc *acc, const char *s, int len)
{
	MmCatKey	k = {s, len};
	MmCatEntry *e;
	bool		found;

	if (unlikely(acc->table == NULL || acc->consumed))
	{
		mm_check_live(acc);
		elog(ERROR, "monitor method %s takes float8 values", mm_names[acc->method]);
	}
	e = mm_cat_insert(acc->table, k, &found);
	if (!found)
	{
		char	   *copy = MemoryContextAlloc(acc->cxt, len + 1);

		memcpy(copy, s, len);
		copy[len] = '\0';
		e->key.data = copy;
		e->count = 0;
	}
	e->count++;
	acc->n++;
}

int64
mlops_macc_count(const MonitorAcc *acc)
{
	return acc->n;
}

/* Sort the kept values (drift_sort_float8: -0 as 0, NaN last); the multiset is unchanged. */
static void
mm_sort_values(MonitorAcc *acc)
{
	if (!acc->sorted)
	{
		drift_sort_float8(acc->v, acc->nv);
		acc->sorted = true;
	}
}

/* The non-NaN prefix of sorted values. */
static int64
mm_non_nan(const double *v, int64 n)
{
	while (n > 0 && isnan(v[n - 1]))
		n--;
	return n;
}

/*
 * percentile_cont(0.95) of the sorted non-NaN values v[0..r), with the
 * arithmetic of PostgreSQL's percentile_cont (float8_lerp).
 */
static double
mm_p95_sorted(const double *v, int64 r)
{
	const double pct = 0.95;
	int64		first = (int64) floor(pct * (double) (r - 1));
	int64		second = (int64) ceil(pct * (double) (r - 1));
	double		proportion;

	if (first == second)
		return v[first];
	proportion = (pct * (double) (r - 1)) - (double) first;
	return v[first] + (proportion * (v[second] - v[first]));
}

/* Bin counts (bins + 1, NaN last) of values v[0..n) on the reference's edges. */
static void
mm_count_values(const MonitorRef *ref, const double *v, int64 n, double *counts)
{
	int64		i;

	for (i = 0; i < n; i++)
	{
		double		x = v[i];

		DRIFT_CFI_EVERY(i);
		if (isnan(x))
			counts[ref->bins] += 1.0;
		else
			counts[drift_bin_of(ref->edges, ref->nedges, x)] += 1.0;
	}
}

/* Categories of a table, sorted by bytes (pointers into the table). */
static MmCatEntry **
mm_sorted_entries(mm_cat_hash *table, int64 *count)
{
	MmCatEntry **entries = palloc(sizeof(MmCatEntry *) * Max(table->members, 1));
	mm_cat_iterator it;
	MmCatEntry *e;
	int64		k = 0;

	mm_cat_start_iterate(table, &it);
	while ((e = mm_cat_iterate(table, &it)) != NULL)
		entries[k++] = e;
	mm_sort_entries(entries, k);
	*count = k;
	return entries;
}

/* A numeric reference's edges and counts from its sorted values v[0..n). */
static void
mm_ref_bins_from_sorted(MonitorRef *ref, const double *v, int64 n)
{
	int64		r = mm_non_nan(v, n);

	ref->edges = palloc(sizeof(double) * ref->bins);
	ref->counts = palloc0(sizeof(double) * (ref->bins + 1));
	ref->nedges = (r > 0) ? drift_quantile_edges(v, r, ref->bins, ref->edges) : 0;
	mm_count_values(ref, v, n, ref->counts);
}

MonitorRef *
mlops_mref_from_acc(MonitorAcc *acc)
{
	MonitorRef *ref = palloc0(sizeof(MonitorRef));

	if (acc->ref != NULL)
		elog(ERROR, "a monitor reference is built from an accumulator without reference");
	mm_check_live(acc);
	acc->consumed = true;
	ref->method = acc->method;
	ref->bins = acc->bins;
	ref->n = acc->n;
	if (acc->table != NULL)
	{
		int64		k,
					i;
		MmCatEntry **entries = mm_sorted_entries(acc->table, &k);

		ref->ncat = k;
		ref->cats = palloc(sizeof(MmCat) * Max(k, 1));
		for (i = 0; i < k; i++)
		{
			ref->cats[i].len = entries[i]->key.len;
			ref->cats[i].data = pnstrdup(entries[i]->key.data, entries[i]->key.len);
			ref->cats[i].count = entries[i]->count;
		}
		pfree(entries);
		return ref;
	}
	mm_sort_values(acc);
	mm_ref_bins_from_sorted(ref, acc->v, acc->nv);
	if (acc->method == MM_KS || acc->method == MM_WASSERSTEIN)
	{
		ref->nvals = acc->nv;
		if (acc->cxt == CurrentMemoryContext && acc->v != NULL)
		{
			ref->vals = acc->v; /* the accumulator is consumed: take its array */
			acc->v = NULL;
		}
		else
		{
			ref->vals = MemoryContextAllocHuge(CurrentMemoryContext,
											   sizeof(double) * Max(acc->nv, 1));
			if (acc->nv > 0)
				memcpy(ref->vals, acc->v, sizeof(double) * acc->nv);
		}
	}
	else if (acc->method == MM_MEAN_CHANGE)
	{
		ref->mean_n = acc->sum_n;
		ref->mean = (acc->sum_n > 0) ? acc->sum / (double) acc->sum_n : 0.0;
	}
	else if (acc->method == MM_P95_CHANGE)
	{
		ref->p95_n = mm_non_nan(acc->v, acc->nv);
		ref->p95 = (ref->p95_n > 0) ? mm_p95_sorted(acc->v, ref->p95_n) : 0.0;
	}
	/* the values are summarised: free them now (a window may be large) */
	if (acc->v != NULL)
		pfree(acc->v);
	acc->v = NULL;
	acc->nv = acc->cap = 0;
	return ref;
}

int64
mlops_mref_count(const MonitorRef *ref)
{
	return ref->n;
}

/* ---------------------------------------------------------------------- */
/* References from a dataset profile                                       */
/* ---------------------------------------------------------------------- */

/* Weight of the sorted weighted items below x, or at or below it when inclusive. */
static inline uint64
mm_weight_below(const double *v, const uint64 *cum, int64 len, double x, bool inclusive)
{
	int64		lo = 0,
				hi = len;

	while (lo < hi)
	{
		int64		mid = lo + (hi - lo) / 2;

		if (inclusive ? (v[mid] <= x) : (v[mid] < x))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 ? cum[lo - 1] : 0;
}

/* The value at 0-based rank r of the weighted sample (the item whose weight covers it). */
static double
mm_weighted_at(const double *v, const uint64 *cum, int64 len, uint64 r)
{
	int64		lo = 0,
				hi = len - 1;

	while (lo < hi)
	{
		int64		mid = lo + (hi - lo) / 2;

		if (cum[mid] > r)
			hi = mid;
		else
			lo = mid + 1;
	}
	return v[lo];
}

/* Numeric reference from a qsketch: see the header comment of this file. */
static void
mm_ref_from_sketch(MonitorRef *ref, const char *column, bytea *sketch)
{
	bytea	   *b = (bytea *) pg_detoast_datum_packed((struct varlena *) sketch);
	const char *err = NULL;
	QSketch    *s;
	QSView	   *view;
	uint64		prev = 0,
				total;
	int64		len,
				i;
	int			k;

	s = qs_read((const uint8_t *) VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b), &err);
	if (s == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid qsketch in the profile of column \"%s\"", column),
				 errdetail("%s", err)));
	ref->edges = palloc(sizeof(double) * ref->bins);
	ref->counts = palloc0(sizeof(double) * (ref->bins + 1));
	ref->counts[ref->bins] = (double) s->nan;
	if (s->n == 0)
		return;
	view = qs_view(s);
	len = view->len;
	total = view->cum[len - 1];
	/* edges at the sketch's quantiles k/bins (as qsketch's psi), non-decreasing */
	for (k = 1; k < ref->bins; k++)
	{
		double		e = qs_view_quantile(view, (double) k / ref->bins);

		ref->edges[ref->nedges] = (ref->nedges > 0) ? Max(e, ref->edges[ref->nedges - 1]) : e;
		ref->nedges++;
	}
	for (k = 0; k < ref->nedges; k++)
	{
		uint64		r = mm_weight_below(view->v, view->cum, len, ref->edges[k], false);

		ref->counts[k] += (double) (r - prev);
		prev = r;
	}
	ref->counts[ref->nedges] += (double) (total - prev);

	if (ref->method == MM_KS || ref->method == MM_WASSERSTEIN)
	{
		ref->nvals = len;
		ref->vals = palloc(sizeof(double) * len);
		ref->cum = palloc(sizeof(uint64) * len);
		memcpy(ref->vals, view->v, sizeof(double) * len);
		memcpy(ref->cum, view->cum, sizeof(uint64) * len);
	}
	else if (ref->method == MM_MEAN_CHANGE)
	{
		/* the weighted sample's mean: sum of item * weight over the weight */
		double		sum = 0.0;

		for (i = 0; i < len; i++)
			sum += view->v[i] * (double) (view->cum[i] - (i > 0 ? view->cum[i - 1] : 0));
		ref->mean_n = (int64) total;
		ref->mean = sum / (double) total;
	}
	else if (ref->method == MM_P95_CHANGE)
	{
		/* percentile_cont(0.95) over the weighted sample's ranks */
		const double pct = 0.95;
		double		pos = pct * (double) (total - 1);
		uint64		first = (uint64) floor(pos),
					second = (uint64) ceil(pos);
		double		lo = mm_weighted_at(view->v, view->cum, len, first),
					hi = mm_weighted_at(view->v, view->cum, len, second);

		ref->p95_n = (int64) total;
		ref->p95 = (first == second) ? lo : lo + ((pos - (double) first) * (hi - lo));
	}
	qs_view_free(view);
	qs_free(s);
}

/* A profile's top_values not in the form profile.c writes: an error naming the column. */
static void
mm_bad_top_values(const char *column, const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("invalid top_values in the profile of column \"%s\": %s", column, why)));
}

/* Categorical reference from top_values [{"value": text, "count": n}, ...]; the rest is "other". */
static void
mm_ref_from_top_values(MonitorRef *ref, const char *column, Jsonb *top, int64 n)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	int64		cap = 32,
				sum = 0,
				i;
	char	   *key = NULL;
	char	   *val = NULL;
	int32		vlen = 0;
	int64		cnt = -1;
	int			depth = 0;

	if (!JB_ROOT_IS_ARRAY(top) || JB_ROOT_IS_SCALAR(top))
		mm_bad_top_values(column, "not an array");
	ref->cats = palloc(sizeof(MmCat) * cap);
	it = JsonbIteratorInit(&top->root);
	while ((tok = JsonbIteratorNext(&it, &v, false)) != WJB_DONE)
	{
		switch (tok)
		{
			case WJB_BEGIN_ARRAY:
			case WJB_BEGIN_OBJECT:
				if (++depth > 2 || (depth == 2 && tok != WJB_BEGIN_OBJECT))
					mm_bad_top_values(column, "an element is not an object");
				if (depth == 2)
				{
					val = NULL;
					cnt = -1;
				}
				break;
			case WJB_KEY:
				key = pnstrdup(v.val.string.val, v.val.string.len);
				break;
			case WJB_VALUE:
				if (strcmp(key, "value") == 0 && v.type == jbvString)
				{
					vlen = v.val.string.len;
					val = pnstrdup(v.val.string.val, vlen);
				}
				else if (strcmp(key, "count") == 0 && v.type == jbvNumeric)
					cnt = DatumGetInt64(DirectFunctionCall1(numeric_int8,
															NumericGetDatum(v.val.numeric)));
				break;
			case WJB_ELEM:
				mm_bad_top_values(column, "an element is not an object");
				break;
			case WJB_END_OBJECT:
				depth--;
				if (val == NULL || cnt < 0)
					mm_bad_top_values(column, "an element lacks a text value or a count");
				if (ref->ncat == cap)
				{
					cap *= 2;
					ref->cats = repalloc(ref->cats, sizeof(MmCat) * cap);
				}
				ref->cats[ref->ncat].data = val;
				ref->cats[ref->ncat].len = vlen;
				ref->cats[ref->ncat].count = cnt;
				ref->ncat++;
				if (pg_add_s64_overflow(sum, cnt, &sum))
					mm_bad_top_values(column, "counts out of range");
				break;
			case WJB_END_ARRAY:
				depth--;
				break;
			default:
				break;
		}
	}
	/* byte order, as the exact reference; a value listed twice is an error */
	qsort(ref->cats, ref->ncat, sizeof(MmCat), mm_cat_cmp);
	for (i = 1; i < ref->ncat; i++)
		if (mm_bytes_cmp(ref->cats[i - 1].data, ref->cats[i - 1].len,
						 ref->cats[i].data, ref->cats[i].len) == 0)
			mm_bad_top_values(column, "a value is listed twice");
	/* zero-count entries carry nothing */
	{
		int64		kept = 0;

		for (i = 0; i < ref->ncat; i++)
			if (ref->cats[i].count > 0)
				ref->cats[kept++] = ref->cats[i];
		ref->ncat = kept;
	}
	ref->has_other = true;
	ref->other = (n > sum) ? n - sum : 0;
	ref->n = sum + ref->other;
}

MonitorRef *
mlops_mref_from_profile(MonitorMethod m, int bins, const char *column,
						bytea *sketch, Jsonb *top_values, int64 n)
{
	MonitorRef *ref = palloc0(sizeof(MonitorRef));

	(void) mlops_monitor_method_name(m);
	ref->method = m;
	ref->bins = bins;
	ref->from_profile = true;
	ref->n = Max(n, 0);
	if (mlops_monitor_method_is_categorical(m))
	{
		if (top_values == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("the profile of column \"%s\" has no top values, which method %s needs",
							column, mm_names[m]),
					 errhint("Categorical methods take a text column; use a numeric method for a number.")));
		mm_ref_from_top_values(ref, column, top_values, n);
		return ref;
	}
	drift_check_bins(bins);
	if (sketch == NULL)
	{
		/* an all-NULL numeric column has no sketch: an empty reference */
		if (top_values != NULL || n > 0)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("the profile of column \"%s\" has no quantile sketch, which method %s needs",
							column, mm_names[m]),
					 errhint("Numeric methods take a numeric column; use psi_categorical or chi2 for text.")));
		ref->n = 0;
		ref->edges = palloc(sizeof(double) * bins);
		ref->counts = palloc0(sizeof(double) * (bins + 1));
		return ref;
	}
	mm_ref_from_sketch(ref, column, sketch);
	return ref;
}

/* ---------------------------------------------------------------------- */
/* Stored form                                                              */
/* ---------------------------------------------------------------------- */

/*
 * Layout (little-endian, fixed): u8 format, u8 method, u8 flags (1 from a
 * profile, 2 an "other" bucket), u8 0, i32 bins, i64 n; then, numeric:
 * i32 nedges, f64 edges[nedges], f64 counts[bins + 1], f64 mean, i64 mean_n,
 * f64 p95, i64 p95_n, i64 nvals, f64 vals[nvals], and from a profile
 * u64 cum[nvals]; categorical: i64 ncat, then per category i32 len,
 * bytes[len], i64 count; and i64 other.
 */
#define MREF_FORMAT_1 0xC1
#define MREF_FLAG_PROFILE 1
#define MREF_FLAG_OTHER 2
#define MREF_HEADER 16

static void
mm_put_u64(StringInfo b, uint64 x)
{
	char		c[8];
	int			i;

	for (i = 0; i < 8; i++)
		c[i] = (char) ((x >> (8 * i)) & 0xFF);
	appendBinaryStringInfo(b, c, 8);
}

static void
mm_put_u32(StringInfo b, uint32 x)
{
	char		c[4];
	int			i;

	for (i = 0; i < 4; i++)
		c[i] = (char) ((x >> (8 * i)) & 0xFF);
	appendBinaryStringInfo(b, c, 4);
}

static void
mm_put_f64(StringInfo b, double x)
{
	uint64		u;

	memcpy(&u, &x, sizeof(u));
	mm_put_u64(b, u);
}

/* Size check before writing: a bytea holds at most 1 GB. */
static void
mm_check_size(Size need)
{
	if (need > MaxAllocSize - VARHDRSZ - 1)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("monitor reference too large to store"),
				 errhint("Use a shorter reference time range, or a binned method.")));
}

bytea *
mlops_mref_serialize(const MonitorRef *ref)
{
	StringInfoData b;
	bytea	   *out;
	int64		i;
	Size		need = MREF_HEADER + 64;

	if (mlops_monitor_method_is_categorical(ref->method))
	{
		need += 16;
		for (i = 0; i < ref->ncat; i++)
			need += 12 + (Size) ref->cats[i].len;
	}
	else
		need += 8 * ((Size) ref->nedges + ref->bins + 1) + 40
			+ (Size) ref->nvals * (ref->cum ? 16 : 8);
	mm_check_size(need);
	b.maxlen = need + VARHDRSZ + 1;
	b.data = MemoryContextAllocHuge(CurrentMemoryContext, b.maxlen);
	b.len = VARHDRSZ;
	b.cursor = 0;
	appendStringInfoChar(&b, (char) MREF_FORMAT_1);
	appendStringInfoChar(&b, (char) ref->method);
	appendStringInfoChar(&b, (char) ((ref->from_profile ? MREF_FLAG_PROFILE : 0) |
									 (ref->has_other ? MREF_FLAG_OTHER : 0)));
	appendStringInfoChar(&b, 0);
	mm_put_u32(&b, (uint32) ref->bins);
	mm_put_u64(&b, (uint64) ref->n);
	if (mlops_monitor_method_is_categorical(ref->method))
	{
		mm_put_u64(&b, (uint64) ref->ncat);
		for (i = 0; i < ref->ncat; i++)
		{
			CHECK_FOR_INTERRUPTS();
			mm_put_u32(&b, (uint32) ref->cats[i].len);
			appendBinaryStringInfo(&b, ref->cats[i].data, ref->cats[i].len);
			mm_put_u64(&b, (uint64) ref->cats[i].count);
		}
		mm_put_u64(&b, (uint64) ref->other);
	}
	else
	{
		mm_put_u32(&b, (uint32) ref->nedges);
		for (i = 0; i < ref->nedges; i++)
			mm_put_f64(&b, ref->edges[i]);
		for (i = 0; i <= ref->bins; i++)
			mm_put_f64(&b, ref->counts[i]);
		mm_put_f64(&b, ref->mean);
		mm_put_u64(&b, (uint64) ref->mean_n);
		mm_put_f64(&b, ref->p95);
		mm_put_u64(&b, (uint64) ref->p95_n);
		mm_put_u64(&b, (uint64) ref->nvals);
		for (i = 0; i < ref->nvals; i++)
		{
			DRIFT_CFI_EVERY(i);
			mm_put_f64(&b, ref->vals[i]);
		}
		if (ref->cum != NULL)
			for (i = 0; i < ref->nvals; i++)
				mm_put_u64(&b, ref->cum[i]);
	}
	out = (bytea *) b.data;
	SET_VARSIZE(out, b.len);
	return out;
}

/* Reader over a stored summary: every read checks the remaining length. */
typedef struct MmReader
{
	const unsigned char *p;
	const unsigned char *end;
} MmReader;

static void
mm_corrupt(const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("invalid monitor reference summary: %s", why),
			 errhint("Delete the monitor's row in mlops.monitor_references to have the reference summarised again.")));
}

static void
mm_need(MmReader *r, Size n)
{
	if ((Size) (r->end - r->p) < n)
		mm_corrupt("truncated");
}

static uint64
mm_get_u64(MmReader *r)
{
	uint64		x = 0;
	int			i;

	mm_need(r, 8);
	for (i = 0; i < 8; i++)
		x |= (uint64) r->p[i] << (8 * i);
	r->p += 8;
	return x;
}

static uint32
mm_get_u32(MmReader *r)
{
	uint32		x = 0;
	int			i;

	mm_need(r, 4);
	for (i = 0; i < 4; i++)
		x |= (uint32) r->p[i] << (8 * i);
	r->p += 4;
	return x;
}

static double
mm_get_f64(MmReader *r)
{
	uint64		u = mm_get_u64(r);
	double		x;

	memcpy(&x, &u, sizeof(x));
	return x;
}

/* A non-negative count that fits int64. */
static int64
mm_get_count(MmReader *r)
{
	uint64		u = mm_get_u64(r);

	if (u > (uint64) PG_INT64_MAX)
		mm_corrupt("count out of range");
	return (int64) u;
}

/* A bin count: a whole number, at least 0, exactly representable. */
static double
mm_get_bin_count(MmReader *r)
{
	double		c = mm_get_f64(r);

	if (!(c >= 0.0 && c <= 9007199254740992.0 && c == floor(c)))
		mm_corrupt("bad bin count");
	return c;
}

MonitorRef *
mlops_mref_deserialize(bytea *data)
{
	bytea	   *b = (bytea *) pg_detoast_datum_packed((struct varlena *) data);
	MmReader	r;
	MonitorRef *ref = palloc0(sizeof(MonitorRef));
	int			flags;
	int64		i;
	uint32		bins;

	r.p = (const unsigned char *) VARDATA_ANY(b);
	r.end = r.p + VARSIZE_ANY_EXHDR(b);
	mm_need(&r, 4);
	if (r.p[0] != MREF_FORMAT_1)
		mm_corrupt("unknown format");
	if (r.p[1] >= MM_NMETHODS)
		mm_corrupt("unknown method");
	ref->method = (MonitorMethod) r.p[1];
	flags = r.p[2];
	if ((flags & ~(MREF_FLAG_PROFILE | MREF_FLAG_OTHER)) != 0 || r.p[3] != 0)
		mm_corrupt("unknown flags");
	ref->from_profile = (flags & MREF_FLAG_PROFILE) != 0;
	ref->has_other = (flags & MREF_FLAG_OTHER) != 0;
	r.p += 4;
	bins = mm_get_u32(&r);
	ref->n = mm_get_count(&r);
	if (mlops_monitor_method_is_categorical(ref->method))
	{
		int64		sum = 0;

		if (bins > 10000)
			mm_corrupt("bins out of range");
		ref->bins = (int) bins;
		if (!ref->has_other && ref->from_profile)
			mm_corrupt("a profile reference without an other bucket");
		ref->ncat = mm_get_count(&r);
		/* each category takes at least 12 bytes */
		if ((uint64) ref->ncat > (uint64) (r.end - r.p) / 12)
			mm_corrupt("category count does not match the length");
		ref->cats = palloc(sizeof(MmCat) * Max(ref->ncat, 1));
		for (i = 0; i < ref->ncat; i++)
		{
			uint32		len = mm_get_u32(&r);
			MmCat	   *c = &ref->cats[i];

			CHECK_FOR_INTERRUPTS();
			mm_need(&r, len);
			if (memchr(r.p, '\0', len) != NULL)
				mm_corrupt("a category contains a NUL byte");
			c->len = (int32) len;
			c->data = pnstrdup((const char *) r.p, len);
			r.p += len;
			c->count = mm_get_count(&r);
			if (c->count == 0)
				mm_corrupt("a category with no value");
			if (i > 0 && mm_bytes_cmp(ref->cats[i - 1].data, ref->cats[i - 1].len, c->data, c->len) >= 0)
				mm_corrupt("categories out of order");
			if (pg_add_s64_overflow(sum, c->count, &sum))
				mm_corrupt("counts out of range");
		}
		ref->other = mm_get_count(&r);
		if (!ref->has_other && ref->other != 0)
			mm_corrupt("an other count without an other bucket");
		if (pg_add_s64_overflow(sum, ref->other, &sum) || sum != ref->n)
			mm_corrupt("counts do not add up to the reference size");
	}
	else
	{
		uint32		nedges;
		double		total = 0.0;

		if (bins < 2 || bins > 10000)
			mm_corrupt("bins out of range");
		if (ref->has_other)
			mm_corrupt("an other bucket on a numeric reference");
		ref->bins = (int) bins;
		nedges = mm_get_u32(&r);
		if (nedges != 0 && nedges != bins - 1)
			mm_corrupt("edge count does not match bins");
		ref->nedges = (int) nedges;
		ref->edges = palloc(sizeof(double) * bins);
		for (i = 0; i < nedges; i++)
		{
			ref->edges[i] = mm_get_f64(&r);
			if (isnan(ref->edges[i]) || (i > 0 && ref->edges[i] < ref->edges[i - 1]))
				mm_corrupt("edges out of order");
		}
		ref->counts = palloc(sizeof(double) * (bins + 1));
		for (i = 0; i <= bins; i++)
		{
			ref->counts[i] = mm_get_bin_count(&r);
			total += ref->counts[i];
		}
		if (nedges == 0)
			for (i = 1; i < bins; i++)
				if (ref->counts[i] != 0.0)
					mm_corrupt("counts in bins without edges");
		ref->mean = mm_get_f64(&r);
		ref->mean_n = mm_get_count(&r);
		ref->p95 = mm_get_f64(&r);
		ref->p95_n = mm_get_count(&r);
		ref->nvals = mm_get_count(&r);
		if (!ref->from_profile && total != (double) ref->n)
			mm_corrupt("counts do not add up to the reference size");
		if ((uint64) ref->nvals > (uint64) (r.end - r.p) / (ref->from_profile ? 16 : 8))
			mm_corrupt("value count does not match the length");
		if ((ref->method == MM_KS || ref->method == MM_WASSERSTEIN)
			? (!ref->from_profile && ref->nvals != ref->n)
			: ref->nvals != 0)
			mm_corrupt("value count does not match the method");
		ref->vals = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * Max(ref->nvals, 1));
		for (i = 0; i < ref->nvals; i++)
		{
			double		x = mm_get_f64(&r);

			DRIFT_CFI_EVERY(i);
			/* sorted as drift_sort_float8 leaves them: no -0, NaN last */
			if ((x == 0.0 && signbit(x)) ||
				(i > 0 && drift_cmp_float8(ref->vals[i - 1], x) > 0) ||
				(ref->from_profile && isnan(x)))
				mm_corrupt("values out of order");
			ref->vals[i] = x;
		}
		if (ref->from_profile && ref->nvals > 0)
		{
			ref->cum = palloc(sizeof(uint64) * ref->nvals);
			for (i = 0; i < ref->nvals; i++)
			{
				ref->cum[i] = mm_get_u64(&r);
				if (ref->cum[i] > (uint64) PG_INT64_MAX ||
					ref->cum[i] <= (i > 0 ? ref->cum[i - 1] : 0))
					mm_corrupt("weights out of order");
			}
			/* the items' weight is the sketch's non-NaN count, binned */
			if ((double) ref->cum[ref->nvals - 1] != total - ref->counts[bins])
				mm_corrupt("weights do not add up to the bin counts");
		}
		if (ref->mean_n < 0 || ref->p95_n < 0)
			mm_corrupt("count out of range");
	}
	if (r.p != r.end)
		mm_corrupt("trailing bytes");
	return ref;
}

/* ---------------------------------------------------------------------- */
/* Statistics                                                               */
/* ---------------------------------------------------------------------- */

/* The window's counts on the reference's bins (bins + 1, NaN last). */
static double *
mm_window_counts(const MonitorRef *ref, const MonitorAcc *cur)
{
	double	   *c;

	if (cur->counts != NULL)
		return cur->counts;
	c = palloc0(sizeof(double) * (ref->bins + 1));
	mm_count_values(ref, cur->v, cur->nv, c);
	return c;
}

/* Sum of a reference's bin counts (its size; for a profile, the sketch's). */
static double
mm_ref_total(const MonitorRef *ref)
{
	double		t = 0.0;
	int			i;

	for (i = 0; i <= ref->bins; i++)
		t += ref->counts[i];
	return t;
}

/* p of ks_test two-sided: exact where SciPy's 'auto' is exact, else asymptotic. */
static double
mm_ks_pvalue(int64 m, int64 n, double *d)
{
	double		p;

	if (!drift_ks2_exact(m, n, d, DRIFT_ALT_TWO_SIDED, &p))
		p = drift_ks2_asymp(m, n, *d, DRIFT_ALT_TWO_SIDED);
	return p;
}

/*
 * sup over y of |F_cur(y) - F_ref(y)| with F_ref the weighted CDF of a
 * profile's sketch items and F_cur the ECDF of the sorted non-NaN b[0..n).
 * Both are right-continuous steps; on [b[j-1], b[j]) F_cur is constant and
 * F_ref non-decreasing, so the sup is at a window value (after its ties) or
 * just below the next one: both are checked.
 */
static double
mm_ks_weighted(const MonitorRef *ref, const double *b, int64 n)
{
	uint64		total = ref->cum[ref->nvals - 1];
	int64		j = 0;
	double		d = 0.0;

	while (j < n)
	{
		double		x = b[j];
		double		below = (double) mm_weight_below(ref->vals, ref->cum, ref->nvals, x, false) / (double) total;
		double		at;

		DRIFT_CFI_EVERY(j);
		d = Max(d, fabs((double) j / (double) n - below));
		while (j < n && b[j] == x)
			j++;
		at = (double) mm_weight_below(ref->vals, ref->cum, ref->nvals, x, true) / (double) total;
		d = Max(d, fabs((double) j / (double) n - at));
	}
	return Min(d, 1.0);
}

/*
 * W1 between the weighted CDF of a profile's sketch items and the ECDF of
 * the sorted b[0..n): the walk of drift_wasserstein_sorted with weights.
 */
static double
mm_wasserstein_weighted(const MonitorRef *ref, const double *b, int64 n)
{
	const double *a = ref->vals;
	int64		m = ref->nvals,
				i = 0,
				j = 0,
				steps = 0;
	double		total = (double) ref->cum[m - 1],
				w = 0.0,
				prev = 0.0,
				diff = 0.0;
	bool		first = true;

	if (isnan(b[n - 1]) || ref->counts[ref->bins] > 0.0)
		return NAN;
	while (i < m || j < n)
	{
		double		v;

		DRIFT_CFI_EVERY(++steps);
		if (i < m && (j >= n || a[i] <= b[j]))
			v = a[i];
		else
			v = b[j];
		if (!first && diff != 0.0)
			w += diff * (v - prev);
		while (i < m && a[i] == v)
			i++;
		while (j < n && b[j] == v)
			j++;
		diff = fabs((i > 0 ? (double) ref->cum[i - 1] : 0.0) / total - (double) j / (double) n);
		prev = v;
		first = false;
	}
	return w;
}

/*
 * Count vectors of the categories of the reference and the window, in byte
 * order (as chi2_test and psi_categorical sum them); with an "other" bucket
 * (profile), window categories outside the reference go there, last.
 */
static int64
mm_cat_vectors(const MonitorRef *ref, const MonitorAcc *cur, double **rv, double **cv,
			   bool *other_slot)
{
	int64		k,
				i = 0,
				j = 0,
				o = 0;
	MmCatEntry **e = mm_sorted_entries(cur->table, &k);
	double	   *a = palloc(sizeof(double) * (ref->ncat + k + 1));
	double	   *b = palloc(sizeof(double) * (ref->ncat + k + 1));
	double		other = 0.0;

	while (i < ref->ncat || j < k)
	{
		int			c;

		if (i >= ref->ncat)
			c = 1;
		else if (j >= k)
			c = -1;
		else
			c = mm_bytes_cmp(ref->cats[i].data, ref->cats[i].len, e[j]->key.data, e[j]->key.len);
		if (c > 0 && ref->has_other)
		{
			other += (double) e[j++]->count;
			continue;
		}
		a[o] = (c <= 0) ? (double) ref->cats[i].count : 0.0;
		b[o] = (c >= 0) ? (double) e[j]->count : 0.0;
		o++;
		if (c <= 0)
			i++;
		if (c >= 0)
			j++;
	}
	*other_slot = ref->has_other && (ref->other > 0 || other > 0.0);
	if (*other_slot)
	{
		a[o] = (double) ref->other;
		b[o] = other;
		o++;
	}
	pfree(e);
	*rv = a;
	*cv = b;
	return o;
}

void
mlops_monitor_compare(const MonitorRef *ref, const MonitorAcc *cur,
					  double *stat, bool *stat_null, double *p, bool *p_null)
{
	MonitorAcc *acc = (MonitorAcc *) cur;	/* sorting the kept values keeps their multiset */

	*stat = 0.0;
	*p = 0.0;
	*stat_null = true;
	*p_null = true;
	mm_check_live(cur);
	if (cur->method != ref->method || (cur->ref != NULL && cur->ref != ref) ||
		(!mlops_monitor_method_is_categorical(ref->method) && cur->bins != ref->bins))
		elog(ERROR, "monitor window and reference do not match");
	if (ref->n == 0 || cur->n == 0)
		return;
	switch (ref->method)
	{
		case MM_PSI:
		case MM_JENSEN_SHANNON:
		case MM_HELLINGER:
			{
				int			nb = ref->bins + 1,
							i;
				double	   *cc = mm_window_counts(ref, cur);
				double		rt = mm_ref_total(ref);
				double	   *ps,
						   *qs;

				if (rt <= 0.0)
					return;
				if (ref->method == MM_PSI)
					*stat = drift_psi_counts(ref->counts, cc, nb);
				else
				{
					ps = palloc(sizeof(double) * nb);
					qs = palloc(sizeof(double) * nb);
					for (i = 0; i < nb; i++)
					{
						ps[i] = ref->counts[i] / rt;
						qs[i] = cc[i] / (double) cur->n;
					}
					*stat = (ref->method == MM_JENSEN_SHANNON)
						? drift_jensen_shannon_shares(ps, qs, nb)
						: drift_hellinger_shares(ps, qs, nb);
				}
				*stat_null = false;
				break;
			}
		case MM_KS:
			{
				double		dplus,
							dminus,
							d;

				mm_sort_values(acc);
				if (!ref->from_profile)
				{
					drift_ks_statistics(ref->vals, ref->nvals, acc->v, acc->nv, &dplus, &dminus);
					d = Max(dplus, dminus);
					*p = mm_ks_pvalue(ref->nvals, acc->nv, &d);
				}
				else
				{
					/* NaN is outside the sketch's CDF: left out on both sides */
					int64		r = mm_non_nan(acc->v, acc->nv);

					if (ref->nvals == 0 || r == 0)
						return;
					d = mm_ks_weighted(ref, acc->v, r);
					*p = mm_ks_pvalue((int64) ref->cum[ref->nvals - 1], r, &d);
				}
				*stat = d;
				*stat_null = false;
				*p_null = false;
				break;
			}
		case MM_WASSERSTEIN:
			mm_sort_values(acc);
			if (!ref->from_profile)
				*stat = drift_wasserstein_sorted(ref->vals, ref->nvals, acc->v, acc->nv);
			else
			{
				if (ref->nvals == 0)
					return;
				*stat = mm_wasserstein_weighted(ref, acc->v, acc->nv);
			}
			*stat_null = false;
			break;
		case MM_MEAN_CHANGE:
			{
				double		m;

				if (ref->mean_n == 0 || acc->sum_n == 0 || ref->mean == 0.0)
					return;
				m = acc->sum / (double) acc->sum_n;
				*stat = fabs(m - ref->mean) / fabs(ref->mean);
				*stat_null = false;
				break;
			}
		case MM_P95_CHANGE:
			{
				int64		r;

				mm_sort_values(acc);
				r = mm_non_nan(acc->v, acc->nv);
				if (ref->p95_n == 0 || r == 0 || ref->p95 == 0.0)
					return;
				*stat = fabs(mm_p95_sorted(acc->v, r) - ref->p95) / fabs(ref->p95);
				*stat_null = false;
				break;
			}
		case MM_PSI_CATEGORICAL:
		case MM_CHI2:
			{
				double	   *rv,
						   *cv,
							rt = 0.0,
							ct = 0.0;
				bool		other_slot;
				int64		k = mm_cat_vectors(ref, cur, &rv, &cv, &other_slot),
							i;

				for (i = 0; i < k; i++)
				{
					rt += rv[i];
					ct += cv[i];
				}
				if (rt <= 0.0 || ct <= 0.0)
					return;
				if (ref->method == MM_PSI_CATEGORICAL)
				{
					if (k > PG_INT32_MAX)
						ereport(ERROR,
								(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
								 errmsg("too many categories for psi_categorical")));
					*stat = drift_psi_counts(rv, cv, (int) k);
				}
				else
				{
					drift_chi2_homogeneity(rv, cv, k, (int64) rt, (int64) ct, stat, p);
					*p_null = false;
				}
				*stat_null = false;
				break;
			}
	}
}

/* ---------------------------------------------------------------------- */
/* Histogram of a report                                                    */
/* ---------------------------------------------------------------------- */

/* A float8 as JSON: shortest exact digits (float8out's), non-finite values as strings (as to_jsonb). */
static void
mm_json_number(StringInfo s, double x)
{
	char		buf[DOUBLE_SHORTEST_DECIMAL_LEN + 1];

	if (isnan(x))
		appendStringInfoString(s, "\"NaN\"");
	else if (isinf(x))
		appendStringInfoString(s, x > 0 ? "\"Infinity\"" : "\"-Infinity\"");
	else
	{
		double_to_shortest_decimal_buf(x, buf);
		appendStringInfoString(s, buf);
	}
}

/*
 * A category's name as a JSON string, clipped to MM_CATEGORY_LABEL
 * characters and marked "..." when longer: the histogram is for reports,
 * and a window of long texts (documents, payloads) must not store them whole.
 */
#define MM_CATEGORY_LABEL 200

static void
mm_json_category(StringInfo s, const char *name)
{
	int			len = strlen(name);
	int			clip = pg_mbcharcliplen(name, len, MM_CATEGORY_LABEL);

	if (clip >= len)
		escape_json(s, name);
	else
		escape_json(s, psprintf("%.*s...", clip, name));
}

/* Counts as a JSON array of whole numbers. */
static void
mm_json_counts(StringInfo s, const double *c, int64 n)
{
	int64		i;

	appendStringInfoChar(s, '[');
	for (i = 0; i < n; i++)
	{
		if (i > 0)
			appendStringInfoString(s, ", ");
		appendStringInfo(s, INT64_FORMAT, (int64) c[i]);
	}
	appendStringInfoChar(s, ']');
}

/* Order of category slots by combined count (descending), then by position (byte order). */
typedef struct MmRank
{
	double		count;
	int64		slot;
} MmRank;

static int
mm_rank_cmp(const void *a, const void *b)
{
	const MmRank *x = a,
			   *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return (x->slot > y->slot) - (x->slot < y->slot);
}

char *
mlops_monitor_histogram_json(const MonitorRef *ref, const MonitorAcc *cur)
{
	StringInfoData s;
	int64		i;

	mm_check_live(cur);
	if (cur->method != ref->method || (cur->ref != NULL && cur->ref != ref))
		elog(ERROR, "monitor window and reference do not match");
	initStringInfo(&s);
	if (mlops_monitor_method_is_categorical(ref->method))
	{
		double	   *rv,
				   *cv;
		bool		other_slot;
		int64		k = mm_cat_vectors(ref, cur, &rv, &cv, &other_slot),
					named = 0,
					slots = k;
		MmRank	   *rank;
		double		ro = 0.0,
					co = 0.0,
				   *ra,
				   *ca;

		/* the "other" bucket of a profile is never one of the named categories */
		if (other_slot)
		{
			slots = k - 1;
			ro = rv[k - 1];
			co = cv[k - 1];
		}
		rank = palloc(sizeof(MmRank) * Max(slots, 1));
		for (i = 0; i < slots; i++)
		{
			rank[i].count = rv[i] + cv[i];
			rank[i].slot = i;
		}
		qsort(rank, slots, sizeof(MmRank), mm_rank_cmp);
		named = Min(slots, MM_HIST_CATEGORIES);
		for (i = named; i < slots; i++)
		{
			ro += rv[rank[i].slot];
			co += cv[rank[i].slot];
		}
		ra = palloc(sizeof(double) * (named + 1));
		ca = palloc(sizeof(double) * (named + 1));
		appendStringInfoString(&s, "{\"categories\": [");
		{
			/* slot i's name: merge position -> name, rebuilt by the same walk */
			int64		nk;
			MmCatEntry **e = mm_sorted_entries(cur->table, &nk);
			const char **names = palloc(sizeof(char *) * Max(k, 1));
			int64		a = 0,
						b = 0,
						o = 0;

			while (a < ref->ncat || b < nk)
			{
				int			c;

				if (a >= ref->ncat)
					c = 1;
				else if (b >= nk)
					c = -1;
				else
					c = mm_bytes_cmp(ref->cats[a].data, ref->cats[a].len, e[b]->key.data, e[b]->key.len);
				if (c > 0 && ref->has_other)
				{
					b++;
					continue;
				}
				names[o++] = (c <= 0) ? ref->cats[a].data : e[b]->key.data;
				if (c <= 0)
					a++;
				if (c >= 0)
					b++;
			}
			for (i = 0; i < named; i++)
			{
				if (i > 0)
					appendStringInfoString(&s, ", ");
				mm_json_category(&s, names[rank[i].slot]);
				ra[i] = rv[rank[i].slot];
				ca[i] = cv[rank[i].slot];
			}
		}
		if (ro > 0.0 || co > 0.0)
		{
			appendStringInfoString(&s, named > 0 ? ", \"other\"" : "\"other\"");
			ra[named] = ro;
			ca[named] = co;
			named++;
		}
		appendStringInfoString(&s, "], \"ref\": ");
		mm_json_counts(&s, ra, named);
		appendStringInfoString(&s, ", \"cur\": ");
		mm_json_counts(&s, ca, named);
		appendStringInfoChar(&s, '}');
	}
	else
	{
		double	   *cc = mm_window_counts(ref, cur);
		bool		nan = (ref->counts[ref->bins] > 0.0 || cc[ref->bins] > 0.0);
		double	   *rc = palloc(sizeof(double) * (ref->nedges + 2));
		double	   *wc = palloc(sizeof(double) * (ref->nedges + 2));
		int			nb = ref->nedges + 1;

		memcpy(rc, ref->counts, sizeof(double) * nb);
		memcpy(wc, cc, sizeof(double) * nb);
		if (nan)
		{
			rc[nb] = ref->counts[ref->bins];
			wc[nb] = cc[ref->bins];
			nb++;
		}
		appendStringInfoString(&s, "{\"edges\": [");
		for (i = 0; i < ref->nedges; i++)
		{
			if (i > 0)
				appendStringInfoString(&s, ", ");
			mm_json_number(&s, ref->edges[i]);
		}
		appendStringInfoString(&s, "], \"ref\": ");
		mm_json_counts(&s, rc, nb);
		appendStringInfoString(&s, ", \"cur\": ");
		mm_json_counts(&s, wc, nb);
		appendStringInfoChar(&s, '}');
	}
	return s.data;
}
