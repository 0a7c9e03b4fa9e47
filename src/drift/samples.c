/*
 * drift_samples.c: the transition state of the exact drift aggregates.
 *
 * ks_test, psi, wasserstein, jensen_shannon and hellinger all need every
 * value of both samples (quantile edges and ECDFs are not mergeable), so the
 * state is two growable float8 arrays in the aggregate context, appended to
 * without a palloc per row.
 *
 * Parallel plans. Every value of every worker has to reach the leader, so a
 * parallel plan pays only if the leader does little more than receive them.
 * Hence: serialize orders each side in the worker, deserialize notes that a
 * side arrived ordered (it checks, so a crafted image is merely unsorted),
 * combine adopts an ordered side as a further run without touching its
 * values, and the final functions work on the runs. ks_test and wasserstein
 * need every run sorted (mlops._drift_serialize sorts) and merge the runs in
 * linear passes. The binned statistics (psi, jensen_shannon, hellinger) need
 * less: their serialize function, mlops._drift_serialize_grouped, orders the
 * values by the top bits of their keys only (drift_group_float8: two radix
 * passes instead of six, so the workers' share costs little more than the
 * serial plan's quantile selection), and the final function finds each
 * reference quantile's group by binary searches in the runs, selects within
 * that group alone, and counts every bin by binary searches plus a pass over
 * the group an edge falls in; the leader's work does not grow with the
 * sample. Values are in drift_sort_float8's form (-0 -> 0), so the runs hold
 * exactly the values (and order statistics) that sorting the serial state
 * gives, and the answers are bit-identical.
 */
#include "postgres.h"

#include "compat.h"

#include <math.h>

#include "access/parallel.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "nodes/execnodes.h"
#include "storage/proc.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "drift/drift.h"

/*
 * "MDS1": first word of a serialized state; "MDS2": one with grouped sides;
 * "MDS3": a leader-local reference (drift_local_give).
 */
#define DRIFT_SAMPLES_MAGIC 0x3153444D
#define DRIFT_SAMPLES_MAGIC_GROUPED 0x3253444D
#define DRIFT_SAMPLES_MAGIC_LOCAL 0x3353444D
#define DRIFT_LOCAL_REF_LEN (2 * sizeof(int32) + sizeof(uint64))
#define DRIFT_SAMPLES_HDR (2 * sizeof(int32) + 2 * sizeof(int64))
/* MDS2 adds each side's shift (int32) after the counts */
#define DRIFT_SAMPLES_HDR_GROUPED (DRIFT_SAMPLES_HDR + 2 * sizeof(int32))
#define DRIFT_SAMPLES_INIT 1024

/* A new empty state in the current memory context (empty sides are sorted). */
static DriftSamples *
drift_samples_new(void)
{
	DriftSamples *s = palloc0(sizeof(DriftSamples));

	s->param = -1;
	s->sorted[0] = s->sorted[1] = true;
	return s;
}

/* memcpy of n values in slices, checking for interrupts between them (80 MB take a while). */
static void
drift_copy_values(double *dst, const double *src, int64 n)
{
	int64		done = 0;

	while (done < n)
	{
		int64		len = Min(n - done, (int64) DRIFT_CFI_STRIDE * 16);

		CHECK_FOR_INTERRUPTS();
		memcpy(dst + done, src + done, sizeof(double) * len);
		done += len;
	}
}

static double *drift_merge_sorted(const double *a, int64 m, const double *b, int64 n, int64 cap);
static int64 drift_samples_capacity(int64 cap, int64 need);
static void drift_bad_state(const char *why) pg_attribute_noreturn();

/*
 * Merge the runs of one side into v (grouped runs are sorted first), in the
 * state's own context (a final function runs in a shorter-lived one); the
 * multiset is unchanged.
 */
static void
drift_samples_flatten(DriftSamples *s, int side)
{
	MemoryContext old;
	int64		len;
	int			i;

	if (s->nruns[side] == 0)
		return;
	old = MemoryContextSwitchTo(GetMemoryChunkContext(s));
	len = s->n[side] - s->inruns[side];
	for (i = 0; i < s->nruns[side]; i++)
	{
		DriftRun   *r = &s->runs[side][i];
		int64		total = len + r->n;
		int64		cap = drift_samples_capacity(s->cap[side], total);
		double	   *merged;

		if (r->shift > 0)
			drift_sort_float8(r->v, r->n);	/* a grouped run: its groups sorted */
		merged = drift_merge_sorted(s->v[side], len, r->v, r->n, cap);

		if (s->v[side] != NULL)
			pfree(s->v[side]);
		pfree(r->v);
		s->v[side] = merged;
		s->cap[side] = cap;
		len = total;
	}
	s->nruns[side] = 0;
	s->inruns[side] = 0;
	MemoryContextSwitchTo(old);
}

/* Sort both sides of a state in place, unless already sorted (same multiset). */
void
drift_samples_sort(DriftSamples *s)
{
	int			side;

	for (side = 0; side < 2; side++)
		drift_samples_flatten(s, side);
	for (side = 0; side < 2; side++)
		if (!s->sorted[side])
		{
			drift_sort_float8(s->v[side], s->n[side]);
			s->sorted[side] = true;
		}
}

/* Capacity (doubling from cap) for need values on one side; errors past the limit. */
static int64
drift_samples_capacity(int64 cap, int64 need)
{
	cap = Max(cap, DRIFT_SAMPLES_INIT);
	while (cap < need)
		cap *= 2;
	if ((Size) cap > MaxAllocHugeSize / sizeof(double))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many values for a drift statistic"),
				 errhint("Compare samples of at most %lld values per side.",
						 (long long) (MaxAllocHugeSize / sizeof(double) / 2))));
	return cap;
}

/* Make room for extra more values on one side. */
static void
drift_samples_reserve(DriftSamples *s, int side, int64 extra)
{
	int64		need = s->n[side] + extra;
	int64		cap = s->cap[side];

	if (need <= cap)
		return;
	cap = drift_samples_capacity(cap, need);
	if (s->v[side] == NULL)
		s->v[side] = MemoryContextAllocHuge(CurrentMemoryContext, cap * sizeof(double));
	else
		s->v[side] = repalloc_huge(s->v[side], cap * sizeof(double));
	s->cap[side] = cap;
}

/* Append one value to one side. */
static inline void
drift_samples_add(DriftSamples *s, int side, double x)
{
	Assert(s->nruns[side] == 0);	/* runs come from combine, after every row */
	if (s->n[side] >= s->cap[side])
		drift_samples_reserve(s, side, 1);
	s->v[side][s->n[side]++] = x;
	s->sorted[side] = false;
}

