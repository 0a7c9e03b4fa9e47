/*
 * stages.c: the stage machine: model versions, stage changes, stage history.
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
/* Version that a promotion is archiving (for the audit detail), or 0. */
static int	archiving_for_version = 0;
static Datum archiving_time;	/* the promotion's time, while archiving_for_version */
static char *archiving_model;	/* the model's name (its row locked), likewise */

/* Comment noted by mlops.transition() for the next stage change. */
static LocalTransactionId note_lxid = InvalidLocalTransactionId;
static int64 note_version_id = 0;
static char *note_comment = NULL;

/* ------------------------------------------------------- stage history */

/*
 * Time of a stage move: the clock when the move is made under the model's
 * lock, so production_version(model, T) agrees with what readers saw at T up
 * to the moment the transaction commits (the transaction's start time, now(),
 * could be long before the lock was granted). Never before the model's latest
 * history entry, so intervals never overlap even if the clock steps back. A
 * promotion and the archiving of the version it replaces share one time.
 */
static Datum
move_time(int64 model_id)
{
	Oid			types[1] = {INT8OID};
	Datum		vals[1] = {Int64GetDatum(model_id)};
	bool		isnull;
	Datum		t;

	reg_exec("SELECT GREATEST(pg_catalog.clock_timestamp(), pg_catalog.max(h.valid_from)) FROM mlops.stage_history h "
			 "WHERE h.model_id OPERATOR(pg_catalog.=) $1", 1, types, vals, NULL, false, 1);
	t = reg_res_datum(0, 1, &isnull);
	Assert(!isnull);
	return t;
}

/* Close a version's current stage-history row at time t and open one for stage. */
static void
history_move(int64 version_id, int64 model_id, const char *stage, Datum t)
{
	Oid			types[4] = {INT8OID, INT8OID, TEXTOID, TIMESTAMPTZOID};
	Datum		vals[4] = {Int64GetDatum(version_id), Int64GetDatum(model_id), CStringGetTextDatum(stage), t};

	reg_exec("UPDATE mlops.stage_history SET valid_to = $4 "
			 "WHERE model_version_id OPERATOR(pg_catalog.=) $1 AND valid_to IS NULL",
			 4, types, vals, NULL, false, 0);
	reg_exec("INSERT INTO mlops.stage_history (model_version_id, model_id, stage, valid_from) "
			 "VALUES ($1, $2, $3, $4)", 4, types, vals, NULL, false, 0);
}

/* Entity name of a model version in the audit log. */
char *
reg_version_entity(const VersionInfo *vi)
{
	return psprintf("model:%s@%d", vi->model, vi->version);
}

/* ---------------------------------------------------- model versions */

