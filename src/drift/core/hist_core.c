/*
 * drift_hist_core.c: backend-free pieces of the sketch types: text tokenizer
 * and writer, big-endian wire reader and writer, and the fixed-edge
 * histogram (bins, wire format, text format). See drift_hist_core.h.
 *
 * Histogram wire format (send/recv, aggregate serialization, on disk):
 *   u8 version (1), u32 nedges, f64 edges[nedges],
 *   i64 counts[nedges + 1] (regular bins, low to high), i64 nan_count
 * Text format (valid JSON, since edges are finite):
 *   {"edges": [10, 20], "counts": [3, 5, 1], "nan": 0}
 */
#include "drift/core/hist_core.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HIST_WIRE_VERSION 1

/* Skip blanks. */
static void
st_skip(SketchText *t)
{
	while (*t->p == ' ' || *t->p == '\t' || *t->p == '\n' || *t->p == '\r')
		t->p++;
}

/* Record the first error at the current position; always false. */
static bool
st_fail(SketchText *t, const char *msg)
{
	if (t->err == NULL)
		t->err = msg;
	return false;
}

/* Consume character c (after blanks) or fail. */
bool
st_char(SketchText *t, char c)
{
	st_skip(t);
	if (*t->p != c)
		return st_fail(t, "unexpected character");
	t->p++;
	return true;
}

/* Whether the next non-blank character is c (nothing consumed but blanks). */
bool
st_peek(SketchText *t, char c)
{
	st_skip(t);
	return *t->p == c;
}

/* Consume "key" followed by a colon. */
bool
st_key(SketchText *t, const char *key)
{
	size_t		n = strlen(key);

	st_skip(t);
	if (*t->p != '"' || strncmp(t->p + 1, key, n) != 0 || t->p[n + 1] != '"')
		return st_fail(t, "expected a different key");
	t->p += n + 2;
	return st_char(t, ':');
}

/* Consume a float8: decimal, NaN, Infinity or -Infinity. */
bool
st_double(SketchText *t, double *out)
{
	const char *start;
	char	   *end;
	size_t		n;
	char		tmp[64];

	st_skip(t);
	if (strncmp(t->p, "NaN", 3) == 0)
	{
		*out = NAN;
		t->p += 3;
		return true;
	}
	if (strncmp(t->p, "Infinity", 8) == 0 || strncmp(t->p, "-Infinity", 9) == 0)
	{
		*out = (*t->p == '-') ? -INFINITY : INFINITY;
		t->p += (*t->p == '-') ? 9 : 8;
		return true;
	}
	start = t->p;
	while ((*t->p >= '0' && *t->p <= '9') || *t->p == '-' || *t->p == '+' ||
		   *t->p == '.' || *t->p == 'e' || *t->p == 'E')
		t->p++;
	n = (size_t) (t->p - start);
	if (n == 0 || n >= sizeof(tmp))
		return st_fail(t, "invalid number");
	memcpy(tmp, start, n);
	tmp[n] = '\0';
	errno = 0;
	*out = strtod(tmp, &end);
	if (*end != '\0' || end == tmp)
		return st_fail(t, "invalid number");
	if (errno == ERANGE && isinf(*out))
		return st_fail(t, "number out of range");
	return true;
}

/* Consume an unsigned 64-bit integer (decimal digits only). */
bool
st_uint64(SketchText *t, uint64_t *out)
{
	uint64_t	v = 0;
	int			digits = 0;

	st_skip(t);
	while (*t->p >= '0' && *t->p <= '9')
	{
		unsigned	d = (unsigned) (*t->p - '0');

		if (v > (UINT64_MAX - d) / 10)
			return st_fail(t, "integer out of range");
		v = v * 10 + d;
		t->p++;
		digits++;
	}
	if (digits == 0)
		return st_fail(t, "invalid integer");
	*out = v;
	return true;
}

/* Only blanks are left. */
bool
st_end(SketchText *t)
{
	st_skip(t);
	if (*t->p != '\0')
		return st_fail(t, "junk after the value");
	return true;
}

/* Start an output buffer with room for cap bytes. */
void
sb_init(SketchBuf *b, size_t cap)
{
	b->cap = cap < 16 ? 16 : cap;
	b->data = sketch_alloc(b->cap);
	b->len = 0;
	b->data[0] = '\0';
}

