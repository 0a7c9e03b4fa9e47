/*
 * monitor.c: the monitor API (create, alter, drop, evaluate, drift_windows)
 * and its bookkeeping in mlops.monitors and mlops.drift_results.
 *
 * Every write to the monitor tables is a fixed statement run as the
 * extension owner (common/spi_owner); the source is read as the monitor's
 * owner by windows.c. Who may do what, checked on session_user (the actor
 * mlops records everywhere) before anything is read or written:
 *	 create_monitor					mlops_admin (or a superuser)
 *	 alter, drop, drift_windows		the monitor's owner or mlops_admin
 *	 evaluate_monitor				also mlops_writer: it computes what the
 *									schedule would compute anyway, reading
 *									as the owner; recompute_from rewrites
 *									results, so it needs the owner or an admin
 * The extension owner (mlops.tick() runs its statements as it) and
 * superusers may do everything.
 *
 * An evaluation runs in a subtransaction after the monitor's row is locked:
 * a failure (the owner lost SELECT, a column was renamed, the source was
 * dropped, a statement timeout) is recorded on the monitor, warned about and
 * yields no rows, so a caller looping over monitors goes on with the next.
 * A cancel (pg_cancel_backend, an interrupted client) is not swallowed.
 */
#include "postgres.h"

#include "compat.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/datetime.h"
#include "utils/float.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"

#include "common/spi_owner.h"
#include "events/events.h"
#include "monitors/monitors.h"

/* What a caller is to a monitor. */
typedef enum CallerRight
{
	RIGHT_NONE,
	RIGHT_WRITER,				/* mlops_writer */
	RIGHT_OWNER,				/* the monitor's owner */
	RIGHT_ADMIN					/* mlops_admin, a superuser or the extension owner */
} CallerRight;

/* A monitor row with its evaluation state. */
typedef struct MonitorRow
{
	MonitorDef	def;
	TimestampTz computed_until;
	bool		computed_null;
	TimestampTz start_at;
	bool		start_null;
} MonitorRow;

#define MONITOR_COLUMNS \
	"SELECT m.id, m.name, md.name, m.source, m.value_column, m.time_column, m.method, m.threshold, " \
	"m.bins, m.window_size, m.reference, m.owner, m.computed_until, m.start_at " \
	"FROM mlops.monitors m LEFT JOIN mlops.models md ON md.id = m.model_id WHERE m.name = $1"

/* Whether the session user is a member of role rolname (false when it does not exist). */
static bool
session_member_of(const char *rolname)
{
	Oid			role = get_role_oid(rolname, true);

	return OidIsValid(role) && is_member_of_role(GetSessionUserId(), role);
}

/* Whether the caller administers monitors. */
static bool
caller_is_admin(void)
{
	return superuser() || superuser_arg(GetSessionUserId()) ||
		GetUserId() == mlops_extension_owner() || session_member_of("mlops_admin");
}

/* What the caller is to a monitor owned by owner (NULL: no monitor yet). */
static CallerRight
caller_right(const char *owner)
{
	if (caller_is_admin())
		return RIGHT_ADMIN;
	if (owner && strcmp(owner, GetUserNameFromId(GetSessionUserId(), false)) == 0)
		return RIGHT_OWNER;
	if (session_member_of("mlops_writer"))
		return RIGHT_WRITER;
	return RIGHT_NONE;
}

/* Refuse the caller what on monitor name. */
static void
refuse(const char *what, const char *name, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("role \"%s\" may not %s monitor \"%s\"", GetUserNameFromId(GetSessionUserId(), false),
					what, name),
			 errhint("%s", hint)));
}

/* A required argument. */
static void
require_arg(FunctionCallInfo fcinfo, int i, const char *what)
{
	if (PG_ARGISNULL(i))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", what)));
}

static bool parse_timestamptz_session(const char *str, TimestampTz *out);

/*
 * A timestamp from a JSON string, or false when it is not a finite timestamp.
 * A time without a zone is UTC, as a timestamp time column is read, whatever
 * the session's TimeZone (parsed with TimeZone set to UTC for the moment).
 */
static bool
parse_timestamptz(const char *str, TimestampTz *out)
{
	int			nest = NewGUCNestLevel();
	bool		ok;

	(void) set_config_option("TimeZone", "UTC", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	ok = parse_timestamptz_session(str, out);
	AtEOXact_GUC(true, nest);
	return ok;
}

/* The same in the session's TimeZone. */
static bool
parse_timestamptz_session(const char *str, TimestampTz *out)
{
	char		workbuf[MAXDATELEN + MAXDATEFIELDS];
	char	   *field[MAXDATEFIELDS];
	int			ftype[MAXDATEFIELDS];
	int			nf,
				dtype,
				tz;
	struct pg_tm tm;
	fsec_t		fsec;

	if (strlen(str) >= MAXDATELEN)
		return false;
	if (ParseDateTime(str, workbuf, sizeof(workbuf), field, ftype, MAXDATEFIELDS, &nf) != 0 ||
		DecodeDateTime(field, ftype, nf, &dtype, &tm, &fsec, &tz) != 0 || dtype != DTK_DATE)
		return false;
	return tm2timestamp(&tm, fsec, &tz, out) == 0 && !TIMESTAMP_NOT_FINITE(*out);
}

/* The member key of a JSON object as a string, or NULL. */
static char *
json_string(Jsonb *jb, const char *key, bool *present)
{
	JsonbValue	v;

	*present = getKeyJsonValueFromContainer(&jb->root, key, strlen(key), &v) != NULL;
	if (!*present || v.type != jbvString)
		return NULL;
	return pnstrdup(v.val.string.val, v.val.string.len);
}

/* A malformed reference. */
static void
bad_reference(const char *name, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("reference of monitor \"%s\" is malformed", name),
			 errdetail("%s", detail),
			 errhint("Use {} or {\"previous\": true} (the previous window), {\"from\": \"<timestamptz>\", \"to\": \"<timestamptz>\"} (a time range of the source) or {\"dataset\": \"<name>\", \"version\": <n>, \"column\": \"<column>\"}.")));
}

