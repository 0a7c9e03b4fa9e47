/*
 * checks.c: the CHECK constraints of mlops's tables, read and planned once
 * per backend instead of at every statement.
 *
 * The executor reads a table's CHECK constraints from their stored text
 * (stringToNode) and plans them (expression_planner) for every new result
 * relation, that is for every INSERT or UPDATE statement, at its first row
 * (ExecRelCheck). For the registry's small statements and log_metric that
 * reading costs more than the write itself: model_versions has five CHECK
 * constraints. Here the planned trees are kept per table, and an
 * ExecutorStart hook gives the result relations of tables in schema mlops
 * their expression states built from them, as ExecPrepareExpr would build
 * them from the text; ExecRelCheck then finds them ready. Tables of other
 * schemas are left alone.
 *
 * The trees are kept for one catalog generation (mlops_catalog_generation:
 * a constraint added, dropped or validated, a table altered, anywhere, or a
 * function the planner inlined or folded replaced start a new one). A set
 * from an earlier generation may still be in use by a statement under way
 * (the change can arrive in the middle of one), so it is handed to the
 * current transaction, which frees it.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "executor/executor.h"
#include "nodes/readfuncs.h"
#include "optimizer/optimizer.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "common/checks.h"
#include "common/spi_owner.h"

/* One table's planned CHECK expressions, in the order of its relcache entry. */
typedef struct TableChecks
{
	Oid			relid;
	int			n;
	Expr	  **planned;
} TableChecks;

static MemoryContext checks_cxt = NULL;	/* holds everything below */
static TableChecks *tables = NULL;
static int	ntables = 0;
static int	maxtables = 0;
static uint64 checks_generation = 0;	/* of the trees and mlops_nsp */

/* Schema mlops (InvalidOid when missing). */
static Oid	mlops_nsp = InvalidOid;

static ExecutorStart_hook_type prev_start_hook = NULL;

/*
 * Start over when the catalog generation moved on: the trees go to the
 * current transaction (a statement under way may still use them), or are
 * freed outside one; schema mlops is looked up again.
 */
static void
checks_refresh(void)
{
	uint64		gen = mlops_catalog_generation();

	if (gen == checks_generation)
		return;
	if (checks_cxt != NULL)
	{
		if (IsTransactionState())
			MemoryContextSetParent(checks_cxt, TopTransactionContext);
		else
			MemoryContextDelete(checks_cxt);
	}
	checks_cxt = NULL;
	tables = NULL;
	ntables = maxtables = 0;
	mlops_nsp = get_namespace_oid("mlops", true);
	checks_generation = gen;
}

/* The planned CHECK expressions of rel, kept or read and planned now. */
static TableChecks *
checks_of(Relation rel)
{
	TupleConstr *constr = rel->rd_att->constr;
	Oid			relid = RelationGetRelid(rel);
	MemoryContext old;
	TableChecks *t;
	Expr	  **planned;
	int			i;

	checks_refresh();
	for (i = 0; i < ntables; i++)
		if (tables[i].relid == relid && tables[i].n == constr->num_check)
			return &tables[i];
	if (checks_cxt == NULL)
		checks_cxt = AllocSetContextCreate(CacheMemoryContext, "mlops CHECK constraints",
										   ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(checks_cxt);
	planned = palloc(sizeof(Expr *) * constr->num_check);
	for (i = 0; i < constr->num_check; i++)
		planned[i] = expression_planner((Expr *) stringToNode(constr->check[i].ccbin));
	if (ntables == maxtables)
	{
		int			m = Max(8, 2 * maxtables);

		tables = (tables == NULL) ? palloc(sizeof(TableChecks) * m)
			: repalloc(tables, sizeof(TableChecks) * m);
		maxtables = m;
	}
	MemoryContextSwitchTo(old);
	t = &tables[ntables++];
	t->relid = relid;
	t->n = constr->num_check;
	t->planned = planned;
	return t;
}

void
mlops_prepare_checks(ResultRelInfo *rri, EState *estate)
{
	Relation	rel = rri->ri_RelationDesc;
	TupleConstr *constr = rel->rd_att->constr;
	TableChecks *t;
	MemoryContext old;
	ExprState **states;
	int			i;

	if (constr == NULL || constr->num_check == 0 || rri->ri_ConstraintExprs != NULL)
		return;
	t = checks_of(rel);
	old = MemoryContextSwitchTo(estate->es_query_cxt);
	states = palloc(sizeof(ExprState *) * t->n);
	for (i = 0; i < t->n; i++)
		states[i] = ExecInitExpr(t->planned[i], NULL);
	MemoryContextSwitchTo(old);
	rri->ri_ConstraintExprs = states;
}

/* ExecutorStart: the result relations of mlops's tables get their CHECK states from the kept trees. */
static void
checks_executor_start(QueryDesc *queryDesc, int eflags)
{
	ListCell   *lc;
	bool		refreshed = false;

	if (prev_start_hook)
		prev_start_hook(queryDesc, eflags);
	else
		standard_ExecutorStart(queryDesc, eflags);
	if ((eflags & EXEC_FLAG_EXPLAIN_ONLY) || !IsTransactionState())
		return;
	foreach(lc, queryDesc->estate->es_opened_result_relations)
	{
		ResultRelInfo *rri = (ResultRelInfo *) lfirst(lc);
		Relation	rel = rri->ri_RelationDesc;

		if (rel->rd_att->constr == NULL || rel->rd_att->constr->num_check == 0 ||
			rri->ri_ConstraintExprs != NULL)
			continue;
		if (!refreshed)
		{
			checks_refresh();	/* schema mlops's OID is current */
			refreshed = true;
		}
		if (RelationGetNamespace(rel) == mlops_nsp)
			mlops_prepare_checks(rri, queryDesc->estate);
	}
}

void
mlops_checks_init(void)
{
	prev_start_hook = ExecutorStart_hook;
	ExecutorStart_hook = checks_executor_start;
}
