/*
 * tracking.c: the hot path of experiment tracking.
 *
 *  - mlops._run_guard(): BEFORE row trigger on metrics, params, tags,
 *    artifacts and run_inputs. Locks the row's run FOR SHARE (so end_run,
 *    an UPDATE, waits for loggers in flight and loggers wait for end_run)
 *    and refuses unknown and ended runs, and runs the session user may not
 *    write (see run_writable). The check is cached per (run, session user,
 *    transaction, subtransaction) because the lock lasts as long.
 *  - mlops._metrics_latest(): AFTER INSERT statement trigger on metrics
 *    (transition table) that folds new points into latest_metrics: one
 *    UPDATE (or upsert) per (run, key), highest step, then latest ts, then
 *    the largest value (NaN as 0, as MLflow) winning, in (run, key) order
 *    so that concurrent batches cannot deadlock.
 *  - log_metric: after checking its arguments and the caller's INSERT
 *    privilege (table or columns, as the executor checks it), the open run
 *    is locked (READ COMMITTED: primary-key probes, run_probe.c; otherwise
 *    one statement run as the tables' owner, which also moves
 *    latest_metrics); then the point goes through the executor's simple
 *    insert path as the caller (metrics_insert.c: triggers, constraints,
 *    indexes, foreign keys as in an INSERT), and latest_metrics is written
 *    as the owner only when the key's row is missing or earlier than the
 *    point. When mlops.metrics has what that path cannot honour
 *    (rules, policies, user statement triggers...), a prepared plain INSERT
 *    as the caller instead.
 *  - log_metrics (arrays and jsonb): argument checks, the open run locked,
 *    then one prepared INSERT ... SELECT FROM unnest(); the trigger above
 *    maintains latest_metrics. All or nothing.
 */
#include "postgres.h"

#include "compat.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/dependency.h"
#include "access/table.h"
#include "access/tableam.h"
#include "commands/sequence.h"
#include "nodes/makefuncs.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "executor/executor.h"
#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/hsearch.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"
#include "utils/acl.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
#include "utils/uuid.h"

#include "common/spi_owner.h"
#include "common/row_ids.h"
#include "tracking/tracking.h"

/* The run most recently checked and locked by this backend, and when. */
typedef struct RunCheckCache
{
	bool		valid;
	pg_uuid_t	run;
	Oid			user;			/* session user it was checked for */
	LocalTransactionId lxid;
	SubTransactionId subxid;
} RunCheckCache;

static RunCheckCache run_cache;

/*
 * Plans of the fixed statements below are kept by common/spi_owner
 * (mlops_owner_plan, keyed by statement text): those run as the owner go
 * through mlops_owner_exec inside an owner scope, those run as the caller
 * (the run lock of the guard, the fallback INSERTs) through SPI_execute_plan.
 */

/* Format a uuid for messages. */
static char *
uuid_str(pg_uuid_t *u)
{
	return DatumGetCString(DirectFunctionCall1(uuid_out, UUIDPGetDatum(u)));
}

/*
 * Whether this session is loading a dump: a superuser session with
 * row_security = off, which is what pg_dump and pg_restore scripts set.
 * Rows are then kept as dumped (rules, created_by, latest_metrics untouched).
 */
static bool
restoring(void)
{
	return !row_security && superuser_arg(GetSessionUserId());
}

PG_FUNCTION_INFO_V1(mlops_restoring);

/* mlops._restoring(): the same test for the plpgsql triggers. */
Datum
mlops_restoring(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(restoring());
}

/*
 * The session user's name. Kept per backend: PostgreSQL refuses to rename
 * the session user, and SET SESSION AUTHORIZATION changes its oid.
 */
static Name
session_user_name(void)
{
	static Oid	cached = InvalidOid;
	static NameData name;
	Oid			me = GetSessionUserId();

	if (me != cached)
	{
		namestrcpy(&name, GetUserNameFromId(me, false));
		cached = me;
	}
	return &name;
}

/*
 * Whether the session user may write to a run whose created_by is owner
 * (API.md: only a run's creator, or an admin, writes to it): owner itself,
 * a member of the role owner names (pg_has_role(session_user, owner,
 * 'MEMBER'), so a team role works), or a member of mlops_admin; superusers
 * are members of every role. Keyed by session_user, the role created_by
 * records: statements the extension runs as the owner of its tables change
 * current_user, never session_user, and SET ROLE does not turn one login
 * into another writer. The common case is one string comparison; role
 * membership (cached by PostgreSQL) only when owner is another role.
 */
static bool
run_writable(const char *owner)
{
	Oid			me = GetSessionUserId();
	Oid			role;

	if (strncmp(owner, NameStr(*session_user_name()), NAMEDATALEN) == 0)
		return true;
	role = get_role_oid(owner, true);
	if (OidIsValid(role) && is_member_of_role(me, role))
		return true;
	role = get_role_oid("mlops_admin", true);
	return superuser_arg(me) || (OidIsValid(role) && is_member_of_role(me, role));
}

/*
 * Refuse a write into a run the session user may not write; what names the
 * rows written ("metrics", "params"...), or NULL for the run itself.
 */
static void
refuse_run_writer(pg_uuid_t *run, const char *owner, const char *what)
{
	const char *me = NameStr(*session_user_name());

	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 what ? errmsg("role \"%s\" cannot write %s of run %s", me, what, uuid_str(run))
			 : errmsg("role \"%s\" cannot change run %s", me, uuid_str(run)),
			 errdetail("Run %s was created by role \"%s\".", uuid_str(run), owner),
			 errhint("Only the run's creator, members of that role and members of mlops_admin write to a run.")));
}

/* Whether the cache says this run was checked and locked in this subtransaction. */
static bool
run_cache_hit(pg_uuid_t *run)
{
	return run_cache.valid &&
		run_cache.user == GetSessionUserId() &&
		run_cache.lxid == MyProc->lxid &&
		run_cache.subxid == GetCurrentSubTransactionId() &&
		memcmp(run_cache.run.data, run->data, UUID_LEN) == 0;
}

static bool check_run_open_uncached(pg_uuid_t *run, const char *what, bool missing_ok,
									char **run_name_out);

/* Remember that this run is locked and open for the current subtransaction. */
static void
run_cache_set(pg_uuid_t *run)
{
	run_cache.valid = true;
	run_cache.run = *run;
	run_cache.user = GetSessionUserId();
	run_cache.lxid = MyProc->lxid;
	run_cache.subxid = GetCurrentSubTransactionId();
}

