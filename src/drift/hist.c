/*
 * drift_hist.c: the mlops.histogram type (fixed edges, exact integer counts)
 * and its aggregates. The counts are exactly invertible, so the aggregate has
 * a moving-aggregate inverse (MINVFUNC) and slides over a window frame at
 * O(log bins) per row entering or leaving; combine/serial/deserial make it
 * parallel safe. The wire format and parsing live in drift_hist_core.c.
 */
#include "postgres.h"

#include "compat.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "drift/drift.h"
#include "drift/core/hist_core.h"

/* Backend allocator for the core: palloc in the current memory context. */
void *
sketch_alloc(size_t size)
{
	return palloc(size);
}

/* Backend free for the core. */
void
sketch_free(void *ptr)
{
	if (ptr != NULL)
		pfree(ptr);
}

/* Backend interrupt hook for the core: a cancel or timeout stops its loops. */
void
sketch_check_interrupts(void)
{
	CHECK_FOR_INTERRUPTS();
}

/* A histogram datum: a varlena around the wire format. */
static bytea *
hist_to_datum(const Hist *h)
{
	size_t		n = hist_wire_size(h);
	bytea	   *b = palloc(VARHDRSZ + n);

	SET_VARSIZE(b, VARHDRSZ + n);
	hist_write(h, (uint8_t *) VARDATA(b));
	return b;
}

/* Parse a histogram datum (validated again: the disk is not trusted). */
static Hist *
hist_from_datum(Datum d)
{
	bytea	   *b = PG_DETOAST_DATUM_PACKED(d);
	const char *err = NULL;
	Hist	   *h;

	h = hist_read((const uint8_t *) VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b), &err);
	if (h == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid mlops.histogram value"),
				 errdetail("%s", err)));
	return h;
}

/* The edges of a float8[] argument, checked; elements are not copied. */
static double *
hist_array_edges(ArrayType *arr, int *nedges)
{
	const char *err;

	if (ARR_ELEMTYPE(arr) != FLOAT8OID)
		elog(ERROR, "histogram edges must be float8[]");
	if (ARR_NDIM(arr) > 1 || ARR_HASNULL(arr))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("histogram edges must be a one-dimensional float8 array without NULLs")));
	*nedges = ARR_NDIM(arr) == 0 ? 0 : ARR_DIMS(arr)[0];
	if ((err = hist_check_edges((double *) ARR_DATA_PTR(arr), *nedges)) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid histogram edges"),
				 errdetail("%s", err),
				 errhint("Pass between 1 and 9999 finite, strictly increasing edges, e.g. mlops.quantile_edges(reference_sketch, 10).")));
	return (double *) ARR_DATA_PTR(arr);
}

/* The aggregate's memory context, or an error outside aggregation. */
static MemoryContext
hist_aggcontext(FunctionCallInfo fcinfo)
{
	MemoryContext ctx;

	if (!AggCheckCallContext(fcinfo, &ctx))
		elog(ERROR, "histogram aggregate function called in non-aggregate context");
	return ctx;
}

/* Error for combining histograms with different edges. */
static void
hist_edges_mismatch(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("cannot combine histograms with different edges"),
			 errhint("Build every histogram with the same edges array.")));
}

PG_FUNCTION_INFO_V1(mlops_histogram_in);

/* histogram_in: {"edges": [...], "counts": [...], "nan": n}. */
Datum
mlops_histogram_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	const char *err = NULL;
	Hist	   *h = hist_parse(str, &err);

	if (h == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type mlops.histogram: \"%s\"", str),
				 errdetail("%s", err),
				 errhint("Expected {\"edges\": [e1, ...], \"counts\": [c0, ...], \"nan\": n} with one more count than edges.")));
	PG_RETURN_BYTEA_P(hist_to_datum(h));
}

PG_FUNCTION_INFO_V1(mlops_histogram_out);

/* histogram_out: the text form. */
Datum
mlops_histogram_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(hist_to_text(hist_from_datum(PG_GETARG_DATUM(0))));
}

PG_FUNCTION_INFO_V1(mlops_histogram_recv);

