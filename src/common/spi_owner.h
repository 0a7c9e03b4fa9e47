/*
 * spi_owner.h: run statements as the extension owner (src/common/spi_owner.c).
 *
 * Every place where mlops acts with the rights of the owner of its tables
 * (bookkeeping a caller may not write directly: the audit chain, stage
 * history, latest metrics, the outbox) goes through this module:
 *
 *	OwnerScope s;
 *	mlops_owner_begin(&s);			 SPI connected, running as the owner
 *	PG_TRY();
 *		mlops_owner_exec("UPDATE mlops.x ...", ...);
 *	PG_CATCH();
 *		mlops_owner_cleanup(&s);  PG_RE_THROW();
 *	PG_END_TRY();
 *	mlops_owner_end(&s);
 *
 * Inside a scope the current user is the owner of schema mlops, the
 * security context adds SECURITY_RESTRICTED_OPERATION (no SET ROLE, no
 * temporary objects, no session state a later caller could meet) and
 * search_path is pinned to pg_catalog, pg_temp, so an operator or function
 * planted in a schema on the caller's path is never resolved.
 *
 * Trust is scoped to one statement: mlops_owner_trusted() is true only in
 * code that runs at the executor level of a statement issued through
 * mlops_owner_exec (its own row triggers), never in user code that statement
 * reaches one level further down (a user trigger, a SQL function).
 */
#ifndef MLOPS_SPI_OWNER_H
#define MLOPS_SPI_OWNER_H

#include "executor/spi.h"

typedef struct OwnerScope
{
	Oid			actor;			/* current_user when the scope began */
	Oid			owner;			/* the owner it runs as */
	MemoryContext caller_cxt;	/* the caller's context (results go here) */
	Oid			save_uid;
	int			save_sec;
	int			guc_nest;
	bool		active;
} OwnerScope;

/* Install the executor hooks that scope trust (from _PG_init). */
extern void mlops_owner_init(void);

/*
 * Error (55000, with the hint to run ALTER EXTENSION mlops UPDATE) unless the
 * extension installed in this database is the version of this library.
 */
extern void mlops_require_current_version(void);

/* The owner of schema mlops (the role the extension was installed by). */
extern Oid	mlops_extension_owner(void);

/*
 * Oid of a relation in schema mlops; an error when it is missing. Remembered
 * per backend for one catalog generation (below).
 */
extern Oid	mlops_relid(const char *relname);

/* The same, InvalidOid when the schema or the relation is missing. */
extern Oid	mlops_relid_if_exists(const char *relname);

/*
 * A counter that changes whenever a relcache entry is invalidated or
 * pg_class names, pg_namespace, pg_proc, pg_constraint, pg_operator or
 * pg_amop change: caches of catalog reads compare it with the value they
 * were filled at.
 */
extern uint64 mlops_catalog_generation(void);

/* Connect SPI and become the owner with a pinned search_path. */
extern void mlops_owner_begin(OwnerScope *s);

/* Leave the scope normally: restore the caller's role and settings, SPI_finish. */
extern void mlops_owner_end(OwnerScope *s);

/* Leave the scope on error (from PG_CATCH/PG_FINALLY): restore the caller's role. */
extern void mlops_owner_cleanup(OwnerScope *s);

/*
 * Run a fixed statement of the extension inside a scope. Its plan is
 * prepared once per backend and kept (keyed by the statement text); the
 * statement is trusted while it runs. Returns SPI_processed; errors on
 * a negative SPI result.
 */
extern uint64 mlops_owner_exec(const char *sql, int nargs, Oid *types, Datum *values,
							   const char *nulls, bool read_only, long limit);

/*
 * The same, always run with the statement's generic plan: for lookups by
 * key, where a custom plan finds the same path and planning it at each of
 * a backend's first executions would cost more than running it.
 */
extern uint64 mlops_owner_exec_generic(const char *sql, int nargs, Oid *types, Datum *values,
									   const char *nulls, bool read_only, long limit);

/* The kept plan of a fixed statement (prepared once per backend). */
extern SPIPlanPtr mlops_owner_plan(const char *sql, int nargs, Oid *types);

/* Run a kept plan inside a scope as a trusted statement; returns SPI's result code. */
extern int	mlops_owner_exec_plan(SPIPlanPtr plan, Datum *values, const char *nulls,
								  bool read_only, long limit);

/* Whether the code running now is a statement issued by mlops_owner_exec. */
extern bool mlops_owner_trusted(void);

#endif							/* MLOPS_SPI_OWNER_H */
