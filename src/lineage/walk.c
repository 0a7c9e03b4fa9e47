/*
 * walk.c: breadth-first walks over the lineage graph, and the traversal
 * functions mlops.lineage_upstream() / mlops.lineage_downstream().
 *
 * A walk visits each node once (a hash set of node ids) at its shortest
 * distance, one level at a time; each node of a level costs one probe of an
 * index of mlops.lineage_links ((src_id, dst_id, relation) downstream,
 * (dst_id, src_id, relation) upstream). So its cost follows the part of the
 * graph it returns, not the size of the graph. Budgets: max_depth levels and
 * max_nodes nodes; when either leaves a reachable node out, the walk says so
 * (truncated) instead of going on.
 */
#include "postgres.h"

#include "compat.h"

#include "access/genam.h"
#include "access/relscan.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "utils/fmgroids.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/tuplestore.h"

#include "common/spi_owner.h"
#include "lineage/walk.h"

const char *const mlops_lineage_kinds[LINEAGE_NKINDS] = {
	"dataset_version", "run", "model_version", "job", "external"
};

/* The set of nodes a walk has reached. */
typedef struct WalkSeen
{
	int64		node;
	char		status;
} WalkSeen;

#define SH_PREFIX		walk_seen
#define SH_ELEMENT_TYPE WalkSeen
#define SH_KEY_TYPE		int64
#define SH_KEY			node
#define SH_HASH_KEY(tb, key) hash_bytes_uint32((uint32) ((uint64) (key) ^ ((uint64) (key) >> 32)))
#define SH_EQUAL(tb, a, b) ((a) == (b))
#define SH_SCOPE		static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/* An open index scan over one direction of mlops.lineage_links. */
typedef struct EdgeScan
{
	Relation	heap;
	Relation	index;
	IndexScanDesc scan;
	TupleTableSlot *slot;
	AttrNumber	far_att;		/* the column of the node at the other end */
	AttrNumber	relation_att;
} EdgeScan;

/* Oid of an index in schema mlops, or an error. */
static Oid
lineage_index(const char *name)
{
	return mlops_relid(name);
}

/* Open the edge scan for one direction. */
static void
edge_scan_open(EdgeScan *es, bool downstream, Snapshot snap)
{
	Oid			relid = mlops_relid("lineage_links");

	es->heap = table_open(relid, AccessShareLock);
	es->index = index_open(lineage_index(downstream ? "lineage_links_src_dst_key" : "lineage_links_dst_idx"),
						   AccessShareLock);
	es->far_att = get_attnum(relid, downstream ? "dst_id" : "src_id");
	es->relation_att = get_attnum(relid, "relation");
	es->slot = table_slot_create(es->heap, NULL);
	es->scan = index_beginscan(es->heap, es->index, snap, 1, 0);
}

/* Position the scan on the edges of one node (the index's first column). */
static void
edge_scan_node(EdgeScan *es, int64 node)
{
	ScanKeyData sk;

	ScanKeyInit(&sk, 1, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(node));
	index_rescan(es->scan, &sk, 1, NULL, 0);
}

/* The next edge of the node: the node at its other end, and its relation when asked for. */
static bool
edge_scan_next(EdgeScan *es, int64 *far, char **relation)
{
	bool		isnull;

	if (!index_getnext_slot(es->scan, ForwardScanDirection, es->slot))
		return false;
	*far = DatumGetInt64(slot_getattr(es->slot, es->far_att, &isnull));
	if (relation != NULL)
		*relation = TextDatumGetCString(slot_getattr(es->slot, es->relation_att, &isnull));
	return true;
}

static void
edge_scan_close(EdgeScan *es)
{
	index_endscan(es->scan);
	ExecDropSingleTupleTableSlot(es->slot);
	index_close(es->index, AccessShareLock);
	table_close(es->heap, AccessShareLock);
}

/* Append a reached node to the result, growing its arrays. */
static void
walk_append(LineageWalk *out, int *cap, int64 node, int32 depth, char *relation)
{
	if (out->n == *cap)
	{
		*cap *= 2;
		out->nodes = repalloc(out->nodes, sizeof(int64) * *cap);
		out->depths = repalloc(out->depths, sizeof(int32) * *cap);
		if (out->relations)
			out->relations = repalloc(out->relations, sizeof(char *) * *cap);
	}
	out->nodes[out->n] = node;
	out->depths[out->n] = depth;
	if (out->relations)
		out->relations[out->n] = relation;
	out->n++;
}

