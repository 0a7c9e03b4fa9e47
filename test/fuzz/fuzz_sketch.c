/*
 * fuzz_sketch.c: libFuzzer harness for the sketch types' parsers, built from
 * the same C source as the extension (src/drift/core/hist_core.c and
 * src/drift/core/qsketch_core.c need no backend). FUZZ_TARGET picks the entry:
 *   1 histogram wire format (histogram_recv), 2 histogram text (histogram_in),
 *   3 qsketch wire format (qsketch_recv),     4 qsketch text (qsketch_in).
 * Whatever a reader accepts must also survive every operation the backend
 * does with it, and round-trip through both formats unchanged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drift/core/hist_core.h"
#include "drift/core/qsketch_core.h"

#ifndef FUZZ_TARGET
#error "define FUZZ_TARGET (1..4)"
#endif

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The core's allocator: plain malloc (leaks are reported by ASan). */
void *
sketch_alloc(size_t size)
{
	void	   *p = malloc(size ? size : 1);

	if (p == NULL)
		abort();
	return p;
}

/* The core's free. */
void
sketch_free(void *ptr)
{
	free(ptr);
}

/* The core's interrupt hook: nothing to interrupt in the harness. */
void
sketch_check_interrupts(void)
{
}

/* Abort on a broken invariant, so libFuzzer keeps the input. */
static void
check(int ok, const char *what)
{
	if (!ok)
	{
		fprintf(stderr, "invariant broken: %s\n", what);
		abort();
	}
}

/* Exercise an accepted histogram: formats round-trip, merge, totals. */
static void
use_hist(Hist *h)
{
	size_t		n = hist_wire_size(h);
	uint8_t    *w = sketch_alloc(n);
	const char *err = NULL;
	Hist	   *back;
	char	   *txt;
	int			i;

	hist_write(h, w);
	back = hist_read(w, n, &err);
	check(back != NULL && hist_same_edges(h, back), "histogram wire round trip");
	check(memcmp(back->counts, h->counts, sizeof(int64_t) * HIST_NBINS(h)) == 0, "histogram counts round trip");
	txt = hist_to_text(h);
	hist_free(back);
	back = hist_parse(txt, &err);
	check(back != NULL && hist_same_edges(h, back), "histogram text round trip");
	for (i = 0; i < h->nedges; i++)
		check(hist_bin(h, h->edges[i]) == i + 1, "an edge falls in the upper bin");
	(void) hist_add(back, h, &err);
	(void) hist_total(back);
	hist_free(back);
	sketch_free(txt);
	sketch_free(w);
}

/* Exercise an accepted sketch: formats, views, queries, merge, inserts. */
static void
use_qs(QSketch *s)
{
	size_t		n = qs_wire_size(s);
	uint8_t    *w = sketch_alloc(n),
			   *w2;
	const char *err = NULL;
	QSketch    *back,
			   *m;
	QSView	   *v;
	char	   *txt;
	int			i;

	qs_write(s, w);
	back = qs_read(w, n, &err);
	check(back != NULL, "qsketch wire round trip");
	txt = qs_to_text(s);
	qs_free(back);
	back = qs_parse(txt, &err);
	check(back != NULL, "qsketch text round trip");
	w2 = sketch_alloc(n);
	check(qs_wire_size(back) == n, "qsketch text round trip size");
	qs_write(back, w2);
	check(memcmp(w, w2, n) == 0, "qsketch text round trip bytes");
	v = qs_view(s);
	check((uint64_t) (v->len > 0 ? v->cum[v->len - 1] : 0) == s->n, "qsketch view weights add up to n");
	if (v->len > 0)
	{
		(void) qs_view_quantile(v, 0.5);
		(void) qs_ks(v, v);
	}
	(void) qs_rank(s, 0.0, true);
	(void) qs_rank_error(s, 0.01);
	(void) qs_uniform_error(s, 5e-7);
	m = qs_copy(s);
	if (qs_merge(m, back))
		check(m->n == 2 * s->n, "qsketch merge keeps the count");
	else
		check(m->n == s->n && 2 * (s->n + s->nan) > (uint64_t) INT64_MAX, "qsketch merge refuses only on overflow");
	if (m->n + m->nan < (uint64_t) INT64_MAX - 3000)
		for (i = 0; i < 3000; i++)
			qs_insert(m, (double) (i % 97) - 40.0);
	qs_sort_level0(m);
	sketch_free(w2);
	w2 = sketch_alloc(qs_wire_size(m));
	qs_write(m, w2);
	qs_free(back);
	back = qs_read(w2, qs_wire_size(m), &err);
	if (back == NULL)
		fprintf(stderr, "reader: %s\n", err);
	check(back != NULL, "qsketch after merge and inserts reads back");
	qs_free(back);
	qs_free(m);
	qs_view_free(v);
	sketch_free(txt);
	sketch_free(w2);
	sketch_free(w);
}

/* libFuzzer entry point. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *err = NULL;

#if FUZZ_TARGET == 1 || FUZZ_TARGET == 3
	{
#if FUZZ_TARGET == 1
		Hist	   *h = hist_read(data, size, &err);

		if (h != NULL)
		{
			use_hist(h);
			hist_free(h);
		}
#else
		QSketch    *s = qs_read(data, size, &err);

		if (s != NULL)
		{
			use_qs(s);
			qs_free(s);
		}
#endif
	}
#else
	{
		char	   *str = malloc(size + 1);

		memcpy(str, data, size);
		str[size] = '\0';
#if FUZZ_TARGET == 2
		{
			Hist	   *h = hist_parse(str, &err);

			if (h != NULL)
			{
				use_hist(h);
				hist_free(h);
			}
		}
#else
		{
			QSketch    *s = qs_parse(str, &err);

			if (s != NULL)
			{
				use_qs(s);
				qs_free(s);
			}
		}
#endif
		free(str);
	}
#endif
	return 0;
}