/* histogram_recv: the wire format, fully validated. */
Datum
mlops_histogram_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	const char *err = NULL;
	Hist	   *h;

	h = hist_read((const uint8_t *) buf->data + buf->cursor, buf->len - buf->cursor, &err);
	if (h == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary data for type mlops.histogram"),
				 errdetail("%s", err)));
	buf->cursor = buf->len;
	PG_RETURN_BYTEA_P(hist_to_datum(h));
}

PG_FUNCTION_INFO_V1(mlops_histogram_send);

/* histogram_send: the wire format. */
Datum
mlops_histogram_send(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(0));
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbytes(&buf, VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/*
 * Transition state of histogram(value, edges): the histogram, plus the raw
 * bytes of the first row's edges array, so later rows are checked with one
 * memcmp and no detoasting (values read from a table have short headers).
 */
typedef struct HistAggState
{
	Hist		hist;			/* first: a HistAggState is also a Hist */
	Size		rawlen;
	char	   *raw;
} HistAggState;

/* Transition state for histogram(value, edges): created on the first row. */
static Hist *
hist_state(FunctionCallInfo fcinfo, MemoryContext aggctx)
{
	HistAggState *st = PG_ARGISNULL(0) ? NULL : (HistAggState *) PG_GETARG_POINTER(0);
	Datum		d;
	ArrayType  *arr;
	double	   *edges;
	int			nedges;

	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("histogram edges must not be NULL")));
	d = PG_GETARG_DATUM(2);
	/* fast path: the same bytes as the first row's edges */
	if (st != NULL && st->raw != NULL && !VARATT_IS_EXTERNAL(DatumGetPointer(d)) &&
		!VARATT_IS_COMPRESSED(DatumGetPointer(d)) &&
		VARSIZE_ANY_EXHDR(DatumGetPointer(d)) == st->rawlen &&
		memcmp(VARDATA_ANY(DatumGetPointer(d)), st->raw, st->rawlen) == 0)
		return &st->hist;
	arr = DatumGetArrayTypeP(d);
	if (st == NULL)
	{
		MemoryContext old;
		Hist	   *h;

		edges = hist_array_edges(arr, &nedges);
		old = MemoryContextSwitchTo(aggctx);
		h = hist_new(edges, nedges);
		st = palloc(sizeof(HistAggState));
		st->hist = *h;
		pfree(h);
		st->rawlen = VARSIZE(arr) - VARHDRSZ;
		st->raw = palloc(st->rawlen);
		memcpy(st->raw, VARDATA(arr), st->rawlen);
		MemoryContextSwitchTo(old);
		return &st->hist;
	}
	/* slow path: compare the values (another representation of the same edges is fine) */
	if (ARR_NDIM(arr) != 1 || ARR_HASNULL(arr) || ARR_DIMS(arr)[0] != st->hist.nedges ||
		!hist_edges_equal((const double *) ARR_DATA_PTR(arr), st->hist.edges, st->hist.nedges))
	{
		hist_array_edges(arr, &nedges);
		hist_edges_mismatch();
	}
	return &st->hist;
}

PG_FUNCTION_INFO_V1(mlops_histogram_trans);

/*
 * histogram(value, edges) transition (also the moving-aggregate one): count
 * value in its bin; NULLs skipped. A NULL value on the first row still
 * creates the (empty) state: a moving-aggregate transition must never return
 * NULL, and the final function gives NULL for a state that counted nothing.
 */
Datum
mlops_histogram_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = hist_aggcontext(fcinfo);
	Hist	   *h;

	if (PG_ARGISNULL(1))
	{
		if (!PG_ARGISNULL(0))
			PG_RETURN_POINTER(PG_GETARG_POINTER(0));
		if (PG_ARGISNULL(2))
			PG_RETURN_NULL();	/* no edges either: nothing to build yet */
		PG_RETURN_POINTER(hist_state(fcinfo, aggctx));
	}
	h = hist_state(fcinfo, aggctx);
	h->counts[hist_bin(h, PG_GETARG_FLOAT8(1))]++;
	PG_RETURN_POINTER(h);
}

