/*
 * drift_qsketch_core.c: the KLL quantile sketch behind mlops.qsketch.
 *
 * Structure (KLL, FOCS 2016). Level h holds items that each stand for 2^h
 * input values. Level h may hold fewer than capacity(h) items, where the top
 * level gets k and each level below 2/3 of the one above (at least 8). When a
 * level reaches its capacity it is compacted: its items are sorted, one is
 * left behind if their number is odd, and of the remaining 2p sorted items a
 * fair coin keeps either those at even or those at odd positions; the p
 * survivors move one level up (weight doubles). Total weight is preserved
 * exactly: sum over h of size(h) * 2^h == n, which the readers check.
 * NaN is never inserted: it is counted apart (nan) and has its own PSI bin.
 *
 * Error of one compaction. Take a query y and let j be how many of the 2p
 * compacted items (weight w = 2^h) are <= y. Before, they contributed w*j to
 * the estimated rank R^(y); after, 2w * (kept items <= y). If j is even that
 * is exactly w*j; if j is odd it is w*(j+1) or w*(j-1), each with probability
 * 1/2 given everything before (a fresh coin). So every compaction adds a
 * martingale difference X_i with |X_i| <= w_i, and the total error
 * E(y) = R^(y) - R(y) = sum X_i. The schedule of compactions (and so every
 * w_i) depends only on the sizes, never on values or coins, so
 * var = sum w_i^2 and wsum = sum w_i are fixed numbers the sketch records
 * (merging adds them up).
 *
 * Bounds.
 *  (a) deterministic: |E(y)| <= wsum for every y, always.
 *  (b) one query (Azuma-Hoeffding): P(|E(y)| >= t) <= 2 exp(-t^2 / (2 var)),
 *      so |E(y)| <= sqrt(2 var ln(2/delta)) with probability >= 1 - delta.
 *  (c) every query at once: E(y) is constant between consecutive distinct
 *      input values, so there are at most n + 1 different E(y); a union bound
 *      gives sup_y |E(y)| <= sqrt(2 var ln(2 (n + 1) / delta)) with
 *      probability >= 1 - delta.
 * qs_rank_error reports min((a), (b)) / n and qs_uniform_error min((a), (c)) / n.
 * A sketch that never compacted has var = wsum = 0: it is exact.
 * The coins come from xorshift64* seeded per sketch; the bounds treat them as
 * independent fair coins.
 *
 * Size. With k = QS_DEFAULT_K = 512 the capacities add up to at most 1,957
 * items (60 levels, more than any int64 count needs), so the wire format is
 * at most 15,948 bytes. On 1M rows the bound (b) at delta = 0.01 is about
 * 0.5% and the measured error lower; sql/sketch_qsketch.sql checks both
 * (and the size) against exact ranks.
 *
 * Wire format (big-endian; send/recv, aggregate serialization, on disk):
 *   u8 version (1), u8 nlevels, u16 k, u64 n, u64 nan, f64 min, f64 max,
 *   f64 var, f64 wsum, u64 rng, u32 size[nlevels], f64 items (level 0 first,
 *   each level sorted ascending)
 *
 * Text form (qsketch_out/qsketch_in; Citus ships partial states in it):
 *   "qs1:" and the standard base64 (with padding) of
 *   varint k, varint nlevels, varint n, varint nan, f64 min, f64 max,
 *   f64 var, f64 wsum, u64 rng (fixed width, big-endian), varint
 *   size[nlevels], then each level's items as zigzag varints of the
 *   difference between consecutive order-preserving 64-bit keys of the
 *   doubles, the first one relative to min's key. Levels are sorted, so the
 *   differences are small non-negative numbers: a default sketch takes about
 *   7 instead of 8 bytes an item and a third more in base64 (binary at most
 *   15,948 bytes, text at most about 19 KB; see doc/citus.md for measured
 *   figures). Varints are LEB128, minimal, at most 10 bytes.
 *   The earlier JSON-like text, {"k": .., "n": .., "levels": [[..], ..]},
 *   is still read (stored text, dumps); qs_to_json writes it as JSON.
 */
#include "drift/core/qsketch_core.h"

#include <math.h>
#include <string.h>

#define QS_WIRE_VERSION 1
#define QS_HEADER_SIZE (1 + 1 + 2 + 8 + 8 + 8 * 4 + 8)

/*
 * Capacity of level h: k at the top, 2/3 per level down, at least QS_MIN_CAP;
 * level 0 at least QS_MIN_CAP0, so values are sorted and merged upwards in
 * batches (fewer, cheaper compactions of weight 1).
 */
int
qs_capacity(const QSketch *s, int h)
{
	int			depth = s->nlevels - 1 - h;
	int			c = s->k;

	while (depth-- > 0 && c > QS_MIN_CAP)
		c = (2 * c) / 3;
	if (c < QS_MIN_CAP)
		c = QS_MIN_CAP;
	if (h == 0 && c < QS_MIN_CAP0)
		c = QS_MIN_CAP0;
	return c;
}

/* Refresh the cached counters after k, nlevels or sizes changed. */
static void
qs_refresh(QSketch *s)
{
	int			h;

	s->captotal = 0;
	s->nretained = 0;
	for (h = 0; h < s->nlevels; h++)
	{
		s->cap[h] = (uint32_t) qs_capacity(s, h);
		s->captotal += s->cap[h];
		s->nretained += s->size[h];
	}
}

