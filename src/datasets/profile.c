/*
 * profile.c: column profiles of a dataset snapshot, filled value by value
 * during the one scan of mlops.snapshot_table() (fingerprint.c).
 *
 *  - every column: null count and a HyperLogLog distinct estimate
 *    (PostgreSQL's lib/hyperloglog, 2^14 registers: about 0.8% error);
 *  - numeric columns: a qsketch (the drift type, src/drift/core) and a
 *    histogram whose edges are the sketch's quantiles at 1/20, 2/20, ...
 *    (the reference edges PSI uses) with counts from the sketch's ranks;
 *  - text columns: the most frequent values by a Misra-Gries summary of
 *    DS_TOP_COUNTERS counters: exact for columns with at most that many
 *    distinct values, otherwise each count is a lower bound that is short
 *    by at most n / (DS_TOP_COUNTERS + 1).
 */
#include "postgres.h"

#include "compat.h"

#include <math.h>

#include "common/hashfn.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"

#include "drift/core/hist_core.h"
#include "drift/core/qsketch_core.h"
#include "datasets/datasets.h"

#define DS_TOP_COUNTERS 256
#define DS_HLL_BITS 14
/* fixed coin seed: the same table gives the same sketch */
#define DS_SKETCH_SEED UINT64CONST(0x6d6c6f7073736b31)

typedef struct DsTopEntry
{
	uint64		hash;
	int64		count;
	char	   *val;
	int			len;
} DsTopEntry;

/* Misra-Gries counters and an open-addressing index of them by hash. */
typedef struct DsTopValues
{
	int			n;
	DsTopEntry	entries[DS_TOP_COUNTERS];
	int16		index[DS_TOP_COUNTERS * 2]; /* entry + 1, 0 = free */
} DsTopValues;

void
mlops_ds_profile_init(DsProfile *p, DsProfileKind kind)
{
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	initHyperLogLog(&p->hll, DS_HLL_BITS);
	if (kind == DS_PROFILE_NUMERIC)
		p->sketch = qs_new(QS_DEFAULT_K, DS_SKETCH_SEED);
	else if (kind == DS_PROFILE_TEXT)
		p->top = palloc0(sizeof(DsTopValues));
}

void
mlops_ds_profile_number(DsProfile *p, double x)
{
	qs_insert(p->sketch, x);
}

/* Slot of hash in the index: its entry, or the free slot where it would go. */
static int
top_slot(DsTopValues *t, uint64 hash)
{
	int			mask = lengthof(t->index) - 1;
	int			i = (int) (hash & mask);

	while (t->index[i] != 0 && t->entries[t->index[i] - 1].hash != hash)
		i = (i + 1) & mask;
	return i;
}

/* Decrement every counter, drop those at zero and rebuild the index. */
static void
top_decrement(DsTopValues *t)
{
	int			i,
				kept = 0;

	for (i = 0; i < t->n; i++)
	{
		DsTopEntry *e = &t->entries[i];

		if (--e->count > 0)
			t->entries[kept++] = *e;
		else
			pfree(e->val);
	}
	t->n = kept;
	memset(t->index, 0, sizeof(t->index));
	for (i = 0; i < t->n; i++)
		t->index[top_slot(t, t->entries[i].hash)] = i + 1;
}

void
mlops_ds_profile_text(DsProfile *p, uint64 hash, const char *val, int len)
{
	DsTopValues *t = p->top;
	int			slot = top_slot(t, hash);
	DsTopEntry *e;

	if (t->index[slot] != 0)
	{
		t->entries[t->index[slot] - 1].count++;
		return;
	}
	if (t->n == DS_TOP_COUNTERS)
	{
		top_decrement(t);
		return;
	}
	e = &t->entries[t->n];
	e->hash = hash;
	e->count = 1;
	e->len = len;
	e->val = palloc(len + 1);
	memcpy(e->val, val, len);
	e->val[len] = '\0';
	t->index[slot] = ++t->n;
}

