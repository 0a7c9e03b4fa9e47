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

/* LSD radix sort of keys with 8-bit digits, skipping digits all keys share. */
static void
drift_radix_sort(uint64 *k, int64 n)
{
	int64	   *hist = palloc0(sizeof(int64) * 8 * 256);
	uint64	   *tmp = palloc_extended(sizeof(uint64) * n, MCXT_ALLOC_HUGE);
	uint64	   *src = k,
			   *dst = tmp;
	int64		i;
	int			d;

	for (i = 0; i < n; i++)
	{
		DRIFT_CFI_EVERY(i);
		for (d = 0; d < 8; d++)
			hist[d * 256 + ((src[i] >> (8 * d)) & 0xFF)]++;
	}
	for (d = 0; d < 8; d++)
	{
		int64	   *h = hist + d * 256;
		int64		sum = 0;
		int			b;
		uint64	   *swap;

		if (h[(src[0] >> (8 * d)) & 0xFF] == n)
			continue;			/* every key has this digit */
		for (b = 0; b < 256; b++)
		{
			int64		c = h[b];

			h[b] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
		{
			DRIFT_CFI_EVERY(i);
			dst[h[(src[i] >> (8 * d)) & 0xFF]++] = src[i];
		}
		swap = src;
		src = dst;
		dst = swap;
	}
	if (src != k)
		memcpy(k, src, sizeof(uint64) * n);
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
	for (i = 0; i < n; i++)
	{
		DRIFT_CFI_EVERY(i);
		k[i] = drift_key(v[i]);
	}
	if (n <= DRIFT_SMALL_SORT)
		drift_insertion_sort(k, n);
	else
		drift_radix_sort(k, n);
	for (i = 0; i < n; i++)
	{
		DRIFT_CFI_EVERY(i);
		v[i] = drift_unkey(k[i]);
	}
}