/*
 * Read a reference object into m (kind and its parameters); the column of a
 * dataset reference defaults to the value column.
 */
static void
parse_reference(Jsonb *jb, MonitorDef *m)
{
	int			nkeys;
	bool		has_prev,
				has_from,
				has_to,
				has_ds,
				has_ver,
				has_col;
	JsonbValue	v;
	char	   *from,
			   *to;

	if (!JB_ROOT_IS_OBJECT(jb) || JB_ROOT_IS_SCALAR(jb))
		bad_reference(m->name, "The reference is not a JSON object.");
	nkeys = JsonContainerSize(&jb->root);
	from = json_string(jb, "from", &has_from);
	to = json_string(jb, "to", &has_to);
	has_prev = getKeyJsonValueFromContainer(&jb->root, "previous", 8, &v) != NULL;
	if (nkeys == 0 || (has_prev && nkeys == 1))
	{
		if (has_prev && (v.type != jbvBool || !v.val.boolean))
			bad_reference(m->name, "\"previous\" must be true.");
		m->ref_kind = MREF_PREVIOUS;
		return;
	}
	if (has_from || has_to)
	{
		if (nkeys != 2 || !has_from || !has_to)
			bad_reference(m->name, "A time-range reference has exactly the keys \"from\" and \"to\".");
		if (from == NULL || to == NULL || !parse_timestamptz(from, &m->ref_from) ||
			!parse_timestamptz(to, &m->ref_to))
			bad_reference(m->name, "\"from\" and \"to\" must be finite timestamps, as strings.");
		if (m->ref_from >= m->ref_to)
			bad_reference(m->name, "\"from\" must be before \"to\".");
		m->ref_kind = MREF_RANGE;
		return;
	}
	m->ref_dataset = json_string(jb, "dataset", &has_ds);
	has_ver = getKeyJsonValueFromContainer(&jb->root, "version", 7, &v) != NULL;
	m->ref_column = json_string(jb, "column", &has_col);
	if (!has_ds || !has_ver || nkeys != 2 + (has_col ? 1 : 0))
		bad_reference(m->name, "A dataset reference has the keys \"dataset\", \"version\" and optionally \"column\".");
	if (m->ref_dataset == NULL || (has_col && m->ref_column == NULL))
		bad_reference(m->name, "\"dataset\" and \"column\" must be strings.");
	if (v.type != jbvNumeric)
		bad_reference(m->name, "\"version\" must be a positive integer.");
	{
		char	   *s = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v.val.numeric)));
		char	   *end;
		long		ver;

		errno = 0;
		ver = strtol(s, &end, 10);
		if (errno != 0 || *end != '\0' || ver < 1 || ver > PG_INT32_MAX)
			bad_reference(m->name, "\"version\" must be a positive integer.");
		m->ref_version = (int32) ver;
	}
	if (m->ref_column == NULL)
		m->ref_column = pstrdup(m->value_column);
	m->ref_kind = MREF_DATASET;
}

/* The normalised reference of m, as jsonb. */
static Datum
reference_jsonb(const MonitorDef *m)
{
	StringInfoData b;

	initStringInfo(&b);
	switch (m->ref_kind)
	{
		case MREF_PREVIOUS:
			appendStringInfoString(&b, "{\"previous\": true}");
			break;
		case MREF_RANGE:
			appendStringInfo(&b, "{\"from\": \"%s\", \"to\": \"%s\"}", mlops_monitor_iso(m->ref_from),
							 mlops_monitor_iso(m->ref_to));
			break;
		case MREF_DATASET:
			appendStringInfoString(&b, "{\"dataset\": ");
			escape_json(&b, m->ref_dataset);
			appendStringInfo(&b, ", \"version\": %d, \"column\": ", m->ref_version);
			escape_json(&b, m->ref_column);
			appendStringInfoChar(&b, '}');
			break;
	}
	return DirectFunctionCall1(jsonb_in, CStringGetDatum(b.data));
}

/* A window size in microseconds; months are refused (date_bin cannot align them). */
static int64
window_width(Interval *iv, const char *name)
{
	int64		us;

	if (iv->month != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("window_size of monitor \"%s\" must not contain months or years", name),
				 errhint("Windows are aligned like date_bin(); use days instead, such as '30 days'.")));
	if (pg_mul_s64_overflow((int64) iv->day, USECS_PER_DAY, &us) || pg_add_s64_overflow(us, iv->time, &us) ||
		us <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("window_size of monitor \"%s\" must be positive", name)));
	/* longer windows could not be aligned below the earliest timestamp without overflow */
	if (us > MONITOR_MAX_WIDTH)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("window_size of monitor \"%s\" must not be longer than " INT64_FORMAT " days", name,
						MONITOR_MAX_WIDTH / USECS_PER_DAY)));
	return us;
}

