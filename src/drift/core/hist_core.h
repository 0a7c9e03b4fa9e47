/*
 * drift_hist_core.h: backend-free core of the sketch types (histogram and
 * qsketch): the wire format readers and writers and the text tokenizer.
 *
 * Nothing here includes postgres.h, so test/fuzz/ can build the same code
 * with libFuzzer. Memory comes from sketch_alloc()/sketch_free(), which the
 * backend maps to palloc/pfree and the fuzz harness to malloc/free. Errors
 * are returned (false/NULL plus a message in *err), never thrown.
 */
#ifndef MLOPS_DRIFT_HIST_CORE_H
#define MLOPS_DRIFT_HIST_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A histogram has 1..HIST_MAX_EDGES edges, so 2..10000 regular bins. */
#define HIST_MAX_EDGES 9999

extern void *sketch_alloc(size_t size);
extern void sketch_free(void *ptr);

/*
 * Interrupt hook, called once per round of the loops whose length grows with
 * the sketch (sorting and compacting levels, merging levels into a view): the
 * backend maps it to CHECK_FOR_INTERRUPTS (it may not return), the fuzz
 * harness to nothing.
 */
extern void sketch_check_interrupts(void);

/* Text tokenizer over a NUL-terminated string. */
typedef struct SketchText
{
	const char *p;				/* current position */
	const char *err;			/* first error, or NULL */
} SketchText;

extern bool st_char(SketchText *t, char c);
extern bool st_peek(SketchText *t, char c);
extern bool st_key(SketchText *t, const char *key);
extern bool st_double(SketchText *t, double *out);
extern bool st_uint64(SketchText *t, uint64_t *out);
extern bool st_end(SketchText *t);

/* Growable output buffer for the text writers. */
typedef struct SketchBuf
{
	char	   *data;
	size_t		len;
	size_t		cap;
} SketchBuf;

extern void sb_init(SketchBuf *b, size_t cap);
extern void sb_puts(SketchBuf *b, const char *s);
extern void sb_double(SketchBuf *b, double v);
extern void sb_uint64(SketchBuf *b, uint64_t v);

/* Big-endian wire reader over a byte buffer. */
typedef struct SketchReader
{
	const uint8_t *p;
	size_t		len;
	size_t		pos;
} SketchReader;

extern bool sr_u8(SketchReader *r, uint8_t *v);
extern bool sr_u16(SketchReader *r, uint16_t *v);
extern bool sr_u32(SketchReader *r, uint32_t *v);
extern bool sr_u64(SketchReader *r, uint64_t *v);
extern bool sr_f64(SketchReader *r, double *v);
extern void sw_u8(uint8_t **p, uint8_t v);
extern void sw_u16(uint8_t **p, uint16_t v);
extern void sw_u32(uint8_t **p, uint32_t v);
extern void sw_u64(uint8_t **p, uint64_t v);
extern void sw_f64(uint8_t **p, double v);

/* A fixed-edge histogram: nedges + 1 regular bins, then a NaN bin. */
typedef struct Hist
{
	int			nedges;
	double	   *edges;			/* strictly increasing, finite */
	int64_t    *counts;			/* nedges + 2 entries, the last is NaN */
} Hist;

#define HIST_NBINS(h) ((h)->nedges + 2)

extern Hist *hist_new(const double *edges, int nedges);
extern void hist_free(Hist *h);
extern const char *hist_check_edges(const double *edges, int nedges);
extern int	hist_bin(const Hist *h, double x);
extern bool hist_edges_equal(const double *a, const double *b, int n);
extern bool hist_same_edges(const Hist *a, const Hist *b);
extern bool hist_add(Hist *dst, const Hist *src, const char **err);
extern int64_t hist_total(const Hist *h);

extern size_t hist_wire_size(const Hist *h);
extern void hist_write(const Hist *h, uint8_t *out);
extern Hist *hist_read(const uint8_t *data, size_t len, const char **err);
extern char *hist_to_text(const Hist *h);
extern Hist *hist_parse(const char *str, const char **err);

#endif							/* MLOPS_DRIFT_HIST_CORE_H */