/* The aggregate context, or an error when called outside an aggregate. */
static MemoryContext
drift_aggcontext(FunctionCallInfo fcinfo, const char *fname)
{
	MemoryContext ctx;

	if (!AggCheckCallContext(fcinfo, &ctx))
		elog(ERROR, "%s called in non-aggregate context", fname);
	return ctx;
}

/* Shared body of the transition functions: the state, created on first use. */
static DriftSamples *
drift_samples_state(FunctionCallInfo fcinfo, MemoryContext ctx)
{
	DriftSamples *s;
	MemoryContext old;

	if (!PG_ARGISNULL(0))
		return (DriftSamples *) PG_GETARG_POINTER(0);
	old = MemoryContextSwitchTo(ctx);
	s = drift_samples_new();
	MemoryContextSwitchTo(old);
	return s;
}

/* Add the row's (value, is_reference) when both are non-NULL. */
static void
drift_samples_row(FunctionCallInfo fcinfo, DriftSamples *s, MemoryContext ctx)
{
	MemoryContext old;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		return;
	old = MemoryContextSwitchTo(ctx);
	drift_samples_add(s, PG_GETARG_BOOL(2) ? 0 : 1, PG_GETARG_FLOAT8(1));
	MemoryContextSwitchTo(old);
}

/* Record a per-aggregate parameter; it must be the same on every row. */
static void
drift_samples_param(DriftSamples *s, int32 param, const char *what)
{
	if (s->param == -1)
		s->param = param;
	else if (s->param != param)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be the same for every row of a drift aggregate", what)));
}

/* Check the bins argument of the binned statistics: 2 to 10000. */
void
drift_check_bins(int32 bins)
{
	if (bins < 2 || bins > 10000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("bins must be between 2 and 10000, not %d", bins)));
}

PG_FUNCTION_INFO_V1(mlops_drift_accum);

/* mlops._drift_accum(internal, float8, bool): collect both samples. */
Datum
mlops_drift_accum(PG_FUNCTION_ARGS)
{
	MemoryContext ctx = drift_aggcontext(fcinfo, "mlops._drift_accum");
	DriftSamples *s = drift_samples_state(fcinfo, ctx);

	drift_samples_row(fcinfo, s, ctx);
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(mlops_drift_accum_bins);

/* mlops._drift_accum_bins(internal, float8, bool, int): collect, remembering bins. */
Datum
mlops_drift_accum_bins(PG_FUNCTION_ARGS)
{
	MemoryContext ctx = drift_aggcontext(fcinfo, "mlops._drift_accum_bins");
	DriftSamples *s = drift_samples_state(fcinfo, ctx);

	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("bins must not be null")));
	drift_check_bins(PG_GETARG_INT32(3));
	drift_samples_param(s, PG_GETARG_INT32(3), "bins");
	drift_samples_row(fcinfo, s, ctx);
	PG_RETURN_POINTER(s);
}

/* The alternative hypothesis named by text ('two-sided', 'greater', 'less'). */
int
drift_parse_alternative(text *t)
{
	char	   *a = text_to_cstring(t);
	int			r;

	if (strcmp(a, "two-sided") == 0)
		r = DRIFT_ALT_TWO_SIDED;
	else if (strcmp(a, "greater") == 0)
		r = DRIFT_ALT_GREATER;
	else if (strcmp(a, "less") == 0)
		r = DRIFT_ALT_LESS;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid alternative \"%s\"", a),
				 errhint("Use 'two-sided', 'greater' or 'less'.")));
	pfree(a);
	return r;
}

PG_FUNCTION_INFO_V1(mlops_drift_accum_alt);

/* mlops._drift_accum_alt(internal, float8, bool, text): collect, remembering the alternative. */
Datum
mlops_drift_accum_alt(PG_FUNCTION_ARGS)
{
	MemoryContext ctx = drift_aggcontext(fcinfo, "mlops._drift_accum_alt");
	DriftSamples *s = drift_samples_state(fcinfo, ctx);

	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("alternative must not be null")));
	if (s->param == -1)
		s->param = drift_parse_alternative(PG_GETARG_TEXT_PP(3));
	else
		drift_samples_param(s, drift_parse_alternative(PG_GETARG_TEXT_PP(3)), "alternative");
	drift_samples_row(fcinfo, s, ctx);
	PG_RETURN_POINTER(s);
}

/*
 * Merge the sorted a[0..m) and b[0..n) into a new array in the current
 * context, with room for cap values. Equal values are bit-identical in the
 * sorted form, so the result is what sorting the union gives.
 */
static double *
drift_merge_sorted(const double *a, int64 m, const double *b, int64 n, int64 cap)
{
	double	   *out = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * cap);
	int64		ma = m,
				nb = n,
				i = 0,
				j = 0,
				o = 0;

	/* NaN (one bit pattern) sits at the end of both: merge what is before it */
	while (ma > 0 && isnan(a[ma - 1]))
		ma--;
	while (nb > 0 && isnan(b[nb - 1]))
		nb--;
	while (i < ma && j < nb)
	{
		int64		stop = o + DRIFT_CFI_STRIDE;

		CHECK_FOR_INTERRUPTS();
		/* without branches: take from b only when strictly smaller (stable) */
		while (i < ma && j < nb && o < stop)
		{
			double		x = a[i],
						y = b[j];
			bool		take_b = y < x;

			out[o++] = take_b ? y : x;
			j += take_b;
			i += !take_b;
		}
	}
	drift_copy_values(out + o, a + i, ma - i);
	o += ma - i;
	drift_copy_values(out + o, b + j, nb - j);
	o += nb - j;
	drift_copy_values(out + o, a + ma, m - ma);
	o += m - ma;
	drift_copy_values(out + o, b + nb, n - nb);
	return out;
}

/* Add a run to one side of s (the array becomes s's). */
static void
drift_samples_push_run(DriftSamples *s, int side, double *v, int64 n, int shift)
{
	if (s->nruns[side] == s->maxruns[side])
	{
		int			m = Max(4, 2 * s->maxruns[side]);

		s->runs[side] = (s->runs[side] == NULL)
			? palloc(sizeof(DriftRun) * m)
			: repalloc(s->runs[side], sizeof(DriftRun) * m);
		s->maxruns[side] = m;
	}
	s->runs[side][s->nruns[side]].v = v;
	s->runs[side][s->nruns[side]].n = n;
	s->runs[side][s->nruns[side]].shift = shift;
	s->nruns[side]++;
	s->inruns[side] += n;
	s->n[side] += n;
}