/*
 * Whether a node of the last level allowed has an edge to a node the walk
 * has not reached: then max_depth left part of the graph out.
 */
static bool
walk_goes_on(EdgeScan *es, walk_seen_hash *seen, int64 *level, int nlevel)
{
	for (int i = 0; i < nlevel; i++)
	{
		int64		far;

		CHECK_FOR_INTERRUPTS();
		edge_scan_node(es, level[i]);
		while (edge_scan_next(es, &far, NULL))
			if (walk_seen_lookup(seen, far) == NULL)
				return true;
	}
	return false;
}

void
mlops_lineage_walk(bool downstream, int64 start, int32 max_depth, int64 max_nodes,
				   int64 target, Snapshot snap, bool want_relations, LineageWalk *out)
{
	EdgeScan	es;
	walk_seen_hash *seen = walk_seen_create(CurrentMemoryContext, 256, NULL);
	int			cap = 64;
	int			ncur = 1;
	int64	   *cur = palloc(sizeof(int64));
	int32		depth = 0;
	bool		found;
	bool		stop = false;

	memset(out, 0, sizeof(*out));
	out->nodes = palloc(sizeof(int64) * cap);
	out->depths = palloc(sizeof(int32) * cap);
	out->relations = want_relations ? palloc(sizeof(char *) * cap) : NULL;
	cur[0] = start;
	walk_seen_insert(seen, start, &found);
	edge_scan_open(&es, downstream, snap);

	while (ncur > 0 && !stop)
	{
		int			first = out->n;

		if (depth >= max_depth)
		{
			out->truncated = walk_goes_on(&es, seen, cur, ncur);
			break;
		}
		depth++;
		for (int i = 0; i < ncur && !stop; i++)
		{
			int64		far;
			char	   *relation = NULL;

			CHECK_FOR_INTERRUPTS();
			edge_scan_node(&es, cur[i]);
			while (edge_scan_next(&es, &far, want_relations ? &relation : NULL))
			{
				if (walk_seen_lookup(seen, far) != NULL)
					continue;
				if (out->n >= max_nodes)
				{
					out->truncated = true;
					stop = true;
					break;
				}
				walk_seen_insert(seen, far, &found);
				walk_append(out, &cap, far, depth, relation);
				if (far == target)
				{
					out->found = true;
					stop = true;
					break;
				}
			}
		}
		/* the next level is what this one reached (copied: appending may move out->nodes) */
		pfree(cur);
		ncur = out->n - first;
		cur = palloc(sizeof(int64) * Max(ncur, 1));
		memcpy(cur, out->nodes + first, sizeof(int64) * ncur);
	}
	edge_scan_close(&es);
	walk_seen_destroy(seen);
	pfree(cur);
}

/* An open index scan of mlops.lineage_nodes by primary key, for many lookups. */
typedef struct NodeNames
{
	Relation	heap;
	Relation	index;
	IndexScanDesc scan;
	TupleTableSlot *slot;
	AttrNumber	kind_att;
	AttrNumber	key_att;
} NodeNames;

static void
node_names_open(NodeNames *nn, Snapshot snap)
{
	Oid			relid = mlops_relid("lineage_nodes");

	nn->heap = table_open(relid, AccessShareLock);
	nn->index = index_open(mlops_relid("lineage_nodes_pkey"), AccessShareLock);
	nn->slot = table_slot_create(nn->heap, NULL);
	nn->scan = index_beginscan(nn->heap, nn->index, snap, 1, 0);
	nn->kind_att = get_attnum(relid, "kind");
	nn->key_att = get_attnum(relid, "key");
}

/* Kind and key of one node (palloc'd); false when it is not visible. */
static bool
node_names_get(NodeNames *nn, int64 node, char **kind, char **key)
{
	ScanKeyData sk;
	bool		isnull;

	ScanKeyInit(&sk, 1, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(node));
	index_rescan(nn->scan, &sk, 1, NULL, 0);
	if (!index_getnext_slot(nn->scan, ForwardScanDirection, nn->slot))
		return false;
	*kind = TextDatumGetCString(slot_getattr(nn->slot, nn->kind_att, &isnull));
	*key = TextDatumGetCString(slot_getattr(nn->slot, nn->key_att, &isnull));
	return true;
}

