/*
 * walk.h: breadth-first walks over mlops.lineage_links (src/lineage/walk.c),
 * shared by the traversal functions, the cycle check and the impact
 * projection (src/lineage/graph.c).
 */
#ifndef MLOPS_LINEAGE_WALK_H
#define MLOPS_LINEAGE_WALK_H

#include "utils/snapshot.h"

/* Node kinds, in the order of the kind CHECK of mlops.lineage_nodes. */
#define LINEAGE_NKINDS 5
extern const char *const mlops_lineage_kinds[LINEAGE_NKINDS];

/* What a walk reached: every node once, at its shortest distance from the start. */
typedef struct LineageWalk
{
	int			n;				/* nodes reached, the start excluded */
	int64	   *nodes;
	int32	   *depths;
	char	  **relations;		/* relation of the edge each node was first reached by */
	bool		truncated;		/* a budget left reachable nodes out */
	bool		found;			/* the target was reached (then the walk stopped) */
} LineageWalk;

/*
 * Walk from start along edges (downstream: src -> dst; upstream: dst -> src)
 * with the given snapshot, level by level: one index probe per node of a
 * level. Stops at max_depth levels, after max_nodes nodes (truncated), or
 * when target (> 0) is reached. Results are palloc'd in the current context.
 * The caller checks privileges.
 */
extern void mlops_lineage_walk(bool downstream, int64 start, int32 max_depth, int64 max_nodes,
							   int64 target, Snapshot snap, bool want_relations, LineageWalk *out);

/* Kind and key of a node (palloc'd), by the primary key; false when it is not visible. */
extern bool mlops_lineage_node_name(int64 node, Snapshot snap, char **kind, char **key);

/*
 * The node a traversal starts from (src/lineage/graph.c): kind and key are
 * checked as mlops.add_lineage() checks them (22023, 42704, 22P02), as the
 * current user. 0 when the object exists but has no edges yet; 42704 for a
 * job or external node the graph does not have.
 */
extern int64 mlops_lineage_start_node(const char *kind, const char *key);

/*
 * The kept generic plan of one of the lineage's fixed statements (sql is a
 * static string: the cache is keyed by its address), prepared once per
 * backend (src/lineage/impact.c). A generic plan, because a custom plan
 * would plan the statement again on every call. Privileges are checked when
 * a plan runs, so the plans serve the caller and the owner alike.
 */
#include "executor/spi.h"
extern SPIPlanPtr mlops_lineage_plan(const char *sql, int nargs, Oid *types);

#endif							/* MLOPS_LINEAGE_WALK_H */
