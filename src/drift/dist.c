/*
 * drift_dist.c: distances between the reference and current samples
 * (Wasserstein-1, Jensen-Shannon, Hellinger) and the categorical
 * statistics (PSI over categories, chi-square test of homogeneity).
 */
#include "postgres.h"

#include "compat.h"

#include <math.h>

#include "common/hashfn.h"
#include "common/int.h"
#include "lib/stringinfo.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "drift/drift.h"

#define DIST_DEFAULT_BINS 10

/* ---------------------------------------------------------------------- */
/* Numeric distances                                                       */
/* ---------------------------------------------------------------------- */

/*
 * W1 = integral of |F_ref - F_cur| over the merged sorted samples. NaN makes
 * it NaN; an infinite gap counts only where the ECDFs differ (then the
 * distance is Infinity).
 */
double
drift_wasserstein_sorted(const double *a, int64 m, const double *b, int64 n)
{
	int64		i = 0,
				j = 0;
	double		w = 0.0,
				prev = 0.0,
				diff = 0.0;
	bool		first = true;
	int64		steps = 0;

	if (isnan(a[m - 1]) || isnan(b[n - 1]))
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
		diff = fabs((double) i / (double) m - (double) j / (double) n);
		prev = v;
		first = false;
	}
	return w;
}

/* Sorted samples from the state, or NULL result when a side is empty. */
static bool
dist_state(FunctionCallInfo fcinfo, DriftSamples **out)
{
	DriftSamples *s;

	if (PG_ARGISNULL(0))
		return false;
	s = (DriftSamples *) PG_GETARG_POINTER(0);
	if (s->n[0] == 0 || s->n[1] == 0)
		return false;
	*out = s;
	return true;
}

PG_FUNCTION_INFO_V1(mlops_wasserstein_final);

/*
 * Final function of mlops.wasserstein: exact W1 of the two samples.
 * Sorts or partitions the state's samples in place. FINALFUNC_MODIFY stays
 * READ_ONLY (the default) because the state still holds the same multiset of
 * values: the transition function only appends, and every final function
 * sorts or selects again, so a window frame or a final call on a shared
 * state gives the same answer.
 */
Datum
mlops_wasserstein_final(PG_FUNCTION_ARGS)
{
	DriftSamples *s;

	if (!dist_state(fcinfo, &s))
		PG_RETURN_NULL();
	drift_samples_sort(s);		/* no-op for sides merged from parallel workers */
	PG_RETURN_FLOAT8(drift_wasserstein_sorted(s->v[0], s->n[0], s->v[1], s->n[1]));
}

/* Bin shares p (reference) and q (current) on reference-quantile bins, no fill. */
static int
dist_shares(DriftSamples *s, double **p, double **q)
{
	DriftBins	b;
	int			i;

	drift_bin_samples(s, s->param < 0 ? DIST_DEFAULT_BINS : s->param, &b);
	for (i = 0; i < b.nbins; i++)
	{
		b.ref[i] /= (double) s->n[0];
		b.cur[i] /= (double) s->n[1];
	}
	*p = b.ref;
	*q = b.cur;
	return b.nbins;
}

/* x ln(x / y), 0 when x is 0. */
static inline double
rel_entr(double x, double y)
{
	return (x > 0.0) ? x * log(x / y) : 0.0;
}

PG_FUNCTION_INFO_V1(mlops_jensen_shannon_final);

/*
 * Final function of mlops.jensen_shannon: the JS distance (natural log), sqrt of the divergence.
 * Sorts or partitions the state's samples in place. FINALFUNC_MODIFY stays
 * READ_ONLY (the default) because the state still holds the same multiset of
 * values: the transition function only appends, and every final function
 * sorts or selects again, so a window frame or a final call on a shared
 * state gives the same answer.
 */
Datum
mlops_jensen_shannon_final(PG_FUNCTION_ARGS)
{
	DriftSamples *s;
	double	   *p,
			   *q;
	int			k;

	if (!dist_state(fcinfo, &s))
		PG_RETURN_NULL();
	k = dist_shares(s, &p, &q);
	PG_RETURN_FLOAT8(drift_jensen_shannon_shares(p, q, k));
}

