/*
 * aliases.c: model aliases with history.
 */
#include "postgres.h"

#include "compat.h"

#include <ctype.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/uuid.h"

#include "registry/registry.h"
/* -------------------------------------------------------------- aliases */

/* NOTIFY and audit an alias change. */
static void
alias_event(RegCtx *c, const char *action, const VersionInfo *vi, const char *alias,
			int version, int previous)
{
	StringInfo	d = reg_json_open();
	StringInfo	n = reg_json_open();

	json_kv_str(d, "model", vi->model);
	json_kv_str(d, "alias", alias);
	if (version)
		json_kv_int(d, "version", version);
	else
		json_kv_raw(d, "version", "null");
	if (previous)
		json_kv_int(d, "previous_version", previous);
	reg_audit(c, action, psprintf("model:%s#%s", vi->model, alias), d);
	json_kv_str(n, "model", vi->model);
	json_kv_str(n, "alias", alias);
	if (version)
		json_kv_int(n, "version", version);
	else
		json_kv_raw(n, "version", "null");
	if (previous)
		json_kv_int(n, "previous_version", previous);
	json_kv_str(n, "actor", c->session_name);
	registry_notify("alias.changed", psprintf("model:%s#%s", vi->model, alias), n);
}

/*
 * Time of an alias change: the clock under the model's lock (as for stage
 * moves, so model_version_by_alias(..., T) agrees with readers at T up to
 * the commit), but never before the alias's latest assignment.
 */
static Datum
alias_time(int64 model_id, const char *alias)
{
	Oid			types[2] = {INT8OID, TEXTOID};
	Datum		vals[2] = {Int64GetDatum(model_id), CStringGetTextDatum(alias)};
	bool		isnull;
	Datum		ts;

	reg_exec("SELECT GREATEST(pg_catalog.clock_timestamp(), pg_catalog.max(a.valid_from)) FROM mlops.model_aliases a "
			 "WHERE a.model_id OPERATOR(pg_catalog.=) $1 AND a.alias OPERATOR(pg_catalog.=) $2",
			 2, types, vals, NULL, false, 1);
	ts = reg_res_datum(0, 1, &isnull);
	Assert(!isnull);
	return ts;
}

/* Close the current assignment of an alias at ts; returns its version (0 if none). */
static int
alias_close(RegCtx *c, int64 model_id, const char *alias, Datum ts)
{
	Oid			types[4] = {INT8OID, TEXTOID, NAMEOID, TIMESTAMPTZOID};
	Datum		vals[4] = {Int64GetDatum(model_id), CStringGetTextDatum(alias), reg_name_datum(c->session_name), ts};
	bool		isnull;

	if (reg_exec("UPDATE mlops.model_aliases a SET valid_to = $4, closed_by = $3 "
				 "FROM mlops.model_versions v WHERE v.id OPERATOR(pg_catalog.=) a.model_version_id "
				 "AND a.model_id OPERATOR(pg_catalog.=) $1 AND a.alias OPERATOR(pg_catalog.=) $2 AND a.valid_to IS NULL "
				 "RETURNING v.version", 4, types, vals, NULL, false, 0) == 0)
		return 0;
	return DatumGetInt32(reg_res_datum(0, 1, &isnull));
}

/* Whether an alias name is valid: a letter, then letters, digits, _ . - (at most 63). */
static bool
alias_valid(const char *alias)
{
	const char *p;

	if (alias == NULL || !isalpha((unsigned char) alias[0]) || strlen(alias) > 63)
		return false;
	for (p = alias; *p; p++)
		if (!isalnum((unsigned char) *p) && *p != '_' && *p != '.' && *p != '-')
			return false;
	return true;
}