/* Next pseudo-random 64 bits (xorshift64*). */
static uint64_t
qs_next(QSketch *s)
{
	uint64_t	x = s->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	s->rng = x;
	return x * UINT64_C(2685821657736338717);
}

/* An empty sketch with top capacity k and a coin seed. */
QSketch *
qs_new(int k, uint64_t seed)
{
	QSketch    *s = sketch_alloc(sizeof(QSketch));

	memset(s, 0, sizeof(QSketch));
	s->k = k;
	s->nlevels = 1;
	s->min = NAN;
	s->max = NAN;
	s->rng = seed ? seed : UINT64_C(0x9E3779B97F4A7C15);
	qs_refresh(s);
	return s;
}

/* Free a sketch. */
void
qs_free(QSketch *s)
{
	int			h;

	if (s == NULL)
		return;
	for (h = 0; h < QS_MAX_LEVELS; h++)
		if (s->items[h] != NULL)
			sketch_free(s->items[h]);
	sketch_free(s);
}

/* Make room for need items at level h. */
static void
qs_reserve(QSketch *s, int h, uint32_t need)
{
	uint32_t	cap;
	double	   *d;

	if (need <= s->alloc[h])
		return;
	cap = s->alloc[h] * 2;
	if (cap < need)
		cap = need;
	if (cap < (uint32_t) qs_capacity(s, h))
		cap = (uint32_t) qs_capacity(s, h);
	d = sketch_alloc(sizeof(double) * cap);
	if (s->size[h] > 0)
		memcpy(d, s->items[h], sizeof(double) * s->size[h]);
	if (s->items[h] != NULL)
		sketch_free(s->items[h]);
	s->items[h] = d;
	s->alloc[h] = cap;
}

/* Deep copy. */
QSketch *
qs_copy(const QSketch *src)
{
	QSketch    *s = sketch_alloc(sizeof(QSketch));
	int			h;

	memcpy(s, src, sizeof(QSketch));
	for (h = 0; h < QS_MAX_LEVELS; h++)
	{
		s->items[h] = NULL;
		s->alloc[h] = 0;
		if (src->size[h] > 0)
		{
			s->items[h] = sketch_alloc(sizeof(double) * src->size[h]);
			s->alloc[h] = src->size[h];
			memcpy(s->items[h], src->items[h], sizeof(double) * src->size[h]);
		}
	}
	return s;
}

/* In-place ascending sort of doubles without NaN (quicksort + insertion). */
static void
qs_sort(double *a, int n)
{
	while (n > 16)
	{
		double		p,
					t;
		int			i = 0,
					j = n - 1;
		double		x = a[0],
					y = a[n / 2],
					z = a[n - 1];

		sketch_check_interrupts();	/* one partition round: O(n) */

		/* median of three as pivot */
		p = (x < y) ? ((y < z) ? y : ((x < z) ? z : x)) : ((x < z) ? x : ((y < z) ? z : y));
		while (i <= j)
		{
			while (a[i] < p)
				i++;
			while (a[j] > p)
				j--;
			if (i <= j)
			{
				t = a[i];
				a[i] = a[j];
				a[j] = t;
				i++;
				j--;
			}
		}
		/* recurse into the smaller part, loop on the larger */
		if (j + 1 < n - i)
		{
			qs_sort(a, j + 1);
			a += i;
			n -= i;
		}
		else
		{
			qs_sort(a + i, n - i);
			n = j + 1;
		}
	}
	for (int i = 1; i < n; i++)
	{
		double		v = a[i];
		int			j = i - 1;

		while (j >= 0 && a[j] > v)
		{
			a[j + 1] = a[j];
			j--;
		}
		a[j + 1] = v;
	}
}

/* Merge sorted src[0..m) into sorted level h (grown as needed). */
static void
qs_merge_into_level(QSketch *s, int h, const double *src, uint32_t m)
{
	double	   *a;
	int64_t		i,
				j,
				o;

	qs_reserve(s, h, s->size[h] + m);
	a = s->items[h];
	i = (int64_t) s->size[h] - 1;
	j = (int64_t) m - 1;
	o = (int64_t) s->size[h] + m - 1;
	while (j >= 0)
	{
		if (i >= 0 && a[i] > src[j])
			a[o--] = a[i--];
		else
			a[o--] = src[j--];
	}
	s->size[h] += m;
}

/* Fold the extremes of sorted a[0..m) into min/max. */
static void
qs_fold_extremes(QSketch *s, const double *a, uint32_t m)
{
	if (m == 0)
		return;
	if (isnan(s->min) || a[0] < s->min)
		s->min = a[0];
	if (isnan(s->max) || a[m - 1] > s->max)
		s->max = a[m - 1];
}

/* Exact extremes of unsorted level 0 and the recorded min/max together. */
static void
qs_extremes(const QSketch *s, double *lo, double *hi)
{
	uint32_t	i;

	*lo = s->min;
	*hi = s->max;
	for (i = 0; i < s->size[0]; i++)
	{
		double		x = s->items[0][i];

		if (isnan(*lo) || x < *lo)
			*lo = x;
		if (isnan(*hi) || x > *hi)
			*hi = x;
	}
}

