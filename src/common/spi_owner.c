/*
 * spi_owner.c: the one place where mlops runs SQL as the extension owner.
 *
 * See spi_owner.h for the contract. Two pieces of state live here:
 *  - a plan cache keyed by statement text (simplehash, in TopMemoryContext),
 *  - the executor nesting level (ExecutorRun/ExecutorFinish hooks) and the
 *    level at which a trusted statement runs. A statement issued through
 *    mlops_owner_exec runs at exactly one level below its caller; its own
 *    row triggers fire at that level, while user code it reaches (a user
 *    trigger's statements, a SQL function's body) runs deeper and is not
 *    trusted. Levels are counted from when the library was loaded, which
 *    may be inside a running query; only differences matter.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_namespace.h"
#include "commands/extension.h"
#include "common/hashfn.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "common/spi_owner.h"

/* One kept plan: the statement text (owned by the cache) and its plan. */
typedef struct OwnerPlan
{
	const char *sql;
	SPIPlanPtr	plan;
	uint32		hash;
	char		status;
} OwnerPlan;

#define SH_PREFIX		owner_plans
#define SH_ELEMENT_TYPE OwnerPlan
#define SH_KEY_TYPE		const char *
#define SH_KEY			sql
#define SH_HASH_KEY(tb, key) hash_bytes((const unsigned char *) (key), strlen(key))
#define SH_EQUAL(tb, a, b) (strcmp((a), (b)) == 0)
#define SH_STORE_HASH
#define SH_GET_HASH(tb, a) (a)->hash
#define SH_SCOPE		static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

static owner_plans_hash *plan_cache = NULL;

/* Executor nesting level, and the level a trusted statement runs at (0: none). */
static int	exec_level = 0;
static int	trusted_level = 0;

static ExecutorRun_hook_type prev_run_hook = NULL;
static ExecutorFinish_hook_type prev_finish_hook = NULL;

/* ExecutorRun hook: count the nesting level around the run. */
static void
owner_executor_run(QueryDesc *qd, ScanDirection dir, uint64 count, bool execute_once)
{
	exec_level++;
	PG_TRY();
	{
		if (prev_run_hook)
			prev_run_hook(qd, dir, count, execute_once);
		else
			standard_ExecutorRun(qd, dir, count, execute_once);
	}
	PG_FINALLY();
	{
		exec_level--;
	}
	PG_END_TRY();
}

/* ExecutorFinish hook: AFTER triggers fire here, at the statement's level. */
static void
owner_executor_finish(QueryDesc *qd)
{
	exec_level++;
	PG_TRY();
	{
		if (prev_finish_hook)
			prev_finish_hook(qd);
		else
			standard_ExecutorFinish(qd);
	}
	PG_FINALLY();
	{
		exec_level--;
	}
	PG_END_TRY();
}

void
mlops_owner_init(void)
{
	prev_run_hook = ExecutorRun_hook;
	ExecutorRun_hook = owner_executor_run;
	prev_finish_hook = ExecutorFinish_hook;
	ExecutorFinish_hook = owner_executor_finish;
}

Oid
mlops_extension_owner(void)
{
	Oid			nsp = get_namespace_oid("mlops", false);
	HeapTuple	tp = SearchSysCache1(NAMESPACEOID, ObjectIdGetDatum(nsp));
	Oid			owner;

	if (!HeapTupleIsValid(tp))
		elog(ERROR, "cache lookup failed for schema mlops");
	owner = ((Form_pg_namespace) GETSTRUCT(tp))->nspowner;
	ReleaseSysCache(tp);
	return owner;
}

/*
 * The catalog generation: a counter bumped by every relcache invalidation
 * (a table, index, trigger, rule or constraint created, altered or dropped,
 * anywhere; ANALYZE too) and every change to the names of pg_class, to
 * pg_namespace, pg_proc, pg_constraint, pg_operator or pg_amop. A cache of
 * what mlops read of the catalogs keeps the generation it was filled at and
 * is filled again when it differs. One relcache callback for all of them:
 * PostgreSQL has room for only ten per backend.
 */
static uint64 catalog_generation = 1;
static bool catalog_callbacks_registered = false;

