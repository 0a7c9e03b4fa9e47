/*
 * drift_qsketch.c: the mlops.qsketch type (a KLL quantile sketch, see
 * drift_qsketch_core.c for the algorithm and its error bounds) and its
 * aggregates and functions: qsketch_agg, merge, quantile, cdf, rank_error,
 * ks with a guaranteed interval, psi, quantile_edges.
 *
 * NaN: never inside the sketch; counted (nan_count) and given its own bin by
 * psi; quantile, cdf and ks describe the non-NaN values. NULLs are skipped.
 * No value at all: the aggregates return NULL.
 */
#include "postgres.h"

#include "compat.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/parallel.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/memutils.h"

#include "drift/drift.h"
#include "drift/core/qsketch_core.h"

/* Per-query confidence of rank_error(): 99%. */
#define QS_RANK_DELTA 0.01
/* Failure probability of each sketch's uniform bound in ks(): 1e-6 in all. */
#define QS_KS_DELTA 5e-7

/* A qsketch datum: a varlena around the wire format. */
static bytea *
qs_to_datum(QSketch *s)
{
	size_t		n;
	bytea	   *b;

	qs_sort_level0(s);
	n = qs_wire_size(s);
	b = palloc(VARHDRSZ + n);
	SET_VARSIZE(b, VARHDRSZ + n);
	qs_write(s, (uint8_t *) VARDATA(b));
	return b;
}

/* Parse a qsketch datum (validated again: the disk is not trusted). */
static QSketch *
qs_from_datum(Datum d)
{
	bytea	   *b = PG_DETOAST_DATUM_PACKED(d);
	const char *err = NULL;
	QSketch    *s;

	s = qs_read((const uint8_t *) VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b), &err);
	if (s == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid mlops.qsketch value"),
				 errdetail("%s", err)));
	return s;
}

/* The aggregate's memory context, or an error outside aggregation. */
static MemoryContext
qs_aggcontext(FunctionCallInfo fcinfo)
{
	MemoryContext ctx;

	if (!AggCheckCallContext(fcinfo, &ctx))
		elog(ERROR, "qsketch aggregate function called in non-aggregate context");
	return ctx;
}

/* Check a k argument. */
static int
qs_check_k(int32 k)
{
	if (k < QS_MIN_K || k > QS_MAX_K)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("qsketch k must be between %d and %d", QS_MIN_K, QS_MAX_K),
				 errhint("The default k = %d keeps the rank error near 0.5%% in at most 16 kB.", QS_DEFAULT_K)));
	return k;
}

/* Coin seed of a new sketch: its first value and the parallel worker number. */
static uint64_t
qs_seed(double first)
{
	uint64_t	x;

	memcpy(&x, &first, sizeof(x));
	x ^= (uint64_t) (ParallelWorkerNumber + 2) * UINT64CONST(0x9E3779B97F4A7C15);
	/* splitmix64 finaliser */
	x = (x ^ (x >> 30)) * UINT64CONST(0xBF58476D1CE4E5B9);
	x = (x ^ (x >> 27)) * UINT64CONST(0x94D049BB133111EB);
	x ^= x >> 31;
	return x ? x : 1;
}

PG_FUNCTION_INFO_V1(mlops_qsketch_in);

/* qsketch_in: the text form written by qsketch_out, or the earlier JSON-like one. */
Datum
mlops_qsketch_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	const char *err = NULL;
	QSketch    *s = qs_parse(str, &err);

	if (s == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type mlops.qsketch"),
				 errdetail("%s", err),
				 errhint("Use the text written by qsketch output, e.g. mlops.qsketch_agg(x)::text.")));
	PG_RETURN_BYTEA_P(qs_to_datum(s));
}

PG_FUNCTION_INFO_V1(mlops_qsketch_out);

/* qsketch_out: "qs1:" and base64 of a compact encoding (see qsketch_core.c). */
Datum
mlops_qsketch_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(qs_to_text(qs_from_datum(PG_GETARG_DATUM(0))));
}

PG_FUNCTION_INFO_V1(mlops_qsketch_json);

/* qsketch_json: every field of a sketch as jsonb, for people and queries. */
Datum
mlops_qsketch_json(PG_FUNCTION_ARGS)
{
	char	   *txt = qs_to_json(qs_from_datum(PG_GETARG_DATUM(0)));

	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(txt)));
}

