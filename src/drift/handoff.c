/*
 * handoff.c: a parallel worker's serialized drift state reaches the leader
 * through the query's shared memory instead of its tuple queue.
 *
 * An exact drift state holds every value a worker saw: megabytes. A tuple
 * queue is a 64 kB ring, so sending one takes a hundred hand-overs between
 * the worker and the leader, each waiting for the other to be scheduled;
 * on a small machine that costs more than the worker's whole sort. So a
 * worker's serialize function copies a large image into the parallel
 * query's DSA area (the one every parallel query has, es_query_dsa) and
 * sends a 40-byte reference instead: "MDSR", the DSM handle of the parallel
 * context, the leader's backend id, the DSA pointer and the length. The
 * leader's deserialize function finds the Gather (or Gather Merge) under its
 * aggregate whose parallel context has that handle, reads the image in place
 * and frees it; nothing is freed when a node that may replay tuples (a Sort)
 * sits between them, and the area goes with the query.
 *
 * A reference is accepted only inside an aggregate of the backend whose
 * worker made it, under a Gather with the same DSM handle; anywhere else (a
 * state shipped elsewhere, a crafted value) it is refused with 22P03.
 * Without an area, or when the area cannot take the image, the image goes
 * through the tuple queue as before.
 */
#include "postgres.h"

#include "access/parallel.h"
#include "executor/execParallel.h"
#include "nodes/execnodes.h"
#include "nodes/nodeFuncs.h"
#include "postmaster/bgworker.h"
#include "storage/backendid.h"
#include "storage/dsm.h"
#include "utils/dsa.h"

#include "drift/drift.h"

/* "MDSR": first word of a reference to an image in shared memory. */
#define DRIFT_HANDOFF_MAGIC 0x5253444D

/* Images smaller than this go through the tuple queue (a few hand-overs at most). */
#define DRIFT_HANDOFF_MIN (256 * 1024)

typedef struct DriftHandoffRef
{
	int32		magic;
	int32		leader;			/* the leader's BackendId */
	uint32		handle;			/* DSM handle of the parallel context */
	uint32		pad;
	uint64		dp;				/* dsa_pointer of the image */
	uint64		len;			/* its length (no varlena header) */
} DriftHandoffRef;

/*
 * In a parallel worker's partial aggregate: img (freed) moved into the
 * query's DSA area, and a reference to it returned; otherwise img itself.
 */
bytea *
drift_handoff_send(FunctionCallInfo fcinfo, bytea *img)
{
	AggState   *agg;
	dsa_area   *area;
	dsa_pointer dp;
	Size		len = VARSIZE(img) - VARHDRSZ;
	DriftHandoffRef ref;
	bytea	   *out;

	if (!IsParallelWorker() || MyBgworkerEntry == NULL || len < DRIFT_HANDOFF_MIN
		|| fcinfo->context == NULL || !IsA(fcinfo->context, AggState))
		return img;
	agg = (AggState *) fcinfo->context;
	if (!DO_AGGSPLIT_SERIALIZE(agg->aggsplit) || !DO_AGGSPLIT_SKIPFINAL(agg->aggsplit))
		return img;
	area = agg->ss.ps.state->es_query_dsa;
	if (area == NULL)
		return img;
	dp = dsa_allocate_extended(area, len, DSA_ALLOC_HUGE | DSA_ALLOC_NO_OOM);
	if (!DsaPointerIsValid(dp))
		return img;
	memcpy(dsa_get_address(area, dp), VARDATA(img), len);
	pfree(img);
	memset(&ref, 0, sizeof(ref));
	ref.magic = DRIFT_HANDOFF_MAGIC;
	ref.leader = ParallelLeaderBackendId;
	ref.handle = DatumGetUInt32(MyBgworkerEntry->bgw_main_arg);
	ref.dp = (uint64) dp;
	ref.len = (uint64) len;
	out = palloc(VARHDRSZ + sizeof(ref));
	SET_VARSIZE(out, VARHDRSZ + sizeof(ref));
	memcpy(VARDATA(out), &ref, sizeof(ref));
	return out;
}

/* The parallel executor state of a Gather or Gather Merge node, or NULL. */
static ParallelExecutorInfo *
drift_handoff_pei(PlanState *ps)
{
	if (IsA(ps, GatherState))
		return ((GatherState *) ps)->pei;
	if (IsA(ps, GatherMergeState))
		return ((GatherMergeState *) ps)->pei;
	return NULL;
}

typedef struct DriftHandoffSearch
{
	uint32		handle;
	ParallelExecutorInfo *found;
} DriftHandoffSearch;

/* planstate_tree_walker callback: the Gather whose parallel context has the handle. */
static bool
drift_handoff_walk(PlanState *ps, void *arg)
{
	DriftHandoffSearch *s = (DriftHandoffSearch *) arg;
	ParallelExecutorInfo *pei;

	if (ps == NULL)
		return false;
	if (IsA(ps, GatherState) || IsA(ps, GatherMergeState))
	{
		/* its children run in workers: do not look below it */
		pei = drift_handoff_pei(ps);
		if (pei != NULL && pei->area != NULL && pei->pcxt != NULL && pei->pcxt->seg != NULL
			&& dsm_segment_handle(pei->pcxt->seg) == s->handle)
		{
			s->found = pei;
			return true;
		}
		return false;
	}
	return planstate_tree_walker(ps, drift_handoff_walk, arg);
}

/* Error for a reference that cannot be followed here. */
static void
drift_handoff_refuse(const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid drift aggregate state: %s", why)));
}

/*
 * If in is a reference, the image it points to (in h) and true; else false.
 * Errors when the reference does not belong to a Gather of this aggregate.
 */
bool
drift_handoff_open(FunctionCallInfo fcinfo, bytea *in, DriftHandoff *h)
{
	DriftHandoffRef ref;
	DriftHandoffSearch s;
	AggState   *agg;
	PlanState  *child;

	if (VARSIZE_ANY_EXHDR(in) < sizeof(int32))
		return false;
	memcpy(&ref.magic, VARDATA_ANY(in), sizeof(int32));
	if (ref.magic != DRIFT_HANDOFF_MAGIC)
		return false;
	if (VARSIZE_ANY_EXHDR(in) != sizeof(ref))
		drift_handoff_refuse("malformed reference to shared memory");
	memcpy(&ref, VARDATA_ANY(in), sizeof(ref));
	if (fcinfo == NULL || fcinfo->context == NULL || !IsA(fcinfo->context, AggState)
		|| ref.leader != MyBackendId)
		drift_handoff_refuse("a parallel worker's reference outside its query");
	agg = (AggState *) fcinfo->context;
	child = outerPlanState(agg);
	s.handle = ref.handle;
	s.found = NULL;
	if (child == NULL || !drift_handoff_walk(child, &s))
		drift_handoff_refuse("a parallel worker's reference outside its query");
	h->area = s.found->area;
	h->dp = (dsa_pointer) ref.dp;
	h->data = dsa_get_address(h->area, h->dp);
	h->len = (Size) ref.len;
	/* a Gather returns each tuple once; a node in between might replay it */
	h->release = (drift_handoff_pei(child) == s.found);
	return true;
}

/* Done with an image opened by drift_handoff_open. */
void
drift_handoff_close(DriftHandoff *h)
{
	if (h->release)
		dsa_free(h->area, h->dp);
}