/* Do src's arrays of one side live in the current context (a partial state about to be dropped)? */
static bool
drift_samples_side_here(DriftSamples *src, int side)
{
	int			i;

	if (src->handed_over)
		return true;
	if (src->v[side] != NULL && GetMemoryChunkContext(src->v[side]) != CurrentMemoryContext)
		return false;
	for (i = 0; i < src->nruns[side]; i++)
		if (GetMemoryChunkContext(src->runs[side][i].v) != CurrentMemoryContext)
			return false;
	return true;
}

/*
 * Append one side of src to dst. Both sorted (src's further runs, sorted or
 * grouped, included) and src's arrays in dst's context: two plain sorted
 * arrays are merged at once, anything else becomes runs of dst (src is a
 * partial state about to be dropped, so nothing is copied). Otherwise src is
 * flattened first, and then two sorted sides are merged, anything else
 * concatenated.
 */
static void
drift_samples_append_side(DriftSamples *dst, DriftSamples *src, int side)
{
	int64		n = src->n[side],
				len = n - src->inruns[side];
	int			i;

	if (n == 0)
		return;
	if (dst->sorted[side] && src->sorted[side] && drift_samples_side_here(src, side))
	{
		if (dst->n[side] == 0 && src->nruns[side] == 0)
		{
			if (dst->v[side] != NULL)
				pfree(dst->v[side]);
			dst->v[side] = src->v[side];
			dst->cap[side] = src->cap[side];
			dst->n[side] = n;
		}
		else if (dst->nruns[side] == 0 && src->nruns[side] == 0)
		{
			/*
			 * Two sorted arrays: merge them now rather than at the final
			 * function. The work is the same as the final's merge of this
			 * run, but a Finalize Aggregate does it as each worker's state
			 * arrives, while slower workers are still sorting theirs.
			 */
			int64		total = dst->n[side] + n;
			int64		cap = drift_samples_capacity(dst->cap[side], total);
			double	   *merged = drift_merge_sorted(dst->v[side], dst->n[side], src->v[side], n, cap);

			pfree(dst->v[side]);
			pfree(src->v[side]);
			dst->v[side] = merged;
			dst->cap[side] = cap;
			dst->n[side] = total;
		}
		else
		{
			if (len > 0)
				drift_samples_push_run(dst, side, src->v[side], len, 0);
			else if (src->v[side] != NULL)
				pfree(src->v[side]);
			for (i = 0; i < src->nruns[side]; i++)
				drift_samples_push_run(dst, side, src->runs[side][i].v, src->runs[side][i].n,
									   src->runs[side][i].shift);
		}
		/* the arrays are dst's now */
		src->v[side] = NULL;
		src->n[side] = 0;
		src->cap[side] = 0;
		src->nruns[side] = 0;
		src->inruns[side] = 0;
		return;
	}
	drift_samples_flatten(src, side);
	drift_samples_flatten(dst, side);
	if (dst->n[side] > 0 && dst->sorted[side] && src->sorted[side])
	{
		int64		total = dst->n[side] + n;
		int64		cap = drift_samples_capacity(dst->cap[side], total);
		double	   *merged;

		merged = drift_merge_sorted(dst->v[side], dst->n[side], src->v[side], n, cap);
		pfree(dst->v[side]);
		dst->v[side] = merged;
		dst->cap[side] = cap;
		dst->n[side] = total;
		return;
	}
	drift_samples_reserve(dst, side, n);
	drift_copy_values(dst->v[side] + dst->n[side], src->v[side], n);
	dst->sorted[side] = (dst->n[side] == 0) ? src->sorted[side] : false;
	dst->n[side] += n;
}

/* Append all values of src to dst (in dst's context, the current one). */
static void
drift_samples_append(DriftSamples *dst, DriftSamples *src)
{
	int			side;

	for (side = 0; side < 2; side++)
		drift_samples_append_side(dst, src, side);
	if (src->param != -1)
		drift_samples_param(dst, src->param, "the parameter");
}

PG_FUNCTION_INFO_V1(mlops_drift_combine);

/* mlops._drift_combine(internal, internal): merge two partial states. */
Datum
mlops_drift_combine(PG_FUNCTION_ARGS)
{
	MemoryContext ctx = drift_aggcontext(fcinfo, "mlops._drift_combine");
	MemoryContext old;
	DriftSamples *a = PG_ARGISNULL(0) ? NULL : (DriftSamples *) PG_GETARG_POINTER(0);
	DriftSamples *b = PG_ARGISNULL(1) ? NULL : (DriftSamples *) PG_GETARG_POINTER(1);

	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	/* b was built in this aggregate context (transition or deserialize): adopt it */
	if (a == NULL && GetMemoryChunkContext(b) == ctx)
		PG_RETURN_POINTER(b);
	old = MemoryContextSwitchTo(ctx);
	if (a == NULL)
		a = drift_samples_new();
	drift_samples_append(a, b);
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(a);
}

/*
 * The flat image of a state: magic, param, both counts, then the values; with
 * shifts (each side ordered by key >> shift), the MDS2 image, whose header
 * adds both shifts after the counts.
 */
static bytea *
drift_samples_encode(DriftSamples *s, const int32 *shifts)
{
	Size		hdr = shifts ? DRIFT_SAMPLES_HDR_GROUPED : DRIFT_SAMPLES_HDR;
	Size		len = hdr + sizeof(double) * (s->n[0] + s->n[1]);
	bytea	   *out;
	char	   *p;
	int32		magic = shifts ? DRIFT_SAMPLES_MAGIC_GROUPED : DRIFT_SAMPLES_MAGIC;

	drift_samples_flatten(s, 0);
	drift_samples_flatten(s, 1);
	if (len > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("drift aggregate state too large for a parallel plan"),
				 errhint("Disable parallel aggregation for this query (max_parallel_workers_per_gather = 0).")));
	out = palloc(VARHDRSZ + len);
	SET_VARSIZE(out, VARHDRSZ + len);
	p = VARDATA(out);
	memcpy(p, &magic, sizeof(int32));
	memcpy(p + sizeof(int32), &s->param, sizeof(int32));
	memcpy(p + 2 * sizeof(int32), &s->n[0], sizeof(int64));
	memcpy(p + 2 * sizeof(int32) + sizeof(int64), &s->n[1], sizeof(int64));
	if (shifts)
		memcpy(p + DRIFT_SAMPLES_HDR, shifts, 2 * sizeof(int32));
	p += hdr;
	drift_copy_values((double *) p, s->v[0], s->n[0]);
	drift_copy_values((double *) (p + sizeof(double) * s->n[0]), s->v[1], s->n[1]);
	return out;
}