/* The JS distance (natural log) of the shares p and q over k bins. */
double
drift_jensen_shannon_shares(const double *p, const double *q, int k)
{
	double		js = 0.0;
	int			i;

	for (i = 0; i < k; i++)
	{
		double		m = (p[i] + q[i]) / 2.0;

		js += rel_entr(p[i], m) + rel_entr(q[i], m);
	}
	return sqrt(Max(js, 0.0) / 2.0);
}

PG_FUNCTION_INFO_V1(mlops_hellinger_final);

/*
 * Final function of mlops.hellinger: ||sqrt(p) - sqrt(q)||_2 / sqrt(2), in [0, 1].
 * Sorts or partitions the state's samples in place. FINALFUNC_MODIFY stays
 * READ_ONLY (the default) because the state still holds the same multiset of
 * values: the transition function only appends, and every final function
 * sorts or selects again, so a window frame or a final call on a shared
 * state gives the same answer.
 */
Datum
mlops_hellinger_final(PG_FUNCTION_ARGS)
{
	DriftSamples *s;
	double	   *p,
			   *q;
	int			k;

	if (!dist_state(fcinfo, &s))
		PG_RETURN_NULL();
	k = dist_shares(s, &p, &q);
	PG_RETURN_FLOAT8(drift_hellinger_shares(p, q, k));
}

/* The Hellinger distance of the shares p and q over k bins. */
double
drift_hellinger_shares(const double *p, const double *q, int k)
{
	double		h = 0.0;
	int			i;

	for (i = 0; i < k; i++)
	{
		double		d = sqrt(p[i]) - sqrt(q[i]);

		h += d * d;
	}
	return sqrt(h / 2.0);
}

/* ---------------------------------------------------------------------- */
/* Categories                                                              */
/* ---------------------------------------------------------------------- */

/* A category's bytes (not NUL-terminated). */
typedef struct CatKey
{
	const char *data;
	int32		len;
} CatKey;

/* One category and its count in each sample (a simplehash entry). */
typedef struct CatEntry
{
	CatKey		key;			/* bytes owned by the state's context */
	uint32		hash;			/* hash_bytes of the key */
	char		status;			/* simplehash's slot status */
	int64		cnt[2];
} CatEntry;

/* cat_hash: PostgreSQL's simplehash over the categories, in the aggregate context. */
#define SH_PREFIX cat_hash
#define SH_ELEMENT_TYPE CatEntry
#define SH_KEY_TYPE CatKey
#define SH_KEY key
#define SH_HASH_KEY(tb, k) hash_bytes((const unsigned char *) (k).data, (k).len)
#define SH_EQUAL(tb, a, b) ((a).len == (b).len && memcmp((a).data, (b).data, (a).len) == 0)
#define SH_STORE_HASH
#define SH_GET_HASH(tb, e) ((e)->hash)
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/* The categorical state: the category table and the total per sample. */
typedef struct CatState
{
	cat_hash_hash *table;
	int64		n[2];
} CatState;

/* "MCS1": first word of a serialized category state. */
#define CAT_MAGIC 0x3153434D

/* A new empty category table in the current context. */
static CatState *
cat_new(void)
{
	CatState   *c = palloc0(sizeof(CatState));

	c->table = cat_hash_create(CurrentMemoryContext, 64, NULL);
	return c;
}

/*
 * Add counts for a category (hash = hash_bytes of its bytes), creating it
 * when new with a copy of the key in the current context: the caller's bytes
 * may be a detoasted copy that lives for one call only.
 */