/* Append a string, growing the buffer. */
void
sb_puts(SketchBuf *b, const char *s)
{
	size_t		n = strlen(s);

	if (b->len + n + 1 > b->cap)
	{
		size_t		cap = b->cap * 2 + n;
		char	   *d = sketch_alloc(cap);

		memcpy(d, b->data, b->len + 1);
		sketch_free(b->data);
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n + 1);
	b->len += n;
}

/* Append the shortest of %.15g/%.16g/%.17g that reads back exactly. */
void
sb_double(SketchBuf *b, double v)
{
	char		tmp[40];
	int			prec;

	if (isnan(v))
	{
		sb_puts(b, "NaN");
		return;
	}
	if (isinf(v))
	{
		sb_puts(b, v < 0 ? "-Infinity" : "Infinity");
		return;
	}
	for (prec = 15; prec <= 17; prec++)
	{
		snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	sb_puts(b, tmp);
}

/* Append an unsigned integer. */
void
sb_uint64(SketchBuf *b, uint64_t v)
{
	char		tmp[24];

	snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long) v);
	sb_puts(b, tmp);
}

/* Read n big-endian bytes into v. */
static bool
sr_bytes(SketchReader *r, int n, uint64_t *v)
{
	uint64_t	x = 0;
	int			i;

	if (r->len - r->pos < (size_t) n || r->pos > r->len)
		return false;
	for (i = 0; i < n; i++)
		x = (x << 8) | r->p[r->pos + i];
	r->pos += n;
	*v = x;
	return true;
}

/* Read a u8. */
bool
sr_u8(SketchReader *r, uint8_t *v)
{
	uint64_t	x;

	if (!sr_bytes(r, 1, &x))
		return false;
	*v = (uint8_t) x;
	return true;
}

/* Read a big-endian u16. */
bool
sr_u16(SketchReader *r, uint16_t *v)
{
	uint64_t	x;

	if (!sr_bytes(r, 2, &x))
		return false;
	*v = (uint16_t) x;
	return true;
}

/* Read a big-endian u32. */
bool
sr_u32(SketchReader *r, uint32_t *v)
{
	uint64_t	x;

	if (!sr_bytes(r, 4, &x))
		return false;
	*v = (uint32_t) x;
	return true;
}

/* Read a big-endian u64. */
bool
sr_u64(SketchReader *r, uint64_t *v)
{
	return sr_bytes(r, 8, v);
}

/* Read a big-endian IEEE float8. */
bool
sr_f64(SketchReader *r, double *v)
{
	uint64_t	x;

	if (!sr_bytes(r, 8, &x))
		return false;
	memcpy(v, &x, sizeof(double));
	return true;
}

/* Write n big-endian bytes of v. */
static void
sw_bytes(uint8_t **p, int n, uint64_t v)
{
	int			i;

	for (i = n - 1; i >= 0; i--)
	{
		(*p)[i] = (uint8_t) (v & 0xff);
		v >>= 8;
	}
	*p += n;
}

/* Write a u8. */
void
sw_u8(uint8_t **p, uint8_t v)
{
	sw_bytes(p, 1, v);
}

/* Write a big-endian u16. */
void
sw_u16(uint8_t **p, uint16_t v)
{
	sw_bytes(p, 2, v);
}

/* Write a big-endian u32. */
void
sw_u32(uint8_t **p, uint32_t v)
{
	sw_bytes(p, 4, v);
}

/* Write a big-endian u64. */
void
sw_u64(uint8_t **p, uint64_t v)
{
	sw_bytes(p, 8, v);
}

/* Write a big-endian IEEE float8. */
void
sw_f64(uint8_t **p, double v)
{
	uint64_t	x;

	memcpy(&x, &v, sizeof(double));
	sw_bytes(p, 8, x);
}

/* NULL when the edges are usable, else why not. */
const char *
hist_check_edges(const double *edges, int nedges)
{
	int			i;

	if (nedges < 1 || nedges > HIST_MAX_EDGES)
		return "a histogram needs between 1 and 9999 edges (2 to 10000 bins)";
	for (i = 0; i < nedges; i++)
	{
		if (isnan(edges[i]) || isinf(edges[i]))
			return "histogram edges must be finite";
		if (i > 0 && !(edges[i] > edges[i - 1]))
			return "histogram edges must be strictly increasing";
	}
	return NULL;
}