/*
 * Lock a run FOR SHARE and refuse it when unknown, not writable by the
 * session user, or ended. "what" names the thing being logged. With
 * missing_ok, an unknown run returns false (a cascading delete of the run
 * itself). Must be called inside SPI.
 */
static bool
check_run_open(pg_uuid_t *run, const char *what, bool missing_ok)
{
	if (run_cache_hit(run))
		return true;
	return check_run_open_uncached(run, what, missing_ok, NULL);
}

/*
 * A statement that should have locked the open run found none: check the run
 * without trusting the cache and raise its error (unknown or ended run).
 */
static void
refuse_unlocked_run(pg_uuid_t *run, const char *what)
{
	run_cache.valid = false;
	check_run_open_uncached(run, what, false, NULL);
	elog(ERROR, "run %s is open but was not locked", uuid_str(run));
}

/*
 * check_run_open without the cache: always queries (and locks) the run, and
 * refuses a deleted run or a run of a deleted experiment. With run_name_out,
 * an ended run is not refused: *run_name_out receives its name (or NULL)
 * and the caller decides.
 */
static bool
check_run_open_uncached(pg_uuid_t *run, const char *what, bool missing_ok,
						char **run_name_out)
{
	Oid			argtypes[1] = {UUIDOID};
	Datum		values[1];
	char	   *status,
			   *owner;
	SPIPlanPtr	plan;

	/*
	 * The experiment is read, not locked: this runs as the caller, who may
	 * lack the UPDATE privilege a row lock on mlops.experiments needs.
	 */
	plan = mlops_owner_plan("SELECT r.status, r.created_by, r.lifecycle_stage, e.lifecycle_stage, e.name, r.name "
							"FROM mlops.runs r JOIN mlops.experiments e "
							"ON e.id OPERATOR(pg_catalog.=) r.experiment_id "
							"WHERE r.id OPERATOR(pg_catalog.=) $1 FOR SHARE OF r",
							1, argtypes);
	values[0] = UUIDPGetDatum(run);
	if (SPI_execute_plan(plan, values, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "run lock query failed");
	if (SPI_processed == 0)
	{
		if (missing_ok)
			return false;
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("run %s does not exist", uuid_str(run)),
				 errhint("Start a run with mlops.start_run() and log %s into it.", what)));
	}
	owner = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	if (owner == NULL)
		owner = "";
	if (!run_writable(owner))
		refuse_run_writer(run, owner, what);
	if (strcmp(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3), "active") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("run %s is deleted: cannot log %s", uuid_str(run), what),
				 errhint("Restore it with mlops.restore_run() first.")));
	if (strcmp(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 4), "active") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("experiment \"%s\" of run %s is deleted: cannot log %s",
						SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 5), uuid_str(run), what),
				 errhint("Restore it with mlops.restore_experiment() first.")));
	status = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	if (run_name_out != NULL)
	{
		/* the run-name tag of an ended run may follow its name (rename_run) */
		*run_name_out = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 6);
		if (strcmp(status, "RUNNING") != 0 && strcmp(status, "SCHEDULED") != 0)
			return true;
	}
	if (strcmp(status, "RUNNING") != 0 && strcmp(status, "SCHEDULED") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("run %s has ended (status %s): cannot log %s",
						uuid_str(run), status, what),
				 errhint("An ended run is read-only; start a new run with mlops.start_run().")));
	run_cache_set(run);
	return true;
}

/* Whether a datum is a text whose character length exceeds max. */
static bool
text_too_long(text *t, int max, int *nchars)
{
	int			len = VARSIZE_ANY_EXHDR(t);

	*nchars = len;
	if (len <= max)
		return false;
	*nchars = pg_mbstrlen_with_len(VARDATA_ANY(t), len);
	return *nchars > max;
}

/*
 * Refuse a key holding a control character (U+0001..U+001F, U+007F: a
 * newline, a tab...), naming the key JSON-escaped. Bytes below 0x20 never
 * occur inside a multibyte character, so a byte scan is exact.
 */
static void
check_key_controls(const char *what, text *key)
{
	const char *s = VARDATA_ANY(key);
	int			len = VARSIZE_ANY_EXHDR(key);
	int			i;

	for (i = 0; i < len; i++)
		if ((unsigned char) s[i] < 0x20 || s[i] == 0x7f)
		{
			StringInfoData name;

			initStringInfo(&name);
			escape_json(&name, text_to_cstring(key));
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s key %s contains a control character", what, name.data),
					 errdetail("Character %d is U+%04X.", pg_mbstrlen_with_len(s, i) + 1,
							   (unsigned char) s[i]),
					 errhint("Keys may not contain control characters such as newlines or tabs.")));
		}
}