/* INSERT into model_versions: next number from the row-locked counter, stage none. */
static HeapTuple
versions_insert(TriggerData *td, RegCtx *c)
{
	TupleDesc	desc = td->tg_relation->rd_att;
	HeapTuple	tup = td->tg_trigtuple;
	TupleEdit	e = {0};
	bool		isnull,
				vnull,
				excl = false;
	Datum		given = reg_col_get(tup, desc, "version", &vnull);
	int64		model_id = reg_col_int8(tup, desc, "model_id");
	Oid			types[2] = {INT8OID, INT4OID};
	Datum		vals[2] = {Int64GetDatum(model_id), given};
	char	   *stage = reg_col_str(tup, desc, "stage");
	VersionInfo vi;
	StringInfo	d;

	(void) reg_col_get(tup, desc, "created_by", &isnull);
	if (c->is_super && !vnull && !isnull)
	{
		/* a superuser loading rows verbatim (pg_restore): keep the counter ahead */
		reg_exec("UPDATE mlops.models SET last_version = GREATEST(last_version, $2) "
				 "WHERE id OPERATOR(pg_catalog.=) $1", 2, types, vals, NULL, false, 0);
		return tup;
	}
	if (reg_exec("UPDATE mlops.models SET last_version = last_version OPERATOR(pg_catalog.+) 1, "
				 "last_updated_at = pg_catalog.now() "
				 "WHERE id OPERATOR(pg_catalog.=) $1 RETURNING last_version, name",
				 1, types, vals, NULL, false, 0) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model_id " INT64_FORMAT " does not match any model in mlops.models", model_id),
				 errhint("Register the model with mlops.register_model() and create versions by name with mlops.create_model_version().")));
	memset(&vi, 0, sizeof(vi));
	vi.id = reg_col_int8(tup, desc, "id");
	vi.model_id = model_id;
	vi.version = DatumGetInt32(reg_res_datum(0, 1, &isnull));
	vi.model = reg_res_str(0, 2);
	vi.run_id = reg_col_str(tup, desc, "run_id");
	if (!vnull && DatumGetInt32(given) != vi.version)
		ereport(ERROR,
				(errcode(ERRCODE_GENERATED_ALWAYS),
				 errmsg("version numbers of model \"%s\" are assigned by mlops: the next one is %d, not %d",
						vi.model, vi.version, DatumGetInt32(given)),
				 errhint("Leave the version column out (or use mlops.create_model_version()).")));
	if (stage == NULL)
		stage = "none";
	if (strcmp(stage, "none") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("a new version of model \"%s\" starts in stage \"none\", not \"%s\"", vi.model, stage),
				 errhint("Move it afterwards with mlops.request_transition() and mlops.transition().")));
	(void) reg_stage_lookup("none", &excl);
	reg_edit_set(&e, desc, "version", Int32GetDatum(vi.version), false);
	reg_edit_set(&e, desc, "stage", CStringGetTextDatum("none"), false);
	reg_edit_set(&e, desc, "stage_exclusive", BoolGetDatum(excl), false);
	reg_edit_set(&e, desc, "created_by", reg_name_datum(c->session_name), false);
	reg_edit_set(&e, desc, "created_at", reg_now_datum(), false);
	{
		Datum		t = move_time(model_id);

		reg_edit_set(&e, desc, "stage_changed_at", t, false);
		if (vi.id != 0)
			history_move(vi.id, model_id, "none", t);
	}
	d = reg_json_open();
	json_kv_str(d, "model", vi.model);
	json_kv_int(d, "version", vi.version);
	json_kv_str(d, "run_id", vi.run_id);
	json_kv_str(d, "artifact_uri", reg_col_str(tup, desc, "artifact_uri"));
	reg_audit(c, "version.create", reg_version_entity(&vi), d);
	return reg_edit_apply(c, &e, tup, desc);
}

/* Archive the other holders of an exclusive stage at time t; returns their versions as JSON. */
static char *
archive_holders(const VersionInfo *vi, const char *stage, Datum t)
{
	Oid			types[3] = {INT8OID, TEXTOID, INT8OID};
	Datum		vals[3] = {Int64GetDatum(vi->model_id), CStringGetTextDatum(stage), Int64GetDatum(vi->id)};
	int			n,
				i;
	StringInfoData out;
	SPITupleTable *tt;

	initStringInfo(&out);
	appendStringInfoChar(&out, '[');
	n = reg_exec("SELECT v.id, v.version FROM mlops.model_versions v WHERE v.model_id OPERATOR(pg_catalog.=) $1 "
				 "AND v.stage OPERATOR(pg_catalog.=) $2 AND v.id OPERATOR(pg_catalog.<>) $3 ORDER BY v.id FOR UPDATE",
				 3, types, vals, NULL, false, 0);
	tt = SPI_tuptable;
	for (i = 0; i < n; i++)
	{
		bool		isnull;
		Datum		id = SPI_getbinval(tt->vals[i], tt->tupdesc, 1, &isnull);
		Oid			t1[1] = {INT8OID};
		Datum		v1[1] = {id};

		appendStringInfo(&out, "%s%s", i ? "," : "", SPI_getvalue(tt->vals[i], tt->tupdesc, 2));
		archiving_for_version = vi->version;
		archiving_time = t;
		archiving_model = vi->model;
		PG_TRY();
		{
			reg_exec("UPDATE mlops.model_versions SET stage = 'archived' WHERE id OPERATOR(pg_catalog.=) $1",
					 1, t1, v1, NULL, false, 0);
		}
		PG_FINALLY();
		{
			archiving_for_version = 0;
		}
		PG_END_TRY();
	}
	appendStringInfoChar(&out, ']');
	return out.data;
}

