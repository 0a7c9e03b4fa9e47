/*
 * drift_sort.c: sorting float8 samples for the exact drift statistics.
 *
 * An LSD radix sort on order-preserving 64-bit keys: linear time, no
 * comparator calls, so a million values sort in a few milliseconds. Keys map
 * -0 to 0 and every NaN to one positive NaN, so the order is PostgreSQL's:
 * -Infinity < ... < +Infinity < NaN.
 *
 * Every pass over the values checks for interrupts every DRIFT_CFI_STRIDE
 * keys: 20M values take seconds, and a statement_timeout must not wait for them.
 */
#include "postgres.h"

#include <math.h>

#include "drift/drift.h"

/* Below this many values an insertion sort beats the radix passes. */
#define DRIFT_SMALL_SORT 64

/* Insertion sort of keys, for short runs. */
static void
drift_insertion_sort(uint64 *k, int64 n)
{
	int64		i,
				j;

	for (i = 1; i < n; i++)
	{
		uint64		x = k[i];

		for (j = i; j > 0 && k[j - 1] > x; j--)
			k[j] = k[j - 1];
		k[j] = x;
	}
}

/*
 * Digits of the radix sort: 11 bits (6 passes over 64-bit keys) from
 * DRIFT_WIDE_SORT values on, where the larger histograms pay for themselves,
 * 8 bits (8 passes) below.
 */
#define DRIFT_WIDE_SORT 8192
#define DRIFT_MAX_DIGITS 8

/*
 * Sort the float8 values v[0..n) through their keys: one pass makes the keys
 * in place and counts every digit, one scatter pass per digit that not all
 * keys share, and the last pass writes the float8 values back. Same result
 * as any sort of the keys. With maxpasses > 0 only the most significant
 * maxpasses digits that not all keys share are sorted on: the values come
 * out ordered by key >> shift (the returned shift; 0 when that is a full
 * sort), in the canonical form a full sort gives, in any order within a
 * group of equal key >> shift.
 */
static int
drift_radix_sort(double *v, int64 n, int maxpasses)
{
	int			bits = (n >= DRIFT_WIDE_SORT) ? 11 : 8;
	int			ndigits = (64 + bits - 1) / bits;
	int			nbuckets = 1 << bits;
	uint64		mask = (uint64) nbuckets - 1;
	int64	   *hist = palloc0(sizeof(int64) * ndigits * nbuckets);
	uint64	   *k = (uint64 *) v;
	uint64	   *tmp = palloc_extended(sizeof(uint64) * n, MCXT_ALLOC_HUGE);
	uint64	   *src = k,
			   *dst = tmp;
	int			active[DRIFT_MAX_DIGITS] = {0};
	int			nactive = 0,
				lowest,
				first = 0,
				groupshift = 0,
				a,
				d;
	int64		i;

	/*
	 * Count the digits: all of them for a full sort; for a partial one the
	 * top maxpasses first, and the rest only if fewer of those vary.
	 */
	lowest = (maxpasses > 0) ? Max(ndigits - maxpasses, 0) : 0;
	for (i = 0; i < n; i++)
	{
		uint64		key = drift_key(v[i]);

		DRIFT_CFI_EVERY(i);
		k[i] = key;
		for (d = lowest; d < ndigits; d++)
			hist[d * nbuckets + ((key >> (bits * d)) & mask)]++;
	}
	if (lowest > 0)
	{
		int			varying = 0;

		for (d = lowest; d < ndigits; d++)
			varying += (hist[d * nbuckets + ((k[0] >> (bits * d)) & mask)] != n);
		if (varying < maxpasses)
		{
			for (i = 0; i < n; i++)
			{
				DRIFT_CFI_EVERY(i);
				for (d = 0; d < lowest; d++)
					hist[d * nbuckets + ((k[i] >> (bits * d)) & mask)]++;
			}
			lowest = 0;
		}
	}
	for (d = lowest; d < ndigits; d++)
	{
		int64	   *h = hist + d * nbuckets;
		int64		sum = 0;
		int			b;

		if (h[(k[0] >> (bits * d)) & mask] == n)
			continue;			/* every key has this digit */
		for (b = 0; b < nbuckets; b++)
		{
			int64		c = h[b];

			h[b] = sum;
			sum += c;
		}
		active[nactive++] = d;
	}
	if (lowest > 0)
		groupshift = bits * active[0];	/* the digits below were not even counted */
	else if (maxpasses > 0 && nactive > maxpasses)
	{
		/* LSD order: the passes on the lowest active digits are the ones left out */
		first = nactive - maxpasses;
		groupshift = bits * active[first];
	}
	for (a = first; a < nactive; a++)
	{
		int64	   *h = hist + active[a] * nbuckets;
		int			shift = bits * active[a];
		uint64	   *swap;

		if (a < nactive - 1)
			for (i = 0; i < n; i++)
			{
				DRIFT_CFI_EVERY(i);
				dst[h[(src[i] >> shift) & mask]++] = src[i];
			}
		else
		{
			/* the last pass writes the values themselves */
			double	   *out = (double *) dst;

			for (i = 0; i < n; i++)
			{
				DRIFT_CFI_EVERY(i);
				out[h[(src[i] >> shift) & mask]++] = drift_unkey(src[i]);
			}
		}
		swap = src;
		src = dst;
		dst = swap;
	}
	if (nactive == 0)
		for (i = 0; i < n; i++)
		{
			DRIFT_CFI_EVERY(i);
			v[i] = drift_unkey(k[i]);
		}
	else if (src != k)
		memcpy(v, src, sizeof(double) * n);
	pfree(tmp);
	pfree(hist);
	return groupshift;
}

/* Sort float8 values ascending in place: -0 becomes 0, NaN sorts last (as in PostgreSQL). */
void
drift_sort_float8(double *v, int64 n)
{
	uint64	   *k = (uint64 *) v;
	int64		i;

	StaticAssertStmt(sizeof(double) == sizeof(uint64), "float8 is 64 bits");
	if (n > DRIFT_SMALL_SORT)
	{
		drift_radix_sort(v, n, 0);
		return;
	}
	for (i = 0; i < n; i++)
		k[i] = drift_key(v[i]);
	drift_insertion_sort(k, n);
	for (i = 0; i < n; i++)
		v[i] = drift_unkey(k[i]);
}

/*
 * Order float8 values in place by the top of their keys only: by
 * key >> shift, where shift (returned) leaves the two most significant digits
 * that not all keys share, each group of equal key >> shift in any order, the
 * values in drift_sort_float8's form. A third of a full sort's passes, and
 * enough for binary searches to find any order statistic's group. Returns 0
 * when the values came out fully sorted (small inputs, few distinct digits).
 * The shift is at most DRIFT_GROUP_MAX_SHIFT, so NaN's group holds NaN alone.
 */
int
drift_group_float8(double *v, int64 n)
{
	int			shift;

	if (n < DRIFT_WIDE_SORT)
	{
		drift_sort_float8(v, n);
		return 0;
	}
	shift = drift_radix_sort(v, n, 2);
	Assert(shift <= DRIFT_GROUP_MAX_SHIFT);
	return shift;
}