/*
 * Leader-local hand-over. The leader of a parallel plan runs a partial
 * aggregate of its own, and its serialized state never leaves the process:
 * it goes from the Partial Aggregate through Gather to the Finalize
 * Aggregate's deserialize function. For a plain (ungrouped) partial
 * aggregate, whose aggregate context lives until the plan ends or is
 * rescanned, the serialize function then hands over a reference instead of
 * a copy of the values: an MDS3 image (magic, padding, a random nonce) that
 * names an entry of this backend's table of hand-overs. The deserialize
 * function takes the entry out of the table (once) and adopts the state's
 * arrays as they are, so the leader's share is neither copied into the image,
 * nor into the Gather's tuple, nor out of it again. An MDS3 image is refused
 * when its nonce is not in the table (another transaction's, used, or made
 * up), and by mlops._drift_state_info always.
 */
typedef struct DriftLocalRef
{
	uint64		nonce;
	DriftSamples *s;
	int32		shifts[2];
} DriftLocalRef;

static DriftLocalRef *local_refs = NULL;	/* in TopMemoryContext */
static int	n_local_refs = 0;
static int	max_local_refs = 0;
static LocalTransactionId local_refs_lxid = InvalidLocalTransactionId;

/* Entries of an earlier transaction are void. */
static void
drift_local_refresh(void)
{
	if (local_refs_lxid != MyProc->lxid)
	{
		n_local_refs = 0;
		local_refs_lxid = MyProc->lxid;
	}
}

/*
 * The MDS3 reference to s, or NULL where a copy must be made: outside the
 * leader's plain partial aggregate of a parallel plan, or when s was handed
 * over already.
 */
static bytea *
drift_local_give(FunctionCallInfo fcinfo, DriftSamples *s, const int32 *shifts)
{
	AggState   *agg = (AggState *) fcinfo->context;
	uint64		nonce;
	bytea	   *out;
	int32		magic = DRIFT_SAMPLES_MAGIC_LOCAL,
				pad = 0;
	int			i;

	if (IsParallelWorker() || !IsInParallelMode() || agg == NULL || !IsA(agg, AggState)
		|| agg->aggstrategy != AGG_PLAIN || agg->aggsplit != AGGSPLIT_INITIAL_SERIAL)
		return NULL;
	drift_local_refresh();
	for (i = 0; i < n_local_refs; i++)
		if (local_refs[i].s == s)
			return NULL;
	if (!pg_strong_random(&nonce, sizeof(nonce)))
		return NULL;
	if (n_local_refs == max_local_refs)
	{
		int			m = Max(4, 2 * max_local_refs);

		local_refs = (local_refs == NULL)
			? MemoryContextAlloc(TopMemoryContext, sizeof(DriftLocalRef) * m)
			: repalloc(local_refs, sizeof(DriftLocalRef) * m);
		max_local_refs = m;
	}
	local_refs[n_local_refs].nonce = nonce;
	local_refs[n_local_refs].s = s;
	local_refs[n_local_refs].shifts[0] = shifts ? shifts[0] : 0;
	local_refs[n_local_refs].shifts[1] = shifts ? shifts[1] : 0;
	n_local_refs++;
	out = palloc(VARHDRSZ + DRIFT_LOCAL_REF_LEN);
	SET_VARSIZE(out, VARHDRSZ + DRIFT_LOCAL_REF_LEN);
	memcpy(VARDATA(out), &magic, sizeof(int32));
	memcpy(VARDATA(out) + sizeof(int32), &pad, sizeof(int32));
	memcpy(VARDATA(out) + 2 * sizeof(int32), &nonce, sizeof(uint64));
	return out;
}

/*
 * The state an MDS3 image refers to, taken out of the table: a new state in
 * the current context that owns the handed-over arrays (the old one keeps
 * none), a grouped side as one run of its shift.
 */
static DriftSamples *
drift_local_take(const char *p, Size len)
{
	uint64		nonce;
	DriftSamples *from = NULL,
			   *s;
	int32		shifts[2];
	int			i,
				side;

	if (len != DRIFT_LOCAL_REF_LEN)
		drift_bad_state("length does not match the counts");
	memcpy(&nonce, p + 2 * sizeof(int32), sizeof(uint64));
	drift_local_refresh();
	for (i = 0; i < n_local_refs; i++)
		if (local_refs[i].nonce == nonce)
		{
			from = local_refs[i].s;
			shifts[0] = local_refs[i].shifts[0];
			shifts[1] = local_refs[i].shifts[1];
			local_refs[i] = local_refs[--n_local_refs];
			break;
		}
	if (from == NULL)
		drift_bad_state("unknown leader-local reference");
	elog(DEBUG1, "drift aggregate: the leader's partial state (%lld values) taken over without a copy",
		 (long long) (from->n[0] + from->n[1]));
	s = drift_samples_new();
	s->param = from->param;
	s->handed_over = true;
	for (side = 0; side < 2; side++)
	{
		if (shifts[side] > 0 && from->n[side] > 0)
			drift_samples_push_run(s, side, from->v[side], from->n[side], shifts[side]);
		else
		{
			s->v[side] = from->v[side];
			s->n[side] = from->n[side];
			s->cap[side] = from->cap[side];
			s->sorted[side] = from->sorted[side];
		}
		from->v[side] = NULL;
		from->n[side] = from->cap[side] = 0;
	}
	return s;
}

PG_FUNCTION_INFO_V1(mlops_drift_serialize);

/*
 * mlops._drift_serialize(internal): the state's flat image, each side sorted
 * first (in place: the worker's state holds the same multiset), so that the
 * workers sort in parallel and the leader only merges.
 */
Datum
mlops_drift_serialize(PG_FUNCTION_ARGS)
{
	DriftSamples *s = (DriftSamples *) PG_GETARG_POINTER(0);
	bytea	   *ref;

	drift_aggcontext(fcinfo, "mlops._drift_serialize");
	drift_samples_sort(s);
	ref = drift_local_give(fcinfo, s, NULL);
	PG_RETURN_BYTEA_P(ref ? ref : drift_samples_encode(s, NULL));
}

PG_FUNCTION_INFO_V1(mlops_drift_serialize_grouped);

/*
 * mlops._drift_serialize_grouped(internal): the serialize function of the
 * binned statistics. Each side is ordered only by the top bits of its keys
 * (drift_group_float8), in place, and the image records the shift. The
 * state is marked unsorted afterwards (it holds the same multiset, ordered
 * or not).
 */