/* Refuse a NULL, empty or over-long key, or one with control characters; "what" is e.g. "metric". */
void
mlops_check_key(const char *what, text *key)
{
	int			nchars;

	if (key == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s key must not be null", what)));
	if (VARSIZE_ANY_EXHDR(key) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s key must not be empty", what)));
	if (text_too_long(key, MLOPS_KEY_MAX, &nchars))
		ereport(ERROR,
				(errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION),
				 errmsg("%s key is too long (%d characters, at most %d)",
						what, nchars, MLOPS_KEY_MAX),
				 errdetail("The key starts with \"%.*s\".",
						   pg_mbcliplen(VARDATA_ANY(key), VARSIZE_ANY_EXHDR(key), 40),
						   VARDATA_ANY(key))));
	check_key_controls(what, key);
}

/*
 * A metric inserted without log_metric (a plain INSERT) gets the same key
 * check from the guard; params and tags have theirs in their rules triggers.
 */
static void
guard_metric_key(TriggerData *td, TupleDesc desc)
{
	int			attno;
	bool		isnull;
	Datum		d;

	if (!TRIGGER_FIRED_BY_INSERT(td->tg_event) ||
		RelationGetRelid(td->tg_relation) != mlops_relid("metrics"))
		return;
	attno = SPI_fnumber(desc, "key");
	if (attno <= 0)
		return;
	d = heap_getattr(td->tg_trigtuple, attno, desc, &isnull);
	if (!isnull)
		check_key_controls("metric", DatumGetTextPP(d));
}

/* The uuid in column run_id of a trigger tuple, or NULL when the column is null. */
static pg_uuid_t *
tuple_run(HeapTuple tuple, TupleDesc desc, int attno)
{
	bool		isnull;
	Datum		d = heap_getattr(tuple, attno, desc, &isnull);

	return isnull ? NULL : DatumGetUUIDP(d);
}

/* Tag key that mirrors a run's name (MLflow's mlflow.runName). */
#define RUN_NAME_TAG "mlflow.runName"

/* Whether an INSERT or UPDATE of mlops.tags writes the run-name tag. */
static bool
run_name_tag_row(TriggerData *td, TupleDesc desc)
{
	int			attno;
	bool		isnull;
	Datum		d;

	if (TRIGGER_FIRED_BY_DELETE(td->tg_event) ||
		RelationGetRelid(td->tg_relation) != mlops_relid("tags"))
		return false;
	attno = SPI_fnumber(desc, "key");
	if (attno <= 0)
		return false;
	d = heap_getattr(TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple,
					 attno, desc, &isnull);
	return !isnull && strcmp(TextDatumGetCString(d), RUN_NAME_TAG) == 0;
}

/*
 * The run-name tag: like any tag while the run is open; on an ended run only
 * the value equal to the run's name (the tag following mlops.rename_run()
 * or an UPDATE of runs.name, which an ended run allows).
 */
static void
guard_run_name_tag(TriggerData *td, TupleDesc desc, pg_uuid_t *run)
{
	char	   *name = NULL;
	char	   *value;
	bool		isnull;
	Datum		d;

	check_run_open_uncached(run, "tags", false, &name);
	d = heap_getattr(TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple,
					 SPI_fnumber(desc, "value"), desc, &isnull);
	value = isnull ? NULL : TextDatumGetCString(d);
	if (run_cache_hit(run) || (name != NULL && value != NULL && strcmp(name, value) == 0))
		return;
	/* an ended run: raise its usual error */
	run_cache.valid = false;
	check_run_open_uncached(run, "tags", false, NULL);
}

PG_FUNCTION_INFO_V1(mlops_run_guard);

/* BEFORE row trigger: what is logged into a run needs an existing, open run. */
Datum
mlops_run_guard(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	const char *what;
	int			attno;
	pg_uuid_t  *oldrun = NULL,
			   *newrun = NULL;
	bool		needs_check;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event))
		elog(ERROR, "mlops._run_guard() must be a BEFORE ... FOR EACH ROW trigger");
	desc = RelationGetDescr(td->tg_relation);
	what = RelationGetRelationName(td->tg_relation);
	attno = SPI_fnumber(desc, "run_id");
	if (attno <= 0)
		elog(ERROR, "table \"%s\" has no run_id column", what);
	if (!TRIGGER_FIRED_BY_INSERT(td->tg_event))
		oldrun = tuple_run(td->tg_trigtuple, desc, attno);
	if (!TRIGGER_FIRED_BY_DELETE(td->tg_event))
		newrun = tuple_run(TRIGGER_FIRED_BY_UPDATE(td->tg_event) ?
						   td->tg_newtuple : td->tg_trigtuple, desc, attno);
	if (!restoring())
		guard_metric_key(td, desc);
	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
		mlops_row_id_check(td->tg_relation, td->tg_trigtuple);
	/* an import checks its runs per statement (src/tracking/import_mlflow.c) */
	needs_check = !restoring() && !mlops_import_trusted() &&
		((oldrun && !run_cache_hit(oldrun)) ||
		(newrun && !run_cache_hit(newrun)));
	if (needs_check)
	{
		bool		name_tag = newrun && run_name_tag_row(td, desc) &&
			(oldrun == NULL || memcmp(oldrun->data, newrun->data, UUID_LEN) == 0);

		SPI_connect();
		if (oldrun && !name_tag)
			check_run_open(oldrun, what, TRIGGER_FIRED_BY_DELETE(td->tg_event));
		if (name_tag && !run_cache_hit(newrun))
			guard_run_name_tag(td, desc, newrun);
		else if (newrun)
			check_run_open(newrun, what, false);
		SPI_finish();
	}
	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		return PointerGetDatum(td->tg_newtuple);
	return PointerGetDatum(td->tg_trigtuple);
}

PG_FUNCTION_INFO_V1(mlops_run_cache_reset);

/*
 * BEFORE row trigger on runs: a run about to change must be checked again.
 * BEFORE, so that later parts of the same statement (a data-modifying CTE)
 * no longer trust the cache.
 */
Datum
mlops_run_cache_reset(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event))
		elog(ERROR, "mlops._run_cache_reset() must be a BEFORE ... FOR EACH ROW trigger");
	run_cache.valid = false;
	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		return PointerGetDatum(td->tg_newtuple);
	return PointerGetDatum(td->tg_trigtuple);
}

PG_FUNCTION_INFO_V1(mlops_run_write_check);

/*
 * mlops._run_write_check(run, created_by): refuse a change of the run
 * (mlops.runs, end_run) when the session user may not write it.
 */
Datum
mlops_run_write_check(PG_FUNCTION_ARGS)
{
	/* a NULL creator (the column is NOT NULL) leaves the run to admins */
	const char *owner = PG_ARGISNULL(1) ? "" : NameStr(*PG_GETARG_NAME(1));

	if (PG_ARGISNULL(0))
		elog(ERROR, "mlops._run_write_check: run must not be null");
	if (!run_writable(owner))
		refuse_run_writer(PG_GETARG_UUID_P(0), owner, NULL);
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(mlops_run_creator_check);

/*
 * mlops._run_creator_check(run, created_by): refuse a created_by the
 * session user may not give a run (on INSERT, or an UPDATE of created_by):
 * it must name an existing role that the session user may write runs of
 * (itself, a role it is a member of, any role for an admin), so that no
 * writer creates a run in another's name or takes a run over.
 */
Datum
mlops_run_creator_check(PG_FUNCTION_ARGS)
{
	pg_uuid_t  *run = PG_GETARG_UUID_P(0);
	Name		owner = PG_GETARG_NAME(1);

	if (strncmp(NameStr(*owner), NameStr(*session_user_name()), NAMEDATALEN) == 0)
		PG_RETURN_VOID();
	if (!OidIsValid(get_role_oid(NameStr(*owner), true)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("role \"%s\" does not exist", NameStr(*owner)),
				 errdetail("created_by of run %s names the role that owns it.", uuid_str(run)),
				 errhint("Leave created_by out: it defaults to the session user.")));
	if (!run_writable(NameStr(*owner)))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("role \"%s\" cannot make role \"%s\" the creator of run %s",
						NameStr(*session_user_name()), NameStr(*owner), uuid_str(run)),
				 errhint("created_by is the session user or a role it is a member of; members of mlops_admin may name any role.")));
	PG_RETURN_VOID();
}

