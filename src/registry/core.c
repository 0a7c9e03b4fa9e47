/*
 * core.c: the governed model registry (API.md -> Registry and governance).
 *
 * The rules live in BEFORE ROW triggers so that the mlops.* functions and a
 * plain INSERT/UPDATE/DELETE from an ORM or psql meet the same checks:
 *   models          fills created_by/at; only the description may change
 *   model_versions  row-locked version counter; the stage machine; policies,
 *                   approvals and gates; archiving the previous holder of an
 *                   exclusive stage; stage history; no deletion in production
 *   requests        from_stage, allowed move, one open request per target
 *   approvals       open request, approver role, no self-approval, once each
 *   model_aliases   history: a new assignment closes the old one, a DELETE
 *                   closes the current one
 *   stages, stage_transitions, policies: validation and audit
 * The rules are split by concern: core.c (this file: the owner context,
 * shared helpers, lookups, models), stages.c, approvals.c, aliases.c and
 * config.c; registry.h is their shared internal API.
 * Bookkeeping writes run in an owner scope of common/spi_owner (reg_begin):
 * the extension owner, a security-restricted operation, a pinned
 * search_path. The acting role is captured before that. Trust is scoped to
 * one statement: a trigger treats a write as internal only when the
 * statement was issued by a registry operation (mlops_owner_trusted()); any
 * other write inside an owner scope comes from user code the operation
 * reached and is refused.
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

#include "audit/audit.h"
#include "common/spi_owner.h"
#include "events/events.h"
#include "common/row_ids.h"
#include "registry/registry.h"
/* Longest model name, in characters (also a CHECK on mlops.models). */
#define REGISTRY_MODEL_NAME_MAX 200

/* Acting role of the outermost registry operation in progress. */
static Oid	actor_role = InvalidOid;

/*
 * Error unless a write to a registry table may go on: a write that a
 * registry operation did not issue itself but that runs inside one (the
 * owner in a security-restricted operation) is user code the operation
 * reached, a user trigger or a function, holding the owner's rights.
 */
void
reg_refuse_reached_code(Relation rel)
{
	if (mlops_owner_trusted() || !InSecurityRestrictedOperation() ||
		GetUserId() != mlops_extension_owner())
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("mlops.%s cannot be written by code that a registry operation runs",
					RelationGetRelationName(rel)),
			 errdetail("A trigger or function reached by a registry operation runs with the extension owner's rights."),
			 errhint("Remove user triggers on mlops tables that write mlops tables.")));
}

/*
 * Start a registry operation: capture the actor, then enter the owner scope
 * (SPI connected, the extension owner, a security-restricted operation,
 * search_path = pg_catalog, pg_temp). The operation is internal when the
 * statement that fired it was issued by an enclosing registry operation.
 */
void
reg_begin(RegCtx *c)
{
	memset(c, 0, sizeof(*c));
	c->upper = CurrentMemoryContext;
	c->internal = mlops_owner_trusted();
	c->save_actor = actor_role;
	if (!c->internal || !OidIsValid(actor_role))
		actor_role = GetUserId();
	c->role = actor_role;
	c->role_name = GetUserNameFromId(c->role, false);
	c->session = GetSessionUserId();
	c->session_name = GetUserNameFromId(c->session, false);
	c->is_super = superuser_arg(c->role);
	mlops_owner_begin(&c->scope);
}

/* End a registry operation normally. */
void
reg_end(RegCtx *c)
{
	mlops_owner_end(&c->scope);
	actor_role = c->save_actor;
}

/* Undo reg_begin's backend state on error (the abort cleans GUC and SPI). */
void
reg_abort(RegCtx *c)
{
	mlops_owner_cleanup(&c->scope);
	actor_role = c->save_actor;
}

/*
 * Run one of the registry's fixed statements as a trusted statement of the
 * owner scope, with its generic plan (they look rows up by key); returns the
 * number of rows processed.
 */
int
reg_exec(const char *sql, int nargs, Oid *types, Datum *values,
		 const char *nulls, bool read_only, long limit)
{
	return (int) mlops_owner_exec_generic(sql, nargs, types, values, nulls, read_only, limit);
}

/* Append "key":"value" (or null) to an open JSON object. */
void
json_kv_str(StringInfo buf, const char *key, const char *value)
{
	if (buf->len > 1)
		appendStringInfoChar(buf, ',');
	escape_json(buf, key);
	appendStringInfoChar(buf, ':');
	if (value)
		escape_json(buf, value);
	else
		appendStringInfoString(buf, "null");
}

