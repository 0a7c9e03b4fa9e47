/*
 * compat.h: differences between the PostgreSQL versions mlops builds on.
 *
 * mlops targets PostgreSQL 15; code that would differ between majors calls
 * the names below instead of the version-specific ones. Include it after
 * postgres.h.
 */
#ifndef MLOPS_COMPAT_H
#define MLOPS_COMPAT_H

#if PG_VERSION_NUM < 150000
#error "mlops needs PostgreSQL 15 or later"
#endif

/*
 * Reserve the "mlops." settings prefix so that a misspelt setting is an
 * error (PostgreSQL 15 renamed EmitWarningsOnPlaceholders to this).
 */
#define mlops_reserve_guc_prefix(prefix) MarkGUCPrefixReserved(prefix)

#include "fmgr.h"

/*
 * The library is built with hidden visibility; PGDLLEXPORT (set by the
 * Makefile to default visibility) marks what the server must find. fmgr.h
 * declares the fmgr entry points and the module magic with it; _PG_init is
 * declared here because PostgreSQL 15's fmgr.h does not declare it.
 */
extern PGDLLEXPORT void _PG_init(void);

/*
 * PostgreSQL 15's PG_FUNCTION_INFO_V1 exports the info function but not the
 * function itself; under hidden visibility both must be exported (this is
 * the definition PostgreSQL 16 ships).
 */
#undef PG_FUNCTION_INFO_V1
#define PG_FUNCTION_INFO_V1(funcname) \
extern PGDLLEXPORT Datum funcname(PG_FUNCTION_ARGS); \
extern PGDLLEXPORT const Pg_finfo_record * CppConcat(pg_finfo_,funcname)(void); \
const Pg_finfo_record * \
CppConcat(pg_finfo_,funcname) (void) \
{ \
	static const Pg_finfo_record my_finfo = { 1 }; \
	return &my_finfo; \
} \
extern int no_such_variable

#endif							/* MLOPS_COMPAT_H */