/* A threshold must be a non-negative number. */
static void
check_threshold(double t, const char *name)
{
	if (isnan(t) || t < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("threshold of monitor \"%s\" must be a non-negative number, not %s", name,
						float8out_internal(t))));
}

/* A schedule must be positive. */
static void
check_schedule(Interval *iv, const char *name)
{
	Interval	zero;

	memset(&zero, 0, sizeof(zero));
	if (DatumGetBool(DirectFunctionCall2(interval_le, IntervalPGetDatum(iv), IntervalPGetDatum(&zero))))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("schedule of monitor \"%s\" must be positive", name)));
}

/* Text of a column of the current SPI row, or NULL, copied into cxt. */
static char *
spi_text(int col, MemoryContext cxt)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, col, &isnull);

	if (isnull)
		return NULL;
	return MemoryContextStrdup(cxt, TextDatumGetCString(d));
}

/* Fill r from the SPI row of MONITOR_COLUMNS (strings copied into cxt). */
static void
monitor_from_spi(MonitorRow *r, MemoryContext cxt)
{
	HeapTuple	tup = SPI_tuptable->vals[0];
	TupleDesc	desc = SPI_tuptable->tupdesc;
	MonitorDef *m = &r->def;
	bool		isnull;
	Datum		d;
	MemoryContext old = MemoryContextSwitchTo(cxt);

	memset(r, 0, sizeof(*r));
	m->id = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
	m->name = spi_text(2, cxt);
	m->model = spi_text(3, cxt);
	m->source = spi_text(4, cxt);
	m->value_column = spi_text(5, cxt);
	m->time_column = spi_text(6, cxt);
	m->method = mlops_monitor_method(spi_text(7, cxt));
	d = SPI_getbinval(tup, desc, 8, &m->threshold_null);
	m->threshold = m->threshold_null ? 0 : DatumGetFloat8(d);
	m->bins = DatumGetInt32(SPI_getbinval(tup, desc, 9, &isnull));
	m->width = window_width(DatumGetIntervalP(SPI_getbinval(tup, desc, 10, &isnull)), m->name);
	parse_reference(DatumGetJsonbPCopy(SPI_getbinval(tup, desc, 11, &isnull)), m);
	m->owner_name = pstrdup(NameStr(*DatumGetName(SPI_getbinval(tup, desc, 12, &isnull))));
	d = SPI_getbinval(tup, desc, 13, &r->computed_null);
	r->computed_until = r->computed_null ? 0 : DatumGetTimestampTz(d);
	d = SPI_getbinval(tup, desc, 14, &r->start_null);
	r->start_at = r->start_null ? 0 : DatumGetTimestampTz(d);
	MemoryContextSwitchTo(old);
}

/* Load monitor name (locking its row when lock); 42704 when there is none. */
static void
load_monitor(const char *name, bool lock, MonitorRow *r)
{
	OwnerScope	s;
	Oid			types[1] = {TEXTOID};
	Datum		values[1];
	bool		found;

	values[0] = CStringGetTextDatum(name);
	mlops_owner_begin(&s);
	PG_TRY();
	{
		found = mlops_owner_exec(lock ? MONITOR_COLUMNS " FOR UPDATE OF m" : MONITOR_COLUMNS,
								 1, types, values, NULL, !lock, 1) == 1;
		if (found)
			monitor_from_spi(r, s.caller_cxt);
	}
	PG_CATCH();
	{
		mlops_owner_cleanup(&s);
		PG_RE_THROW();
	}
	PG_END_TRY();
	mlops_owner_end(&s);
	if (!found)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("monitor \"%s\" does not exist", name),
				 errhint("See mlops.monitor_status for the monitors there are.")));
}

/* The monitor owner's role oid (it may have been dropped since). */
static void
resolve_owner(MonitorDef *m)
{
	m->owner = get_role_oid(m->owner_name, true);
	if (!OidIsValid(m->owner))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("role \"%s\", owner of monitor \"%s\", does not exist", m->owner_name, m->name),
				 errhint("Drop the monitor and create it again as an existing role.")));
}

/* Check the source relation of a new monitor; returns its quoted, qualified name. */
static char *
check_source(Oid relid, const char *name)
{
	char		kind = get_rel_relkind(relid);
	char	   *qualified;

	if (kind == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("source of monitor \"%s\" does not exist (oid %u)", name, relid)));
	qualified = quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), get_rel_name(relid));
	if (kind != RELKIND_RELATION && kind != RELKIND_PARTITIONED_TABLE && kind != RELKIND_VIEW &&
		kind != RELKIND_MATVIEW)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("source %s of monitor \"%s\" is not a table, view or materialized view", qualified, name)));
	/* the name would later find the temporary relation of whichever session then has that schema */
	if (get_rel_persistence(relid) == RELPERSISTENCE_TEMP)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("source \"%s\" of monitor \"%s\" is a temporary relation", get_rel_name(relid), name),
				 errhint("A monitor outlives the session: monitor a permanent table or view.")));
	return qualified;
}