/* Append "key":<raw JSON> to an open JSON object. */
void
json_kv_raw(StringInfo buf, const char *key, const char *raw)
{
	if (buf->len > 1)
		appendStringInfoChar(buf, ',');
	escape_json(buf, key);
	appendStringInfoChar(buf, ':');
	appendStringInfoString(buf, raw ? raw : "null");
}

/* Append "key":<integer> to an open JSON object. */
void
json_kv_int(StringInfo buf, const char *key, int64 value)
{
	char		num[32];

	snprintf(num, sizeof(num), INT64_FORMAT, value);
	json_kv_raw(buf, key, num);
}

/* A new open JSON object. */
StringInfo
reg_json_open(void)
{
	StringInfo	b = makeStringInfo();

	appendStringInfoChar(b, '{');
	return b;
}

/*
 * Audit a registry change: detail holds an unterminated JSON object ("{...");
 * the acting role is added when it differs from session_user. Runs inside
 * reg_begin() (the owner scope audit_append needs).
 */
void
reg_audit(RegCtx *c, const char *action, const char *entity, StringInfo detail)
{
	if (strcmp(c->role_name, c->session_name) != 0)
		json_kv_str(detail, "current_user", c->role_name);
	appendStringInfoChar(detail, '}');
	audit_append(c->session_name, action, entity,
				 DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(detail->data))));
}

/* Emit a registry event (outbox row now, NOTIFY mlops_registry at commit) with a JSON payload. */
void
registry_notify(const char *event, const char *entity, StringInfo payload)
{
	appendStringInfoChar(payload, '}');
	(void) mlops_emit(event, entity, payload->data);
}

/* ------------------------------------------------------------ tuples */

/* Set column name to val (or NULL) in the edit. */
void
reg_edit_set(TupleEdit *e, TupleDesc desc, const char *name, Datum val, bool isnull)
{
	int			col = SPI_fnumber(desc, name);

	if (col <= 0 || e->n >= 16)
		elog(ERROR, "registry trigger: bad column %s", name);
	e->cols[e->n] = col;
	e->vals[e->n] = val;
	e->nulls[e->n] = isnull;
	e->n++;
}

/* Apply the edit to tup in the caller's memory context. */
HeapTuple
reg_edit_apply(RegCtx *c, TupleEdit *e, HeapTuple tup, TupleDesc desc)
{
	MemoryContext old = MemoryContextSwitchTo(c->upper);
	HeapTuple	res = e->n ? heap_modify_tuple_by_cols(tup, desc, e->n, e->cols, e->vals, e->nulls)
		: heap_copytuple(tup);

	MemoryContextSwitchTo(old);
	return res;
}

/* Value of column name in tup. */
Datum
reg_col_get(HeapTuple tup, TupleDesc desc, const char *name, bool *isnull)
{
	int			col = SPI_fnumber(desc, name);

	if (col <= 0)
		elog(ERROR, "registry trigger: no column %s", name);
	return heap_getattr(tup, col, desc, isnull);
}

/* Text value of column name in tup (output function), or NULL. */
char *
reg_col_str(HeapTuple tup, TupleDesc desc, const char *name)
{
	int			col = SPI_fnumber(desc, name);

	if (col <= 0)
		elog(ERROR, "registry trigger: no column %s", name);
	return SPI_getvalue(tup, desc, col);
}

/* int8 value of column name, 0 if NULL. */
int64
reg_col_int8(HeapTuple tup, TupleDesc desc, const char *name)
{
	bool		isnull;
	Datum		d = reg_col_get(tup, desc, name, &isnull);

	return isnull ? 0 : DatumGetInt64(d);
}

/* Whether column name differs between two tuples (binary image). */
bool
reg_col_changed(HeapTuple a, HeapTuple b, TupleDesc desc, const char *name)
{
	int			col = SPI_fnumber(desc, name);
	Form_pg_attribute att;
	bool		na,
				nb;
	Datum		da,
				db;

	if (col <= 0)
		elog(ERROR, "registry trigger: no column %s", name);
	att = TupleDescAttr(desc, col - 1);
	da = heap_getattr(a, col, desc, &na);
	db = heap_getattr(b, col, desc, &nb);
	if (na || nb)
		return na != nb;
	return !datum_image_eq(da, db, att->attbyval, att->attlen);
}

