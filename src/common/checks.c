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
 * The trees are forgotten at any relcache invalidation (a constraint added,
 * dropped or validated, a table altered, anywhere) and any change to pg_proc
 * (a function the planner inlined or folded replaced). A forgotten set may
 * still be in use by a statement under way (an invalidation can arrive in
 * the middle of one), so it is handed to the current transaction, which
 * frees it.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "executor/executor.h"
#include "nodes/readfuncs.h"
#include "optimizer/optimizer.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "common/checks.h"

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
static bool callbacks_registered = false;

/* Schema mlops, remembered until pg_namespace changes (InvalidOid when missing). */
static Oid	mlops_nsp = InvalidOid;
static bool mlops_nsp_known = false;

static ExecutorStart_hook_type prev_start_hook = NULL;

static void
checks_forget(void)
{
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
}

static void
checks_forget_rel(Datum arg, Oid relid)
{
	checks_forget();
}

static void
checks_forget_proc(Datum arg, int cacheid, uint32 hashvalue)
{
	checks_forget();
}

static void
checks_forget_nsp(Datum arg, int cacheid, uint32 hashvalue)
{
	mlops_nsp_known = false;
}

static void
checks_register(void)
{
	if (callbacks_registered)
		return;
	CacheRegisterRelcacheCallback(checks_forget_rel, (Datum) 0);
	CacheRegisterSyscacheCallback(PROCOID, checks_forget_proc, (Datum) 0);
	CacheRegisterSyscacheCallback(NAMESPACEOID, checks_forget_nsp, (Datum) 0);
	callbacks_registered = true;
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

	checks_register();
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

/* Schema mlops's OID, looked up again after pg_namespace changed. */
static Oid
checks_mlops_nsp(void)
{
	if (!mlops_nsp_known)
	{
		checks_register();
		mlops_nsp = get_namespace_oid("mlops", true);
		mlops_nsp_known = true;
	}
	return mlops_nsp;
}

/* ExecutorStart: the result relations of mlops's tables get their CHECK states from the kept trees. */
static void
checks_executor_start(QueryDesc *queryDesc, int eflags)
{
	ListCell   *lc;

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

		if (rel->rd_att->constr != NULL && rel->rd_att->constr->num_check > 0 &&
			rri->ri_ConstraintExprs == NULL &&
			RelationGetNamespace(rel) == checks_mlops_nsp())
			mlops_prepare_checks(rri, queryDesc->estate);
	}
}

void
mlops_checks_init(void)
{
	prev_start_hook = ExecutorStart_hook;
	ExecutorStart_hook = checks_executor_start;
}
