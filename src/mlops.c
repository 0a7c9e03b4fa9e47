/*
 * mlops.c: module magic, _PG_init and the module-level SQL functions.
 *
 * _PG_init only delegates: settings live in guc.c, the background worker
 * registers itself from src/worker/worker.c.
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"

#include "compat.h"
#include "common/checks.h"
#include "common/spi_owner.h"
#include "guc.h"
#include "worker/worker.h"

PG_MODULE_MAGIC;

/* True when the library was loaded through shared_preload_libraries. */
bool		mlops_preloaded = false;

/* Module initialisation: record how we were loaded, define settings, install the owner layer's and the CHECK cache's hooks, register the worker. */
void
_PG_init(void)
{
	if (IsBinaryUpgrade)
		return;
	mlops_preloaded = process_shared_preload_libraries_in_progress;
	mlops_guc_init();
	mlops_owner_init();
	mlops_checks_init();
	mlops_worker_init();
}

PG_FUNCTION_INFO_V1(mlops_version);

/* mlops.version(): the version of the loaded C library. */
Datum
mlops_version(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(MLOPS_VERSION));
}

PG_FUNCTION_INFO_V1(mlops_is_preloaded);

/* mlops.is_preloaded(): whether shared_preload_libraries loaded mlops. */
Datum
mlops_is_preloaded(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(mlops_preloaded);
}