/* Result cell (row, col) of the last SPI query as a string, or NULL. */
char *
reg_res_str(int row, int col)
{
	return SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col);
}

/* Result cell (row, col) as a Datum. */
Datum
reg_res_datum(int row, int col, bool *isnull)
{
	return SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, isnull);
}

/* A name Datum. */
Datum
reg_name_datum(const char *s)
{
	return DirectFunctionCall1(namein, CStringGetDatum(s));
}

/* The transaction's now(). */
Datum
reg_now_datum(void)
{
	return TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
}

/*
 * The TriggerData of a registry trigger call, or an error; refuses writes by
 * code a registry operation reached (see reg_refuse_reached_code).
 */
TriggerData *
reg_trigger_data(FunctionCallInfo fcinfo, const char *fn)
{
	TriggerData *td;

	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "%s: not called as a trigger", fn);
	td = (TriggerData *) fcinfo->context;
	reg_refuse_reached_code(td->tg_relation);
	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
		mlops_row_id_check(td->tg_relation, td->tg_trigtuple);
	return td;
}

/* The tuple to return when a trigger lets a row through unchanged. */
HeapTuple
reg_passthrough(TriggerData *td)
{
	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		return td->tg_newtuple;
	return td->tg_trigtuple;
}

/*
 * The new tuple of an UPDATE, with last_updated_at set to now() when one of
 * cols changed and the statement did not set last_updated_at itself (a
 * restore or an import keeps the time it gives).
 */
HeapTuple
reg_touch_updated(TriggerData *td, const char *const *cols, int ncols)
{
	TupleDesc	desc = td->tg_relation->rd_att;
	HeapTuple	newtup = td->tg_newtuple;
	int			i;
	int			col;
	Datum		val;
	bool		isnull = false;

	if (reg_col_changed(td->tg_trigtuple, newtup, desc, "last_updated_at"))
		return newtup;
	for (i = 0; i < ncols; i++)
		if (reg_col_changed(td->tg_trigtuple, newtup, desc, cols[i]))
			break;
	if (i == ncols)
		return newtup;
	col = SPI_fnumber(desc, "last_updated_at");
	val = reg_now_datum();
	return heap_modify_tuple_by_cols(newtup, desc, 1, &col, &val, &isnull);
}

/* ------------------------------------------------------ model lookups */

/* Load a model version by id; false if it does not exist. */
bool
reg_load_version(int64 version_id, VersionInfo *vi)
{
	Oid			types[1] = {INT8OID};
	Datum		vals[1] = {Int64GetDatum(version_id)};
	bool		isnull;

	if (reg_exec("SELECT v.model_id, v.version, m.name, v.stage, v.run_id::text "
				 "FROM mlops.model_versions v JOIN mlops.models m ON m.id OPERATOR(pg_catalog.=) v.model_id "
				 "WHERE v.id OPERATOR(pg_catalog.=) $1", 1, types, vals, NULL, false, 1) == 0)
		return false;
	vi->id = version_id;
	vi->model_id = DatumGetInt64(reg_res_datum(0, 1, &isnull));
	vi->version = DatumGetInt32(reg_res_datum(0, 2, &isnull));
	vi->model = reg_res_str(0, 3);
	vi->stage = reg_res_str(0, 4);
	vi->run_id = reg_res_str(0, 5);
	return true;
}

/* Lock a model's row (serialises its stage, alias and version changes); returns its name. */
char *
reg_lock_model(int64 model_id)
{
	Oid			types[1] = {INT8OID};
	Datum		vals[1] = {Int64GetDatum(model_id)};

	if (reg_exec("SELECT m.name FROM mlops.models m WHERE m.id OPERATOR(pg_catalog.=) $1 FOR UPDATE",
				 1, types, vals, NULL, false, 1) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model_id " INT64_FORMAT " does not match any model in mlops.models", model_id),
				 errhint("Look the model up by name in mlops.models, or use the mlops.* functions, which take model names.")));
	return reg_res_str(0, 1);
}

/* Whether stage exists; *exclusive receives its flag. */
bool
reg_stage_lookup(const char *stage, bool *exclusive)
{
	Oid			types[1] = {TEXTOID};
	Datum		vals[1] = {CStringGetTextDatum(stage)};
	bool		isnull;

	if (reg_exec("SELECT s.exclusive FROM mlops.stages s WHERE s.name OPERATOR(pg_catalog.=) $1",
				 1, types, vals, NULL, false, 1) == 0)
		return false;
	*exclusive = DatumGetBool(reg_res_datum(0, 1, &isnull));
	return true;
}