Datum
mlops_drift_serialize_grouped(PG_FUNCTION_ARGS)
{
	DriftSamples *s = (DriftSamples *) PG_GETARG_POINTER(0);
	int32		shifts[2];
	int			side;
	bytea	   *ref;

	drift_aggcontext(fcinfo, "mlops._drift_serialize_grouped");
	for (side = 0; side < 2; side++)
	{
		drift_samples_flatten(s, side);
		shifts[side] = s->sorted[side] ? 0 : drift_group_float8(s->v[side], s->n[side]);
		s->sorted[side] = (shifts[side] == 0);
	}
	ref = drift_local_give(fcinfo, s, shifts);
	PG_RETURN_BYTEA_P(ref ? ref : drift_samples_encode(s, shifts));
}

/* Error for a bytea that is not a serialized drift state. */
static void
drift_bad_state(const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid drift aggregate state: %s", why)));
}

/*
 * Is v[0..n) ordered by drift_key >> shift, in drift_sort_float8's form (no
 * -0)? With shift 0: sorted, NaN last (NaN has the largest key). A block is
 * checked without branches between interrupt checks.
 */
static bool
drift_values_ordered(const double *v, int64 n, int shift)
{
	uint64		prev = 0;
	int64		i;

	for (i = 0; i < n; i += DRIFT_CFI_STRIDE)
	{
		int64		end = Min(n, i + DRIFT_CFI_STRIDE),
					k;
		bool		bad = false;

		CHECK_FOR_INTERRUPTS();
		for (k = i; k < end; k++)
		{
			double		c = v[k];
			uint64		g = drift_key(c) >> shift;

			bad |= ((c == 0.0) & (signbit(c) != 0)) | (g < prev);
			prev = g;
		}
		if (bad)
			return false;
	}
	return true;
}

/*
 * Copy n values from src (maybe unaligned) to dst, checking each slice of
 * the copy while it is still in the cache: is dst ordered by drift_key >>
 * shift (drift_values_ordered)?
 */
static bool
drift_copy_ordered(double *dst, const char *src, int64 n, int shift)
{
	bool		ordered = true;
	int64		i;

	for (i = 0; i < n; i += DRIFT_CFI_STRIDE)
	{
		int64		len = Min(n - i, (int64) DRIFT_CFI_STRIDE);

		CHECK_FOR_INTERRUPTS();
		memcpy(dst + i, src + sizeof(double) * i, sizeof(double) * len);
		/* a slice and the last value before it */
		if (ordered)
			ordered = drift_values_ordered(dst + (i > 0 ? i - 1 : 0), len + (i > 0), shift);
	}
	return ordered;
}

/*
 * Rebuild a state from its serialized image in the current context, checking
 * every length. A side of an MDS2 image that is ordered as its shift says
 * becomes the state's one run of that shift; a side that is not in the order
 * its header claims is kept as unsorted values.
 */
static DriftSamples *
drift_samples_decode(bytea *in, bool allow_local)
{
	Size		len = VARSIZE_ANY_EXHDR(in);
	const char *p = VARDATA_ANY(in);
	Size		hdr = DRIFT_SAMPLES_HDR;
	int32		magic,
				param,
				shifts[2] = {0, 0};
	int64		n0,
				n1;
	DriftSamples *s;
	int			side;

	if (len >= sizeof(int32))
	{
		memcpy(&magic, p, sizeof(int32));
		if (magic == DRIFT_SAMPLES_MAGIC_LOCAL)
		{
			if (!allow_local)
				drift_bad_state("a leader-local reference is not a state image");
			return drift_local_take(p, len);
		}
	}
	if (len < DRIFT_SAMPLES_HDR)
		drift_bad_state("too short");
	memcpy(&magic, p, sizeof(int32));
	memcpy(&param, p + sizeof(int32), sizeof(int32));
	memcpy(&n0, p + 2 * sizeof(int32), sizeof(int64));
	memcpy(&n1, p + 2 * sizeof(int32) + sizeof(int64), sizeof(int64));
	if (magic == DRIFT_SAMPLES_MAGIC_GROUPED)
	{
		hdr = DRIFT_SAMPLES_HDR_GROUPED;
		if (len < hdr)
			drift_bad_state("too short");
		memcpy(shifts, p + DRIFT_SAMPLES_HDR, 2 * sizeof(int32));
		for (side = 0; side < 2; side++)
			if (shifts[side] < 0 || shifts[side] > DRIFT_GROUP_MAX_SHIFT)
				drift_bad_state("shift out of range");
	}
	else if (magic != DRIFT_SAMPLES_MAGIC)
		drift_bad_state("bad magic number");
	if (param < -1 || param > 10000)
		drift_bad_state("parameter out of range");
	if (n0 < 0 || n1 < 0 || (Size) n0 > (len - hdr) / sizeof(double)
		|| (Size) n1 > (len - hdr) / sizeof(double) - (Size) n0
		|| (Size) (n0 + n1) * sizeof(double) != len - hdr)
		drift_bad_state("length does not match the counts");
	s = drift_samples_new();
	s->param = param;
	p += hdr;
	drift_samples_reserve(s, 0, n0);
	drift_samples_reserve(s, 1, n1);
	s->n[0] = n0;
	s->n[1] = n1;
	for (side = 0; side < 2; side++)
	{
		/* the image may be unaligned: copy, then check the copies */
		bool		ordered = drift_copy_ordered(s->v[side], p, s->n[side], shifts[side]);

		p += sizeof(double) * s->n[side];
		if (shifts[side] > 0 && s->n[side] > 0 && ordered)
		{
			double	   *v = s->v[side];
			int64		n = s->n[side];

			s->v[side] = NULL;
			s->n[side] = 0;
			s->cap[side] = 0;
			drift_samples_push_run(s, side, v, n, shifts[side]);
		}
		else
			s->sorted[side] = (shifts[side] == 0) ? ordered
				: drift_values_ordered(s->v[side], s->n[side], 0);
	}
	return s;
}

PG_FUNCTION_INFO_V1(mlops_drift_deserialize);

/* mlops._drift_deserialize(bytea, internal): rebuild a state in the aggregate context. */
Datum
mlops_drift_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext ctx = drift_aggcontext(fcinfo, "mlops._drift_deserialize");
	MemoryContext old = MemoryContextSwitchTo(ctx);
	DriftSamples *s = drift_samples_decode(PG_GETARG_BYTEA_PP(0), true);

	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(mlops_drift_state_info);