PG_FUNCTION_INFO_V1(mlops_qsketch_recv);

/* qsketch_recv: the wire format, every field and count validated. */
Datum
mlops_qsketch_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	const char *err = NULL;
	QSketch    *s;

	s = qs_read((const uint8_t *) buf->data + buf->cursor, buf->len - buf->cursor, &err);
	if (s == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary data for type mlops.qsketch"),
				 errdetail("%s", err)));
	buf->cursor = buf->len;
	PG_RETURN_BYTEA_P(qs_to_datum(s));
}

PG_FUNCTION_INFO_V1(mlops_qsketch_send);

/* qsketch_send: the wire format. */
Datum
mlops_qsketch_send(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(0));
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbytes(&buf, VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Shared transition of qsketch_agg(x) and qsketch_agg(x, k). */
static Datum
qs_agg_step(FunctionCallInfo fcinfo, int k)
{
	MemoryContext aggctx = qs_aggcontext(fcinfo);
	QSketch    *s = PG_ARGISNULL(0) ? NULL : (QSketch *) PG_GETARG_POINTER(0);
	MemoryContext old;

	if (PG_ARGISNULL(1))
	{
		if (s == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(s);
	}
	old = MemoryContextSwitchTo(aggctx);
	if (s == NULL)
		s = qs_new(k, qs_seed(PG_GETARG_FLOAT8(1)));
	else if (s->k != k && PG_NARGS() > 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("qsketch k must be the same on every row")));
	qs_insert(s, PG_GETARG_FLOAT8(1));
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(mlops_qsketch_agg_trans);

/* qsketch_agg(value) transition. */
Datum
mlops_qsketch_agg_trans(PG_FUNCTION_ARGS)
{
	return qs_agg_step(fcinfo, QS_DEFAULT_K);
}

PG_FUNCTION_INFO_V1(mlops_qsketch_agg_trans_k);

/* qsketch_agg(value, k) transition. */
Datum
mlops_qsketch_agg_trans_k(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("qsketch k must not be NULL")));
	return qs_agg_step(fcinfo, qs_check_k(PG_GETARG_INT32(2)));
}

/* a += b (b NULL: nothing); a NULL: a copy of b in aggctx. */
static QSketch *
qs_combine_into(QSketch *a, const QSketch *b, MemoryContext aggctx)
{
	MemoryContext old;

	if (b == NULL)
		return a;
	old = MemoryContextSwitchTo(aggctx);
	if (a == NULL)
		a = qs_copy(b);
	else if (!qs_merge(a, b))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("qsketch count out of range"),
				 errdetail("The merged sketches summarise more than 9223372036854775807 values.")));
	MemoryContextSwitchTo(old);
	return a;
}

PG_FUNCTION_INFO_V1(mlops_qsketch_merge_trans);

/* merge(qsketch) transition: merge a stored sketch; NULLs skipped. */
Datum
mlops_qsketch_merge_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = qs_aggcontext(fcinfo);
	QSketch    *a = PG_ARGISNULL(0) ? NULL : (QSketch *) PG_GETARG_POINTER(0);

	if (!PG_ARGISNULL(1))
	{
		QSketch    *b = qs_from_datum(PG_GETARG_DATUM(1));

		a = qs_combine_into(a, b, aggctx);
		qs_free(b);
	}
	if (a == NULL)
		PG_RETURN_NULL();
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(mlops_qsketch_combine);

/* Combine two partial states (parallel aggregation). */
Datum
mlops_qsketch_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = qs_aggcontext(fcinfo);
	QSketch    *a = PG_ARGISNULL(0) ? NULL : (QSketch *) PG_GETARG_POINTER(0);
	QSketch    *b = PG_ARGISNULL(1) ? NULL : (QSketch *) PG_GETARG_POINTER(1);

	a = qs_combine_into(a, b, aggctx);
	if (a == NULL)
		PG_RETURN_NULL();
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(mlops_qsketch_serial);

/* Serialize a state to bytea (the wire format). */
Datum
mlops_qsketch_serial(PG_FUNCTION_ARGS)
{
	qs_aggcontext(fcinfo);
	PG_RETURN_BYTEA_P(qs_to_datum((QSketch *) PG_GETARG_POINTER(0)));
}