/* Compact level h: half of its items (chosen by a coin) move up a level. */
static void
qs_compact(QSketch *s, int h)
{
	uint32_t	sz = s->size[h];
	uint32_t	pairs = sz / 2;
	double	   *a = s->items[h];
	double		leftover = 0;
	int			bit;
	uint32_t	i;

	if (h == 0)
	{
		qs_sort(a, (int) sz);
		qs_fold_extremes(s, a, sz);
	}
	if (sz & 1)
		leftover = a[sz - 1];
	bit = (int) (qs_next(s) >> 63);
	for (i = 0; i < pairs; i++)
		a[i] = a[2 * i + bit];
	if (h == s->nlevels - 1)
	{
		s->nlevels++;
		qs_refresh(s);
	}
	qs_merge_into_level(s, h + 1, a, pairs);
	s->items[h][0] = leftover;
	s->size[h] = sz & 1;
	s->nretained -= pairs;
	s->var += ldexp(1.0, 2 * h);
	s->wsum += ldexp(1.0, h);
}

/*
 * Lazy compression (as in KLL): while the sketch holds as many items as its
 * levels' capacities add up to, compact the lowest level at or over its own
 * capacity (one exists by pigeonhole). Afterwards nretained < captotal.
 */
static void
qs_compress(QSketch *s)
{
	while (s->nretained >= s->captotal)
	{
		int			h = 0;

		sketch_check_interrupts();	/* one compaction per round */

		while (h < s->nlevels - 1 && s->size[h] < s->cap[h])
			h++;
		qs_compact(s, h);
	}
}

/* Add one value; NaN is only counted. min/max catch up at compaction. */
void
qs_insert(QSketch *s, double x)
{
	if (isnan(x))
	{
		s->nan++;
		return;
	}
	if (s->size[0] >= s->alloc[0])
		qs_reserve(s, 0, s->size[0] + 1);
	s->items[0][s->size[0]++] = x;
	s->n++;
	if (++s->nretained >= s->captotal)
		qs_compress(s);
}

/*
 * dst := dst + src (src unchanged); the result's k is the smaller one.
 * False (dst unchanged) when the merged count would not fit in an int64.
 */
bool
qs_merge(QSketch *dst, const QSketch *src)
{
	int			h;
	uint64_t	room = (uint64_t) INT64_MAX - dst->n - dst->nan;

	if (src->n > room || src->nan > room - src->n)
		return false;
	dst->nan += src->nan;
	if (src->n == 0)
		return true;
	{
		double		lo,
					hi;

		qs_extremes(src, &lo, &hi);
		if (isnan(dst->min) || lo < dst->min)
			dst->min = lo;
		if (isnan(dst->max) || hi > dst->max)
			dst->max = hi;
	}
	dst->n += src->n;
	dst->var += src->var;
	dst->wsum += src->wsum;
	if (src->k < dst->k)
		dst->k = src->k;
	if (dst->nlevels < src->nlevels)
		dst->nlevels = src->nlevels;
	qs_refresh(dst);
	for (h = 0; h < src->nlevels; h++)
	{
		if (src->size[h] == 0)
			continue;
		if (h == 0)
		{
			qs_reserve(dst, 0, dst->size[0] + src->size[0]);
			memcpy(dst->items[0] + dst->size[0], src->items[0], sizeof(double) * src->size[0]);
			dst->size[0] += src->size[0];
		}
		else
			qs_merge_into_level(dst, h, src->items[h], src->size[h]);
	}
	qs_refresh(dst);
	qs_compress(dst);
	return true;
}

/* Sort level 0 and settle min/max (before writing: all levels sorted). */
void
qs_sort_level0(QSketch *s)
{
	qs_sort(s->items[0], (int) s->size[0]);
	qs_fold_extremes(s, s->items[0], s->size[0]);
}

/* Number of retained items. */
uint32_t
qs_retained(const QSketch *s)
{
	uint32_t	t = 0;
	int			h;

	for (h = 0; h < s->nlevels; h++)
		t += s->size[h];
	return t;
}