PG_FUNCTION_INFO_V1(mlops_histogram_inv);

/* Moving-aggregate inverse: uncount a row leaving the frame (exact). */
Datum
mlops_histogram_inv(PG_FUNCTION_ARGS)
{
	Hist	   *h;
	int			bin;

	hist_aggcontext(fcinfo);
	if (PG_ARGISNULL(0))
	{
		if (!PG_ARGISNULL(1))
			elog(ERROR, "histogram inverse transition without a state");
		PG_RETURN_NULL();
	}
	h = (Hist *) PG_GETARG_POINTER(0);
	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(h);
	bin = hist_bin(h, PG_GETARG_FLOAT8(1));
	if (h->counts[bin] <= 0)
		elog(ERROR, "histogram inverse transition would make a count negative");
	h->counts[bin]--;
	PG_RETURN_POINTER(h);
}

/* Deep copy of a histogram into the current memory context. */
static Hist *
hist_copy(const Hist *src)
{
	Hist	   *h = hist_new(src->edges, src->nedges);

	memcpy(h->counts, src->counts, sizeof(int64_t) * HIST_NBINS(src));
	return h;
}

/* a += b in place (b NULL: nothing); a NULL: a copy of b in aggctx. */
static Hist *
hist_combine_into(Hist *a, const Hist *b, MemoryContext aggctx)
{
	const char *err = NULL;

	if (b == NULL)
		return a;
	if (a == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(aggctx);

		a = hist_copy(b);
		MemoryContextSwitchTo(old);
		return a;
	}
	if (!hist_add(a, b, &err))
	{
		if (!hist_same_edges(a, b))
			hist_edges_mismatch();
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s", err)));
	}
	return a;
}

PG_FUNCTION_INFO_V1(mlops_histogram_combine);

/* Combine two partial states (parallel aggregation). */
Datum
mlops_histogram_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = hist_aggcontext(fcinfo);
	Hist	   *a = PG_ARGISNULL(0) ? NULL : (Hist *) PG_GETARG_POINTER(0);
	Hist	   *b = PG_ARGISNULL(1) ? NULL : (Hist *) PG_GETARG_POINTER(1);

	a = hist_combine_into(a, b, aggctx);
	if (a == NULL)
		PG_RETURN_NULL();
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(mlops_histogram_serial);

/* Serialize a state to bytea (the wire format). */
Datum
mlops_histogram_serial(PG_FUNCTION_ARGS)
{
	hist_aggcontext(fcinfo);
	PG_RETURN_BYTEA_P(hist_to_datum((Hist *) PG_GETARG_POINTER(0)));
}

PG_FUNCTION_INFO_V1(mlops_histogram_deserial);

/* Deserialize a state, validated, into the aggregate context. */
Datum
mlops_histogram_deserial(PG_FUNCTION_ARGS)
{
	MemoryContext old = MemoryContextSwitchTo(hist_aggcontext(fcinfo));
	Hist	   *h = hist_from_datum(PG_GETARG_DATUM(0));

	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(h);
}

PG_FUNCTION_INFO_V1(mlops_histogram_final);

/* Final: the histogram, or NULL when no value was counted. Read-only. */
Datum
mlops_histogram_final(PG_FUNCTION_ARGS)
{
	Hist	   *h;

	hist_aggcontext(fcinfo);
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	h = (Hist *) PG_GETARG_POINTER(0);
	if (hist_total(h) == 0)
		PG_RETURN_NULL();
	PG_RETURN_BYTEA_P(hist_to_datum(h));
}

PG_FUNCTION_INFO_V1(mlops_histogram_merge_trans);

/* merge(histogram) transition: add a histogram's counts; NULLs skipped. */
Datum
mlops_histogram_merge_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = hist_aggcontext(fcinfo);
	Hist	   *a = PG_ARGISNULL(0) ? NULL : (Hist *) PG_GETARG_POINTER(0);

	if (!PG_ARGISNULL(1))
		a = hist_combine_into(a, hist_from_datum(PG_GETARG_DATUM(1)), aggctx);
	if (a == NULL)
		PG_RETURN_NULL();
	PG_RETURN_POINTER(a);
}