PG_FUNCTION_INFO_V1(mlops_qsketch_deserial);

/* Deserialize a state, validated, into the aggregate context. */
Datum
mlops_qsketch_deserial(PG_FUNCTION_ARGS)
{
	MemoryContext old = MemoryContextSwitchTo(qs_aggcontext(fcinfo));
	QSketch    *s = qs_from_datum(PG_GETARG_DATUM(0));

	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(mlops_qsketch_final);

/*
 * Final: the sketch, or NULL without values. It only sorts level 0 in place,
 * which changes no answer, so it is safe to call again in a window frame.
 */
Datum
mlops_qsketch_final(PG_FUNCTION_ARGS)
{
	qs_aggcontext(fcinfo);
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	PG_RETURN_BYTEA_P(qs_to_datum((QSketch *) PG_GETARG_POINTER(0)));
}

/*
 * The aggregates' state as an mlops.qsketch value: a read-write expanded
 * object holding the live QSketch, updated in place row by row (nodeAgg keeps
 * a read-write expanded state whose memory context is a child of the
 * aggregate context instead of copying it), and flattened to the wire format
 * only when a value leaves the aggregate: its final function, a parallel
 * worker's partial state, or a distributed engine's partial aggregate, which
 * can ship a state only when its type is a real one with I/O functions.
 */
typedef struct QSExpanded
{
	ExpandedObjectHeader hdr;
	QSketch    *s;
} QSExpanded;

static Size
qs_exp_flat_size(ExpandedObjectHeader *eoh)
{
	QSExpanded *e = (QSExpanded *) eoh;

	return VARHDRSZ + qs_wire_size(e->s);
}

static void
qs_exp_flatten(ExpandedObjectHeader *eoh, void *result, Size allocated_size)
{
	QSExpanded *e = (QSExpanded *) eoh;
	MemoryContext old = MemoryContextSwitchTo(eoh->eoh_context);

	/* sorting level 0 in place changes no answer (see qs_to_datum) */
	qs_sort_level0(e->s);
	MemoryContextSwitchTo(old);
	Assert(allocated_size == VARHDRSZ + qs_wire_size(e->s));
	SET_VARSIZE(result, allocated_size);
	qs_write(e->s, (uint8_t *) VARDATA(result));
}

static const ExpandedObjectMethods qs_exp_methods = {
	qs_exp_flat_size,
	qs_exp_flatten
};

/*
 * The object of a read-write expanded datum, read in line: this runs on
 * every row, and DatumGetEOHP is an out-of-line call.
 */
static inline ExpandedObjectHeader *
qs_rw_eoh(Datum d)
{
	varatt_expanded ptr;

	memcpy(&ptr, VARDATA_EXTERNAL(DatumGetPointer(d)), sizeof(ptr));
	return ptr.eohptr;
}

/* A new, empty expanded state in its own memory context under aggctx. */
static QSExpanded *
qs_exp_new(MemoryContext aggctx)
{
	MemoryContext ctx = AllocSetContextCreate(aggctx, "mlops qsketch state",
											  ALLOCSET_DEFAULT_SIZES);
	QSExpanded *e = MemoryContextAlloc(ctx, sizeof(QSExpanded));

	EOH_init_header(&e->hdr, &qs_exp_methods, ctx);
	e->s = NULL;
	return e;
}

/* Argument argno when it is a read-write state of ours, else NULL. */
static inline QSExpanded *
qs_exp_rw_arg(FunctionCallInfo fcinfo, int argno)
{
	Datum		d;

	if (PG_ARGISNULL(argno))
		return NULL;
	d = PG_GETARG_DATUM(argno);
	if (VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(d)))
	{
		ExpandedObjectHeader *eoh = qs_rw_eoh(d);

		if (eoh->eoh_methods == &qs_exp_methods)
			return (QSExpanded *) eoh;
	}
	return NULL;
}

/* The sketch of a non-NULL qsketch argument, read-only: ours in place, else parsed. */
static const QSketch *
qs_arg_sketch(FunctionCallInfo fcinfo, int argno, bool *parsed)
{
	Datum		d = PG_GETARG_DATUM(argno);

	if (VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(d)) &&
		DatumGetEOHP(d)->eoh_methods == &qs_exp_methods)
	{
		*parsed = false;
		return ((QSExpanded *) DatumGetEOHP(d))->s;
	}
	*parsed = true;
	return qs_from_datum(d);
}