static void
cat_add(CatState *c, const char *key, int32 len, uint32 hash, int64 c0, int64 c1)
{
	CatKey		k = {key, len};
	CatEntry   *e;
	bool		found;

	e = cat_hash_insert_hash(c->table, k, hash, &found);
	if (!found)
	{
		e->key.data = memcpy(palloc(Max(len, 1)), key, len);
		e->cnt[0] = e->cnt[1] = 0;
	}
	/* crafted states (or absurd inputs) must not wrap the counts */
	if (pg_add_s64_overflow(e->cnt[0], c0, &e->cnt[0]) ||
		pg_add_s64_overflow(e->cnt[1], c1, &e->cnt[1]) ||
		pg_add_s64_overflow(c->n[0], c0, &c->n[0]) ||
		pg_add_s64_overflow(c->n[1], c1, &c->n[1]))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("category counts of a categorical drift state are out of range")));
}

PG_FUNCTION_INFO_V1(mlops_cat_accum);

/*
 * mlops._cat_accum(internal, text, bool): count a category in its sample.
 * The value is detoasted in the per-call context (the caller resets it per
 * row); only a new category's bytes are copied into the aggregate context.
 */
Datum
mlops_cat_accum(PG_FUNCTION_ARGS)
{
	MemoryContext ctx,
				old;
	CatState   *c;
	text	   *t = NULL;
	int			side = 0;

	if (!AggCheckCallContext(fcinfo, &ctx))
		elog(ERROR, "mlops._cat_accum called in non-aggregate context");
	if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2))
	{
		t = PG_GETARG_TEXT_PP(1);	/* in the per-call context */
		side = PG_GETARG_BOOL(2) ? 0 : 1;
	}
	old = MemoryContextSwitchTo(ctx);
	c = PG_ARGISNULL(0) ? cat_new() : (CatState *) PG_GETARG_POINTER(0);
	if (t != NULL)
		cat_add(c, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t),
				hash_bytes((const unsigned char *) VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t)),
				side == 0, side == 1);
	MemoryContextSwitchTo(old);
	if (t != NULL && (Pointer) t != PG_GETARG_POINTER(1))
		pfree(t);
	PG_RETURN_POINTER(c);
}

PG_FUNCTION_INFO_V1(mlops_cat_combine);