int64
mlops_ds_profile_distinct(DsProfile *p)
{
	return (int64) rint(estimateHyperLogLog(&p->hll));
}

/* The sketch as a mlops.qsketch datum (NULL when no value was seen). */
Datum
mlops_ds_profile_sketch(DsProfile *p, bool *isnull)
{
	size_t		n;
	bytea	   *b;

	*isnull = (p->sketch == NULL || p->sketch->n + p->sketch->nan == 0);
	if (*isnull)
		return (Datum) 0;
	qs_sort_level0(p->sketch);	/* the wire format keeps level 0 sorted */
	n = qs_wire_size(p->sketch);
	b = palloc(VARHDRSZ + n);
	SET_VARSIZE(b, VARHDRSZ + n);
	qs_write(p->sketch, (uint8_t *) VARDATA(b));
	return PointerGetDatum(b);
}

/*
 * A mlops.histogram with edges at the sketch's quantiles 1/bins .. (bins-1)/bins
 * (equal ones merged) and counts from the sketch's ranks; NaN in its own bin.
 */
Datum
mlops_ds_profile_histogram(DsProfile *p, int bins, bool *isnull)
{
	QSView	   *v;
	double	   *edges;
	int			nedges = 0,
				i;
	Hist	   *h;
	uint64		below = 0;
	size_t		n;
	bytea	   *b;

	*isnull = (p->sketch == NULL || p->sketch->n == 0);
	if (*isnull)
		return (Datum) 0;
	qs_sort_level0(p->sketch);
	v = qs_view(p->sketch);
	edges = palloc(sizeof(double) * bins);
	for (i = 1; i < bins; i++)
	{
		double		e = qs_view_quantile(v, (double) i / bins);

		if (isfinite(e) && (nedges == 0 || e > edges[nedges - 1]))
			edges[nedges++] = e;
	}
	qs_view_free(v);
	if (nedges == 0)
		edges[nedges++] = isfinite(p->sketch->min) ? p->sketch->min : 0.0;
	h = hist_new(edges, nedges);
	for (i = 0; i < nedges; i++)
	{
		uint64		r = qs_rank(p->sketch, edges[i], false);

		h->counts[i] = (int64_t) (r - below);
		below = r;
	}
	h->counts[nedges] = (int64_t) (p->sketch->n - below);
	h->counts[nedges + 1] = (int64_t) p->sketch->nan;
	n = hist_wire_size(h);
	b = palloc(VARHDRSZ + n);
	SET_VARSIZE(b, VARHDRSZ + n);
	hist_write(h, (uint8_t *) VARDATA(b));
	hist_free(h);
	return PointerGetDatum(b);
}

/* Most frequent first, then by value. */
static int
top_cmp(const void *a, const void *b)
{
	const DsTopEntry *x = a;
	const DsTopEntry *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->val, y->val);
}

/* [{"value": ..., "count": n}, ...]: the limit most frequent values, as jsonb. */
Datum
mlops_ds_profile_top_values(DsProfile *p, int limit, bool *isnull)
{
	DsTopValues *t = p->top;
	StringInfoData s;
	int			i;

	*isnull = (t == NULL);
	if (*isnull)
		return (Datum) 0;
	qsort(t->entries, t->n, sizeof(DsTopEntry), top_cmp);
	initStringInfo(&s);
	appendStringInfoChar(&s, '[');
	for (i = 0; i < t->n && i < limit; i++)
	{
		appendStringInfo(&s, "%s{\"value\": ", i ? ", " : "");
		escape_json(&s, t->entries[i].val);
		appendStringInfo(&s, ", \"count\": " INT64_FORMAT "}", t->entries[i].count);
	}
	appendStringInfoChar(&s, ']');
	return DirectFunctionCall1(jsonb_in, CStringGetDatum(s.data));
}