/*
 * The state to update: argument 0 when it is our read-write state, else a
 * new state (a copy of a flat or foreign argument 0, or empty).
 */
static QSExpanded *
qs_exp_state(FunctionCallInfo fcinfo, MemoryContext aggctx)
{
	QSExpanded *e = qs_exp_rw_arg(fcinfo, 0);
	MemoryContext old;
	bool		parsed;
	const QSketch *src;

	if (e != NULL)
		return e;
	e = qs_exp_new(aggctx);
	if (PG_ARGISNULL(0))
		return e;
	src = qs_arg_sketch(fcinfo, 0, &parsed);
	old = MemoryContextSwitchTo(e->hdr.eoh_context);
	e->s = qs_copy(src);
	MemoryContextSwitchTo(old);
	return e;
}

/* Shared transition of qsketch_agg(x) and qsketch_agg(x, k), qsketch state. */
static Datum
qs_exp_step(FunctionCallInfo fcinfo, int k)
{
	MemoryContext aggctx = qs_aggcontext(fcinfo);
	QSExpanded *e;
	MemoryContext old;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	/* every row but the first: our read-write state, checked in line */
	e = qs_exp_rw_arg(fcinfo, 0);
	if (e == NULL)
		e = qs_exp_state(fcinfo, aggctx);
	old = MemoryContextSwitchTo(e->hdr.eoh_context);
	if (e->s == NULL)
		e->s = qs_new(k, qs_seed(PG_GETARG_FLOAT8(1)));
	else if (e->s->k != k && PG_NARGS() > 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("qsketch k must be the same on every row")));
	qs_insert(e->s, PG_GETARG_FLOAT8(1));
	MemoryContextSwitchTo(old);
	PG_RETURN_DATUM(EOHPGetRWDatum(&e->hdr));
}

PG_FUNCTION_INFO_V1(mlops_qsketch_state_step);

/* qsketch_agg(value) transition with an mlops.qsketch state. */
Datum
mlops_qsketch_state_step(PG_FUNCTION_ARGS)
{
	return qs_exp_step(fcinfo, QS_DEFAULT_K);
}

PG_FUNCTION_INFO_V1(mlops_qsketch_state_step_k);

/* qsketch_agg(value, k) transition with an mlops.qsketch state. */
Datum
mlops_qsketch_state_step_k(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("qsketch k must not be NULL")));
	return qs_exp_step(fcinfo, qs_check_k(PG_GETARG_INT32(2)));
}

PG_FUNCTION_INFO_V1(mlops_qsketch_state_merge);

/*
 * state + sketch: the transition of merge(qsketch) and the combine function
 * of every qsketch aggregate (a partial state is a qsketch). NULLs skipped.
 */
Datum
mlops_qsketch_state_merge(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = qs_aggcontext(fcinfo);
	QSExpanded *e;
	const QSketch *b;
	bool		parsed;
	MemoryContext old;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	e = qs_exp_state(fcinfo, aggctx);
	b = qs_arg_sketch(fcinfo, 1, &parsed);
	old = MemoryContextSwitchTo(e->hdr.eoh_context);
	if (e->s == NULL)
		e->s = qs_copy(b);
	else if (!qs_merge(e->s, b))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("qsketch count out of range"),
				 errdetail("The merged sketches summarise more than 9223372036854775807 values.")));
	MemoryContextSwitchTo(old);
	if (parsed)
		qs_free((QSketch *) b);
	PG_RETURN_DATUM(EOHPGetRWDatum(&e->hdr));
}

PG_FUNCTION_INFO_V1(mlops_qsketch_state_final);

/* Final of the qsketch aggregates: the flat sketch; the state is left as it is. */
Datum
mlops_qsketch_state_final(PG_FUNCTION_ARGS)
{
	Datum		d;
	struct varlena *flat;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	d = PG_GETARG_DATUM(0);
	if (VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(d)))
		PG_RETURN_POINTER(PG_DETOAST_DATUM(d));
	flat = PG_DETOAST_DATUM_COPY(d);
	PG_RETURN_POINTER(flat);
}

PG_FUNCTION_INFO_V1(mlops_qsketch_quantile);