/* Hash key of the latest-value fold: (run, metric key). */
typedef struct LatestKey
{
	pg_uuid_t	run;
	const char *key;
	int			keylen;
} LatestKey;

/* One (run, key) and its best point so far. */
typedef struct LatestEntry
{
	LatestKey	k;
	int64		step;
	TimestampTz ts;
	float8		value;
} LatestEntry;

/* Hash of a LatestKey. */
static uint32
latest_hash(const void *key, Size keysize)
{
	const LatestKey *k = (const LatestKey *) key;

	return hash_bytes(k->run.data, UUID_LEN) ^
		hash_bytes((const unsigned char *) k->key, k->keylen);
}

/* Equality of two LatestKeys (0 when equal). */
static int
latest_match(const void *key1, const void *key2, Size keysize)
{
	const LatestKey *a = (const LatestKey *) key1;
	const LatestKey *b = (const LatestKey *) key2;

	if (a->keylen != b->keylen || memcmp(a->run.data, b->run.data, UUID_LEN) != 0)
		return 1;
	return memcmp(a->key, b->key, a->keylen);
}

/* Order of LatestEntry pointers by (run, key): a fixed lock order. */
static int
latest_cmp(const void *p1, const void *p2)
{
	const LatestEntry *a = *(const LatestEntry *const *) p1;
	const LatestEntry *b = *(const LatestEntry *const *) p2;
	int			c = memcmp(a->k.run.data, b->k.run.data, UUID_LEN);

	if (c != 0)
		return c;
	c = memcmp(a->k.key, b->k.key, Min(a->k.keylen, b->k.keylen));
	if (c != 0)
		return c;
	return (a->k.keylen > b->k.keylen) - (a->k.keylen < b->k.keylen);
}

/* Column numbers of the metrics columns the fold reads. */
typedef struct MetricCols
{
	int			run,
				key,
				step,
				ts,
				value;
} MetricCols;

/*
 * The value MLflow's tie-break compares: its SQL store keeps a NaN metric as
 * 0 (with a separate is_nan flag), so at the same step and time a NaN point
 * ranks as 0 would.
 */
static float8
latest_tie_value(float8 v)
{
	return isnan(v) ? 0.0 : v;
}

/*
 * Whether a point is strictly later than e's, as MLflow decides the latest
 * value: higher step, then later time, then the larger value; an exact tie
 * keeps the point already there.
 */
bool
mlops_latest_later(int64 step, TimestampTz ts, float8 value,
				   int64 estep, TimestampTz ets, float8 evalue)
{
	if (step != estep)
		return step > estep;
	if (ts != ets)
		return ts > ets;
	return latest_tie_value(value) > latest_tie_value(evalue);
}

static bool
latest_later(int64 step, TimestampTz ts, float8 value, LatestEntry *e)
{
	return mlops_latest_later(step, ts, value, e->step, e->ts, e->value);
}

/* Fold one new metrics row into the hash (statement order breaks exact ties). */
static void
latest_fold_row(HTAB *h, TupleTableSlot *slot, MetricCols *c)
{
	bool		isnull;
	LatestKey	k;
	LatestEntry *e;
	bool		found;
	text	   *key;
	int64		step;
	TimestampTz ts;
	float8		value;

	k.run = *DatumGetUUIDP(slot_getattr(slot, c->run, &isnull));
	key = DatumGetTextPP(slot_getattr(slot, c->key, &isnull));
	k.key = VARDATA_ANY(key);
	k.keylen = VARSIZE_ANY_EXHDR(key);
	step = DatumGetInt64(slot_getattr(slot, c->step, &isnull));
	ts = DatumGetTimestampTz(slot_getattr(slot, c->ts, &isnull));
	value = DatumGetFloat8(slot_getattr(slot, c->value, &isnull));
	e = hash_search(h, &k, HASH_ENTER, &found);
	if (!found)
	{
		char	   *copy = palloc(k.keylen + 1);

		memcpy(copy, k.key, k.keylen);
		copy[k.keylen] = '\0';
		e->k.key = copy;
	}
	else if (!latest_later(step, ts, value, e))
		return;
	e->step = step;
	e->ts = ts;
	e->value = value;
}

/*
 * SQL: whether the point (step, ts, value) is strictly later than the row lm
 * (latest_later(): NaN ranks as 0 in the value tie-break).
 */
#define LATEST_TIE_SQL(v) \
	"(CASE WHEN " v " OPERATOR(pg_catalog.=) 'NaN'::pg_catalog.float8 THEN 0::pg_catalog.float8 ELSE " v " END)"
#define LATEST_LATER_SQL(step, ts, value) \
	"(" step " OPERATOR(pg_catalog.>) lm.step OR (" step " OPERATOR(pg_catalog.=) lm.step AND (" \
	ts " OPERATOR(pg_catalog.>) lm.ts OR (" ts " OPERATOR(pg_catalog.=) lm.ts AND " \
	LATEST_TIE_SQL(value) " OPERATOR(pg_catalog.>) " LATEST_TIE_SQL("lm.value") "))))"

/* The five query arguments of a latest_metrics point. */
static void
latest_values(LatestEntry *e, Datum *values)
{
	values[0] = UUIDPGetDatum(&e->k.run);
	values[1] = PointerGetDatum(cstring_to_text_with_len(e->k.key, e->k.keylen));
	values[2] = Int64GetDatum(e->step);
	values[3] = TimestampTzGetDatum(e->ts);
	values[4] = Float8GetDatum(e->value);
}

/* UPDATE the key's row to this point if it is later; whether a row moved. */
static bool
latest_try_update(LatestEntry *e)
{
	Oid			argtypes[5] = {UUIDOID, TEXTOID, INT8OID, TIMESTAMPTZOID, FLOAT8OID};
	Datum		values[5];

	latest_values(e, values);
	return mlops_owner_exec("UPDATE mlops.latest_metrics lm SET step = $3, ts = $4, value = $5 "
							"WHERE lm.run_id OPERATOR(pg_catalog.=) $1 AND lm.key OPERATOR(pg_catalog.=) $2 "
							"AND " LATEST_LATER_SQL("$3", "$4", "$5"),
							5, argtypes, values, NULL, false, 0) > 0;
}