/*
 * The aggregates' state as an mlops.histogram value: a read-write expanded
 * object (the same HistAggState, in its own memory context under the
 * aggregate context) counted in place row by row, and flattened to the wire
 * format only when a value leaves the aggregate: its final function, a
 * parallel worker's partial state, or a distributed engine's partial
 * aggregate, which can ship a state only when its type is a real one.
 */
typedef struct HistExpanded
{
	ExpandedObjectHeader hdr;
	HistAggState st;			/* st.hist.edges NULL: no edges seen yet */
} HistExpanded;

static Size
hist_exp_flat_size(ExpandedObjectHeader *eoh)
{
	return VARHDRSZ + hist_wire_size(&((HistExpanded *) eoh)->st.hist);
}

static void
hist_exp_flatten(ExpandedObjectHeader *eoh, void *result, Size allocated_size)
{
	HistExpanded *e = (HistExpanded *) eoh;

	Assert(allocated_size == VARHDRSZ + hist_wire_size(&e->st.hist));
	SET_VARSIZE(result, allocated_size);
	hist_write(&e->st.hist, (uint8_t *) VARDATA(result));
}

static const ExpandedObjectMethods hist_exp_methods = {
	hist_exp_flat_size,
	hist_exp_flatten
};

/*
 * The object of a read-write expanded datum, read in line: this runs on
 * every row, and DatumGetEOHP is an out-of-line call.
 */
static inline ExpandedObjectHeader *
hist_rw_eoh(Datum d)
{
	varatt_expanded ptr;

	memcpy(&ptr, VARDATA_EXTERNAL(DatumGetPointer(d)), sizeof(ptr));
	return ptr.eohptr;
}

/* A new expanded state under aggctx: a copy of src, or without edges yet. */
static HistExpanded *
hist_exp_new(MemoryContext aggctx, const Hist *src)
{
	MemoryContext ctx = AllocSetContextCreate(aggctx, "mlops histogram state",
											  ALLOCSET_SMALL_SIZES);
	MemoryContext old = MemoryContextSwitchTo(ctx);
	HistExpanded *e = palloc0(sizeof(HistExpanded));

	EOH_init_header(&e->hdr, &hist_exp_methods, ctx);
	if (src != NULL)
	{
		Hist	   *h = hist_copy(src);

		e->st.hist = *h;
		pfree(h);
	}
	MemoryContextSwitchTo(old);
	return e;
}

/* The histogram of a non-NULL histogram argument, read-only: ours in place, else parsed. */
static const Hist *
hist_arg(FunctionCallInfo fcinfo, int argno)
{
	Datum		d = PG_GETARG_DATUM(argno);

	if (VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(d)) &&
		DatumGetEOHP(d)->eoh_methods == &hist_exp_methods)
	{
		HistExpanded *e = (HistExpanded *) DatumGetEOHP(d);

		return e->st.hist.edges != NULL ? &e->st.hist : NULL;
	}
	return hist_from_datum(d);
}

/*
 * The state to update: argument 0 when it is our read-write state, else a
 * new state (a copy of a flat or foreign argument 0, or without edges).
 */
static inline HistExpanded *
hist_exp_state(FunctionCallInfo fcinfo, MemoryContext aggctx)
{
	Datum		d;

	if (PG_ARGISNULL(0))
		return hist_exp_new(aggctx, NULL);
	d = PG_GETARG_DATUM(0);
	if (VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(d)))
	{
		ExpandedObjectHeader *eoh = hist_rw_eoh(d);

		if (eoh->eoh_methods == &hist_exp_methods)
			return (HistExpanded *) eoh;
	}
	return hist_exp_new(aggctx, hist_arg(fcinfo, 0));
}

/*
 * The histogram of e for this row's edges argument, created from them on
 * the first row (as hist_state does for the internal state).
 */