/* quantile(sketch, q): percentile_disc(q) of the summarised values. */
Datum
mlops_qsketch_quantile(PG_FUNCTION_ARGS)
{
	QSketch    *s = qs_from_datum(PG_GETARG_DATUM(0));
	double		q = PG_GETARG_FLOAT8(1);
	QSView	   *v;
	double		r;

	if (!(q >= 0.0 && q <= 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("quantile %g is not between 0 and 1", q)));
	if (s->n == 0)
		PG_RETURN_NULL();
	if (q == 0.0)
		PG_RETURN_FLOAT8(s->min);
	if (q == 1.0)
		PG_RETURN_FLOAT8(s->max);
	v = qs_view(s);
	r = qs_view_quantile(v, q);
	PG_RETURN_FLOAT8(r);
}

PG_FUNCTION_INFO_V1(mlops_qsketch_cdf);

/* cdf(sketch, x): estimated share of the non-NaN values <= x. */
Datum
mlops_qsketch_cdf(PG_FUNCTION_ARGS)
{
	QSketch    *s = qs_from_datum(PG_GETARG_DATUM(0));
	double		x = PG_GETARG_FLOAT8(1);

	if (isnan(x))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cdf point must not be NaN"),
				 errhint("NaN values are counted apart: see mlops.nan_count(qsketch).")));
	if (s->n == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8((double) qs_rank(s, x, true) / (double) s->n);
}

PG_FUNCTION_INFO_V1(mlops_qsketch_rank_error);

/* rank_error(sketch): normalised rank error bound, 99% per query. */
Datum
mlops_qsketch_rank_error(PG_FUNCTION_ARGS)
{
	QSketch    *s = qs_from_datum(PG_GETARG_DATUM(0));

	if (s->n == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(qs_rank_error(s, QS_RANK_DELTA));
}

PG_FUNCTION_INFO_V1(mlops_qsketch_total);

/* total(sketch): all values summarised, NaN included. */
Datum
mlops_qsketch_total(PG_FUNCTION_ARGS)
{
	QSketch    *s = qs_from_datum(PG_GETARG_DATUM(0));

	PG_RETURN_INT64((int64) (s->n + s->nan));
}

PG_FUNCTION_INFO_V1(mlops_qsketch_nan_count);

/* nan_count(sketch): NaN values counted apart. */
Datum
mlops_qsketch_nan_count(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64((int64) qs_from_datum(PG_GETARG_DATUM(0))->nan);
}

/*
 * ks(a, b) -> (statistic, lower, upper).
 *
 * statistic = D^ = sup_y |F^a(y) - F^b(y)| of the sketches' estimated CDFs.
 * Claim: the exact two-sample D of the raw (non-NaN) values lies in
 * [lower, upper] = [max(0, D^ - ea - eb), min(1, D^ + ea + eb)], where ea, eb
 * are the sketches' uniform bounds (qs_uniform_error: sup_y |F^(y) - F(y)|).
 * Proof: for every y, by the triangle inequality,
 *   |Fa(y) - Fb(y)| <= |F^a(y) - F^b(y)| + |Fa(y) - F^a(y)| + |Fb(y) - F^b(y)|
 *                   <= D^ + ea + eb,
 * so D = sup_y |Fa - Fb| <= D^ + ea + eb; symmetrically D^ <= D + ea + eb.
 * ea and eb hold always when they come from the deterministic bound (a) and
 * with probability >= 1 - 5e-7 each when from bound (c) (together >= 1 - 1e-6
 * over the sketches' coins). Sketches that never compacted are exact:
 * ea = eb = 0 and lower = statistic = upper = D.
 * NULL when a sketch has no non-NaN value.
 */
PG_FUNCTION_INFO_V1(mlops_qsketch_ks);

Datum
mlops_qsketch_ks(PG_FUNCTION_ARGS)
{
	QSketch    *a = qs_from_datum(PG_GETARG_DATUM(0));
	QSketch    *b = qs_from_datum(PG_GETARG_DATUM(1));
	TupleDesc	tupdesc;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};
	QSView	   *va,
			   *vb;
	double		d,
				e;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (a->n == 0 || b->n == 0)
		PG_RETURN_NULL();
	va = qs_view(a);
	vb = qs_view(b);
	d = qs_ks(va, vb);
	e = qs_uniform_error(a, QS_KS_DELTA) + qs_uniform_error(b, QS_KS_DELTA);
	values[0] = Float8GetDatum(d);
	values[1] = Float8GetDatum(Max(0.0, d - e));
	values[2] = Float8GetDatum(Min(1.0, d + e));
	tupdesc = BlessTupleDesc(tupdesc);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* Check a bins argument. */
static int
qs_check_bins(int32 bins)
{
	if (bins < 2 || bins > 10000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("bins must be between 2 and 10000, not %d", bins)));
	return bins;
}