/*
 * mlops._drift_state_info(bytea): decode a serialized state with the
 * deserializer's checks and describe it (tests feed it malformed bytes).
 */
Datum
mlops_drift_state_info(PG_FUNCTION_ARGS)
{
	DriftSamples *s = drift_samples_decode(PG_GETARG_BYTEA_PP(0), false);
	char	   *order[2];
	int			side;

	for (side = 0; side < 2; side++)
		order[side] = (s->nruns[side] > 0) ? psprintf("grouped>>%d", s->runs[side][0].shift)
			: s->sorted[side] ? "sorted" : "unsorted";
	PG_RETURN_TEXT_P(cstring_to_text(psprintf("param=%d n_ref=%lld n_cur=%lld ref=%s cur=%s",
											  s->param, (long long) s->n[0], (long long) s->n[1],
											  order[0], order[1])));
}

/* Copy the non-NULL elements of a float8 array (any shape) to one side. */
static void
drift_samples_load(DriftSamples *s, int side, ArrayType *a)
{
	int			nitems = ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a));
	const double *data = (const double *) ARR_DATA_PTR(a);
	bits8	   *nulls = ARR_NULLBITMAP(a);
	int			i;

	if (ARR_ELEMTYPE(a) != FLOAT8OID)
		elog(ERROR, "expected a float8 array");
	drift_samples_reserve(s, side, nitems);
	s->sorted[side] = (nitems == 0);
	if (nulls == NULL)
	{
		drift_copy_values(s->v[side], data, nitems);
		s->n[side] = nitems;
		return;
	}
	for (i = 0; i < nitems; i++)
	{
		DRIFT_CFI_EVERY(i);
		if (nulls[i / 8] & (1 << (i % 8)))
			s->v[side][s->n[side]++] = *data++;
	}
}

/* Both samples of an array-taking drift function, NULL elements dropped. */
DriftSamples *
drift_samples_from_arrays(ArrayType *ref, ArrayType *cur)
{
	DriftSamples *s = drift_samples_new();

	drift_samples_load(s, 0, ref);
	drift_samples_load(s, 1, cur);
	return s;
}

/* Below this many values the selection finishes with an insertion sort. */
#define DRIFT_SELECT_SMALL 16