/* Error unless stage exists; returns its exclusive flag. */
bool
reg_stage_require(const char *stage)
{
	bool		exclusive = false;

	if (!reg_stage_lookup(stage, &exclusive))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("stage \"%s\" does not exist", stage),
				 errhint("The stages are listed in mlops.stages.")));
	return exclusive;
}

/*
 * Error unless stage to exists (as reg_stage_require); returns its exclusive
 * flag, and in *allowed whether from -> to is listed in
 * mlops.stage_transitions: one statement for the two lookups of a move.
 */
bool
reg_stage_move_lookup(const char *from, const char *to, bool *allowed)
{
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		vals[2] = {CStringGetTextDatum(from), CStringGetTextDatum(to)};
	bool		isnull;

	if (reg_exec("SELECT s.exclusive, EXISTS (SELECT 1 FROM mlops.stage_transitions t "
				 "WHERE t.from_stage OPERATOR(pg_catalog.=) $1 AND t.to_stage OPERATOR(pg_catalog.=) $2) "
				 "FROM mlops.stages s WHERE s.name OPERATOR(pg_catalog.=) $2",
				 2, types, vals, NULL, false, 1) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("stage \"%s\" does not exist", to),
				 errhint("The stages are listed in mlops.stages.")));
	*allowed = DatumGetBool(reg_res_datum(0, 2, &isnull));
	return DatumGetBool(reg_res_datum(0, 1, &isnull));
}

/* Error unless from -> to is listed in mlops.stage_transitions. */
void
reg_transition_require(const VersionInfo *vi, const char *from, const char *to)
{
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		vals[2] = {CStringGetTextDatum(from), CStringGetTextDatum(to)};
	char	   *allowed;

	if (reg_exec("SELECT 1 FROM mlops.stage_transitions t WHERE t.from_stage OPERATOR(pg_catalog.=) $1 "
				 "AND t.to_stage OPERATOR(pg_catalog.=) $2", 2, types, vals, NULL, false, 1) > 0)
		return;
	reg_exec("SELECT pg_catalog.string_agg(t.to_stage, ', ' ORDER BY t.to_stage) FROM mlops.stage_transitions t "
			 "WHERE t.from_stage OPERATOR(pg_catalog.=) $1", 1, types, vals, NULL, false, 1);
	allowed = reg_res_str(0, 1);
	ereport(ERROR,
			(errcode(ERRCODE_RAISE_EXCEPTION),
			 errmsg("moving version %d of model \"%s\" from stage \"%s\" to \"%s\" is not an allowed transition",
					vi->version, vi->model, from, to),
			 errdetail("Allowed moves from \"%s\": %s (mlops.stage_transitions).", from,
					   allowed ? allowed : "none"),
			 errhint("Use mlops.request_transition() with an allowed target stage.")));
}

/* Find the policy of a model for a target stage: the model's own, else '*'. */
void
reg_policy_lookup(int64 model_id, const char *stage, Policy *p)
{
	Oid			types[2] = {INT8OID, TEXTOID};
	Datum		vals[2] = {Int64GetDatum(model_id), CStringGetTextDatum(stage)};
	bool		isnull;

	memset(p, 0, sizeof(*p));
	if (reg_exec("SELECT p.id, p.min_approvals, p.approver_role::pg_catalog.oid, p.approver_role::pg_catalog.text, "
				 "p.allow_self_approval, p.gates FROM mlops.policies p "
				 "WHERE (p.model_id OPERATOR(pg_catalog.=) $1 OR p.model_id IS NULL) "
				 "AND p.to_stage OPERATOR(pg_catalog.=) $2 ORDER BY p.model_id NULLS LAST LIMIT 1",
				 2, types, vals, NULL, false, 1) == 0)
		return;
	p->found = true;
	p->id = DatumGetInt64(reg_res_datum(0, 1, &isnull));
	p->min_approvals = DatumGetInt32(reg_res_datum(0, 2, &isnull));
	p->approver_role = DatumGetObjectId(reg_res_datum(0, 3, &isnull));
	p->approver_role_name = reg_res_str(0, 4);
	p->allow_self = DatumGetBool(reg_res_datum(0, 5, &isnull));
	p->gates = reg_res_datum(0, 6, &isnull);
}