/* A zeroed histogram over a copy of edges (which the caller checked). */
Hist *
hist_new(const double *edges, int nedges)
{
	Hist	   *h = sketch_alloc(sizeof(Hist));

	h->nedges = nedges;
	h->edges = sketch_alloc(sizeof(double) * nedges);
	memcpy(h->edges, edges, sizeof(double) * nedges);
	h->counts = sketch_alloc(sizeof(int64_t) * (nedges + 2));
	memset(h->counts, 0, sizeof(int64_t) * (nedges + 2));
	return h;
}

/* Free a histogram. */
void
hist_free(Hist *h)
{
	if (h == NULL)
		return;
	sketch_free(h->edges);
	sketch_free(h->counts);
	sketch_free(h);
}

/*
 * Bin of x: 0 below the first edge, i for edges[i-1] <= x < edges[i], nedges
 * at or above the last edge (a value equal to an edge falls in the upper
 * bin), nedges + 1 for NaN. Binary search: O(log bins).
 */
int
hist_bin(const Hist *h, double x)
{
	int			lo = 0,
				hi = h->nedges;

	if (isnan(x))
		return h->nedges + 1;
	/* find the number of edges <= x */
	while (lo < hi)
	{
		int			mid = (lo + hi) >> 1;

		if (h->edges[mid] <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Whether n edges are equal as numbers (-0 equals 0; edges are finite). */
bool
hist_edges_equal(const double *a, const double *b, int n)
{
	int			i;

	for (i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

/* Whether two histograms have the same edges. */
bool
hist_same_edges(const Hist *a, const Hist *b)
{
	return a->nedges == b->nedges && hist_edges_equal(a->edges, b->edges, a->nedges);
}

/* dst += src; false (and *err, dst unchanged) on different edges or overflow. */
bool
hist_add(Hist *dst, const Hist *src, const char **err)
{
	int			i;

	if (!hist_same_edges(dst, src))
	{
		*err = "cannot combine histograms with different edges";
		return false;
	}
	/* bins and totals are >= 0 and their totals fit, so this bounds every bin */
	if (hist_total(src) > INT64_MAX - hist_total(dst))
	{
		*err = "histogram count out of range";
		return false;
	}
	for (i = 0; i < HIST_NBINS(dst); i++)
		dst->counts[i] += src->counts[i];
	return true;
}

/* Sum of all bins, NaN included (the readers guarantee no overflow). */
int64_t
hist_total(const Hist *h)
{
	int64_t		t = 0;
	int			i;

	for (i = 0; i < HIST_NBINS(h); i++)
		t += h->counts[i];
	return t;
}

/* Bytes of the wire format. */
size_t
hist_wire_size(const Hist *h)
{
	return 1 + 4 + 8 * (size_t) h->nedges + 8 * (size_t) HIST_NBINS(h);
}

/* Write the wire format into out (hist_wire_size bytes). */
void
hist_write(const Hist *h, uint8_t *out)
{
	int			i;

	sw_u8(&out, HIST_WIRE_VERSION);
	sw_u32(&out, (uint32_t) h->nedges);
	for (i = 0; i < h->nedges; i++)
		sw_f64(&out, h->edges[i]);
	for (i = 0; i < HIST_NBINS(h); i++)
		sw_u64(&out, (uint64_t) h->counts[i]);
}

/* Check counts: none negative, and the total fits in int64. */
static const char *
hist_check_counts(const Hist *h)
{
	int64_t		t = 0;
	int			i;

	for (i = 0; i < HIST_NBINS(h); i++)
	{
		if (h->counts[i] < 0)
			return "histogram counts must not be negative";
		if (h->counts[i] > INT64_MAX - t)
			return "histogram total out of range";
		t += h->counts[i];
	}
	return NULL;
}

/* Parse and validate the wire format; NULL and *err when invalid. */
Hist *
hist_read(const uint8_t *data, size_t len, const char **err)
{
	SketchReader r = {data, len, 0};
	uint8_t		version;
	uint32_t	nedges;
	double	   *edges;
	Hist	   *h;
	int			i;

	if (!sr_u8(&r, &version) || !sr_u32(&r, &nedges))
	{
		*err = "histogram data too short";
		return NULL;
	}
	if (version != HIST_WIRE_VERSION)
	{
		*err = "unsupported histogram format version";
		return NULL;
	}
	if (nedges < 1 || nedges > HIST_MAX_EDGES)
	{
		*err = "a histogram needs between 1 and 9999 edges (2 to 10000 bins)";
		return NULL;
	}
	if (len != 1 + 4 + 8 * (size_t) nedges + 8 * ((size_t) nedges + 2))
	{
		*err = "histogram data has the wrong length";
		return NULL;
	}
	edges = sketch_alloc(sizeof(double) * nedges);
	for (i = 0; i < (int) nedges; i++)
		sr_f64(&r, &edges[i]);
	if ((*err = hist_check_edges(edges, (int) nedges)) != NULL)
	{
		sketch_free(edges);
		return NULL;
	}
	h = hist_new(edges, (int) nedges);
	sketch_free(edges);
	for (i = 0; i < HIST_NBINS(h); i++)
	{
		uint64_t	c = 0;

		sr_u64(&r, &c);
		h->counts[i] = (int64_t) c;
	}
	if ((*err = hist_check_counts(h)) != NULL)
	{
		hist_free(h);
		return NULL;
	}
	return h;
}

/* Text form: {"edges": [...], "counts": [...], "nan": n}. */
char *
hist_to_text(const Hist *h)
{
	SketchBuf	b;
	int			i;

	sb_init(&b, 64 + 24 * (size_t) HIST_NBINS(h) * 2);
	sb_puts(&b, "{\"edges\": [");
	for (i = 0; i < h->nedges; i++)
	{
		if (i > 0)
			sb_puts(&b, ", ");
		sb_double(&b, h->edges[i]);
	}
	sb_puts(&b, "], \"counts\": [");
	for (i = 0; i <= h->nedges; i++)
	{
		if (i > 0)
			sb_puts(&b, ", ");
		sb_uint64(&b, (uint64_t) h->counts[i]);
	}
	sb_puts(&b, "], \"nan\": ");
	sb_uint64(&b, (uint64_t) h->counts[h->nedges + 1]);
	sb_puts(&b, "}");
	return b.data;
}

/* Parse a bracketed list of float8 (at most max items) into a new array. */
static double *
st_double_list(SketchText *t, int max, int *n)
{
	double	   *v = sketch_alloc(sizeof(double) * (max > 0 ? max : 1));

	*n = 0;
	if (!st_char(t, '['))
		goto fail;
	if (st_peek(t, ']'))
		goto fail_empty;
	do
	{
		if (*n >= max)
		{
			st_fail(t, "too many values");
			goto fail;
		}
		if (!st_double(t, &v[*n]))
			goto fail;
		(*n)++;
	} while (st_peek(t, ',') && st_char(t, ','));
	if (!st_char(t, ']'))
		goto fail;
	return v;
fail_empty:
	st_fail(t, "empty list");
fail:
	sketch_free(v);
	return NULL;
}

/* Parse the text form; NULL and *err when invalid. */
Hist *
hist_parse(const char *str, const char **err)
{
	SketchText	t = {str, NULL};
	double	   *edges = NULL;
	Hist	   *h = NULL;
	int			nedges = 0;
	int			i;
	uint64_t	c;

	if (!st_char(&t, '{') || !st_key(&t, "edges") ||
		(edges = st_double_list(&t, HIST_MAX_EDGES, &nedges)) == NULL)
		goto fail;
	if ((*err = hist_check_edges(edges, nedges)) != NULL)
	{
		sketch_free(edges);
		return NULL;
	}
	h = hist_new(edges, nedges);
	sketch_free(edges);
	if (!st_char(&t, ',') || !st_key(&t, "counts") || !st_char(&t, '['))
		goto fail;
	for (i = 0; i <= nedges; i++)
	{
		if ((i > 0 && !st_char(&t, ',')) || !st_uint64(&t, &c))
			goto fail;
		if (c > (uint64_t) INT64_MAX)
		{
			st_fail(&t, "histogram count out of range");
			goto fail;
		}
		h->counts[i] = (int64_t) c;
	}
	if (!st_char(&t, ']') || !st_char(&t, ',') || !st_key(&t, "nan") ||
		!st_uint64(&t, &c) || !st_char(&t, '}') || !st_end(&t))
		goto fail;
	if (c > (uint64_t) INT64_MAX)
	{
		st_fail(&t, "histogram count out of range");
		goto fail;
	}
	h->counts[nedges + 1] = (int64_t) c;
	if ((*err = hist_check_counts(h)) != NULL)
	{
		hist_free(h);
		return NULL;
	}
	return h;
fail:
	*err = t.err ? t.err : "invalid histogram";
	hist_free(h);
	return NULL;
}