static void
catalog_bump_rel(Datum arg, Oid relid)
{
	catalog_generation++;
}

static void
catalog_bump(Datum arg, int cacheid, uint32 hashvalue)
{
	catalog_generation++;
}

uint64
mlops_catalog_generation(void)
{
	if (!catalog_callbacks_registered)
	{
		CacheRegisterRelcacheCallback(catalog_bump_rel, (Datum) 0);
		CacheRegisterSyscacheCallback(RELNAMENSP, catalog_bump, (Datum) 0);
		CacheRegisterSyscacheCallback(NAMESPACEOID, catalog_bump, (Datum) 0);
		CacheRegisterSyscacheCallback(PROCOID, catalog_bump, (Datum) 0);
		CacheRegisterSyscacheCallback(CONSTROID, catalog_bump, (Datum) 0);
		CacheRegisterSyscacheCallback(OPEROID, catalog_bump, (Datum) 0);
		CacheRegisterSyscacheCallback(AMOPSTRATEGY, catalog_bump, (Datum) 0);
		catalog_callbacks_registered = true;
		catalog_generation++;
	}
	return catalog_generation;
}

/*
 * OIDs of mlops's relations by name, remembered per backend for one catalog
 * generation. Hot paths (log_metric) ask for three or four relations per call.
 */
#define RELID_CACHE_SIZE 32

typedef struct RelidCacheEntry
{
	char	   *name;			/* in TopMemoryContext */
	Oid			relid;
} RelidCacheEntry;

static RelidCacheEntry relid_cache[RELID_CACHE_SIZE];
static int	relid_cache_n = 0;
static uint64 relid_cache_generation = 0;

Oid
mlops_relid_if_exists(const char *relname)
{
	Oid			relid;
	int			i,
				free_slot = -1;
	Oid			nsp;
	uint64		gen = mlops_catalog_generation();

	if (gen != relid_cache_generation)
	{
		/* forget every OID (the names stay allocated for reuse) */
		for (i = 0; i < relid_cache_n; i++)
			relid_cache[i].relid = InvalidOid;
		relid_cache_generation = gen;
	}
	for (i = 0; i < relid_cache_n; i++)
	{
		if (strcmp(relid_cache[i].name, relname) != 0)
			continue;
		if (OidIsValid(relid_cache[i].relid))
			return relid_cache[i].relid;
		free_slot = i;
		break;
	}
	nsp = get_namespace_oid("mlops", true);
	relid = OidIsValid(nsp) ? get_relname_relid(relname, nsp) : InvalidOid;
	if (!OidIsValid(relid))
		return InvalidOid;
	if (free_slot < 0 && relid_cache_n < RELID_CACHE_SIZE)
	{
		relid_cache[relid_cache_n].name = MemoryContextStrdup(TopMemoryContext, relname);
		free_slot = relid_cache_n++;
	}
	if (free_slot >= 0)
		relid_cache[free_slot].relid = relid;
	return relid;
}

Oid
mlops_relid(const char *relname)
{
	Oid			relid = mlops_relid_if_exists(relname);

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation \"mlops.%s\" does not exist", relname),
				 errhint("The mlops extension's objects are incomplete; reinstall or update the extension.")));
	return relid;
}

/*
 * The extension's SQL objects in this database must be the version this
 * library was built for: after a package upgrade and before ALTER EXTENSION
 * mlops UPDATE, statements of the new version would fail on a missing column
 * or behave by the old rules. Checked once per catalog generation (an update
 * changes the catalog); not while an extension script runs.
 */
void
mlops_require_current_version(void)
{
	static bool checked = false;
	static uint64 checked_generation = 0;
	uint64		generation;
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;
	char	   *installed = NULL;

	if (creating_extension)
		return;
	generation = mlops_catalog_generation();
	if (checked && checked_generation == generation)
		return;
	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber, F_NAMEEQ, CStringGetDatum("mlops"));
	scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
	{
		bool		isnull;
		Datum		v = heap_getattr(tup, Anum_pg_extension_extversion, RelationGetDescr(rel), &isnull);

		if (!isnull)
			installed = TextDatumGetCString(v);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	if (installed != NULL && strcmp(installed, MLOPS_VERSION) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("extension \"mlops\" is at version %s in this database, but its library is version %s",
						installed, MLOPS_VERSION),
				 errhint("Run ALTER EXTENSION mlops UPDATE in this database.")));
	checked = true;
	checked_generation = generation;
}