/*
 * Bin edges from a sketch: its quantiles at 1/bins .. (bins-1)/bins
 * (percentile_disc style), duplicates dropped so they strictly increase.
 * Returns how many edges were written into edges[bins - 1].
 */
static int
qs_edges(const QSketch *s, int bins, double *edges)
{
	QSView	   *v = qs_view(s);
	int			m = 0,
				i;

	for (i = 1; i < bins; i++)
	{
		double		e = qs_view_quantile(v, (double) i / bins);

		if (m == 0 || e > edges[m - 1])
			edges[m++] = e;
	}
	qs_view_free(v);
	return m;
}

/* Estimated counts of s in the bins cut by edges, then NaN (when nanbin). */
static void
qs_bin_counts(const QSketch *s, const double *edges, int m, bool nanbin, double *counts)
{
	uint64_t	prev = 0;
	int			i;

	for (i = 0; i < m; i++)
	{
		uint64_t	r = qs_rank(s, edges[i], false);	/* values < edge */

		counts[i] = (double) (r - prev);
		prev = r;
	}
	counts[m] = (double) (s->n - prev);
	if (nanbin)
		counts[m + 1] = (double) s->nan;
}

PG_FUNCTION_INFO_V1(mlops_qsketch_psi);

/*
 * psi(reference, current, bins): PSI on the reference sketch's quantile bins
 * (a value equal to an edge in the upper bin, open end bins), with the
 * shared drift_psi_counts; a NaN bin when either side has NaN. NULL when the
 * reference has no non-NaN value.
 */
Datum
mlops_qsketch_psi(PG_FUNCTION_ARGS)
{
	QSketch    *r = qs_from_datum(PG_GETARG_DATUM(0));
	QSketch    *c = qs_from_datum(PG_GETARG_DATUM(1));
	int			bins = qs_check_bins(PG_GETARG_INT32(2));
	double	   *edges,
			   *rc,
			   *cc;
	bool		nanbin = (r->nan > 0 || c->nan > 0);
	int			m,
				nb;

	if (r->n == 0)
		PG_RETURN_NULL();
	edges = palloc(sizeof(double) * bins);
	m = qs_edges(r, bins, edges);
	nb = m + 1 + (nanbin ? 1 : 0);
	rc = palloc(sizeof(double) * nb);
	cc = palloc(sizeof(double) * nb);
	qs_bin_counts(r, edges, m, nanbin, rc);
	qs_bin_counts(c, edges, m, nanbin, cc);
	if (c->n + c->nan == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(drift_psi_counts(rc, cc, nb));
}

PG_FUNCTION_INFO_V1(mlops_qsketch_quantile_edges);

/*
 * quantile_edges(sketch, bins): strictly increasing edges for histogram(),
 * which takes finite edges only: an infinite quantile (a sample with
 * -Infinity or +Infinity among its values) is left out, which merges its
 * bin with the next; -0 is written as 0.
 */
Datum
mlops_qsketch_quantile_edges(PG_FUNCTION_ARGS)
{
	QSketch    *s = qs_from_datum(PG_GETARG_DATUM(0));
	int			bins = qs_check_bins(PG_GETARG_INT32(1));
	double	   *edges;
	Datum	   *d;
	int			m,
				n,
				i;

	if (s->n == 0)
		PG_RETURN_NULL();
	edges = palloc(sizeof(double) * bins);
	m = qs_edges(s, bins, edges);
	d = palloc(sizeof(Datum) * (m > 0 ? m : 1));
	n = 0;
	for (i = 0; i < m; i++)
		if (isfinite(edges[i]))
			d[n++] = Float8GetDatum(edges[i] == 0.0 ? 0.0 : edges[i]);
	PG_RETURN_ARRAYTYPE_P(construct_array(d, n, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}