/* UPDATE of model_versions that changes the stage: the governed move. */
static HeapTuple
versions_stage_change(TriggerData *td, RegCtx *c)
{
	TupleDesc	desc = td->tg_relation->rd_att;
	HeapTuple	newtup = td->tg_newtuple;
	TupleEdit	e = {0};
	VersionInfo vi;
	char	   *from = reg_col_str(td->tg_trigtuple, desc, "stage");
	char	   *to = reg_col_str(newtup, desc, "stage");
	bool		excl,
				isnull;
	int64		request_id = 0;
	int			napprovals = 0;
	char	   *archived = NULL;
	char	   *cancelled = NULL;
	char	   *comment = NULL;
	StringInfoData gate_log;
	StringInfo	d,
				n;
	Datum		t;

	initStringInfo(&gate_log);
	memset(&vi, 0, sizeof(vi));
	vi.id = reg_col_int8(newtup, desc, "id");
	vi.model_id = reg_col_int8(newtup, desc, "model_id");
	vi.version = DatumGetInt32(reg_col_get(newtup, desc, "version", &isnull));
	vi.run_id = reg_col_str(newtup, desc, "run_id");
	/* archived by a promotion: the promoting trigger holds the model's lock */
	vi.model = (c->internal && archiving_for_version) ? archiving_model : reg_lock_model(vi.model_id);
	vi.stage = from;
	if (to == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("the stage of version %d of model \"%s\" cannot be NULL", vi.version, vi.model),
				 errhint("Move it to a stage listed in mlops.stages, such as \"archived\".")));
	if (!c->internal)
	{
		bool		allowed;

		excl = reg_stage_move_lookup(from, to, &allowed);
		if (!allowed)
			reg_transition_require(&vi, from, to);
		request_id = reg_approval_require(&vi, from, to, &gate_log, &napprovals);
		if (note_lxid == MyProc->lxid && note_version_id == vi.id)
			comment = note_comment;
		note_lxid = InvalidLocalTransactionId;
	}
	else
		excl = reg_stage_require(to);

	/*
	 * The request this move uses is consumed. Open requests of this version
	 * that start elsewhere are stale now, also when the move is internal
	 * (archived by another version's promotion): their approvals must not be
	 * reused later. One statement closes both.
	 */
	{
		Oid			types[4] = {INT8OID, TEXTOID, NAMEOID, INT8OID};
		Datum		vals[4] = {Int64GetDatum(vi.id), CStringGetTextDatum(to), reg_name_datum(c->session_name),
		Int64GetDatum(request_id)};

		reg_exec("WITH c AS (UPDATE mlops.transition_requests "
				 "SET status = CASE WHEN id OPERATOR(pg_catalog.=) $4 THEN 'consumed' ELSE 'cancelled' END, "
				 "closed_at = pg_catalog.now(), closed_by = $3 "
				 "WHERE model_version_id OPERATOR(pg_catalog.=) $1 AND status OPERATOR(pg_catalog.=) 'open' "
				 "AND (id OPERATOR(pg_catalog.=) $4 OR from_stage OPERATOR(pg_catalog.<>) $2) RETURNING id, status) "
				 "SELECT (pg_catalog.jsonb_agg(c.id ORDER BY c.id) "
				 "FILTER (WHERE c.status OPERATOR(pg_catalog.=) 'cancelled'))::text FROM c",
				 4, types, vals, NULL, false, 0);
		cancelled = reg_res_str(0, 1);
	}
	/* a version archived by a promotion leaves when the promoted one arrives */
	t = (c->internal && archiving_for_version) ? archiving_time : move_time(vi.model_id);
	if (!c->internal)
	{
		/*
		 * The model changes with its version (MLflow's last update time).
		 * Writing its row also makes a concurrent mover of another version
		 * of this model that runs under REPEATABLE READ or SERIALIZABLE
		 * fail with a serialization failure (40001, which clients retry)
		 * when it locks the model, instead of a unique violation when no
		 * holder of the stage was visible to its snapshot.
		 */
		Oid			mtypes[2] = {INT8OID, TIMESTAMPTZOID};
		Datum		mvals[2] = {Int64GetDatum(vi.model_id), t};

		reg_exec("UPDATE mlops.models SET last_updated_at = $2 WHERE id OPERATOR(pg_catalog.=) $1",
				 2, mtypes, mvals, NULL, false, 0);
	}
	if (excl)
		archived = archive_holders(&vi, to, t);
	reg_edit_set(&e, desc, "stage_exclusive", BoolGetDatum(excl), false);
	reg_edit_set(&e, desc, "stage_changed_at", t, false);
	reg_edit_set(&e, desc, "last_updated_at", t, false);
	history_move(vi.id, vi.model_id, to, t);

	d = reg_json_open();
	json_kv_str(d, "model", vi.model);
	json_kv_int(d, "version", vi.version);
	json_kv_str(d, "from", from);
	json_kv_str(d, "to", to);
	if (request_id)
	{
		json_kv_int(d, "request", request_id);
		json_kv_int(d, "approvals", napprovals);
	}
	if (gate_log.len)
		json_kv_str(d, "gates", gate_log.data);
	if (archived && strcmp(archived, "[]") != 0)
		json_kv_raw(d, "archived_versions", archived);
	if (cancelled)
		json_kv_raw(d, "cancelled_requests", cancelled);
	if (c->internal && archiving_for_version)
		json_kv_int(d, "replaced_by_version", archiving_for_version);
	if (comment)
		json_kv_str(d, "comment", comment);
	reg_audit(c, "stage.change", reg_version_entity(&vi), d);

	n = reg_json_open();
	json_kv_str(n, "model", vi.model);
	json_kv_int(n, "version", vi.version);
	json_kv_str(n, "from", from);
	json_kv_str(n, "to", to);
	json_kv_str(n, "actor", c->session_name);
	registry_notify("stage.changed", reg_version_entity(&vi), n);
	return reg_edit_apply(c, &e, newtup, desc);
}