void
mlops_owner_begin(OwnerScope *s)
{
	mlops_require_current_version();
	memset(s, 0, sizeof(*s));
	s->caller_cxt = CurrentMemoryContext;
	s->actor = GetUserId();
	s->owner = mlops_extension_owner();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	GetUserIdAndSecContext(&s->save_uid, &s->save_sec);
	SetUserIdAndSecContext(s->owner, s->save_sec | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	s->guc_nest = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	s->active = true;
}

void
mlops_owner_end(OwnerScope *s)
{
	if (!s->active)
		return;
	AtEOXact_GUC(true, s->guc_nest);
	SetUserIdAndSecContext(s->save_uid, s->save_sec);
	s->active = false;
	if (SPI_finish() != SPI_OK_FINISH)
		elog(ERROR, "SPI_finish failed");
}

/*
 * The error path: only the role needs restoring here, because the abort of
 * the (sub)transaction the error unwinds to resets GUC nesting and SPI.
 */
void
mlops_owner_cleanup(OwnerScope *s)
{
	if (!s->active)
		return;
	SetUserIdAndSecContext(s->save_uid, s->save_sec);
	s->active = false;
}

/* The kept plan of sql, prepared with cursor_options on first use. */
static SPIPlanPtr
owner_plan(const char *sql, int nargs, Oid *types, int cursor_options)
{
	OwnerPlan  *entry;
	bool		found;
	SPIPlanPtr	plan;

	if (plan_cache == NULL)
		plan_cache = owner_plans_create(TopMemoryContext, 64, NULL);
	entry = owner_plans_lookup(plan_cache, sql);
	if (entry != NULL)
		return entry->plan;
	mlops_require_current_version();
	plan = SPI_prepare_cursor(sql, nargs, types, cursor_options);
	if (plan == NULL)
		elog(ERROR, "mlops statement could not be prepared (%s): %s",
			 SPI_result_code_string(SPI_result), sql);
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "SPI_keepplan failed");
	entry = owner_plans_insert(plan_cache, MemoryContextStrdup(TopMemoryContext, sql), &found);
	entry->plan = plan;
	return plan;
}

SPIPlanPtr
mlops_owner_plan(const char *sql, int nargs, Oid *types)
{
	return owner_plan(sql, nargs, types, 0);
}

int
mlops_owner_exec_plan(SPIPlanPtr plan, Datum *values, const char *nulls, bool read_only, long limit)
{
	int			save = trusted_level;
	int			rc;

	Assert(GetUserId() == mlops_extension_owner());
	trusted_level = exec_level + 1;
	PG_TRY();
	{
		rc = SPI_execute_plan(plan, values, nulls, read_only, limit);
	}
	PG_FINALLY();
	{
		trusted_level = save;
	}
	PG_END_TRY();
	return rc;
}

static uint64
owner_exec(const char *sql, int nargs, Oid *types, Datum *values,
		   const char *nulls, bool read_only, long limit, int cursor_options)
{
	int			rc = mlops_owner_exec_plan(owner_plan(sql, nargs, types, cursor_options),
										   values, nulls, read_only, limit);

	if (rc < 0)
		elog(ERROR, "mlops statement failed (%s): %s", SPI_result_code_string(rc), sql);
	return SPI_processed;
}

uint64
mlops_owner_exec(const char *sql, int nargs, Oid *types, Datum *values,
				 const char *nulls, bool read_only, long limit)
{
	return owner_exec(sql, nargs, types, values, nulls, read_only, limit, 0);
}

uint64
mlops_owner_exec_generic(const char *sql, int nargs, Oid *types, Datum *values,
						 const char *nulls, bool read_only, long limit)
{
	return owner_exec(sql, nargs, types, values, nulls, read_only, limit, CURSOR_OPT_GENERIC_PLAN);
}

bool
mlops_owner_trusted(void)
{
	return trusted_level != 0 && exec_level == trusted_level;
}