/* mlops._cat_combine(internal, internal): add the second table's counts to the first. */
Datum
mlops_cat_combine(PG_FUNCTION_ARGS)
{
	MemoryContext ctx,
				old;
	CatState   *a = PG_ARGISNULL(0) ? NULL : (CatState *) PG_GETARG_POINTER(0);
	CatState   *b = PG_ARGISNULL(1) ? NULL : (CatState *) PG_GETARG_POINTER(1);
	cat_hash_iterator it;
	CatEntry   *e;

	if (!AggCheckCallContext(fcinfo, &ctx))
		elog(ERROR, "mlops._cat_combine called in non-aggregate context");
	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	old = MemoryContextSwitchTo(ctx);
	if (a == NULL)
		a = cat_new();
	cat_hash_start_iterate(b->table, &it);
	while ((e = cat_hash_iterate(b->table, &it)) != NULL)
		cat_add(a, e->key.data, e->key.len, e->hash, e->cnt[0], e->cnt[1]);
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(mlops_cat_serialize);

/* mlops._cat_serialize(internal): magic, entry count, then (len, bytes, count, count) per entry. */
Datum
mlops_cat_serialize(PG_FUNCTION_ARGS)
{
	CatState   *c = (CatState *) PG_GETARG_POINTER(0);
	StringInfoData buf;
	int32		magic = CAT_MAGIC;
	int64		used = c->table->members;
	cat_hash_iterator it;
	CatEntry   *e;

	initStringInfo(&buf);
	appendBinaryStringInfo(&buf, (char *) &magic, sizeof(int32));
	appendBinaryStringInfo(&buf, (char *) &used, sizeof(int64));
	cat_hash_start_iterate(c->table, &it);
	while ((e = cat_hash_iterate(c->table, &it)) != NULL)
	{
		CHECK_FOR_INTERRUPTS();
		appendBinaryStringInfo(&buf, (char *) &e->key.len, sizeof(int32));
		appendBinaryStringInfo(&buf, e->key.data, e->key.len);
		appendBinaryStringInfo(&buf, (char *) e->cnt, 2 * sizeof(int64));
	}
	PG_RETURN_BYTEA_P(cstring_to_text_with_len(buf.data, buf.len));
}

/* Error for a bytea that is not a serialized category state. */
static void
cat_bad_state(const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid categorical drift aggregate state: %s", why)));
}

/* Rebuild a category table from its serialized image in the current context. */
static CatState *
cat_decode(bytea *in)
{
	const char *p = VARDATA_ANY(in);
	const char *end = p + VARSIZE_ANY_EXHDR(in);
	CatState   *c;
	int32		magic;
	int64		count,
				i;

	if (end - p < (ptrdiff_t) (sizeof(int32) + sizeof(int64)))
		cat_bad_state("too short");
	memcpy(&magic, p, sizeof(int32));
	memcpy(&count, p + sizeof(int32), sizeof(int64));
	p += sizeof(int32) + sizeof(int64);
	if (magic != CAT_MAGIC)
		cat_bad_state("bad magic number");
	if (count < 0 || count > (end - p) / (ptrdiff_t) (sizeof(int32) + 2 * sizeof(int64)))
		cat_bad_state("entry count does not match the length");
	c = cat_new();
	for (i = 0; i < count; i++)
	{
		int32		len;
		int64		cnt[2];

		if (end - p < (ptrdiff_t) sizeof(int32))
			cat_bad_state("truncated entry");
		memcpy(&len, p, sizeof(int32));
		p += sizeof(int32);
		if (len < 0 || end - p < (ptrdiff_t) len + (ptrdiff_t) (2 * sizeof(int64)))
			cat_bad_state("truncated entry");
		memcpy(cnt, p + len, 2 * sizeof(int64));
		if (cnt[0] < 0 || cnt[1] < 0 || cnt[0] + cnt[1] == 0
			|| cnt[0] > PG_INT64_MAX / 4 || cnt[1] > PG_INT64_MAX / 4)
			cat_bad_state("bad count");
		CHECK_FOR_INTERRUPTS();
		cat_add(c, p, len, hash_bytes((const unsigned char *) p, len), cnt[0], cnt[1]);
		p += len + 2 * sizeof(int64);
	}
	if (p != end)
		cat_bad_state("trailing bytes");
	return c;
}

PG_FUNCTION_INFO_V1(mlops_cat_deserialize);

/* mlops._cat_deserialize(bytea, internal): rebuild a category table in the aggregate context. */
Datum
mlops_cat_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext ctx,
				old;
	CatState   *c;

	if (!AggCheckCallContext(fcinfo, &ctx))
		elog(ERROR, "mlops._cat_deserialize called in non-aggregate context");
	old = MemoryContextSwitchTo(ctx);
	c = cat_decode(PG_GETARG_BYTEA_PP(0));
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(c);
}

PG_FUNCTION_INFO_V1(mlops_cat_state_info);

/* mlops._cat_state_info(bytea): decode with the deserializer's checks and describe (for tests). */
Datum
mlops_cat_state_info(PG_FUNCTION_ARGS)
{
	CatState   *c = cat_decode(PG_GETARG_BYTEA_PP(0));

	PG_RETURN_TEXT_P(cstring_to_text(psprintf("categories=%lld n_ref=%lld n_cur=%lld",
											  (long long) c->table->members, (long long) c->n[0],
											  (long long) c->n[1])));
}

typedef CatEntry *CatEntryPtr;

/* Byte order of two categories (then the shorter first): a fixed order for the sums. */
static inline int
cat_entry_cmp(const CatEntryPtr *a, const CatEntryPtr *b)
{
	int			r = memcmp((*a)->key.data, (*b)->key.data, Min((*a)->key.len, (*b)->key.len));

	if (r != 0)
		return r;
	return ((*a)->key.len > (*b)->key.len) - ((*a)->key.len < (*b)->key.len);
}

#define ST_SORT cat_sort_entries
#define ST_ELEMENT_TYPE CatEntryPtr
#define ST_COMPARE(a, b) cat_entry_cmp(a, b)
#define ST_CHECK_FOR_INTERRUPTS
#define ST_SCOPE static
#define ST_DECLARE
#define ST_DEFINE
#include "lib/sort_template.h"