/* UPDATE of model_versions: immutable columns, then the stage change if any. */
static HeapTuple
versions_update(TriggerData *td, RegCtx *c)
{
	static const char *const fixed[] = {"id", "model_id", "version", "run_id", "artifact_uri",
	"created_by", "created_at", "source", "run_link", "signature"};
	TupleDesc	desc = td->tg_relation->rd_att;
	int			i;

	for (i = 0; i < lengthof(fixed); i++)
		if (reg_col_changed(td->tg_trigtuple, td->tg_newtuple, desc, fixed[i]))
		{
			bool		isnull;
			int64		model_id = reg_col_int8(td->tg_trigtuple, desc, "model_id");
			Oid			types[1] = {INT8OID};
			Datum		vals[1] = {Int64GetDatum(model_id)};
			char	   *model;

			reg_exec("SELECT m.name FROM mlops.models m WHERE m.id OPERATOR(pg_catalog.=) $1",
					 1, types, vals, NULL, false, 1);
			model = reg_res_str(0, 1);
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("column \"%s\" of version %d of model \"%s\" cannot be changed", fixed[i],
							DatumGetInt32(reg_col_get(td->tg_trigtuple, desc, "version", &isnull)),
							model ? model : "?"),
					 strcmp(fixed[i], "artifact_uri") == 0
					 ? errhint("A version's artifact is immutable: create a new version with "
							   "mlops.create_model_version() for a new artifact.")
					 : (strcmp(fixed[i], "source") == 0 || strcmp(fixed[i], "run_link") == 0 ||
						strcmp(fixed[i], "signature") == 0)
					 ? errhint("A version's source, run link and signature are fixed at creation: create a "
							   "new version with mlops.create_model_version() for new ones.")
					 : errhint("Register a new version with mlops.create_model_version(); move stages with "
							   "mlops.request_transition() and mlops.transition().")));
		}
	if (!reg_col_changed(td->tg_trigtuple, td->tg_newtuple, desc, "stage"))
	{
		/* stage_exclusive alone changes only through the stages FK cascade */
		if (reg_col_changed(td->tg_trigtuple, td->tg_newtuple, desc, "stage_changed_at") && !c->internal)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("column \"stage_changed_at\" of mlops.model_versions is maintained by the registry")));
		return td->tg_newtuple;
	}
	return versions_stage_change(td, c);
}

