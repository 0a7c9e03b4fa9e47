/*
 * drift_qsketch_core.h: backend-free KLL quantile sketch (Karnin, Lang,
 * Liberty, "Optimal Quantile Approximation in Streams", FOCS 2016), written
 * for mlops: insert, merge, rank and quantile queries, error bounds, wire
 * and text formats. Memory and error conventions as in drift_hist_core.h.
 */
#ifndef MLOPS_DRIFT_QSKETCH_CORE_H
#define MLOPS_DRIFT_QSKETCH_CORE_H

#include "drift/core/hist_core.h"

#define QS_DEFAULT_K 512
#define QS_MIN_K 16
#define QS_MAX_K 16384
#define QS_MIN_CAP 8
#define QS_MIN_CAP0 64
#define QS_MAX_LEVELS 60

typedef struct QSketch
{
	int			k;				/* capacity of the top level */
	int			nlevels;		/* levels in use, >= 1 */
	uint64_t	n;				/* non-NaN values summarised */
	uint64_t	nan;			/* NaN values (kept apart) */
	double		min;			/* exact extremes of the non-NaN values */
	double		max;
	double		var;			/* sum of w^2 over all compactions (see .c) */
	double		wsum;			/* sum of w over all compactions (see .c) */
	uint64_t	rng;			/* state of the coin generator, never 0 */
	uint32_t	captotal;		/* cached sum of the level capacities */
	uint32_t	cap[QS_MAX_LEVELS];	/* cached capacity of each level */
	uint32_t	nretained;		/* items kept, < captotal between calls */
	uint32_t	size[QS_MAX_LEVELS];
	uint32_t	alloc[QS_MAX_LEVELS];
	double	   *items[QS_MAX_LEVELS];	/* level h items weigh 2^h */
} QSketch;

/* A sorted view: distinct-or-not values with cumulative weights. */
typedef struct QSView
{
	int			len;
	double	   *v;
	uint64_t   *cum;			/* cum[i] = total weight of v[0..i] */
	uint64_t	n;
} QSView;

extern QSketch *qs_new(int k, uint64_t seed);
extern void qs_free(QSketch *s);
extern QSketch *qs_copy(const QSketch *s);
extern int	qs_capacity(const QSketch *s, int h);
extern void qs_insert(QSketch *s, double x);
extern bool qs_merge(QSketch *dst, const QSketch *src);
extern void qs_sort_level0(QSketch *s);
extern uint64_t qs_rank(const QSketch *s, double x, bool inclusive);
extern QSView *qs_view(const QSketch *s);
extern void qs_view_free(QSView *v);
extern double qs_view_quantile(const QSView *v, double q);
extern double qs_rank_error(const QSketch *s, double delta);
extern double qs_uniform_error(const QSketch *s, double delta);
extern double qs_ks(const QSView *a, const QSView *b);
extern uint32_t qs_retained(const QSketch *s);

extern size_t qs_wire_size(const QSketch *s);
extern void qs_write(const QSketch *s, uint8_t *out);
extern QSketch *qs_read(const uint8_t *data, size_t len, const char **err);
extern char *qs_to_text(const QSketch *s);
extern char *qs_to_json(const QSketch *s);
extern QSketch *qs_parse(const char *str, const char **err);

#endif							/* MLOPS_DRIFT_QSKETCH_CORE_H */