/* Insert the key's row, or move it to this point if it is later (concurrency-safe). */
static void
latest_insert_or_update(LatestEntry *e)
{
	Oid			argtypes[5] = {UUIDOID, TEXTOID, INT8OID, TIMESTAMPTZOID, FLOAT8OID};
	Datum		values[5];

	latest_values(e, values);
	mlops_owner_exec("INSERT INTO mlops.latest_metrics AS lm (run_id, key, step, ts, value) "
					 "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (run_id, key) DO UPDATE "
					 "SET step = EXCLUDED.step, ts = EXCLUDED.ts, value = EXCLUDED.value "
					 "WHERE " LATEST_LATER_SQL("EXCLUDED.step", "EXCLUDED.ts", "EXCLUDED.value"),
					 5, argtypes, values, NULL, false, 0);
}

/*
 * Move latest_metrics forward to this point unless a later one is there.
 * The common case (a newer step of a key already present) is one UPDATE.
 */
static void
latest_upsert(LatestEntry *e)
{
	if (!latest_try_update(e))
		latest_insert_or_update(e);
}

/*
 * Run fn(arg) in an owner scope (common/spi_owner: SPI connected, the
 * extension owner, restricted, search_path pinned): writers cannot write
 * latest_metrics themselves.
 */
static void
as_tracking_owner(void (*fn) (void *), void *arg)
{
	OwnerScope	scope;

	mlops_owner_begin(&scope);
	PG_TRY();
	{
		fn(arg);
	}
	PG_CATCH();
	{
		mlops_owner_cleanup(&scope);
		PG_RE_THROW();
	}
	PG_END_TRY();
	mlops_owner_end(&scope);
}

/* The question _run_has_metrics asks as the owner. */
typedef struct RunHasMetrics
{
	pg_uuid_t  *run;
	bool		found;
} RunHasMetrics;

/*
 * As the owner: whether any point of the run is committed or written by
 * this transaction, seen with the latest snapshot: under REPEATABLE READ a
 * point committed after this transaction's snapshot counts too.
 */
static void
run_has_metrics_step(void *arg)
{
	RunHasMetrics *q = (RunHasMetrics *) arg;
	Oid			argtypes[1] = {UUIDOID};
	Datum		values[1] = {UUIDPGetDatum(q->run)};

	PushActiveSnapshot(GetLatestSnapshot());
	q->found = mlops_owner_exec("SELECT FROM mlops.metrics m WHERE m.run_id OPERATOR(pg_catalog.=) $1 LIMIT 1",
								1, argtypes, values, NULL, true, 1) > 0;
	PopActiveSnapshot();
}

PG_FUNCTION_INFO_V1(mlops_run_has_metrics);

/*
 * mlops._run_has_metrics(run): whether metric points were logged into the
 * run (the rule that keeps start_time fixed from then on). The caller needs
 * SELECT on mlops.metrics (or its run_id), as for the query it stands for.
 */
Datum
mlops_run_has_metrics(PG_FUNCTION_ARGS)
{
	Oid			relid = mlops_relid("metrics");
	RunHasMetrics q = {PG_GETARG_UUID_P(0), false};

	if (pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) != ACLCHECK_OK &&
		pg_attribute_aclcheck(relid, get_attnum(relid, "run_id"), GetUserId(), ACL_SELECT) != ACLCHECK_OK)
		aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_TABLE, "metrics");
	as_tracking_owner(run_has_metrics_step, &q);
	PG_RETURN_BOOL(q.found);
}

/* A batch of folded points for latest_upsert_each. */
typedef struct LatestBatch
{
	LatestEntry **entries;
	long		n;
} LatestBatch;

/* Upsert every entry of a LatestBatch (SPI connected, as the owner). */
static void
latest_upsert_each(void *arg)
{
	LatestBatch *b = (LatestBatch *) arg;
	long		i;

	for (i = 0; i < b->n; i++)
		latest_upsert(b->entries[i]);
}

/* Upsert entries as the tables' owner. */
static void
latest_upsert_all(LatestEntry **entries, long n)
{
	LatestBatch b = {entries, n};

	as_tracking_owner(latest_upsert_each, &b);
}

/* Find a column by name in a trigger relation, or fail. */
static int
column_or_fail(TupleDesc desc, const char *name)
{
	int			attno = SPI_fnumber(desc, name);

	if (attno <= 0)
		elog(ERROR, "mlops.metrics has no column \"%s\"", name);
	return attno;
}

/* Fold every row of a transition table into a new (run, key) hash. */
static HTAB *
latest_fold_store(Tuplestorestate *ts, TupleDesc desc)
{
	MetricCols	c;
	HASHCTL		ctl;
	HTAB	   *h;
	TupleTableSlot *slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	int			ptr;

	c.run = column_or_fail(desc, "run_id");
	c.key = column_or_fail(desc, "key");
	c.step = column_or_fail(desc, "step");
	c.ts = column_or_fail(desc, "ts");
	c.value = column_or_fail(desc, "value");
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(LatestKey);
	ctl.entrysize = sizeof(LatestEntry);
	ctl.hash = latest_hash;
	ctl.match = latest_match;
	ctl.hcxt = CurrentMemoryContext;
	h = hash_create("mlops latest metrics", 64, &ctl,
					HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
	/* a read pointer of our own: other AFTER triggers may read the same store */
	ptr = tuplestore_alloc_read_pointer(ts, EXEC_FLAG_REWIND);
	tuplestore_select_read_pointer(ts, ptr);
	tuplestore_rescan(ts);
	while (tuplestore_gettupleslot(ts, true, false, slot))
		latest_fold_row(h, slot, &c);
	tuplestore_select_read_pointer(ts, 0);
	ExecDropSingleTupleTableSlot(slot);
	return h;
}

/* Write the folded points to latest_metrics in (run, key) order. */
static void
latest_flush(HTAB *h)
{
	HASH_SEQ_STATUS seq;
	LatestEntry *e,
			  **sorted;
	long		n = 0;

	sorted = palloc(sizeof(LatestEntry *) * Max(hash_get_num_entries(h), 1));
	hash_seq_init(&seq, h);
	while ((e = hash_seq_search(&seq)) != NULL)
		sorted[n++] = e;
	qsort(sorted, n, sizeof(LatestEntry *), latest_cmp);
	if (n > 0)
		latest_upsert_all(sorted, n);
	pfree(sorted);
}

PG_FUNCTION_INFO_V1(mlops_metrics_latest);

/* AFTER INSERT statement trigger on metrics: maintain latest_metrics. */
Datum
mlops_metrics_latest(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	HTAB	   *h;

	if (!CALLED_AS_TRIGGER(fcinfo) || td->tg_newtable == NULL)
		elog(ERROR, "mlops._metrics_latest() must be an AFTER INSERT trigger with a NEW TABLE");
	if (restoring())
		return PointerGetDatum(NULL);
	h = latest_fold_store(td->tg_newtable, RelationGetDescr(td->tg_relation));
	latest_flush(h);
	hash_destroy(h);
	return PointerGetDatum(NULL);
}

/* A required (non-null) argument, or a clear error naming it. */
static void
require_arg(FunctionCallInfo fcinfo, int argno, const char *name)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", name)));
}