/* DELETE from model_versions: never a version in an exclusive stage or production. */
static HeapTuple
versions_delete(TriggerData *td, RegCtx *c)
{
	TupleDesc	desc = td->tg_relation->rd_att;
	HeapTuple	tup = td->tg_trigtuple;
	VersionInfo vi;
	bool		isnull;
	StringInfo	d;
	Oid			types[1] = {INT8OID};
	Datum		vals[1];

	if (c->internal)
		return tup;
	if (!reg_load_version(reg_col_int8(tup, desc, "id"), &vi))
		return tup;
	if (DatumGetBool(reg_col_get(tup, desc, "stage_exclusive", &isnull)) || strcmp(vi.stage, "production") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("version %d of model \"%s\" is in stage \"%s\" and cannot be deleted",
						vi.version, vi.model, vi.stage),
				 errhint("Move it to \"archived\" first.")));
	vals[0] = Int64GetDatum(vi.id);
	reg_exec("DELETE FROM mlops.stage_history WHERE model_version_id OPERATOR(pg_catalog.=) $1",
			 1, types, vals, NULL, false, 0);
	d = reg_json_open();
	json_kv_str(d, "model", vi.model);
	json_kv_int(d, "version", vi.version);
	json_kv_str(d, "stage", vi.stage);
	json_kv_str(d, "run_id", vi.run_id);
	reg_audit(c, "version.delete", reg_version_entity(&vi), d);
	return tup;
}

/* Dispatch model_versions trigger events. */
static HeapTuple
versions_body(TriggerData *td, RegCtx *c)
{
	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
		return c->internal ? td->tg_trigtuple : versions_insert(td, c);
	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		return versions_update(td, c);
	return versions_delete(td, c);
}

PG_FUNCTION_INFO_V1(mlops_model_versions_guard);

/* Trigger on mlops.model_versions. */
Datum
mlops_model_versions_guard(PG_FUNCTION_ARGS)
{
	TriggerData *td = reg_trigger_data(fcinfo, "mlops_model_versions_guard");

	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
	{
		/*
		 * fast path: nothing governed changes (description, tags,
		 * stage_exclusive by the FK cascade); last_updated_at follows the
		 * description and tags
		 */
		static const char *const watched[] = {"stage", "model_id", "version", "run_id", "id",
		"artifact_uri", "created_by", "created_at", "stage_changed_at", "source", "run_link", "signature"};
		static const char *const touched[] = {"description", "tags"};
		TupleDesc	desc = td->tg_relation->rd_att;
		int			i;

		for (i = 0; i < lengthof(watched); i++)
			if (reg_col_changed(td->tg_trigtuple, td->tg_newtuple, desc, watched[i]))
				break;
		if (i == lengthof(watched))
			return PointerGetDatum(reg_touch_updated(td, touched, lengthof(touched)));
	}
	return reg_run_trigger(td, versions_body);
}

/* ------------------------------------------------------------ helpers */

PG_FUNCTION_INFO_V1(mlops_prepare_transition);

/*
 * mlops._prepare_transition(version_id, comment): lock the version's model
 * before its row (the order the triggers use) and note the comment that the
 * coming stage change records in the audit log.
 */
Datum
mlops_prepare_transition(PG_FUNCTION_ARGS)
{
	int64		version_id;
	RegCtx		c;

	if (PG_ARGISNULL(0))
		PG_RETURN_VOID();
	version_id = PG_GETARG_INT64(0);
	reg_begin(&c);
	PG_TRY();
	{
		Oid			types[1] = {INT8OID};
		Datum		vals[1] = {Int64GetDatum(version_id)};

		/* a version's model_id never changes: lock its model in one statement */
		(void) reg_exec("SELECT 1 FROM mlops.models m WHERE m.id OPERATOR(pg_catalog.=) "
						"(SELECT v.model_id FROM mlops.model_versions v WHERE v.id OPERATOR(pg_catalog.=) $1) "
						"FOR UPDATE OF m", 1, types, vals, NULL, false, 0);
	}
	PG_CATCH();
	{
		reg_abort(&c);
		PG_RE_THROW();
	}
	PG_END_TRY();
	reg_end(&c);
	note_lxid = MyProc->lxid;
	note_version_id = version_id;
	note_comment = PG_ARGISNULL(1) ? NULL
		: MemoryContextStrdup(TopTransactionContext, text_to_cstring(PG_GETARG_TEXT_PP(1)));
	PG_RETURN_VOID();
}
