/*
 * lineage.h: the lineage graph (src/lineage/), for other concerns.
 *
 * Nodes are (kind, key): dataset_version "name@version", run (uuid),
 * model_version "name@version", job (uuid), external "namespace/name".
 * Edges point downstream (data flow) and carry a relation ('input',
 * 'produced', 'output', 'parent', ...). The graph is a DAG.
 *
 * Every edge, whoever adds it (mlops.add_lineage(), the run_inputs and
 * model_versions hooks, jobs, OpenLineage ingestion), goes through
 * mlops_lineage_add(), which is what mlops.add_lineage() calls:
 *	 - checks both keys (unknown kind 22023, unknown run / model version /
 *	   dataset version 42704, a job key that is not a uuid 22P02, an empty
 *	   external key 22023) and the relation (1..100 characters, no control
 *	   characters);
 *	 - creates the nodes it needs and inserts the edge as the extension owner
 *	   (common/spi_owner); an identical edge already there is a no-op;
 *	 - the triggers of mlops.lineage_links then refuse an edge that would
 *	   close a cycle (23514, naming both ends) under the lineage lock, and
 *	   keep mlops.lineage_impact (dataset version -> model version, shortest
 *	   depth) up to date.
 * Call it inside a transaction from any backend code; it connects SPI on its
 * own, so the caller may hold an SPI connection. It does not check the
 * caller's privileges: the SQL entry points do (EXECUTE on add_lineage).
 */
#ifndef MLOPS_LINEAGE_H
#define MLOPS_LINEAGE_H

extern void mlops_lineage_add(const char *src_kind, const char *src_key,
							  const char *dst_kind, const char *dst_key,
							  const char *relation);

#endif							/* MLOPS_LINEAGE_H */