/*
 * The open, active run of an active experiment and its creator, the run
 * locked FOR SHARE (run as the owner); $1 is the run. The experiment is
 * read, not locked: a lock taken by every call would make concurrent
 * loggers of one experiment share (and keep rewriting) a multixact on its
 * row. A point logged while its experiment is being deleted may land; it is
 * kept, and hidden with the run.
 */
#define RUN_LOCK_SQL \
	"SELECT r.id, r.created_by FROM mlops.runs r JOIN mlops.experiments e " \
	"ON e.id OPERATOR(pg_catalog.=) r.experiment_id WHERE r.id OPERATOR(pg_catalog.=) $1 " \
	"AND r.status OPERATOR(pg_catalog.=) ANY ('{RUNNING,SCHEDULED}'::pg_catalog.text[]) " \
	"AND r.lifecycle_stage OPERATOR(pg_catalog.=) 'active' AND e.lifecycle_stage OPERATOR(pg_catalog.=) 'active' " \
	"FOR SHARE OF r"

/* Whether mlops.metrics has rules now (relhasrules stays set after DROP RULE). */
static bool
metrics_has_rules(void)
{
	Relation	rel = table_open(mlops_relid("metrics"), RowExclusiveLock);
	bool		has = rel->rd_rules != NULL;

	table_close(rel, NoLock);
	return has;
}

/*
 * Execute a metrics INSERT (SPI connected; the run was checked and locked
 * just before, so the guard trusts its cache), from the plan kept in *slot,
 * or parsed afresh while metrics has rules: a kept plan that a DO INSTEAD
 * NOTHING rule rewrote to nothing would stay nothing after DROP RULE (the
 * plan cache records no dependency for an empty rewrite). When it wrote
 * fewer rows than expected (a rule, a trigger returning NULL, or the run
 * changed in between), check the run again uncached: an ended or deleted run
 * raises its error.
 */
static int64
execute_metric_insert(const char *sql, Oid *argtypes, Datum *values,
					  const char *nulls, pg_uuid_t *run, int64 expected)
{
	int64		n;
	int			rc;

	if (metrics_has_rules())
		rc = SPI_execute_with_args(sql, 5, argtypes, values, nulls, false, 0);
	else
		rc = SPI_execute_plan(mlops_owner_plan(sql, 5, argtypes), values, nulls, false, 0);
	if (rc < 0)
		elog(ERROR, "metric insert failed: %s", SPI_result_code_string(rc));
	n = (int64) SPI_processed;
	if (n < expected || expected == 0)
	{
		run_cache.valid = false;
		check_run_open_uncached(run, "metrics", false, NULL);
	}
	/* no run_cache_set here: a trigger of the INSERT may have changed the run */
	return n;
}

/*
 * The slow path of log_metric when metrics has something the simple insert
 * path cannot honour (metrics_insert.c): lock the open run, then one
 * prepared plain INSERT as the caller, so rules, policies, every trigger
 * (the latest-value one too) and constraints apply as to any INSERT. No CTE:
 * a query with WITH cannot be rewritten by a DO ALSO rule.
 */
static void
metric_insert_sql(LatestEntry *e)
{
	Oid			argtypes[5] = {UUIDOID, TEXTOID, INT8OID, TIMESTAMPTZOID, FLOAT8OID};
	Datum		values[5];

	latest_values(e, values);
	SPI_connect();
	check_run_open(&e->k.run, "metrics", false);
	execute_metric_insert("INSERT INTO mlops.metrics (run_id, key, step, ts, value) "
						  "VALUES ($1, $2, $3, $4, $5)",
						  argtypes, values, NULL, &e->k.run, 1);
	SPI_finish();
}

/*
 * Lock the open run and, when the session user created it ($6), move its
 * latest_metrics row forward in one statement (SPI connected, as the
 * owner); raises for an unknown or ended run. Copies the run's created_by
 * to *owner (the caller checks it before anything else is written).
 * Returns whether the UPDATE moved an existing row forward (otherwise the
 * caller upserts, which also leaves a newer row alone).
 */