static Hist *
hist_exp_edges(FunctionCallInfo fcinfo, HistExpanded *e)
{
	HistAggState *st = &e->st;
	Datum		d;
	ArrayType  *arr;
	int			nedges;

	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("histogram edges must not be NULL")));
	d = PG_GETARG_DATUM(2);
	/* fast path: the same bytes as the first row's edges */
	if (st->raw != NULL && !VARATT_IS_EXTERNAL(DatumGetPointer(d)) &&
		!VARATT_IS_COMPRESSED(DatumGetPointer(d)) &&
		VARSIZE_ANY_EXHDR(DatumGetPointer(d)) == st->rawlen &&
		memcmp(VARDATA_ANY(DatumGetPointer(d)), st->raw, st->rawlen) == 0)
		return &st->hist;
	arr = DatumGetArrayTypeP(d);
	if (st->hist.edges == NULL)
	{
		double	   *edges = hist_array_edges(arr, &nedges);
		MemoryContext old = MemoryContextSwitchTo(e->hdr.eoh_context);
		Hist	   *h = hist_new(edges, nedges);

		st->hist = *h;
		pfree(h);
		MemoryContextSwitchTo(old);
	}
	else if (ARR_NDIM(arr) != 1 || ARR_HASNULL(arr) || ARR_DIMS(arr)[0] != st->hist.nedges ||
			 !hist_edges_equal((const double *) ARR_DATA_PTR(arr), st->hist.edges, st->hist.nedges))
	{
		hist_array_edges(arr, &nedges);
		hist_edges_mismatch();
	}
	if (st->raw == NULL)
	{
		st->rawlen = VARSIZE(arr) - VARHDRSZ;
		st->raw = MemoryContextAlloc(e->hdr.eoh_context, st->rawlen);
		memcpy(st->raw, VARDATA(arr), st->rawlen);
	}
	return &st->hist;
}

PG_FUNCTION_INFO_V1(mlops_histogram_state_step);

/*
 * histogram(value, edges) transition with an mlops.histogram state: count
 * value in its bin; NULLs skipped (a NULL value on the first row builds the
 * empty histogram, which the final function turns into NULL).
 */
Datum
mlops_histogram_state_step(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = hist_aggcontext(fcinfo);
	HistExpanded *e;
	Hist	   *h;

	if (PG_ARGISNULL(1))
	{
		if (!PG_ARGISNULL(0))
			PG_RETURN_DATUM(PG_GETARG_DATUM(0));
		if (PG_ARGISNULL(2))
			PG_RETURN_NULL();	/* no edges either: nothing to build yet */
	}
	e = hist_exp_state(fcinfo, aggctx);
	h = hist_exp_edges(fcinfo, e);
	if (!PG_ARGISNULL(1))
		h->counts[hist_bin(h, PG_GETARG_FLOAT8(1))]++;
	PG_RETURN_DATUM(EOHPGetRWDatum(&e->hdr));
}

PG_FUNCTION_INFO_V1(mlops_histogram_state_merge);

/*
 * state + histogram: the transition of merge(histogram) and the combine
 * function of both histogram aggregates (a partial state is a histogram).
 * NULLs skipped; different edges are an error.
 */
Datum
mlops_histogram_state_merge(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = hist_aggcontext(fcinfo);
	HistExpanded *e;
	const Hist *b;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	e = hist_exp_state(fcinfo, aggctx);
	b = hist_arg(fcinfo, 1);
	if (b != NULL)
	{
		if (e->st.hist.edges == NULL)
		{
			MemoryContext old = MemoryContextSwitchTo(e->hdr.eoh_context);
			Hist	   *h = hist_copy(b);

			e->st.hist = *h;
			pfree(h);
			MemoryContextSwitchTo(old);
		}
		else
			hist_combine_into(&e->st.hist, b, aggctx);
	}
	PG_RETURN_DATUM(EOHPGetRWDatum(&e->hdr));
}

PG_FUNCTION_INFO_V1(mlops_histogram_state_final);

/*
 * Final of the histogram aggregates: the flat histogram, or NULL when no
 * value was counted. The state is left as it is.
 */