static void
node_names_close(NodeNames *nn)
{
	index_endscan(nn->scan);
	ExecDropSingleTupleTableSlot(nn->slot);
	index_close(nn->index, AccessShareLock);
	table_close(nn->heap, AccessShareLock);
}

bool
mlops_lineage_node_name(int64 node, Snapshot snap, char **kind, char **key)
{
	NodeNames	nn;
	bool		ok;

	node_names_open(&nn, snap);
	ok = node_names_get(&nn, node, kind, key);
	node_names_close(&nn);
	return ok;
}

/* One row of a traversal's answer. */
typedef struct WalkRow
{
	int32		depth;
	char	   *kind;
	char	   *key;
	char	   *relation;
} WalkRow;

/* Rows in order of depth, then kind, then key (byte order). */
static int
walk_row_cmp(const void *a, const void *b)
{
	const WalkRow *x = a;
	const WalkRow *y = b;
	int			c;

	if (x->depth != y->depth)
		return x->depth < y->depth ? -1 : 1;
	c = strcmp(x->kind, y->kind);
	return c != 0 ? c : strcmp(x->key, y->key);
}

/* The caller reads the graph with its own rights: SELECT on both tables. */
static void
walk_check_privileges(void)
{
	const char *tables[] = {"lineage_nodes", "lineage_links"};

	for (int i = 0; i < lengthof(tables); i++)
		if (pg_class_aclcheck(mlops_relid(tables[i]), GetUserId(), ACL_SELECT) != ACLCHECK_OK)
			aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_TABLE, tables[i]);
}

/* Refuse a budget below 1. */
static void
walk_check_budget(const char *what, int32 value)
{
	if (value < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be at least 1, not %d", what, value),
				 errhint("The defaults are max_depth => 20 and max_nodes => 10000.")));
}

/*
 * lineage_upstream / lineage_downstream(kind, key, max_depth, max_nodes):
 * every node reached once, at its shortest depth, with the relation of the
 * edge it was first reached by; truncated is the same on every row: true
 * when a budget left reachable nodes out.
 */
static Datum
lineage_traverse(FunctionCallInfo fcinfo, bool downstream)
{
	char	   *kind = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *key = text_to_cstring(PG_GETARG_TEXT_PP(1));
	int32		max_depth = PG_GETARG_INT32(2);
	int32		max_nodes = PG_GETARG_INT32(3);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Snapshot	snap = GetActiveSnapshot();
	LineageWalk w;
	WalkRow    *rows;
	NodeNames	nn;
	int64		start;

	walk_check_budget("max_depth", max_depth);
	walk_check_budget("max_nodes", max_nodes);
	walk_check_privileges();
	start = mlops_lineage_start_node(kind, key);
	InitMaterializedSRF(fcinfo, 0);
	if (start == 0)
		return (Datum) 0;

	mlops_lineage_walk(downstream, start, max_depth, max_nodes, 0, snap, true, &w);
	rows = palloc(sizeof(WalkRow) * Max(w.n, 1));
	node_names_open(&nn, snap);
	for (int i = 0; i < w.n; i++)
	{
		rows[i].depth = w.depths[i];
		rows[i].relation = w.relations[i];
		if (!node_names_get(&nn, w.nodes[i], &rows[i].kind, &rows[i].key))
			elog(ERROR, "lineage node %lld vanished during a traversal", (long long) w.nodes[i]);
	}
	node_names_close(&nn);
	qsort(rows, w.n, sizeof(WalkRow), walk_row_cmp);
	for (int i = 0; i < w.n; i++)
	{
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};

		values[0] = Int32GetDatum(rows[i].depth);
		values[1] = CStringGetTextDatum(rows[i].kind);
		values[2] = CStringGetTextDatum(rows[i].key);
		values[3] = CStringGetTextDatum(rows[i].relation);
		values[4] = BoolGetDatum(w.truncated);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(mlops_lineage_upstream);

/* mlops.lineage_upstream(): what a node was made from. */
Datum
mlops_lineage_upstream(PG_FUNCTION_ARGS)
{
	return lineage_traverse(fcinfo, false);
}

PG_FUNCTION_INFO_V1(mlops_lineage_downstream);

/* mlops.lineage_downstream(): what was made from a node. */
Datum
mlops_lineage_downstream(PG_FUNCTION_ARGS)
{
	return lineage_traverse(fcinfo, true);
}