/* The id of model name (42704 naming it), inside an owner scope. */
static int64
model_id(const char *model)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1];
	bool		isnull;

	values[0] = CStringGetTextDatum(model);
	if (mlops_owner_exec("SELECT id FROM mlops.models WHERE name = $1", 1, types, values, NULL, true, 1) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model \"%s\" does not exist", model),
				 errhint("Register it with mlops.register_model(), or pass NULL for a monitor without a model.")));
	return DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

/* Insert a validated monitor as the extension owner; returns its id. */
static int64
insert_monitor(const MonitorDef *m, FunctionCallInfo fcinfo)
{
	OwnerScope	s;
	Oid			types[13] = {TEXTOID, INT8OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, FLOAT8OID, INT4OID,
	INTERVALOID, JSONBOID, INTERVALOID, TIMESTAMPTZOID, NAMEOID};
	Datum		v[13];
	char		n[13];
	int64		id;
	bool		isnull;
	Oid			dtypes[1] = {TEXTOID};

	memset(n, ' ', sizeof(n));
	v[0] = CStringGetTextDatum(m->name);
	v[2] = CStringGetTextDatum(m->source);
	v[3] = CStringGetTextDatum(m->value_column);
	v[4] = CStringGetTextDatum(m->time_column);
	v[5] = CStringGetTextDatum(mlops_monitor_method_name(m->method));
	v[6] = Float8GetDatum(m->threshold);
	n[6] = m->threshold_null ? 'n' : ' ';
	v[7] = Int32GetDatum(m->bins);
	v[8] = PG_GETARG_DATUM(7);
	v[9] = reference_jsonb(m);
	v[10] = PG_GETARG_DATUM(9);
	v[11] = PG_ARGISNULL(10) ? (Datum) 0 : PG_GETARG_DATUM(10);
	n[11] = PG_ARGISNULL(10) ? 'n' : ' ';
	v[12] = DirectFunctionCall1(namein, CStringGetDatum(m->owner_name));
	mlops_owner_begin(&s);
	PG_TRY();
	{
		v[1] = (Datum) 0;
		if (m->model)
			v[1] = Int64GetDatum(model_id(m->model));
		else
			n[1] = 'n';
		if (mlops_owner_exec("SELECT 1 FROM mlops.monitors WHERE name = $1", 1, dtypes, v, NULL, true, 1) > 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNIQUE_VIOLATION),
					 errmsg("monitor \"%s\" already exists", m->name),
					 errhint("Choose another name, or change it with mlops.alter_monitor().")));
		mlops_owner_exec("INSERT INTO mlops.monitors (name, model_id, source, value_column, time_column, method, "
						 "threshold, bins, window_size, reference, schedule, start_at, owner, next_due) "
						 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, pg_catalog.now()) RETURNING id",
						 13, types, v, n, false, 0);
		id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	}
	PG_CATCH();
	{
		mlops_owner_cleanup(&s);
		PG_RE_THROW();
	}
	PG_END_TRY();
	mlops_owner_end(&s);
	return id;
}

PG_FUNCTION_INFO_V1(mlops_create_monitor);

/*
 * mlops.create_monitor(name, model, source, value_column, time_column,
 * method, threshold, window_size, reference, schedule, start_at, bins):
 * every argument checked before anything is written.
 */
Datum
mlops_create_monitor(PG_FUNCTION_ARGS)
{
	MonitorDef	m;
	Oid			relid;

	memset(&m, 0, sizeof(m));
	require_arg(fcinfo, 0, "name of a monitor");
	m.name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	if (m.name[0] == '\0' || strlen(m.name) > 250)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("name of a monitor must have 1 to 250 characters")));
	if (caller_right(NULL) != RIGHT_ADMIN)
		refuse("create", m.name, "Monitors are created by members of mlops_admin.");
	require_arg(fcinfo, 2, psprintf("source of monitor \"%s\"", m.name));
	require_arg(fcinfo, 3, psprintf("value_column of monitor \"%s\"", m.name));
	require_arg(fcinfo, 4, psprintf("time_column of monitor \"%s\"", m.name));
	require_arg(fcinfo, 5, psprintf("method of monitor \"%s\"", m.name));
	require_arg(fcinfo, 7, psprintf("window_size of monitor \"%s\"", m.name));
	require_arg(fcinfo, 8, psprintf("reference of monitor \"%s\"", m.name));
	require_arg(fcinfo, 9, psprintf("schedule of monitor \"%s\"", m.name));
	require_arg(fcinfo, 11, psprintf("bins of monitor \"%s\"", m.name));
	m.model = PG_ARGISNULL(1) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(1));
	m.method = mlops_monitor_method(text_to_cstring(PG_GETARG_TEXT_PP(5)));
	relid = PG_GETARG_OID(2);
	m.source = check_source(relid, m.name);
	m.value_column = text_to_cstring(PG_GETARG_TEXT_PP(3));
	m.time_column = text_to_cstring(PG_GETARG_TEXT_PP(4));
	mlops_monitor_check_columns(relid, m.source, m.value_column, m.time_column, m.method);
	m.threshold_null = PG_ARGISNULL(6);
	if (m.threshold_null && m.method != MM_PSI)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("threshold of monitor \"%s\" must not be null for method %s", m.name,
						mlops_monitor_method_name(m.method)),
				 errhint("Only a psi monitor derives its threshold from each window's sizes (mlops.psi_threshold).")));
	if (!m.threshold_null)
	{
		m.threshold = PG_GETARG_FLOAT8(6);
		check_threshold(m.threshold, m.name);
	}
	m.width = window_width(PG_GETARG_INTERVAL_P(7), m.name);
	check_schedule(PG_GETARG_INTERVAL_P(9), m.name);
	m.bins = PG_GETARG_INT32(11);
	if (m.bins < 2 || m.bins > 1000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("bins of monitor \"%s\" must be between 2 and 1000, not %d", m.name, m.bins)));
	if (!PG_ARGISNULL(10) && TIMESTAMP_NOT_FINITE(PG_GETARG_TIMESTAMPTZ(10)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("start_at of monitor \"%s\" must be a finite timestamp", m.name)));
	parse_reference(PG_GETARG_JSONB_P(8), &m);
	if (m.ref_kind == MREF_DATASET)
		(void) mlops_monitor_dataset_ref(m.method, m.bins, m.ref_dataset, m.ref_version, m.ref_column);
	m.owner_name = GetUserNameFromId(GetSessionUserId(), false);
	PG_RETURN_INT64(insert_monitor(&m, fcinfo));
}