static bool
lock_run_and_move_latest(LatestEntry *e, NameData *owner)
{
	Oid			argtypes[6] = {UUIDOID, TEXTOID, INT8OID, TIMESTAMPTZOID, FLOAT8OID, NAMEOID};
	Datum		values[6];
	bool		isnull;
	Datum		d;

	latest_values(e, values);
	values[5] = NameGetDatum(session_user_name());
	if (mlops_owner_exec("WITH r AS MATERIALIZED (" RUN_LOCK_SQL "), "
						 "u AS (UPDATE mlops.latest_metrics lm SET step = $3, ts = $4, value = $5 "
						 "WHERE lm.run_id OPERATOR(pg_catalog.=) $1 AND lm.key OPERATOR(pg_catalog.=) $2 "
						 "AND " LATEST_LATER_SQL("$3", "$4", "$5") " "
						 "AND EXISTS (SELECT FROM r WHERE r.created_by OPERATOR(pg_catalog.=) $6) RETURNING 1) "
						 "SELECT EXISTS (SELECT FROM u), r.created_by FROM r",
						 6, argtypes, values, NULL, false, 0) == 0)
		refuse_unlocked_run(&e->k.run, "metrics");
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
	namestrcpy(owner, isnull ? "" : NameStr(*DatumGetName(d)));
	return DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

/* The state log_metric hands to its steps run as the owner. */
typedef struct LogMetricStep
{
	LatestEntry *e;
	bool		moved;			/* lock_run_and_move_latest moved an existing row */
	bool		present;		/* the key's latest row may exist (the probe did not find it missing) */
	bool		locked;			/* the probe locked the key's row, at tid */
	ItemPointerData tid;
	NameData	owner;			/* the run's created_by */
} LogMetricStep;

/* As the owner: lock the open run and move latest_metrics (see below). */
static void
log_metric_lock_step(void *arg)
{
	LogMetricStep *st = (LogMetricStep *) arg;

	st->moved = lock_run_and_move_latest(st->e, &st->owner);
}

/* As the owner: raise why the run the probe found no open run for cannot be logged into. */
static void
log_metric_refuse_step(void *arg)
{
	refuse_unlocked_run(&((LogMetricStep *) arg)->e->k.run, "metrics");
}

/*
 * As the owner, after the probe: move the key's row forward (it was there,
 * earlier), or insert it; both leave a later row alone.
 */
static void
log_metric_latest_step(void *arg)
{
	LogMetricStep *st = (LogMetricStep *) arg;

	if (st->present)
		latest_upsert(st->e);
	else
		latest_insert_or_update(st->e);
}

/*
 * Whether the key's latest_metrics row is at least as late as the point:
 * then nothing is written. The probe locks the row FOR KEY SHARE: loggers
 * only move it forward, and the recomputation after a DELETE of metrics
 * waits for this transaction, so a row seen that late stays that late. A
 * missing or earlier row, or one the probe could not lock, is left to the
 * statements, which lock and recheck.
 */
static bool
latest_settled(LogMetricStep *st, text *key)
{
	LatestEntry row;
	MlopsLatestProbe r = mlops_latest_probe(&st->e->k.run, key, &row.step, &row.ts, &row.value,
											&st->tid);

	st->present = r != LATEST_PROBE_MISSING;
	st->locked = r == LATEST_PROBE_LOCKED;
	return r == LATEST_PROBE_LOCKED && !latest_later(st->e->step, st->e->ts, st->e->value, &row);
}

/* Whether mlops.runs has row-level security (the guard reads it as the caller). */
static bool
runs_have_rls(void)
{
	HeapTuple	tp = SearchSysCache1(RELOID, ObjectIdGetDatum(mlops_relid("runs")));
	bool		rls = true;

	if (HeapTupleIsValid(tp))
	{
		rls = ((Form_pg_class) GETSTRUCT(tp))->relrowsecurity;
		ReleaseSysCache(tp);
	}
	return rls;
}

/*
 * The hot path of log_metric: lock the open run (run_probe.c in READ
 * COMMITTED; else as the owner, one statement that also moves latest_metrics,
 * only in a run the session user created); refuse a run the session user may
 * not write; as the caller, insert the point through the executor's simple
 * insert path (the guard trusts the lock just taken); then, unless the lock
 * statement moved it, latest_metrics as the owner, only when the key's row is
 * missing or earlier than the point.
 */
static void
log_metric_simple(Relation rel, LatestEntry *one, text *key)
{
	LogMetricStep st = {one, false, false, false};
	MetricPoint p;
	MlopsRunProbe probe = mlops_lock_open_run(&one->k.run, &st.owner);

	if (probe == RUN_PROBE_REFUSE)
		as_tracking_owner(log_metric_refuse_step, &st);
	else if (probe == RUN_PROBE_UNAVAILABLE)
		as_tracking_owner(log_metric_lock_step, &st);
	if (!run_writable(NameStr(st.owner)))
		refuse_run_writer(&one->k.run, NameStr(st.owner), "metrics");
	run_cache_set(&one->k.run);
	p.run = one->k.run;
	p.key = key;
	p.step = one->step;
	p.ts = one->ts;
	p.value = one->value;
	mlops_metrics_insert_simple(rel, mlops_relid("runs"), &p);
	if (!st.moved && !latest_settled(&st, key) &&
		!(st.locked && mlops_latest_move(&one->k.run, key, &st.tid, one->step, one->ts,
										 one->value) == LATEST_MOVE_DONE))
		as_tracking_owner(log_metric_latest_step, &st);
}

PG_FUNCTION_INFO_V1(mlops_log_metric);

/*
 * log_metric(run, key, value, step, ts): one point, exactly as
 * INSERT INTO mlops.metrics (run_id, key, step, ts, value) would store it.
 */
Datum
mlops_log_metric(PG_FUNCTION_ARGS)
{
	text	   *key;
	LatestEntry one;
	Relation	rel;

	require_arg(fcinfo, 0, "run");
	key = PG_ARGISNULL(1) ? NULL : PG_GETARG_TEXT_PP(1);
	mlops_check_key("metric", key);
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("value of metric \"%s\" must not be null", text_to_cstring(key)),
				 errhint("Log NaN for a missing value: 'NaN'::float8.")));
	require_arg(fcinfo, 3, "step");
	require_arg(fcinfo, 4, "ts");
	one.k.run = *PG_GETARG_UUID_P(0);
	one.k.key = VARDATA_ANY(key);
	one.k.keylen = VARSIZE_ANY_EXHDR(key);
	one.step = PG_GETARG_INT64(3);
	one.ts = PG_GETARG_TIMESTAMPTZ(4);
	one.value = PG_GETARG_FLOAT8(2);
	rel = table_open(mlops_relid("metrics"), RowExclusiveLock);
	/* the caller's privilege first, as the INSERT's executor checks it first */
	mlops_metrics_check_insert_privilege(rel);
	if (!restoring() && mlops_metrics_insert_simple_ok(rel, runs_have_rls()))
		log_metric_simple(rel, &one, key);
	else
		metric_insert_sql(&one);
	table_close(rel, NoLock);
	PG_RETURN_VOID();
}

/* Refuse a NULL or multi-dimensional array argument; return its length. */
static int
array_len_checked(FunctionCallInfo fcinfo, int argno, const char *name)
{
	ArrayType  *a;

	require_arg(fcinfo, argno, name);
	a = PG_GETARG_ARRAYTYPE_P(argno);
	if (ARR_NDIM(a) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a one-dimensional array", name)));
	return ARR_NDIM(a) == 0 ? 0 : ARR_DIMS(a)[0];
}

/* Check every key of a text[] (no NULL, empty or over-long ones). */
static void
check_key_array(ArrayType *keys)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				i;

	deconstruct_array(keys, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	for (i = 0; i < n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("metric key must not be null"),
					 errdetail("keys[%d] is NULL.", i + 1)));
		mlops_check_key("metric", DatumGetTextPP(elems[i]));
	}
	pfree(elems);
	pfree(nulls);
}

