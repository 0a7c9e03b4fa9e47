/*
 * config.c: the stages, stage_transitions and policies configuration guard.
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
/* ---------------------------------------- stages, transitions, policies */

/* to_jsonb() text of a row, or "null". */
static char *
row_json(HeapTuple tup, TupleDesc desc)
{
	Oid			types[1];
	Datum		vals[1];

	if (tup == NULL)
		return "null";
	types[0] = desc->tdtypeid;
	vals[0] = heap_copy_tuple_as_datum(tup, desc);
	reg_exec("SELECT pg_catalog.to_jsonb($1)::text", 1, types, vals, NULL, false, 1);
	return reg_res_str(0, 1);
}

/* Validate a policy row. */
static void
policy_validate(HeapTuple tup, TupleDesc desc)
{
	bool		isnull;
	Datum		d = reg_col_get(tup, desc, "min_approvals", &isnull);
	Datum		gates;

	if (!isnull && DatumGetInt32(d) < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("min_approvals of a policy must be at least 1, not %d", DatumGetInt32(d)),
				 errhint("A stage that needs no approval needs no policy: delete it from mlops.policies.")));
	gates = reg_col_get(tup, desc, "gates", &isnull);
	if (!isnull)
		reg_gates_validate(gates);
}

/* Entity name of a config row in the audit log. */
static char *
config_entity(const char *kind, HeapTuple tup, TupleDesc desc)
{
	if (strcmp(kind, "stage") == 0)
		return psprintf("stage:%s", reg_col_str(tup, desc, "name"));
	if (strcmp(kind, "stage_transition") == 0)
		return psprintf("stage_transition:%s->%s", reg_col_str(tup, desc, "from_stage"), reg_col_str(tup, desc, "to_stage"));
	else
	{
		bool		isnull;
		Datum		mid = reg_col_get(tup, desc, "model_id", &isnull);
		char	   *model = "*";

		if (!isnull)
		{
			Oid			types[1] = {INT8OID};
			Datum		vals[1] = {mid};

			if (reg_exec("SELECT m.name FROM mlops.models m WHERE m.id OPERATOR(pg_catalog.=) $1",
						 1, types, vals, NULL, false, 1) > 0)
				model = reg_res_str(0, 1);
		}
		return psprintf("policy:%s/%s", model, reg_col_str(tup, desc, "to_stage"));
	}
}

/* Error unless an UPDATE of a built-in stage or move changes at most its description. */
static void
builtin_update_check(const char *kind, HeapTuple oldtup, HeapTuple newtup, TupleDesc desc)
{
	int			i;

	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		const char *col = NameStr(att->attname);

		/* a rename has its own error below */
		if (att->attisdropped || strcmp(col, "description") == 0 ||
			(strcmp(kind, "stage") == 0 && strcmp(col, "name") == 0) ||
			!reg_col_changed(oldtup, newtup, desc, col))
			continue;
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("column \"%s\" of built-in %s cannot be changed", col,
						strcmp(kind, "stage") == 0
						? psprintf("stage \"%s\"", reg_col_str(oldtup, desc, "name"))
						: psprintf("stage transition \"%s\" -> \"%s\"", reg_col_str(oldtup, desc, "from_stage"),
								   reg_col_str(oldtup, desc, "to_stage"))),
				 errhint(strcmp(kind, "stage") == 0
						 ? "Built-in stages are part of the extension; only their description can be updated."
						 : "Built-in moves are part of the extension; govern them with mlops.set_policy() instead.")));
	}
}

/* Config tables: validation, protected built-ins, audit with before/after. */
static HeapTuple
config_body(TriggerData *td, RegCtx *c)
{
	const char *kind = td->tg_trigger->tgnargs > 0 ? td->tg_trigger->tgargs[0] : "config";
	TupleDesc	desc = td->tg_relation->rd_att;
	HeapTuple	oldtup = TRIGGER_FIRED_BY_INSERT(td->tg_event) ? NULL : td->tg_trigtuple;
	HeapTuple	newtup = TRIGGER_FIRED_BY_INSERT(td->tg_event) ? td->tg_trigtuple :
		TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : NULL;
	TupleEdit	e = {0};
	bool		isnull;
	StringInfo	d;
	HeapTuple	result = newtup ? newtup : oldtup;
	const char *verb;

	if (c->internal)
		return reg_passthrough(td);
	if (newtup && !oldtup && c->is_super)
	{
		/* a superuser loading rows verbatim (pg_restore) supplies who added them */
		(void) reg_col_get(newtup, desc, strcmp(kind, "policy") == 0 ? "updated_by" : "added_by", &isnull);
		if (!isnull)
			return newtup;
	}
	if (strcmp(kind, "policy") != 0)
	{
		/* built-in stages and moves are part of the extension */
		if (oldtup && DatumGetBool(reg_col_get(oldtup, desc, "builtin", &isnull)) && newtup == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("built-in %s cannot be deleted",
							strcmp(kind, "stage") == 0
							? psprintf("stage \"%s\"", reg_col_str(oldtup, desc, "name"))
							: psprintf("stage transition \"%s\" -> \"%s\"", reg_col_str(oldtup, desc, "from_stage"),
									   reg_col_str(oldtup, desc, "to_stage"))),
					 errhint(strcmp(kind, "stage") == 0
							 ? "Built-in stages are part of the extension; add your own stages beside them."
							 : "Built-in moves are part of the extension; govern them with mlops.set_policy() instead.")));
		if (oldtup && newtup && DatumGetBool(reg_col_get(oldtup, desc, "builtin", &isnull)))
			builtin_update_check(kind, oldtup, newtup, desc);
		if (newtup)
		{
			Datum		added_by = reg_name_datum(c->session_name);
			bool		added_null = false;

			/* (fetched first: the NULL flag must be read after reg_col_get sets it) */
			if (oldtup)
				added_by = reg_col_get(oldtup, desc, "added_by", &added_null);
			reg_edit_set(&e, desc, "builtin", oldtup ? reg_col_get(oldtup, desc, "builtin", &isnull) : BoolGetDatum(false), false);
			reg_edit_set(&e, desc, "added_by", added_by, added_null);
		}
		if (strcmp(kind, "stage") == 0 && oldtup && newtup && reg_col_changed(oldtup, newtup, desc, "name"))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("stage \"%s\" cannot be renamed", reg_col_str(oldtup, desc, "name")),
					 errhint("Add a new stage and move versions to it.")));
	}
	else if (newtup)
	{
		policy_validate(newtup, desc);
		reg_edit_set(&e, desc, "updated_by", reg_name_datum(c->session_name), false);
		reg_edit_set(&e, desc, "updated_at", reg_now_datum(), false);
	}
	if (newtup)
		result = reg_edit_apply(c, &e, newtup, desc);
	verb = newtup == NULL ? "delete" : oldtup == NULL ? "insert" : "update";
	d = reg_json_open();
	json_kv_raw(d, "before", row_json(oldtup, desc));
	json_kv_raw(d, "after", newtup ? row_json(result, desc) : "null");
	reg_audit(c, psprintf("%s.%s", kind, verb), config_entity(kind, result, desc), d);
	return result;
}

PG_FUNCTION_INFO_V1(mlops_config_guard);

/* Trigger on mlops.stages, mlops.stage_transitions and mlops.policies. */
Datum
mlops_config_guard(PG_FUNCTION_ARGS)
{
	return reg_run_trigger(reg_trigger_data(fcinfo, "mlops_config_guard"), config_body);
}