/*
 * Count vectors of the categories (one slot per category seen in either
 * sample), in the byte order of the categories: the floating-point sums of
 * the final functions then add in the same order whatever the hash layout,
 * so a parallel plan gives the serial answer to the last bit.
 */
static int64
cat_counts(CatState *c, double **ref, double **cur)
{
	int64		used = c->table->members,
				k = 0,
				i;
	CatEntry  **entries = palloc(sizeof(CatEntry *) * Max(used, 1));
	cat_hash_iterator it;
	CatEntry   *e;

	cat_hash_start_iterate(c->table, &it);
	while ((e = cat_hash_iterate(c->table, &it)) != NULL)
		entries[k++] = e;
	cat_sort_entries(entries, k);
	*ref = palloc(sizeof(double) * Max(k, 1));
	*cur = palloc(sizeof(double) * Max(k, 1));
	for (i = 0; i < k; i++)
	{
		(*ref)[i] = (double) entries[i]->cnt[0];
		(*cur)[i] = (double) entries[i]->cnt[1];
	}
	pfree(entries);
	return k;
}

PG_FUNCTION_INFO_V1(mlops_psi_categorical_final);

/* Final function of mlops.psi_categorical: PSI over categories, with the empty-share fill. */
Datum
mlops_psi_categorical_final(PG_FUNCTION_ARGS)
{
	CatState   *c;
	double	   *ref,
			   *cur;
	int64		k;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	c = (CatState *) PG_GETARG_POINTER(0);
	if (c->n[0] == 0 || c->n[1] == 0)
		PG_RETURN_NULL();
	k = cat_counts(c, &ref, &cur);
	if (k > PG_INT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many categories for psi_categorical")));
	PG_RETURN_FLOAT8(drift_psi_counts(ref, cur, (int) k));
}

PG_FUNCTION_INFO_V1(mlops_chi2_test_final);

/*
 * Final function of mlops.chi2_test: Pearson's chi-square test of
 * homogeneity on the 2 x K table (reference, current) x categories, no
 * continuity correction (scipy.stats.chi2_contingency(correction=False)),
 * K - 1 degrees of freedom.
 */
Datum
mlops_chi2_test_final(PG_FUNCTION_ARGS)
{
	CatState   *c;
	double	   *ref,
			   *cur,
				stat,
				p;
	int64		k;

	if (PG_ARGISNULL(0))
		PG_RETURN_DATUM(drift_result_datum(fcinfo, 0, 0, false, 0, 0));
	c = (CatState *) PG_GETARG_POINTER(0);
	if (c->n[0] == 0 || c->n[1] == 0)
		PG_RETURN_DATUM(drift_result_datum(fcinfo, 0, 0, false, c->n[0], c->n[1]));
	k = cat_counts(c, &ref, &cur);
	drift_chi2_homogeneity(ref, cur, k, c->n[0], c->n[1], &stat, &p);
	PG_RETURN_DATUM(drift_result_datum(fcinfo, stat, p, true, c->n[0], c->n[1]));
}

/*
 * Pearson's statistic and p-value of the 2 x k table of counts ref and cur
 * (totals n_ref, n_cur, both positive); fewer than two categories: 0 and 1.
 */
void
drift_chi2_homogeneity(const double *ref, const double *cur, int64 k,
					   int64 n_ref, int64 n_cur, double *stat, double *p)
{
	double		total = (double) (n_ref + n_cur),
				x = 0.0;
	int64		i;

	for (i = 0; i < k; i++)
	{
		double		col = ref[i] + cur[i];
		double		e0 = (double) n_ref * col / total;
		double		e1 = (double) n_cur * col / total;

		x += (ref[i] - e0) * (ref[i] - e0) / e0 + (cur[i] - e1) * (cur[i] - e1) / e1;
	}
	if (k < 2)
	{
		*stat = 0.0;
		*p = 1.0;
		return;
	}
	*stat = x;
	*p = drift_chi2_sf(x, (double) (k - 1));
}