/* Refuse NULL elements in vals or steps. */
static void
check_no_nulls(ArrayType *a, const char *name)
{
	if (array_contains_nulls(a))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not contain NULL", name),
				 errhint("Log NaN for a missing value: 'NaN'::float8.")));
}

/* One INSERT ... SELECT FROM unnest() of a checked batch; returns the row count. */
static int64
insert_metric_arrays(Datum run, Datum keys, Datum vals, Datum steps, bool steps_null, int64 nrows)
{
	Oid			argtypes[5] = {UUIDOID, TEXTARRAYOID, FLOAT8ARRAYOID, INT8ARRAYOID, TIMESTAMPTZOID};
	Datum		values[5];
	char		nulls[5] = {' ', ' ', ' ', ' ', ' '};
	int64		n;

	SPI_connect();
	check_run_open(DatumGetUUIDP(run), "metrics", false);
	values[0] = run;
	values[1] = keys;
	values[2] = vals;
	values[3] = steps;
	if (steps_null)
		nulls[3] = 'n';
	values[4] = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
	n = execute_metric_insert("INSERT INTO mlops.metrics (run_id, key, step, ts, value) "
							  "SELECT $1, u.k, COALESCE(u.s, 0::pg_catalog.int8), $5, u.v "
							  "FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3), pg_catalog.unnest($4)) AS u(k, v, s)",
							  argtypes, values, nulls, DatumGetUUIDP(run), nrows);
	SPI_finish();
	return n;
}

PG_FUNCTION_INFO_V1(mlops_log_metrics_arrays);

/* log_metrics(run, keys[], vals[], steps[]): the bulk path. */
Datum
mlops_log_metrics_arrays(PG_FUNCTION_ARGS)
{
	int			nk,
				nv,
				ns = -1;

	require_arg(fcinfo, 0, "run");
	nk = array_len_checked(fcinfo, 1, "keys");
	nv = array_len_checked(fcinfo, 2, "vals");
	if (!PG_ARGISNULL(3))
		ns = array_len_checked(fcinfo, 3, "steps");
	if (nk != nv || (ns >= 0 && ns != nk))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("keys, vals and steps must have the same length"),
				 ns >= 0 ? errdetail("keys has %d elements, vals %d, steps %d.", nk, nv, ns)
				 : errdetail("keys has %d elements, vals %d.", nk, nv)));
	check_key_array(PG_GETARG_ARRAYTYPE_P(1));
	check_no_nulls(PG_GETARG_ARRAYTYPE_P(2), "vals");
	if (ns >= 0)
		check_no_nulls(PG_GETARG_ARRAYTYPE_P(3), "steps");
	PG_RETURN_INT32((int32) insert_metric_arrays(PG_GETARG_DATUM(0),
												 PointerGetDatum(PG_GETARG_ARRAYTYPE_P(1)),
												 PointerGetDatum(PG_GETARG_ARRAYTYPE_P(2)),
												 ns >= 0 ? PointerGetDatum(PG_GETARG_ARRAYTYPE_P(3)) : (Datum) 0,
												 ns < 0, nk));
}

/* The float8 of one jsonb metric value: a number or "NaN"/"Infinity"/"-Infinity". */
static float8
jsonb_metric_value(JsonbValue *v, const char *key)
{
	if (v->type == jbvNumeric)
		return DatumGetFloat8(DirectFunctionCall1(numeric_float8,
												  NumericGetDatum(v->val.numeric)));
	if (v->type == jbvString)
	{
		char	   *s = pnstrdup(v->val.string.val, v->val.string.len);

		if (strcmp(s, "NaN") == 0)
			return get_float8_nan();
		if (strcmp(s, "Infinity") == 0)
			return get_float8_infinity();
		if (strcmp(s, "-Infinity") == 0)
			return -get_float8_infinity();
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("value of metric \"%s\" is not a number", key),
			 errdetail("Got JSON %s.",
					   v->type == jbvString ? "string" :
					   v->type == jbvNull ? "null" :
					   v->type == jbvBool ? "boolean" : "array or object"),
			 errhint("Use a JSON number, or one of the strings \"NaN\", \"Infinity\", \"-Infinity\".")));
	return 0;					/* keep compiler quiet */
}

PG_FUNCTION_INFO_V1(mlops_log_metrics_jsonb);

/* log_metrics(run, metrics jsonb, step): {"loss": 0.3, "acc": 0.9} at one step. */
Datum
mlops_log_metrics_jsonb(PG_FUNCTION_ARGS)
{
	Jsonb	   *j;
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	int			n,
				i = 0;
	Datum	   *keys,
			   *vals,
			   *steps;
	char	   *curkey = NULL;

	require_arg(fcinfo, 0, "run");
	require_arg(fcinfo, 1, "metrics");
	require_arg(fcinfo, 2, "step");
	j = PG_GETARG_JSONB_P(1);
	if (!JB_ROOT_IS_OBJECT(j) || JB_ROOT_IS_SCALAR(j))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("metrics must be a JSON object"),
				 errhint("Pass {\"loss\": 0.3, \"acc\": 0.9}.")));
	n = JB_ROOT_COUNT(j);
	keys = palloc(sizeof(Datum) * Max(n, 1));
	vals = palloc(sizeof(Datum) * Max(n, 1));
	steps = palloc(sizeof(Datum) * Max(n, 1));
	it = JsonbIteratorInit(&j->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
		{
			text	   *k = cstring_to_text_with_len(v.val.string.val, v.val.string.len);

			mlops_check_key("metric", k);
			curkey = text_to_cstring(k);
			keys[i] = PointerGetDatum(k);
		}
		else if (tok == WJB_VALUE)
		{
			vals[i] = Float8GetDatum(jsonb_metric_value(&v, curkey));
			steps[i] = PG_GETARG_DATUM(2);
			i++;
		}
	}
	PG_RETURN_INT32((int32) insert_metric_arrays(PG_GETARG_DATUM(0),
												 PointerGetDatum(construct_array(keys, i, TEXTOID, -1, false, TYPALIGN_INT)),
												 PointerGetDatum(construct_array(vals, i, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE)),
												 PointerGetDatum(construct_array(steps, i, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE)),
												 false, i));
}