/* Load a monitor for a change by its owner or an admin. */
static void
load_for_change(FunctionCallInfo fcinfo, const char *what, MonitorRow *r)
{
	char	   *name;

	require_arg(fcinfo, 0, "name of a monitor");
	name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	load_monitor(name, false, r);
	if (caller_right(r->def.owner_name) < RIGHT_OWNER)
		refuse(what, name, psprintf("Only its owner (role \"%s\") and members of mlops_admin %s it.",
									r->def.owner_name, what));
	load_monitor(name, true, r);
}

PG_FUNCTION_INFO_V1(mlops_alter_monitor);

/* mlops.alter_monitor(name, threshold, schedule, enabled): NULL leaves a setting as it is. */
Datum
mlops_alter_monitor(PG_FUNCTION_ARGS)
{
	MonitorRow	r;
	OwnerScope	s;
	Oid			types[4] = {INT8OID, FLOAT8OID, INTERVALOID, BOOLOID};
	Datum		v[4];
	char		n[5] = "    ";
	int			i;

	load_for_change(fcinfo, "alter", &r);
	if (!PG_ARGISNULL(1))
		check_threshold(PG_GETARG_FLOAT8(1), r.def.name);
	if (!PG_ARGISNULL(2))
		check_schedule(PG_GETARG_INTERVAL_P(2), r.def.name);
	v[0] = Int64GetDatum(r.def.id);
	for (i = 1; i < 4; i++)
	{
		v[i] = PG_ARGISNULL(i) ? (Datum) 0 : PG_GETARG_DATUM(i);
		n[i] = PG_ARGISNULL(i) ? 'n' : ' ';
	}
	mlops_owner_begin(&s);
	PG_TRY();
	{
		mlops_owner_exec("UPDATE mlops.monitors SET threshold = COALESCE($2, threshold), "
						 "schedule = COALESCE($3, schedule), enabled = COALESCE($4, enabled), "
						 "next_due = CASE WHEN $3 IS NULL THEN next_due "
						 "ELSE LEAST(next_due, pg_catalog.now() + $3) END WHERE id = $1",
						 4, types, v, n, false, 0);
	}
	PG_CATCH();
	{
		mlops_owner_cleanup(&s);
		PG_RE_THROW();
	}
	PG_END_TRY();
	mlops_owner_end(&s);
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(mlops_drop_monitor);

/* mlops.drop_monitor(name): the monitor, its results and its stored reference. */
Datum
mlops_drop_monitor(PG_FUNCTION_ARGS)
{
	MonitorRow	r;
	OwnerScope	s;
	Oid			types[1] = {INT8OID};
	Datum		v[1];

	load_for_change(fcinfo, "drop", &r);
	v[0] = Int64GetDatum(r.def.id);
	mlops_owner_begin(&s);
	PG_TRY();
	{
		mlops_owner_exec("DELETE FROM mlops.monitors WHERE id = $1", 1, types, v, NULL, false, 0);
	}
	PG_CATCH();
	{
		mlops_owner_cleanup(&s);
		PG_RE_THROW();
	}
	PG_END_TRY();
	mlops_owner_end(&s);
	PG_RETURN_VOID();
}

/* A float as a JSON number (null when not finite). */
static void
append_json_float(StringInfo b, double x)
{
	if (isfinite(x))
		appendStringInfoString(b, float8out_internal(x));
	else
		appendStringInfoString(b, "null");
}

/* The drift.breached event of a window. */
static void
emit_breach(const MonitorDef *m, const MonitorWindow *w, int64 result_id)
{
	StringInfoData b;

	initStringInfo(&b);
	appendStringInfoString(&b, "{\"monitor\": ");
	escape_json(&b, m->name);
	appendStringInfoString(&b, ", \"model\": ");
	if (m->model)
		escape_json(&b, m->model);
	else
		appendStringInfoString(&b, "null");
	appendStringInfo(&b, ", \"window_start\": \"%s\", \"window_end\": \"%s\", \"statistic\": ",
					 mlops_monitor_iso(w->start), mlops_monitor_iso(w->end));
	append_json_float(&b, w->stat);
	appendStringInfoString(&b, ", \"threshold\": ");
	append_json_float(&b, w->threshold);
	appendStringInfo(&b, ", \"drift_result_id\": " INT64_FORMAT "}", result_id);
	mlops_emit("drift.breached", psprintf("monitor:%s", m->name), b.data);
}

#define UPSERT_RESULT \
	"INSERT INTO mlops.drift_results (monitor_id, window_start, window_end, statistic, pvalue, n_ref, n_cur, " \
	"threshold, breached, note, histogram) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) " \
	"ON CONFLICT (monitor_id, window_start) DO UPDATE SET window_end = EXCLUDED.window_end, " \
	"statistic = EXCLUDED.statistic, pvalue = EXCLUDED.pvalue, n_ref = EXCLUDED.n_ref, n_cur = EXCLUDED.n_cur, " \
	"threshold = EXCLUDED.threshold, breached = EXCLUDED.breached, note = EXCLUDED.note, " \
	"histogram = EXCLUDED.histogram, computed_at = pg_catalog.now() RETURNING *"

/* A RETURNING row as a tuple of the function's result type (dropped columns NULL). */
static HeapTuple
result_tuple(TupleDesc out, MemoryContext cxt)
{
	TupleDesc	in = SPI_tuptable->tupdesc;
	MemoryContext old = MemoryContextSwitchTo(cxt);
	Datum	   *v = palloc0(sizeof(Datum) * out->natts);
	bool	   *n = palloc(sizeof(bool) * out->natts);
	int			i,
				j = 0;
	HeapTuple	tup;

	for (i = 0; i < out->natts; i++)
	{
		n[i] = true;
		if (TupleDescAttr(out, i)->attisdropped || j >= in->natts)
			continue;
		v[i] = SPI_getbinval(SPI_tuptable->vals[0], in, ++j, &n[i]);
	}
	tup = heap_form_tuple(out, v, n);
	MemoryContextSwitchTo(old);
	return tup;
}

/* Whether each window was computed before and breached (for recompute_from), from start on. */
static void
previous_breaches(const MonitorDef *m, TimestampTz start, int nwin, bool *was)
{
	Oid			types[3] = {INT8OID, TIMESTAMPTZOID, TIMESTAMPTZOID};
	Datum		v[3];
	uint64		i,
				rows;

	v[0] = Int64GetDatum(m->id);
	v[1] = TimestampTzGetDatum(start);
	v[2] = TimestampTzGetDatum(start + m->width * nwin);
	rows = mlops_owner_exec("SELECT window_start FROM mlops.drift_results WHERE monitor_id = $1 "
							"AND window_start >= $2 AND window_start < $3 AND breached",
							3, types, v, NULL, true, 0);
	for (i = 0; i < rows; i++)
	{
		bool		isnull;
		TimestampTz t = DatumGetTimestampTz(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
		int64		k = (t - start) / m->width;

		if (k >= 0 && k < nwin)
			was[k] = true;
	}
}

/*
 * Write the windows (insert, or update a recomputed one), emit drift.breached
 * for each newly breached window, advance the monitor; returns the rows.
 */
static List *
write_windows(const MonitorRow *r, MonitorWindow *w, int nwin, TimestampTz until, bool more,
			  TupleDesc out, MemoryContext cxt)
{
	const MonitorDef *m = &r->def;
	OwnerScope	s;
	List	   *volatile rows = NIL;
	bool	   *was = palloc0(sizeof(bool) * Max(nwin, 1));
	Oid			types[11] = {INT8OID, TIMESTAMPTZOID, TIMESTAMPTZOID, FLOAT8OID, FLOAT8OID, INT8OID, INT8OID,
	FLOAT8OID, BOOLOID, TEXTOID, JSONBOID};
	Oid			mtypes[3] = {INT8OID, TIMESTAMPTZOID, BOOLOID};
	Datum		v[11];
	char		n[11];
	int			i;

	mlops_owner_begin(&s);
	PG_TRY();
	{
		if (nwin > 0 && !r->computed_null && w[0].start < r->computed_until)
			previous_breaches(m, w[0].start, nwin, was);
		for (i = 0; i < nwin; i++)
		{
			bool		isnull;
			int64		id;

			memset(n, ' ', sizeof(n));
			v[0] = Int64GetDatum(m->id);
			v[1] = TimestampTzGetDatum(w[i].start);
			v[2] = TimestampTzGetDatum(w[i].end);
			v[3] = Float8GetDatum(w[i].stat);
			n[3] = w[i].stat_null ? 'n' : ' ';
			v[4] = Float8GetDatum(w[i].p);
			n[4] = w[i].p_null ? 'n' : ' ';
			v[5] = Int64GetDatum(w[i].n_ref);
			v[6] = Int64GetDatum(w[i].n_cur);
			v[7] = Float8GetDatum(w[i].threshold);
			n[7] = w[i].threshold_null ? 'n' : ' ';
			v[8] = BoolGetDatum(w[i].breached);
			v[9] = w[i].note ? CStringGetTextDatum(w[i].note) : (Datum) 0;
			n[9] = w[i].note ? ' ' : 'n';
			v[10] = w[i].histogram ? DirectFunctionCall1(jsonb_in, CStringGetDatum(w[i].histogram)) : (Datum) 0;
			n[10] = w[i].histogram ? ' ' : 'n';
			mlops_owner_exec(UPSERT_RESULT, 11, types, v, n, false, 0);
			id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
			{
				/* the list outlives the SPI connection: build it in the caller's context */
				MemoryContext old = MemoryContextSwitchTo(cxt);

				rows = lappend(rows, result_tuple(out, cxt));
				MemoryContextSwitchTo(old);
			}
			if (w[i].breached && !was[i])
				emit_breach(m, &w[i], id);
			CHECK_FOR_INTERRUPTS();
		}
		v[0] = Int64GetDatum(m->id);
		v[1] = TimestampTzGetDatum(until);
		v[2] = BoolGetDatum(more);
		memset(n, ' ', sizeof(n));
		n[1] = nwin > 0 ? ' ' : 'n';
		mlops_owner_exec("UPDATE mlops.monitors SET "
						 "computed_until = GREATEST(computed_until, $2), "
						 "last_evaluated_at = pg_catalog.now(), "
						 "next_due = CASE WHEN $3 THEN pg_catalog.now() ELSE pg_catalog.now() + schedule END, "
						 "last_error = NULL, last_sqlstate = NULL, last_error_at = NULL WHERE id = $1",
						 3, mtypes, v, n, false, 0);
	}
	PG_CATCH();
	{
		mlops_owner_cleanup(&s);
		PG_RE_THROW();
	}
	PG_END_TRY();
	mlops_owner_end(&s);
	return rows;
}

/* Record a failed evaluation on the monitor (in the caller's transaction). */
static void
record_error(const MonitorDef *m, ErrorData *ed)
{
	OwnerScope	s;
	Oid			types[3] = {INT8OID, TEXTOID, TEXTOID};
	Datum		v[3];

	v[0] = Int64GetDatum(m->id);
	v[1] = CStringGetTextDatum(ed->message ? ed->message : "unknown error");
	v[2] = CStringGetTextDatum(unpack_sql_state(ed->sqlerrcode));
	mlops_owner_begin(&s);
	PG_TRY();
	{
		mlops_owner_exec("UPDATE mlops.monitors SET last_error = $2, last_sqlstate = $3, "
						 "last_error_at = pg_catalog.now(), last_evaluated_at = pg_catalog.now(), "
						 "next_due = pg_catalog.now() + schedule WHERE id = $1",
						 3, types, v, NULL, false, 0);
	}
	PG_CATCH();
	{
		mlops_owner_cleanup(&s);
		PG_RE_THROW();
	}
	PG_END_TRY();
	mlops_owner_end(&s);
}

/* The start of the monitor's earliest stored window; false when it has none. */
static bool
first_window(const MonitorDef *m, TimestampTz *t)
{
	OwnerScope	s;
	Oid			types[1] = {INT8OID};
	Datum		v[1];
	bool		isnull = true;

	v[0] = Int64GetDatum(m->id);
	mlops_owner_begin(&s);
	PG_TRY();
	{
		Datum		d;

		mlops_owner_exec("SELECT min(window_start) FROM mlops.drift_results WHERE monitor_id = $1",
						 1, types, v, NULL, true, 1);
		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
		if (!isnull)
			*t = DatumGetTimestampTz(d);
	}
	PG_CATCH();
	{
		mlops_owner_cleanup(&s);
		PG_RE_THROW();
	}
	PG_END_TRY();
	mlops_owner_end(&s);
	return !isnull;
}

/*
 * The windows an evaluation computes: from computed_until (first time: the
 * window of start_at, or of the source's earliest row), or from the window
 * of recompute_from when it is earlier (never before the first computed
 * window: recomputing redoes computed windows), to the last window ended by
 * now().
 */
static List *
evaluate(MonitorRow *r, bool has_recompute, TimestampTz recompute_from, TupleDesc out, MemoryContext cxt)
{
	MonitorDef *m = &r->def;
	TimestampTz end = mlops_monitor_align(GetCurrentTransactionStartTimestamp(), m->width);
	TimestampTz start;
	int64		nwin;
	bool		more = false;
	MonitorWindow *w;

	resolve_owner(m);
	if (!r->computed_null)
		start = r->computed_until;
	else if (!r->start_null)
		start = mlops_monitor_align(r->start_at, m->width);
	else if (mlops_monitor_min_time(m, &start))
		start = mlops_monitor_align(start, m->width);
	else
		start = end;			/* no rows yet */
	/* a window that would begin before the earliest timestamp is not computed (its start is not storable) */
	if (start < MIN_TIMESTAMP)
		start += m->width;
	if (has_recompute && !r->computed_null)
	{
		TimestampTz first;

		start = Min(start, mlops_monitor_align(recompute_from, m->width));
		if (first_window(m, &first))
			start = Max(start, first);
	}
	nwin = start < end ? (end - start) / m->width : 0;
	if (nwin > MONITOR_MAX_WINDOWS)
	{
		nwin = MONITOR_MAX_WINDOWS;
		more = true;
	}
	w = palloc0(sizeof(MonitorWindow) * Max(nwin, 1));
	if (nwin > 0)
		mlops_monitor_compute(m, start, (int) nwin, true, w);
	return write_windows(r, w, (int) nwin, start + m->width * nwin, more, out, cxt);
}

PG_FUNCTION_INFO_V1(mlops_evaluate_monitor);

/* mlops.evaluate_monitor(name, recompute_from) → setof mlops.drift_results */
Datum
mlops_evaluate_monitor(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	MonitorRow	r;
	char	   *name;
	CallerRight right;
	List	   *volatile rows = NIL;
	ListCell   *lc;

	require_arg(fcinfo, 0, "name of a monitor");
	name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	InitMaterializedSRF(fcinfo, 0);
	load_monitor(name, false, &r);
	right = caller_right(r.def.owner_name);
	if (right == RIGHT_NONE)
		refuse("evaluate", name, "Its owner, members of mlops_admin and members of mlops_writer evaluate a monitor.");
	if (!PG_ARGISNULL(1) && right < RIGHT_OWNER)
		refuse("recompute", name, "Only its owner and members of mlops_admin recompute a monitor's windows.");
	if (!PG_ARGISNULL(1) && TIMESTAMP_NOT_FINITE(PG_GETARG_TIMESTAMPTZ(1)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("recompute_from of monitor \"%s\" must be a finite timestamp", name)));
	/* the second of two concurrent evaluations waits here, then sees computed_until advanced */
	load_monitor(name, true, &r);

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		rows = evaluate(&r, !PG_ARGISNULL(1), PG_ARGISNULL(1) ? 0 : PG_GETARG_TIMESTAMPTZ(1),
						rsinfo->setDesc, cxt);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		ErrorData  *ed;

		MemoryContextSwitchTo(cxt);
		ed = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		/* a cancel asked for (not a statement timeout) ends the caller's statement: a tick stops */
		if (ed->sqlerrcode == ERRCODE_QUERY_CANCELED &&
			strcmp(ed->message, _("canceling statement due to statement timeout")) != 0)
			ReThrowError(ed);
		rows = NIL;
		record_error(&r.def, ed);
		ereport(WARNING,
				(errcode(ed->sqlerrcode),
				 errmsg("monitor \"%s\" could not be evaluated: %s", r.def.name, ed->message),
				 ed->hint ? errhint("%s", ed->hint) : 0));
		FreeErrorData(ed);
	}
	PG_END_TRY();
	foreach(lc, rows)
		tuplestore_puttuple(rsinfo->setResult, (HeapTuple) lfirst(lc));
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(mlops_drift_windows);

/*
 * mlops.drift_windows(name, from_ts, to_ts): every window meeting
 * [from_ts, to_ts), whole, computed in one scan as the owner; nothing stored.
 */
Datum
mlops_drift_windows(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MonitorRow	r;
	char	   *name;
	TimestampTz from,
				to,
				start,
				last;
	int64		nwin;
	MonitorWindow *w;
	int			i;

	require_arg(fcinfo, 0, "name of a monitor");
	name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	require_arg(fcinfo, 1, psprintf("from_ts of monitor \"%s\"", name));
	require_arg(fcinfo, 2, psprintf("to_ts of monitor \"%s\"", name));
	from = PG_GETARG_TIMESTAMPTZ(1);
	to = PG_GETARG_TIMESTAMPTZ(2);
	if (TIMESTAMP_NOT_FINITE(from) || TIMESTAMP_NOT_FINITE(to) || from >= to)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("drift windows of monitor \"%s\" need finite from_ts < to_ts", name)));
	InitMaterializedSRF(fcinfo, 0);
	load_monitor(name, false, &r);
	if (caller_right(r.def.owner_name) < RIGHT_OWNER)
		refuse("read the windows of", name,
			   psprintf("drift_windows reads the source as the monitor's owner: only its owner (role \"%s\") and members of mlops_admin call it; readers see mlops.drift_results.",
						r.def.owner_name));
	resolve_owner(&r.def);
	start = mlops_monitor_align(from, r.def.width);
	last = mlops_monitor_align(to - 1, r.def.width);
	if (start < MIN_TIMESTAMP || last >= END_TIMESTAMP - r.def.width)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("drift windows of monitor \"%s\" from %s to %s reach beyond the timestamp range",
						name, mlops_monitor_iso(from), mlops_monitor_iso(to)),
				 errhint("Ask for a range whose windows begin and end within the range of timestamptz.")));
	nwin = (last - start) / r.def.width + 1;
	if (nwin > MONITOR_MAX_WINDOWS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("drift windows of monitor \"%s\" from %s to %s are " INT64_FORMAT " windows, more than %d",
						name, mlops_monitor_iso(from), mlops_monitor_iso(to), nwin, MONITOR_MAX_WINDOWS),
				 errhint("Ask for a shorter range.")));
	w = palloc0(sizeof(MonitorWindow) * nwin);
	mlops_monitor_compute(&r.def, start, (int) nwin, false, w);
	for (i = 0; i < nwin; i++)
	{
		Datum		v[6];
		bool		n[6] = {0};

		v[0] = TimestampTzGetDatum(w[i].start);
		v[1] = TimestampTzGetDatum(w[i].end);
		v[2] = Int64GetDatum(w[i].n_cur);
		v[3] = Float8GetDatum(w[i].stat);
		n[3] = w[i].stat_null;
		v[4] = Float8GetDatum(w[i].p);
		n[4] = w[i].p_null;
		v[5] = BoolGetDatum(w[i].breached);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, n);
	}
	return (Datum) 0;
}