/* ---------------------------------------------------------- models */

/* models: fill created_by/at on INSERT; only the description may change. */
static HeapTuple
models_body(TriggerData *td, RegCtx *c)
{
	TupleDesc	desc = td->tg_relation->rd_att;
	HeapTuple	tup = td->tg_trigtuple;
	TupleEdit	e = {0};
	bool		isnull;
	char	   *name;
	StringInfo	d;

	if (c->internal)
		return reg_passthrough(td);
	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
	{
		static const char *const fixed[] = {"id", "name", "created_by", "created_at", "last_version"};
		int			i;

		for (i = 0; i < lengthof(fixed); i++)
			if (reg_col_changed(tup, td->tg_newtuple, desc, fixed[i]))
				ereport(ERROR,
						(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
						 errmsg("column \"%s\" of model \"%s\" cannot be changed", fixed[i],
								reg_col_str(tup, desc, "name")),
						 errhint("Only the description of a model can be updated.")));
		return td->tg_newtuple;
	}
	(void) reg_col_get(tup, desc, "created_by", &isnull);
	if (c->is_super && !isnull)
		return tup;				/* a superuser loading rows verbatim (pg_restore) */
	name = reg_col_str(tup, desc, "name");
	if (name == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("a model name must not be NULL")));
	if (name[0] == '\0' || strcmp(name, "*") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("\"%s\" is not a valid model name: %s", name,
						name[0] == '\0' ? "a model name must not be empty"
						: "\"*\" stands for every model in mlops.set_policy()"),
				 errhint("Choose another name.")));
	/* keeps NOTIFY payloads (which carry the name) far below their 8000-byte limit */
	if (name && pg_mbstrlen(name) > REGISTRY_MODEL_NAME_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_NAME_TOO_LONG),
				 errmsg("model name \"%s...\" is too long (%d characters, at most %d)",
						pnstrdup(name, pg_mbcliplen(name, strlen(name), 40)), pg_mbstrlen(name),
						REGISTRY_MODEL_NAME_MAX),
				 errhint("Choose a shorter name; put details in the description.")));
	reg_edit_set(&e, desc, "created_by", reg_name_datum(c->session_name), false);
	reg_edit_set(&e, desc, "created_at", reg_now_datum(), false);
	reg_edit_set(&e, desc, "last_version", Int32GetDatum(0), false);
	d = reg_json_open();
	json_kv_str(d, "model", name);
	json_kv_str(d, "description", reg_col_str(tup, desc, "description"));
	reg_audit(c, "model.register", psprintf("model:%s", name ? name : ""), d);
	return reg_edit_apply(c, &e, tup, desc);
}

/* Run a trigger body inside reg_begin/reg_end, undoing state on error. */
Datum
reg_run_trigger(TriggerData *td, HeapTuple (*body) (TriggerData *, RegCtx *))
{
	RegCtx		c;

	reg_begin(&c);
	PG_TRY();
	{
		c.result = body(td, &c);
	}
	PG_CATCH();
	{
		reg_abort(&c);
		PG_RE_THROW();
	}
	PG_END_TRY();
	reg_end(&c);
	return PointerGetDatum(c.result);
}

PG_FUNCTION_INFO_V1(mlops_models_guard);

/* Trigger on mlops.models. */
Datum
mlops_models_guard(PG_FUNCTION_ARGS)
{
	TriggerData *td = reg_trigger_data(fcinfo, "mlops_models_guard");

	/*
	 * fast path: a description or tags update needs no SPI (descriptions and
	 * tags are not audited); last_updated_at follows them
	 */
	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event) &&
		!reg_col_changed(td->tg_trigtuple, td->tg_newtuple, td->tg_relation->rd_att, "name") &&
		!reg_col_changed(td->tg_trigtuple, td->tg_newtuple, td->tg_relation->rd_att, "created_by") &&
		!reg_col_changed(td->tg_trigtuple, td->tg_newtuple, td->tg_relation->rd_att, "created_at") &&
		!reg_col_changed(td->tg_trigtuple, td->tg_newtuple, td->tg_relation->rd_att, "last_version") &&
		!reg_col_changed(td->tg_trigtuple, td->tg_newtuple, td->tg_relation->rd_att, "id"))
	{
		static const char *const touched[] = {"description", "tags"};

		return PointerGetDatum(reg_touch_updated(td, touched, lengthof(touched)));
	}
	return reg_run_trigger(td, models_body);
}