/* INSERT into model_aliases: close the current assignment, open this one. */
static HeapTuple
aliases_insert(TriggerData *td, RegCtx *c)
{
	TupleDesc	desc = td->tg_relation->rd_att;
	HeapTuple	tup = td->tg_trigtuple;
	TupleEdit	e = {0};
	bool		isnull;
	int64		model_id = reg_col_int8(tup, desc, "model_id");
	int64		version_id = reg_col_int8(tup, desc, "model_version_id");
	char	   *alias = reg_col_str(tup, desc, "alias");
	VersionInfo vi;
	Oid			types[3] = {INT8OID, TEXTOID, INT8OID};
	Datum		vals[3];
	int			previous;
	Datum		ts;

	(void) reg_col_get(tup, desc, "set_by", &isnull);
	if (c->is_super && !isnull)
		return tup;				/* verbatim load (pg_restore) */
	if (!reg_load_version(version_id, &vi))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model_version_id " INT64_FORMAT " does not match any model version in mlops.model_versions", version_id),
				 errhint("Use the mlops.* functions, which take a model name and version number.")));
	if (!alias_valid(alias))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("\"%s\" is not a valid alias of model \"%s\"", alias ? alias : "", vi.model),
				 errhint("An alias starts with a letter, followed by up to 62 letters, digits, \"_\", \".\" or \"-\".")));
	if (vi.model_id != model_id)
	{
		char	   *target = reg_lock_model(model_id);

		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("alias \"%s\" of model \"%s\" cannot point at version %d of model \"%s\"",
						alias, target, vi.version, vi.model)));
	}
	(void) reg_lock_model(model_id);
	vals[0] = Int64GetDatum(model_id);
	vals[1] = CStringGetTextDatum(alias);
	vals[2] = Int64GetDatum(version_id);
	if (reg_exec("SELECT 1 FROM mlops.model_aliases a WHERE a.model_id OPERATOR(pg_catalog.=) $1 "
				 "AND a.alias OPERATOR(pg_catalog.=) $2 AND a.valid_to IS NULL "
				 "AND a.model_version_id OPERATOR(pg_catalog.=) $3", 3, types, vals, NULL, false, 1) > 0)
		return NULL;			/* already points there: nothing changes */
	ts = alias_time(model_id, alias);
	previous = alias_close(c, model_id, alias, ts);
	reg_edit_set(&e, desc, "valid_from", ts, false);
	reg_edit_set(&e, desc, "valid_to", (Datum) 0, true);
	reg_edit_set(&e, desc, "set_by", reg_name_datum(c->session_name), false);
	reg_edit_set(&e, desc, "closed_by", (Datum) 0, true);
	alias_event(c, "alias.set", &vi, alias, vi.version, previous);
	return reg_edit_apply(c, &e, tup, desc);
}

/* DELETE from model_aliases: close the current assignment instead; history stays. */
static HeapTuple
aliases_delete(TriggerData *td, RegCtx *c)
{
	TupleDesc	desc = td->tg_relation->rd_att;
	HeapTuple	tup = td->tg_trigtuple;
	bool		isnull;
	char	   *alias = reg_col_str(tup, desc, "alias");
	VersionInfo vi;
	int			previous;

	(void) reg_col_get(tup, desc, "valid_to", &isnull);
	if (!reg_load_version(reg_col_int8(tup, desc, "model_version_id"), &vi))
		return tup;
	if (!isnull)
	{
		if (c->is_super)
			return tup;
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("the history of alias \"%s\" of model \"%s\" cannot be deleted", alias, vi.model)));
	}
	(void) reg_lock_model(vi.model_id);
	previous = alias_close(c, vi.model_id, alias, alias_time(vi.model_id, alias));
	if (previous)
		alias_event(c, "alias.delete", &vi, alias, 0, previous);
	return NULL;				/* the row stays, closed */
}

/* Dispatch model_aliases trigger events. */
static HeapTuple
aliases_body(TriggerData *td, RegCtx *c)
{
	if (c->internal)
		return reg_passthrough(td);
	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
		return aliases_insert(td, c);
	if (TRIGGER_FIRED_BY_DELETE(td->tg_event))
		return aliases_delete(td, c);
	if (!c->is_super)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("rows of mlops.model_aliases cannot be updated"),
				 errhint("Use mlops.set_alias() or mlops.delete_alias(); the history is kept.")));
	return td->tg_newtuple;
}

PG_FUNCTION_INFO_V1(mlops_aliases_guard);

/* Trigger on mlops.model_aliases. */
Datum
mlops_aliases_guard(PG_FUNCTION_ARGS)
{
	return reg_run_trigger(reg_trigger_data(fcinfo, "mlops_aliases_guard"), aliases_body);
}