/* Insertion sort of v[lo..hi) (no NaN). */
static void
drift_small_sort(double *v, int64 lo, int64 hi)
{
	int64		i,
				j;

	for (i = lo + 1; i < hi; i++)
	{
		double		x = v[i];

		for (j = i; j > lo && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/* Median of three values. */
static inline double
drift_median3(double a, double b, double c)
{
	if (a < b)
		return (b < c) ? b : (a < c) ? c : a;
	return (a < c) ? a : (b < c) ? c : b;
}

/*
 * Put the order statistics of v[lo..hi) (no NaN) whose 0-based ranks are in
 * the sorted array ranks[0..nr) at their places, as a full sort would, in
 * O(n log nr): quickselect on all the ranks at once with a three-way
 * partition (ties in one pass). Past 2 log2(n) rounds without finishing it
 * sorts the rest with the radix sort, so adversarial input stays O(n).
 */
static void
drift_select(double *v, int64 lo, int64 hi, const int64 *ranks, int nr, int depth)
{
	while (nr > 0 && hi - lo > DRIFT_SELECT_SMALL)
	{
		double		p = drift_median3(v[lo], v[lo + (hi - lo) / 2], v[hi - 1]);
		int64		lt = lo,
					i = lo,
					gt = hi;
		int			a,
					b;

		if (depth-- <= 0)
		{
			drift_sort_float8(v + lo, hi - lo);
			return;
		}
		/* [lo, lt) < p, [lt, i) == p, [gt, hi) > p */
		while (i < gt)
		{
			double		x = v[i];

			DRIFT_CFI_EVERY(i - lo);
			if (x < p)
			{
				v[i++] = v[lt];
				v[lt++] = x;
			}
			else if (x > p)
			{
				v[i] = v[--gt];
				v[gt] = x;
			}
			else
				i++;
		}
		for (a = 0; a < nr && ranks[a] < lt; a++)
			;
		for (b = a; b < nr && ranks[b] < gt; b++)
			;
		/* ranks[0..a) left, [a..b) are p already, [b..nr) right: recurse on the left, loop on the right */
		drift_select(v, lo, lt, ranks, a, depth);
		ranks += b;
		nr -= b;
		lo = gt;
	}
	if (nr > 0)
		drift_small_sort(v, lo, hi);
}

/* Position (k/bins of the way) of the reference quantile among r values: lower rank and fraction. */
static inline void
drift_quantile_pos(int64 r, int k, int bins, int64 *lo, double *frac)
{
	double		pos = (double) (r - 1) * (double) k / (double) bins;

	*lo = (int64) floor(pos);
	*frac = pos - (double) *lo;
}

/*
 * The 0-based ranks (ascending, distinct) of the order statistics the
 * bins - 1 reference quantiles of r values interpolate between; at most
 * 2 (bins - 1). Returns how many.
 */
static int
drift_quantile_ranks(int64 r, int bins, int64 *ranks)
{
	int			nranks = 0,
				k;

	for (k = 1; k < bins; k++)
	{
		int64		lo;
		double		frac;

		drift_quantile_pos(r, k, bins, &lo, &frac);
		if (nranks == 0 || ranks[nranks - 1] < lo)
			ranks[nranks++] = lo;
		if (lo + 1 < r && ranks[nranks - 1] < lo + 1)
			ranks[nranks++] = lo + 1;
	}
	return nranks;
}

/*
 * The value frac of the way from the order statistic a to the next one,
 * b >= a: a + frac (b - a), as percentile_cont computes it, with the limits
 * where that is undefined or overflows.
 */
static double
drift_interpolate(double a, double b, double frac)
{
	double		d;

	if (frac == 0.0 || a == b)
		return a;
	if (isinf(a) && isinf(b))
	{
		/*
		 * From -Infinity to +Infinity: the limit of the interpolation from -M
		 * to M, M(2 frac - 1), as M grows: -Infinity before the midpoint,
		 * +Infinity after it, 0 at it.
		 */
		return frac < 0.5 ? -INFINITY : frac > 0.5 ? INFINITY : 0.0;
	}
	if (isinf(a))
		return a;				/* from -Infinity to a number: -Infinity */
	if (isinf(b))
		return b;				/* from a number to +Infinity: +Infinity */
	d = b - a;
	if (isinf(d))
		return a * (1.0 - frac) + b * frac;	/* the difference overflows */
	return a + frac * d;
}

/* Reference quantile at k/bins by linear interpolation, from the selected order statistics. */
static double
drift_quantile(const double *v, int64 r, int k, int bins)
{
	int64		lo;
	double		frac;

	drift_quantile_pos(r, k, bins, &lo, &frac);
	if (lo >= r - 1)
		return v[Min(lo, r - 1)];
	return drift_interpolate(v[lo], v[lo + 1], frac);
}

/* Add the bin counts of the values v[0..n) to counts (NaN to the last bin). */
static void
drift_count_bins(const double *v, int64 n, const double *edges, int nedges, double *counts,
				 int nan_bin)
{
	int64		i;

	for (i = 0; i < n; i++)
	{
		double		x = v[i];

		DRIFT_CFI_EVERY(i);
		if (isnan(x))
			counts[nan_bin] += 1.0;
		else
			counts[drift_bin_of(edges, nedges, x)] += 1.0;
	}
}

/* How many of the sorted v[0..n) are below x (NaN last, above everything). */
static int64
drift_count_below(const double *v, int64 n, double x)
{
	int64		lo = 0,
				hi = n;

	while (lo < hi)
	{
		int64		mid = lo + (hi - lo) / 2;

		if (drift_cmp_float8(v[mid], x) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * drift_count_bins for a sorted side: bin b holds the values in
 * [edges[b-1], edges[b]), so its count is a difference of two binary
 * searches; O(bins log n) instead of a pass over the values.
 */
static void
drift_count_bins_sorted(const double *v, int64 n, const double *edges, int nedges,
						double *counts, int nan_bin)
{
	int64		r = drift_count_below(v, n, NAN);	/* the non-NaN values */
	int64		prev = 0;
	int			b;

	for (b = 0; b < nedges; b++)
	{
		int64		below = drift_count_below(v, r, edges[b]);

		counts[b] += (double) (below - prev);
		prev = below;
	}
	counts[nedges] += (double) (r - prev);
	counts[nan_bin] += (double) (n - r);
}

/*
 * The bins - 1 reference edges (quantiles at k/bins, made non-decreasing) of
 * the r non-NaN values v, whose order statistics at the quantile positions
 * are in place (v sorted will do); returns how many were written.
 */
int
drift_quantile_edges(const double *v, int64 r, int bins, double *edges)
{
	int			nedges = 0,
				k;

	for (k = 1; k < bins; k++)
	{
		double		e = drift_quantile(v, r, k, bins);

		edges[nedges] = (nedges > 0) ? Max(e, edges[nedges - 1]) : e;
		nedges++;
	}
	return nedges;
}

/* The pieces of one side: v's values, then its runs. */
static int
drift_side_pieces(const DriftSamples *s, int side, DriftRun **out)
{
	DriftRun   *p = palloc(sizeof(DriftRun) * (s->nruns[side] + 1));
	int			i;

	p[0].v = s->v[side];
	p[0].n = s->n[side] - s->inruns[side];
	p[0].shift = 0;
	for (i = 0; i < s->nruns[side]; i++)
		p[i + 1] = s->runs[side][i];
	*out = p;
	return s->nruns[side] + 1;
}

/* First index of v[0..n) (ordered by key >> shift) whose key >> shift is g or more. */
static int64
drift_group_start(const double *v, int64 n, int shift, uint64 g)
{
	int64		lo = 0,
				hi = n;

	while (lo < hi)
	{
		int64		mid = lo + (hi - lo) / 2;

		if ((drift_key(v[mid]) >> shift) < g)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * How many values of a run are below x (NaN last, above everything): a
 * binary search in a sorted run; in a grouped one, binary searches for x's
 * group and a pass over that group alone.
 */
static int64
drift_run_count_below(const DriftRun *r, double x)
{
	uint64		g;
	int64		lo,
				hi,
				c,
				i;

	if (r->shift == 0)
		return drift_count_below(r->v, r->n, x);
	g = drift_key(x) >> r->shift;
	lo = drift_group_start(r->v, r->n, r->shift, g);
	hi = lo + drift_group_start(r->v + lo, r->n - lo, r->shift, g + 1);
	c = lo;
	for (i = lo; i < hi; i++)
	{
		DRIFT_CFI_EVERY(i - lo);
		c += (drift_cmp_float8(r->v[i], x) < 0);
	}
	return c;
}

/*
 * Order statistics of runs (NaN cut off; every run ordered by key >> its
 * shift, so by key >> shift, the largest of them; 0 when all are sorted):
 * for each rank (ascending), bisection on the groups finds the group holding
 * it by binary searches in the runs; that group's values are gathered from
 * every run and the ranks falling in it are selected there. Work grows with
 * the groups' sizes, not the sample's (unless every value shares one group);
 * with shift 0 a group is one key, that is one value repeated.
 */
static void
drift_runs_select(const DriftRun *p, int np, int shift, const int64 *ranks, int nr, double *out)
{
	int			j = 0;

	while (j < nr)
	{
		uint64		lo = 0,
					hi = (shift == 0) ? PG_UINT64_MAX : (UINT64CONST(1) << (64 - shift)) - 1;
		int64		below = 0,
					total = 0,
					at;
		int64	   *local;
		double	   *buf;
		int			i,
					k,
					m;

		CHECK_FOR_INTERRUPTS();
		/* the smallest group g with more than ranks[j] values in groups up to g */
		while (lo < hi)
		{
			uint64		mid = lo + (hi - lo) / 2;
			int64		upto = 0;

			for (i = 0; i < np; i++)
				upto += drift_group_start(p[i].v, p[i].n, shift, mid + 1);
			if (upto > ranks[j])
				hi = mid;
			else
				lo = mid + 1;
		}
		for (i = 0; i < np; i++)
		{
			int64		a = drift_group_start(p[i].v, p[i].n, shift, lo);

			below += a;
			total += drift_group_start(p[i].v + a, p[i].n - a, shift, lo + 1);
		}
		buf = palloc_extended(sizeof(double) * Max(total, 1), MCXT_ALLOC_HUGE);
		at = 0;
		for (i = 0; i < np; i++)
		{
			int64		a = drift_group_start(p[i].v, p[i].n, shift, lo);
			int64		c = drift_group_start(p[i].v + a, p[i].n - a, shift, lo + 1);

			drift_copy_values(buf + at, p[i].v + a, c);
			at += c;
		}
		for (m = j; m < nr && ranks[m] < below + total; m++)
			;
		local = palloc(sizeof(int64) * (m - j));
		for (k = j; k < m; k++)
			local[k - j] = ranks[k] - below;
		drift_select(buf, 0, total, local, m - j, 2 * (int) ceil(log2((double) total + 1.0)) + 8);
		for (k = j; k < m; k++)
			out[k] = buf[local[k - j]];
		pfree(local);
		pfree(buf);
		j = m;
	}
}

/* Runs of the reference past this many bins are merged first (each edge costs 128 binary searches). */
#define DRIFT_RUNS_MAX_BINS 1000

/*
 * drift_quantile_edges for a reference held in runs (sorted or grouped), the
 * order statistics found by drift_runs_select:
 * the same values the merged runs would hold at those ranks, so the same
 * edges.
 */
static int
drift_runs_edges(const DriftSamples *s, int bins, double *edges)
{
	DriftRun   *p;
	int			np = drift_side_pieces(s, 0, &p),
				nedges = 0,
				nranks = 0,
				shift = 0,
				i,
				j,
				k;
	int64		r = 0;
	int64	   *ranks = palloc(sizeof(int64) * 2 * bins);
	double	   *vals = palloc(sizeof(double) * 2 * bins);

	for (i = 0; i < np; i++)
	{
		/* NaN sorts last, and is a group of its own (the shift is small enough) */
		p[i].n = drift_run_count_below(&p[i], NAN);
		r += p[i].n;
		shift = Max(shift, p[i].shift);
	}
	if (r > 0)
	{
		nranks = drift_quantile_ranks(r, bins, ranks);
		drift_runs_select(p, np, shift, ranks, nranks, vals);
		j = 0;
		for (k = 1; k < bins; k++)
		{
			int64		lo;
			double		frac,
						e;

			drift_quantile_pos(r, k, bins, &lo, &frac);
			while (ranks[j] < lo)
				j++;
			e = vals[j];
			if (lo < r - 1 && frac != 0.0)
				e = drift_interpolate(e, vals[j + 1], frac);
			edges[nedges] = (nedges > 0) ? Max(e, edges[nedges - 1]) : e;
			nedges++;
		}
	}
	pfree(ranks);
	pfree(vals);
	pfree(p);
	return nedges;
}

/*
 * Edges of a reference held in v alone. Reorders an unsorted v in place
 * (NaN moved to the end, the needed order statistics selected); a sorted v
 * has NaN last and its order statistics in place already.
 */
static int
drift_flat_edges(DriftSamples *s, int bins, double *edges)
{
	double	   *ref = s->v[0];
	int64		m = s->n[0],
				r = 0,
				i;
	int64	   *ranks;
	int			nranks;

	if (s->sorted[0])
		r = drift_count_below(ref, m, NAN);
	else
	{
		/* NaN to the end; r = the number of other values */
		for (i = 0; i < m; i++)
		{
			DRIFT_CFI_EVERY(i);
			if (!isnan(ref[i]))
			{
				double		x = ref[i];

				ref[i] = ref[r];
				ref[r++] = x;
			}
		}
	}
	if (r == 0)
		return 0;
	if (!s->sorted[0])
	{
		ranks = palloc(sizeof(int64) * 2 * bins);
		nranks = drift_quantile_ranks(r, bins, ranks);
		drift_select(ref, 0, r, ranks, nranks, 2 * (int) ceil(log2((double) r + 1.0)) + 8);
		pfree(ranks);
	}
	return drift_quantile_edges(ref, r, bins, edges);
}

/*
 * drift_count_bins for a run: drift_count_bins_sorted, or for a grouped run
 * the same differences of counts below each edge, each one binary searches
 * and a pass over the edge's group.
 */
static void
drift_count_bins_run(const DriftRun *r, const double *edges, int nedges, double *counts,
					 int nan_bin)
{
	int64		nonnan,
				prev = 0;
	int			b;

	if (r->shift == 0)
	{
		drift_count_bins_sorted(r->v, r->n, edges, nedges, counts, nan_bin);
		return;
	}
	nonnan = drift_run_count_below(r, NAN);
	for (b = 0; b < nedges; b++)
	{
		int64		below = drift_run_count_below(r, edges[b]);

		counts[b] += (double) (below - prev);
		prev = below;
	}
	counts[nedges] += (double) (nonnan - prev);
	counts[nan_bin] += (double) (r->n - nonnan);
}

/* Add the bin counts of one side (every piece) to counts. */
static void
drift_count_side(const DriftSamples *s, int side, const double *edges, int nedges,
				 double *counts, int nan_bin)
{
	int64		len = s->n[side] - s->inruns[side];
	int			i;

	if (s->sorted[side])
		drift_count_bins_sorted(s->v[side], len, edges, nedges, counts, nan_bin);
	else
		drift_count_bins(s->v[side], len, edges, nedges, counts, nan_bin);
	for (i = 0; i < s->nruns[side]; i++)
		drift_count_bins_run(&s->runs[side][i], edges, nedges, counts, nan_bin);
}

/*
 * Bin counts of both samples on the reference's quantiles at k/bins, open end
 * bins, and a last bin for NaN. Reorders an unsorted reference in place (NaN
 * moved to the end, the needed order statistics selected); the multiset the
 * state stands for is unchanged, and a sorted reference stays sorted. Sides
 * in sorted runs are counted by binary searches, without a pass over them.
 */
void
drift_bin_samples(DriftSamples *s, int bins, DriftBins *out)
{
	double	   *edges = palloc(sizeof(double) * bins);
	int			nedges;

	out->nbins = bins + 1;
	out->ref = palloc0(sizeof(double) * out->nbins);
	out->cur = palloc0(sizeof(double) * out->nbins);
	if (s->nruns[0] > 0 && bins <= DRIFT_RUNS_MAX_BINS)
		nedges = drift_runs_edges(s, bins, edges);
	else
	{
		drift_samples_flatten(s, 0);
		nedges = drift_flat_edges(s, bins, edges);
	}
	drift_count_side(s, 0, edges, nedges, out->ref, bins);
	drift_count_side(s, 1, edges, nedges, out->cur, bins);
	pfree(edges);
}

PG_FUNCTION_INFO_V1(mlops_drift_state_encode);

/* mlops._drift_state_encode(param, ref, cur): the serialized image of a state (for tests). */
Datum
mlops_drift_state_encode(PG_FUNCTION_ARGS)
{
	DriftSamples *s = drift_samples_from_arrays(PG_GETARG_ARRAYTYPE_P(1), PG_GETARG_ARRAYTYPE_P(2));

	s->param = PG_GETARG_INT32(0);
	PG_RETURN_BYTEA_P(drift_samples_encode(s, NULL));
}