/* Items in sorted a[0..n) that are <= x (inclusive) or < x. */
static uint32_t
qs_count_below(const double *a, uint32_t n, double x, bool inclusive)
{
	uint32_t	lo = 0,
				hi = n;

	while (lo < hi)
	{
		uint32_t	mid = (lo + hi) / 2;

		if (inclusive ? (a[mid] <= x) : (a[mid] < x))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Estimated number of values <= x (inclusive) or < x. */
uint64_t
qs_rank(const QSketch *s, double x, bool inclusive)
{
	uint64_t	r = 0;
	uint32_t	i;
	int			h;

	for (i = 0; i < s->size[0]; i++)	/* level 0 may be unsorted */
		if (inclusive ? (s->items[0][i] <= x) : (s->items[0][i] < x))
			r++;
	for (h = 1; h < s->nlevels; h++)
		r += (uint64_t) qs_count_below(s->items[h], s->size[h], x, inclusive) << h;
	return r;
}

/*
 * Sorted view of all retained items with cumulative weights. The levels are
 * merged bottom up, alternating between two buffers: the lower levels are
 * usually small, so each merge moves few items, and the large top level is
 * merged once. On equal values the higher level's item goes first, the same
 * order a top-down merge gives (so ties, -0 and +0 included, keep their place).
 */
QSView *
qs_view(const QSketch *s)
{
	uint32_t	total = qs_retained(s);
	QSView	   *v = sketch_alloc(sizeof(QSView));
	double	   *tv = sketch_alloc(sizeof(double) * (total + 1));
	uint64_t   *tw = sketch_alloc(sizeof(uint64_t) * (total + 1));
	double	   *nv = sketch_alloc(sizeof(double) * (total + 1));
	uint64_t   *nw = sketch_alloc(sizeof(uint64_t) * (total + 1));
	uint32_t	len = 0,
				i;
	int			h;

	for (h = 0; h < s->nlevels; h++)
	{
		const double *a = s->items[h];
		uint32_t	m = s->size[h],
					x = 0,
					y = 0,
					o = 0;
		uint64_t	w = UINT64_C(1) << h;
		double	   *sorted0 = NULL;
		double	   *sv;
		uint64_t   *sw;

		if (m == 0)
			continue;
		sketch_check_interrupts();	/* one merge pass per level */
		if (h == 0)
		{
			sorted0 = sketch_alloc(sizeof(double) * m);
			memcpy(sorted0, a, sizeof(double) * m);
			qs_sort(sorted0, (int) m);
			a = sorted0;
		}
		/* merge level h (higher) with the levels below it in (tv, tw) */
		while (x < len && y < m)
		{
			if (a[y] <= tv[x])
			{
				nv[o] = a[y++];
				nw[o++] = w;
			}
			else
			{
				nv[o] = tv[x];
				nw[o++] = tw[x++];
			}
		}
		for (; y < m; y++, o++)
		{
			nv[o] = a[y];
			nw[o] = w;
		}
		for (; x < len; x++, o++)
		{
			nv[o] = tv[x];
			nw[o] = tw[x];
		}
		len = o;
		sv = tv, tv = nv, nv = sv;
		sw = tw, tw = nw, nw = sw;
		if (sorted0)
			sketch_free(sorted0);
	}
	for (i = 1; i < len; i++)
		tw[i] += tw[i - 1];
	sketch_free(nv);
	sketch_free(nw);
	v->len = (int) len;
	v->v = tv;
	v->cum = tw;
	v->n = s->n;
	return v;
}

/* Free a view. */
void
qs_view_free(QSView *v)
{
	if (v == NULL)
		return;
	sketch_free(v->v);
	sketch_free(v->cum);
	sketch_free(v);
}

/* Smallest retained value whose estimated rank reaches q * n (0 < q < 1). */
double
qs_view_quantile(const QSView *v, double q)
{
	double		target = q * (double) v->n;
	int			lo = 0,
				hi = v->len - 1;

	while (lo < hi)
	{
		int			mid = (lo + hi) / 2;

		if ((double) v->cum[mid] >= target)
			hi = mid;
		else
			lo = mid + 1;
	}
	return v->v[lo];
}

/* Normalised bound (a)/(b): one query, probability >= 1 - delta. */
double
qs_rank_error(const QSketch *s, double delta)
{
	double		t;

	if (s->n == 0 || s->var <= 0)
		return 0.0;
	t = sqrt(2.0 * s->var * log(2.0 / delta));
	if (s->wsum < t)
		t = s->wsum;
	return t / (double) s->n;
}

/* Normalised bound (a)/(c): all queries at once, probability >= 1 - delta. */
double
qs_uniform_error(const QSketch *s, double delta)
{
	double		t;

	if (s->n == 0 || s->var <= 0)
		return 0.0;
	t = sqrt(2.0 * s->var * log(2.0 * ((double) s->n + 1.0) / delta));
	if (s->wsum < t)
		t = s->wsum;
	return t / (double) s->n;
}

/*
 * KS statistic of two estimated CDFs: sup over y of |F^a(y) - F^b(y)|, with
 * F^(y) = R^(y) / n right-continuous. Both are step functions that only jump
 * at retained values, so the sup is attained just after one of them: walk
 * the merged values, passing all ties before comparing.
 */
double
qs_ks(const QSView *a, const QSView *b)
{
	const double *av = a->v,
			   *bv = b->v;
	const uint64_t *ac = a->cum,
			   *bc = b->cum;
	int			la = a->len,
				lb = b->len,
				i = 0,
				j = 0;
	double		na = (double) a->n,
				nb = (double) b->n,
				fa = 0.0,
				fb = 0.0,
				d = 0;

	/* both sides left: step to the smaller value, passing its ties on either side */
	while (i < la && j < lb)
	{
		double		x = (av[i] <= bv[j]) ? av[i] : bv[j];

		if (av[i] == x)
		{
			do
				i++;
			while (i < la && av[i] == x);
			fa = (double) ac[i - 1] / na;
		}
		if (bv[j] == x)
		{
			do
				j++;
			while (j < lb && bv[j] == x);
			fb = (double) bc[j - 1] / nb;
		}
		if (fabs(fa - fb) > d)
			d = fabs(fa - fb);
	}
	/* one side used up: the other's remaining steps */
	for (; i < la; i++)
		if (i + 1 == la || av[i + 1] != av[i])
		{
			fa = (double) ac[i] / na;
			if (fabs(fa - fb) > d)
				d = fabs(fa - fb);
		}
	for (; j < lb; j++)
		if (j + 1 == lb || bv[j + 1] != bv[j])
		{
			fb = (double) bc[j] / nb;
			if (fabs(fa - fb) > d)
				d = fabs(fa - fb);
		}
	return d;
}

/* Bytes of the wire format. */
size_t
qs_wire_size(const QSketch *s)
{
	return QS_HEADER_SIZE + 4 * (size_t) s->nlevels + 8 * (size_t) qs_retained(s);
}

/* Write the wire format (call qs_sort_level0 first). */
/* min, max, var, wsum and rng, fixed width: both encodings carry them so. */
static void
qs_put_summary(uint8_t **out, const QSketch *s)
{
	sw_f64(out, s->min);
	sw_f64(out, s->max);
	sw_f64(out, s->var);
	sw_f64(out, s->wsum);
	sw_u64(out, s->rng);
}

void
qs_write(const QSketch *s, uint8_t *out)
{
	int			h;
	uint32_t	i;

	sw_u8(&out, QS_WIRE_VERSION);
	sw_u8(&out, (uint8_t) s->nlevels);
	sw_u16(&out, (uint16_t) s->k);
	sw_u64(&out, s->n);
	sw_u64(&out, s->nan);
	qs_put_summary(&out, s);
	for (h = 0; h < s->nlevels; h++)
		sw_u32(&out, s->size[h]);
	for (h = 0; h < s->nlevels; h++)
		for (i = 0; i < s->size[h]; i++)
			sw_f64(&out, s->items[h][i]);
}

/* Check the header fields of a sketch being read; NULL when fine. */
static const char *
qs_check_header(const QSketch *s)
{
	if (s->k < QS_MIN_K || s->k > QS_MAX_K)
		return "qsketch k out of range";
	if (s->nlevels < 1 || s->nlevels > QS_MAX_LEVELS)
		return "qsketch level count out of range";
	if (s->rng == 0)
		return "qsketch generator state must not be zero";
	if (s->n > (uint64_t) INT64_MAX || s->nan > (uint64_t) INT64_MAX - s->n)
		return "qsketch count out of range";
	if (s->n + s->nan == 0)
		return "qsketch is empty";
	if (!(s->var >= 0) || !(s->wsum >= 0) || isinf(s->var) || isinf(s->wsum) ||
		((s->var == 0) != (s->wsum == 0)))
		return "qsketch error terms are invalid";
	if (s->n == 0 ? !(isnan(s->min) && isnan(s->max))
		: (isnan(s->min) || isnan(s->max) || s->min > s->max))
		return "qsketch min and max are invalid";
	return NULL;
}

/* Check level sizes against the capacity and the total weight; NULL when fine. */
static const char *
qs_check_sizes(const QSketch *s)
{
	uint64_t	w = 0,
				total = 0,
				captotal = 0;
	int			h;

	for (h = 0; h < s->nlevels; h++)
	{
		captotal += (uint64_t) qs_capacity(s, h);
		total += s->size[h];
	}
	if (total >= captotal)
		return "qsketch holds more items than its capacity";
	for (h = 0; h < s->nlevels; h++)
	{
		uint64_t	part;

		if (h >= 63 || (uint64_t) s->size[h] > (UINT64_MAX >> h))
			return "qsketch weights out of range";
		part = (uint64_t) s->size[h] << h;
		if (part > UINT64_MAX - w)
			return "qsketch weights out of range";
		w += part;
	}
	if (w != s->n)
		return "qsketch weights do not add up to its count";
	return NULL;
}

/* Check the items: no NaN, sorted per level, within [min, max]. */
static const char *
qs_check_items(const QSketch *s)
{
	int			h;
	uint32_t	i;

	for (h = 0; h < s->nlevels; h++)
		for (i = 0; i < s->size[h]; i++)
		{
			double		x = s->items[h][i];

			if (isnan(x))
				return "qsketch items must not be NaN";
			if (x < s->min || x > s->max)
				return "qsketch item outside [min, max]";
			if (i > 0 && x < s->items[h][i - 1])
				return "qsketch level is not sorted";
		}
	return NULL;
}

/* The big-endian IEEE float8 at p (sr_f64 without the bounds check). */
static inline double
qs_get_f64(const uint8_t *p)
{
	/* one expression, which compilers turn into a load and a byte swap */
	uint64_t	x = ((uint64_t) p[0] << 56) | ((uint64_t) p[1] << 48) |
		((uint64_t) p[2] << 40) | ((uint64_t) p[3] << 32) |
		((uint64_t) p[4] << 24) | ((uint64_t) p[5] << 16) |
		((uint64_t) p[6] << 8) | (uint64_t) p[7];
	double		v;

	memcpy(&v, &x, sizeof(double));
	return v;
}

/* Parse and validate the wire format; NULL and *err when invalid. */
QSketch *
qs_read(const uint8_t *data, size_t len, const char **err)
{
	SketchReader r = {data, len, 0};
	QSketch    *s;
	uint8_t		version,
				nlevels;
	uint16_t	k;
	uint64_t	total = 0;
	int			h;
	uint32_t	i;
	bool		bad = false;

	if (len < QS_HEADER_SIZE)
	{
		*err = "qsketch data too short";
		return NULL;
	}
	sr_u8(&r, &version);
	if (version != QS_WIRE_VERSION)
	{
		*err = "unsupported qsketch format version";
		return NULL;
	}
	sr_u8(&r, &nlevels);
	sr_u16(&r, &k);
	s = qs_new(QS_MIN_K, 1);
	s->k = k;
	s->nlevels = nlevels;
	sr_u64(&r, &s->n);
	sr_u64(&r, &s->nan);
	sr_f64(&r, &s->min);
	sr_f64(&r, &s->max);
	sr_f64(&r, &s->var);
	sr_f64(&r, &s->wsum);
	sr_u64(&r, &s->rng);
	if ((*err = qs_check_header(s)) != NULL)
		goto fail;
	if (s->n == 0)
		s->min = s->max = NAN;	/* one NaN bit pattern */
	for (h = 0; h < s->nlevels; h++)
	{
		if (!sr_u32(&r, &s->size[h]))
		{
			*err = "qsketch data too short";
			goto fail;
		}
	}
	if ((*err = qs_check_sizes(s)) != NULL)
		goto fail;
	for (h = 0; h < s->nlevels; h++)
		total += s->size[h];
	if (len - r.pos != 8 * total)
	{
		*err = "qsketch data has the wrong length";
		goto fail;
	}
	for (h = 0; h < s->nlevels; h++)
	{
		double	   *it;
		double		prev = -INFINITY;

		if (s->size[h] == 0)
			continue;
		it = s->items[h] = sketch_alloc(sizeof(double) * s->size[h]);
		s->alloc[h] = s->size[h];
		/*
		 * The length was checked above: decode without per-item bounds
		 * checks, and check the items on the way without branches (NaN fails
		 * every comparison); qs_check_items names the fault.
		 */
		for (i = 0; i < s->size[h]; i++)
		{
			double		x = qs_get_f64(data + r.pos + 8 * (size_t) i);

			it[i] = x;
			bad |= !(x >= s->min) | !(x <= s->max) | (x < prev);
			prev = x;
		}
		r.pos += 8 * (size_t) s->size[h];
	}
	if (bad && (*err = qs_check_items(s)) != NULL)
		goto fail;
	qs_refresh(s);
	return s;
fail:
	qs_free(s);
	return NULL;
}

/* A float8 as JSON: finite as a number, the others as strings. */
static void
qs_json_double(SketchBuf *b, double v)
{
	if (isnan(v) || isinf(v))
	{
		sb_puts(b, "\"");
		sb_double(b, v);
		sb_puts(b, "\"");
	}
	else
		sb_double(b, v);
}

/*
 * JSON form: {"k": .., "n": .., ..., "levels": [[..], [..]]}, non-finite
 * numbers as the strings "NaN", "Infinity", "-Infinity" (as to_jsonb does).
 */
char *
qs_to_json(const QSketch *s)
{
	SketchBuf	b;
	int			h;
	uint32_t	i;

	sb_init(&b, 256 + 26 * (size_t) qs_retained(s));
	sb_puts(&b, "{\"k\": ");
	sb_uint64(&b, (uint64_t) s->k);
	sb_puts(&b, ", \"n\": ");
	sb_uint64(&b, s->n);
	sb_puts(&b, ", \"nan\": ");
	sb_uint64(&b, s->nan);
	sb_puts(&b, ", \"min\": ");
	qs_json_double(&b, s->min);
	sb_puts(&b, ", \"max\": ");
	qs_json_double(&b, s->max);
	sb_puts(&b, ", \"var\": ");
	qs_json_double(&b, s->var);
	sb_puts(&b, ", \"wsum\": ");
	qs_json_double(&b, s->wsum);
	sb_puts(&b, ", \"rng\": ");
	sb_uint64(&b, s->rng);
	sb_puts(&b, ", \"levels\": [");
	for (h = 0; h < s->nlevels; h++)
	{
		sb_puts(&b, h > 0 ? ", [" : "[");
		for (i = 0; i < s->size[h]; i++)
		{
			if (i > 0)
				sb_puts(&b, ", ");
			qs_json_double(&b, s->items[h][i]);
		}
		sb_puts(&b, "]");
	}
	sb_puts(&b, "]}");
	return b.data;
}

/* Parse one level's list of items into level h (bounded by its capacity). */
static bool
qs_parse_level(SketchText *t, QSketch *s, int h)
{
	uint32_t	cap = s->captotal;

	if (!st_char(t, '['))
		return false;
	s->items[h] = sketch_alloc(sizeof(double) * cap);
	s->alloc[h] = cap;
	if (st_peek(t, ']'))
		return st_char(t, ']');
	do
	{
		if (s->size[h] >= cap)
		{
			t->err = "qsketch holds more items than its capacity";
			return false;
		}
		if (!st_double(t, &s->items[h][s->size[h]]))
			return false;
		s->size[h]++;
	} while (st_peek(t, ',') && st_char(t, ','));
	return st_char(t, ']');
}

/* Parse an unsigned integer field "key": v. */
static bool
qs_parse_u64(SketchText *t, const char *key, uint64_t *v, bool comma)
{
	return (!comma || st_char(t, ',')) && st_key(t, key) && st_uint64(t, v);
}

/* Parse a float8 field , "key": v. */
static bool
qs_parse_f64(SketchText *t, const char *key, double *v)
{
	return st_char(t, ',') && st_key(t, key) && st_double(t, v);
}

/* Parse the earlier JSON-like text form; NULL and *err when invalid. */
static QSketch *
qs_parse_legacy(const char *str, const char **err)
{
	SketchText	t = {str, NULL};
	QSketch    *s = qs_new(QS_MIN_K, 1);
	uint64_t	k = 0,
				rng = 0;
	int			h = 0;

	if (!st_char(&t, '{') || !qs_parse_u64(&t, "k", &k, false) ||
		!qs_parse_u64(&t, "n", &s->n, true) || !qs_parse_u64(&t, "nan", &s->nan, true) ||
		!qs_parse_f64(&t, "min", &s->min) || !qs_parse_f64(&t, "max", &s->max) ||
		!qs_parse_f64(&t, "var", &s->var) || !qs_parse_f64(&t, "wsum", &s->wsum) ||
		!qs_parse_u64(&t, "rng", &rng, true) || !st_char(&t, ',') ||
		!st_key(&t, "levels") || !st_char(&t, '['))
		goto syntax;
	/* count the levels first: capacities depend on their number */
	{
		const char *p = t.p;
		int			depth = 0,
					levels = 0;

		for (; *p && depth >= 0; p++)
		{
			if (*p == '[')
			{
				if (depth++ == 0)
					levels++;
			}
			else if (*p == ']')
				depth--;
		}
		if (levels < 1 || levels > QS_MAX_LEVELS)
		{
			*err = "qsketch level count out of range";
			goto fail;
		}
		s->nlevels = levels;
	}
	if (k < QS_MIN_K || k > QS_MAX_K)
	{
		*err = "qsketch k out of range";
		goto fail;
	}
	s->k = (int) k;
	s->rng = rng;
	if ((*err = qs_check_header(s)) != NULL)
		goto fail;
	qs_refresh(s);
	for (h = 0; h < s->nlevels; h++)
		if ((h > 0 && !st_char(&t, ',')) || !qs_parse_level(&t, s, h))
			goto syntax;
	if (!st_char(&t, ']') || !st_char(&t, '}') || !st_end(&t))
		goto syntax;
	if ((*err = qs_check_sizes(s)) != NULL || (*err = qs_check_items(s)) != NULL)
		goto fail;
	qs_refresh(s);
	return s;
syntax:
	*err = t.err ? t.err : "invalid qsketch";
fail:
	qs_free(s);
	return NULL;
}

/* The text form's prefix: format name and version. */
#define QS_TEXT_PREFIX "qs1:"
#define QS_VARINT_MAX 10

static const char qs_b64[] =
"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/*
 * Order-preserving key of a double: keys compare as unsigned integers in the
 * order of the values (-0 just below +0), and the mapping is a bijection, so
 * every bit pattern reads back exactly.
 */
static inline uint64_t
qs_key(double x)
{
	uint64_t	u;

	memcpy(&u, &x, sizeof(u));
	return (u & UINT64_C(0x8000000000000000)) ? ~u : u | UINT64_C(0x8000000000000000);
}

static inline double
qs_unkey(uint64_t k)
{
	uint64_t	u = (k & UINT64_C(0x8000000000000000)) ? k & ~UINT64_C(0x8000000000000000) : ~k;
	double		x;

	memcpy(&x, &u, sizeof(x));
	return x;
}

static inline void
qs_put_varint(uint8_t **p, uint64_t v)
{
	while (v >= 0x80)
	{
		*(*p)++ = (uint8_t) (v | 0x80);
		v >>= 7;
	}
	*(*p)++ = (uint8_t) v;
}

/* A minimal LEB128 varint of at most 64 bits; false when malformed or cut. */
static bool
qs_get_varint(SketchReader *r, uint64_t *v, const char **err)
{
	uint64_t	x = 0;
	int			i;

	for (i = 0; i < QS_VARINT_MAX; i++)
	{
		uint8_t		c;

		if (r->pos >= r->len)
		{
			*err = "qsketch data too short";
			return false;
		}
		c = r->p[r->pos++];
		if (i == QS_VARINT_MAX - 1 && c > 1)
			break;				/* more than 64 bits */
		x |= (uint64_t) (c & 0x7f) << (7 * i);
		if (!(c & 0x80))
		{
			if (c == 0 && i > 0)
				break;			/* not minimal */
			*v = x;
			return true;
		}
	}
	*err = "invalid qsketch varint";
	return false;
}

/* Compact text form: QS_TEXT_PREFIX and base64 (call qs_sort_level0 first). */
char *
qs_to_text(const QSketch *s)
{
	size_t		cap = 8 * QS_VARINT_MAX + 40 +
		(size_t) (QS_VARINT_MAX + 1) * (s->nlevels + qs_retained(s));
	uint8_t    *raw = sketch_alloc(cap),
			   *p = raw;
	size_t		len,
				i;
	char	   *out,
			   *o;
	int			h;
	uint32_t	j;

	qs_put_varint(&p, (uint64_t) s->k);
	qs_put_varint(&p, (uint64_t) s->nlevels);
	qs_put_varint(&p, s->n);
	qs_put_varint(&p, s->nan);
	qs_put_summary(&p, s);
	for (h = 0; h < s->nlevels; h++)
		qs_put_varint(&p, s->size[h]);
	for (h = 0; h < s->nlevels; h++)
	{
		uint64_t	prev = qs_key(s->min);

		for (j = 0; j < s->size[h]; j++)
		{
			uint64_t	key = qs_key(s->items[h][j]);
			int64_t		d = (int64_t) (key - prev);

			qs_put_varint(&p, ((uint64_t) d << 1) ^ (uint64_t) (d >> 63));
			prev = key;
		}
	}
	len = (size_t) (p - raw);
	out = o = sketch_alloc(sizeof(QS_TEXT_PREFIX) + 4 * ((len + 2) / 3));
	memcpy(o, QS_TEXT_PREFIX, sizeof(QS_TEXT_PREFIX) - 1);
	o += sizeof(QS_TEXT_PREFIX) - 1;
	for (i = 0; i < len; i += 3)
	{
		uint32_t	v = (uint32_t) raw[i] << 16;

		if (i + 1 < len)
			v |= (uint32_t) raw[i + 1] << 8;
		if (i + 2 < len)
			v |= raw[i + 2];
		*o++ = qs_b64[(v >> 18) & 63];
		*o++ = qs_b64[(v >> 12) & 63];
		*o++ = i + 1 < len ? qs_b64[(v >> 6) & 63] : '=';
		*o++ = i + 2 < len ? qs_b64[v & 63] : '=';
	}
	*o = '\0';
	sketch_free(raw);
	return out;
}

static inline int
qs_b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Decode canonical base64 (padded, no whitespace, zero unused bits) into a
 * new buffer; NULL and *err when malformed.
 */
static uint8_t *
qs_b64_decode(const char *in, size_t *outlen, const char **err)
{
	size_t		n = strlen(in),
				i,
				len;
	int			pad = 0;
	uint8_t    *out,
			   *o;

	if (n == 0 || n % 4 != 0)
	{
		*err = "qsketch base64 has the wrong length";
		return NULL;
	}
	if (in[n - 1] == '=')
		pad = in[n - 2] == '=' ? 2 : 1;
	len = n / 4 * 3 - pad;
	out = o = sketch_alloc(len + 3);
	for (i = 0; i < n; i += 4)
	{
		bool		last = i + 4 == n;
		int			a = qs_b64_value(in[i]),
					b = qs_b64_value(in[i + 1]),
					c = (last && pad == 2) ? 0 : qs_b64_value(in[i + 2]),
					d = (last && pad >= 1) ? 0 : qs_b64_value(in[i + 3]);

		/* the bits past the last byte must be zero (one spelling per value) */
		if (a < 0 || b < 0 || c < 0 || d < 0 ||
			(last && pad == 2 && (b & 15) != 0) ||
			(last && pad == 1 && (c & 3) != 0))
		{
			sketch_free(out);
			*err = "invalid qsketch base64";
			return NULL;
		}
		*o++ = (uint8_t) ((a << 2) | (b >> 4));
		*o++ = (uint8_t) ((b << 4) | (c >> 2));
		*o++ = (uint8_t) ((c << 6) | d);
	}
	*outlen = len;
	return out;
}

/* Read the bytes of the compact text form; NULL and *err when invalid. */
static QSketch *
qs_read_compact(const uint8_t *data, size_t len, const char **err)
{
	SketchReader r = {data, len, 0};
	QSketch    *s = qs_new(QS_MIN_K, 1);
	uint64_t	k,
				nlevels,
				v;
	int			h;
	uint32_t	i;

	if (!qs_get_varint(&r, &k, err) || !qs_get_varint(&r, &nlevels, err))
		goto fail;
	if (k < QS_MIN_K || k > QS_MAX_K)
	{
		*err = "qsketch k out of range";
		goto fail;
	}
	if (nlevels < 1 || nlevels > QS_MAX_LEVELS)
	{
		*err = "qsketch level count out of range";
		goto fail;
	}
	s->k = (int) k;
	s->nlevels = (int) nlevels;
	if (!qs_get_varint(&r, &s->n, err) || !qs_get_varint(&r, &s->nan, err))
		goto fail;
	if (!sr_f64(&r, &s->min) || !sr_f64(&r, &s->max) || !sr_f64(&r, &s->var) ||
		!sr_f64(&r, &s->wsum) || !sr_u64(&r, &s->rng))
	{
		*err = "qsketch data too short";
		goto fail;
	}
	if ((*err = qs_check_header(s)) != NULL)
		goto fail;
	if (s->n == 0)
		s->min = s->max = NAN;	/* one NaN bit pattern */
	for (h = 0; h < s->nlevels; h++)
	{
		if (!qs_get_varint(&r, &v, err))
			goto fail;
		if (v > UINT32_MAX)
		{
			*err = "qsketch holds more items than its capacity";
			goto fail;
		}
		s->size[h] = (uint32_t) v;
	}
	if ((*err = qs_check_sizes(s)) != NULL)
		goto fail;
	for (h = 0; h < s->nlevels; h++)
	{
		uint64_t	prev = qs_key(s->min);

		if (s->size[h] == 0)
			continue;
		s->items[h] = sketch_alloc(sizeof(double) * s->size[h]);
		s->alloc[h] = s->size[h];
		for (i = 0; i < s->size[h]; i++)
		{
			if (r.pos >= r.len)
			{
				*err = "qsketch holds fewer items than its level sizes";
				goto fail;
			}
			if (!qs_get_varint(&r, &v, err))
				goto fail;
			prev += (uint64_t) ((int64_t) (v >> 1) ^ -(int64_t) (v & 1));
			s->items[h][i] = qs_unkey(prev);
		}
	}
	if (r.pos != r.len)
	{
		*err = "qsketch data has trailing bytes";
		goto fail;
	}
	if ((*err = qs_check_items(s)) != NULL)
		goto fail;
	qs_refresh(s);
	return s;
fail:
	qs_free(s);
	return NULL;
}

/* Parse either text form (compact, or the earlier JSON-like one). */
QSketch *
qs_parse(const char *str, const char **err)
{
	const char *p = str;
	size_t		len;
	uint8_t    *raw;
	QSketch    *s;

	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (*p == '{')
		return qs_parse_legacy(str, err);
	if (strncmp(str, QS_TEXT_PREFIX, sizeof(QS_TEXT_PREFIX) - 1) != 0)
	{
		*err = "invalid qsketch: expected \"" QS_TEXT_PREFIX "\" and base64, or {";
		return NULL;
	}
	raw = qs_b64_decode(str + sizeof(QS_TEXT_PREFIX) - 1, &len, err);
	if (raw == NULL)
		return NULL;
	s = qs_read_compact(raw, len, err);
	sketch_free(raw);
	return s;
}