Datum
mlops_histogram_state_final(PG_FUNCTION_ARGS)
{
	Datum		d;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	d = PG_GETARG_DATUM(0);
	if (VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(d)) &&
		DatumGetEOHP(d)->eoh_methods == &hist_exp_methods)
	{
		HistExpanded *e = (HistExpanded *) DatumGetEOHP(d);

		if (e->st.hist.edges == NULL || hist_total(&e->st.hist) == 0)
			PG_RETURN_NULL();
		PG_RETURN_BYTEA_P(hist_to_datum(&e->st.hist));
	}
	if (hist_total(hist_from_datum(d)) == 0)
		PG_RETURN_NULL();
	PG_RETURN_POINTER(PG_DETOAST_DATUM_COPY(d));
}

PG_FUNCTION_INFO_V1(mlops_histogram_psi);

/*
 * psi(reference histogram, current histogram): PSI over the shared bins with
 * drift_psi_counts (empty-bin fill as API.md says). The NaN bin takes part
 * only when either side has a NaN (two empty NaN bins carry no information).
 * NULL when a side has no counts.
 */
Datum
mlops_histogram_psi(PG_FUNCTION_ARGS)
{
	Hist	   *r = hist_from_datum(PG_GETARG_DATUM(0));
	Hist	   *c = hist_from_datum(PG_GETARG_DATUM(1));
	int			nbins;
	double	   *rc,
			   *cc,
				rt = 0,
				ct = 0;
	int			i;

	if (!hist_same_edges(r, c))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot compare histograms with different edges"),
				 errhint("Build the current histogram with the reference histogram's edges: mlops.edges(reference).")));
	nbins = HIST_NBINS(r);
	if (r->counts[nbins - 1] == 0 && c->counts[nbins - 1] == 0)
		nbins--;
	rc = palloc(sizeof(double) * nbins);
	cc = palloc(sizeof(double) * nbins);
	for (i = 0; i < nbins; i++)
	{
		rc[i] = (double) r->counts[i];
		cc[i] = (double) c->counts[i];
		rt += rc[i];
		ct += cc[i];
	}
	if (rt == 0 || ct == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(drift_psi_counts(rc, cc, nbins));
}

PG_FUNCTION_INFO_V1(mlops_histogram_edges);

/* edges(histogram): the edges as float8[]. */
Datum
mlops_histogram_edges(PG_FUNCTION_ARGS)
{
	Hist	   *h = hist_from_datum(PG_GETARG_DATUM(0));
	Datum	   *d = palloc(sizeof(Datum) * h->nedges);
	int			i;

	for (i = 0; i < h->nedges; i++)
		d[i] = Float8GetDatum(h->edges[i]);
	PG_RETURN_ARRAYTYPE_P(construct_array(d, h->nedges, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

PG_FUNCTION_INFO_V1(mlops_histogram_counts);

/* counts(histogram): the regular bins' counts, low to high (NaN excluded). */
Datum
mlops_histogram_counts(PG_FUNCTION_ARGS)
{
	Hist	   *h = hist_from_datum(PG_GETARG_DATUM(0));
	Datum	   *d = palloc(sizeof(Datum) * (h->nedges + 1));
	int			i;

	for (i = 0; i <= h->nedges; i++)
		d[i] = Int64GetDatum(h->counts[i]);
	PG_RETURN_ARRAYTYPE_P(construct_array(d, h->nedges + 1, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

PG_FUNCTION_INFO_V1(mlops_histogram_nan_count);

/* nan_count(histogram): values counted in the NaN bin. */
Datum
mlops_histogram_nan_count(PG_FUNCTION_ARGS)
{
	Hist	   *h = hist_from_datum(PG_GETARG_DATUM(0));

	PG_RETURN_INT64(h->counts[h->nedges + 1]);
}

PG_FUNCTION_INFO_V1(mlops_histogram_total);

/* total(histogram): all counted values, NaN included. */
Datum
mlops_histogram_total(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(hist_total(hist_from_datum(PG_GETARG_DATUM(0))));
}
