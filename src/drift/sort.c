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
 * as any sort of the keys.
 */
static void
drift_radix_sort(double *v, int64 n)
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
	int			active[DRIFT_MAX_DIGITS];
	int			nactive = 0,
				a,
				d;
	int64		i;

	for (i = 0; i < n; i++)
	{
		uint64		key = drift_key(v[i]);

		DRIFT_CFI_EVERY(i);
		k[i] = key;
		for (d = 0; d < ndigits; d++)
			hist[d * nbuckets + ((key >> (bits * d)) & mask)]++;
	}
	for (d = 0; d < ndigits; d++)
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
	for (a = 0; a < nactive; a++)
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
		drift_radix_sort(v, n);
		return;
	}
	for (i = 0; i < n; i++)
		k[i] = drift_key(v[i]);
	drift_insertion_sort(k, n);
	for (i = 0; i < n; i++)
		v[i] = drift_unkey(k[i]);
}
