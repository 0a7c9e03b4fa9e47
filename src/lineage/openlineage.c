/*
 * openlineage.c: mlops.ingest_openlineage(event jsonb), OpenLineage
 * RunEvents into the lineage graph.
 *
 * The event is checked here, field by field, so that a bad one is refused
 * with the JSON path of what is wrong before anything is written: a
 * RunEvent of spec 1.x (#/definitions/RunEvent) or 2.x (#/$defs/RunEvent)
 * or without schemaURL, with or without eventType; run.runId a UUID;
 * eventTime ISO-8601 with a zone, "Z" or none (then UTC, whatever the
 * session's TimeZone), fractions beyond microseconds rounded to the nearest
 * microsecond; job.namespace and job.name; inputs and outputs arrays of
 * {namespace, name}; an optional parent run facet. What the graph needs is
 * then handed to mlops._openlineage_record() (sql/mlops/37_openlineage.sql),
 * run as the owner of the tables through common/spi_owner, together with
 * the SHA-256 of the event's canonical jsonb text, on which repeated events
 * are recognised.
 */
#include "postgres.h"

#include "compat.h"

#include <ctype.h>

#include "catalog/pg_type.h"
#include "common/cryptohash.h"
#include "common/sha2.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "common/spi_owner.h"

/* What the graph needs from one RunEvent. */
typedef struct OlEvent
{
	pg_uuid_t	run;
	TimestampTz time;
	char	   *type;			/* NULL when the event has none */
	char	   *job_ns;
	char	   *job_name;
	bool		has_parent;
	pg_uuid_t	parent;
	char	   *parent_ns;		/* the parent's job */
	char	   *parent_name;
	char	   *schema_url;
	char	   *producer;
	Datum		inputs;			/* text[] of dataset keys */
	Datum		outputs;
} OlEvent;

/* The JSON type name of a jsonb value, for messages. */
static const char *
ol_type_name(const JsonbValue *v)
{
	switch (v->type)
	{
		case jbvNull:
			return "null";
		case jbvString:
			return "string";
		case jbvNumeric:
			return "number";
		case jbvBool:
			return "boolean";
		case jbvBinary:
			return JsonContainerIsArray(v->val.binary.data) ? "array" : "object";
		default:
			return "array or object";
	}
}

/* The value of key in an object container, or NULL. */
static JsonbValue *
ol_get(JsonbContainer *obj, const char *key)
{
	JsonbValue	k;

	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	return findJsonbValueFromContainer(obj, JB_FOBJECT, &k);
}

/* Refuse a field of the wrong JSON type, naming its path. */
pg_attribute_noreturn()
static void
ol_wrong_type(const char *path, const char *want, const JsonbValue *v)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s of the OpenLineage event must be %s, not %s", path, want, ol_type_name(v))));
	pg_unreachable();
}

/* Refuse a missing required field, naming its path. */
pg_attribute_noreturn()
static void
ol_missing(const char *path, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("OpenLineage event has no %s", path),
			 hint ? errhint("%s", hint) : 0));
	pg_unreachable();
}

/* The object at key (path names it), NULL when absent or null and optional. */
static JsonbContainer *
ol_object(JsonbContainer *obj, const char *key, const char *path, bool required)
{
	JsonbValue *v = ol_get(obj, key);

	if (v == NULL || (v->type == jbvNull && !required))
	{
		if (required)
			ol_missing(path, NULL);
		return NULL;
	}
	if (v->type != jbvBinary || !JsonContainerIsObject(v->val.binary.data))
		ol_wrong_type(path, "an object", v);
	return v->val.binary.data;
}

/* The string at key; NULL when absent and optional; required ones not empty. */
static char *
ol_string(JsonbContainer *obj, const char *key, const char *path, bool required)
{
	JsonbValue *v = ol_get(obj, key);

	if (v == NULL || (v->type == jbvNull && !required))
	{
		if (required)
			ol_missing(path, NULL);
		return NULL;
	}
	if (v->type != jbvString)
		ol_wrong_type(path, "a string", v);
	if (required && v->val.string.len == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s of the OpenLineage event must not be empty", path)));
	return pnstrdup(v->val.string.val, v->val.string.len);
}

/*
 * A name (of a job, a dataset, a parent job, or a dataset version): at most
 * OL_NAME_MAX bytes, so that every key built from them fits the indexes on
 * the event log, the dataset table and the lineage graph.
 */
#define OL_NAME_MAX 1000

static char *
ol_name(JsonbContainer *obj, const char *key, const char *path, bool required)
{
	char	   *s = ol_string(obj, key, path, required);

	if (s != NULL && strlen(s) > OL_NAME_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION),
				 errmsg("%s of the OpenLineage event is too long (%d bytes, at most %d)", path,
						(int) strlen(s), OL_NAME_MAX),
				 errdetail("It starts with \"%.*s\".", pg_mbcliplen(s, (int) strlen(s), 40), s)));
	return s;
}

/* Whether s is a UUID in its canonical 8-4-4-4-12 form (either case). */
static bool
ol_is_uuid(const char *s)
{
	int			i;

	if (strlen(s) != 36)
		return false;
	for (i = 0; i < 36; i++)
	{
		if (i == 8 || i == 13 || i == 18 || i == 23)
		{
			if (s[i] != '-')
				return false;
		}
		else if (!isxdigit((unsigned char) s[i]))
			return false;
	}
	return true;
}

/* A run id at path: a string holding a UUID. */
static void
ol_uuid(JsonbContainer *obj, const char *key, const char *path, pg_uuid_t *out)
{
	char	   *s = ol_string(obj, key, path, true);
	pg_uuid_t  *u;

	if (!ol_is_uuid(s))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("%s of the OpenLineage event is not a UUID: \"%s\"", path, s),
				 errhint("OpenLineage run ids are UUIDs such as \"0176a8c2-fe01-7439-87e6-56a1a1b4029f\".")));
	u = DatumGetUUIDP(DirectFunctionCall1(uuid_in, CStringGetDatum(s)));
	*out = *u;
}

/*
 * Whether an ISO-8601 date and time carries a zone ("Z", "+hh:mm", "-hh",
 * a name): anything after the time field but digits, ':' and the fraction
 * ("." or ","). The date's own hyphens come before the 'T'.
 */
static bool
ol_has_zone(const char *s)
{
	const char *t = strpbrk(s, "Tt ");

	if (t == NULL)
		return false;
	for (t++; *t; t++)
		if (!isdigit((unsigned char) *t) && *t != ':' && *t != '.' && *t != ',')
			return true;
	return false;
}

/* eventTime: ISO-8601, no zone meaning UTC; false when it cannot be read. */
static bool
ol_parse_time(const char *s, TimestampTz *out)
{
	char		buf[MAXDATELEN + 8];
	char		workbuf[MAXDATELEN + MAXDATEFIELDS];
	char	   *field[MAXDATEFIELDS];
	int			ftype[MAXDATEFIELDS];
	int			nf,
				dtype,
				tz;
	struct pg_tm tt;
	fsec_t		fsec;
	size_t		len = strlen(s);

	/* a date, then a time: "infinity", "now" or a bare date are not event times */
	if (len < 16 || len > MAXDATELEN ||
		!isdigit((unsigned char) s[0]) || !isdigit((unsigned char) s[3]) || s[4] != '-' ||
		(s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
		!isdigit((unsigned char) s[11]) || s[13] != ':')
		return false;
	snprintf(buf, sizeof(buf), "%s%s", s, ol_has_zone(s) ? "" : "+00");
	if (ParseDateTime(buf, workbuf, sizeof(workbuf), field, ftype, MAXDATEFIELDS, &nf) != 0 ||
		DecodeDateTime(field, ftype, nf, &dtype, &tt, &fsec, &tz) != 0 ||
		dtype != DTK_DATE)
		return false;
	return tm2timestamp(&tt, fsec, &tz, out) == 0 && IS_VALID_TIMESTAMP(*out);
}

/* eventTime of the event. */
static TimestampTz
ol_event_time(JsonbContainer *ev)
{
	char	   *s = ol_string(ev, "eventTime", "eventTime", true);
	TimestampTz t;

	if (!ol_parse_time(s, &t))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_DATETIME_FORMAT),
				 errmsg("eventTime of the OpenLineage event is not an ISO-8601 date and time: \"%s\"", s),
				 errhint("Use a time such as \"2024-05-01T12:00:00.000Z\"; one without a zone is read as UTC.")));
	return t;
}

/* eventType, when present: one of the spec's values. */
static char *
ol_event_type(JsonbContainer *ev)
{
	static const char *const types[] = {"START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER"};
	char	   *s = ol_string(ev, "eventType", "eventType", false);
	int			i;

	if (s == NULL)
		return NULL;
	for (i = 0; i < lengthof(types); i++)
		if (strcmp(s, types[i]) == 0)
			return s;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("eventType of the OpenLineage event is not one of START, RUNNING, COMPLETE, ABORT, FAIL, OTHER: \"%s\"", s)));
	return NULL;				/* keep compiler quiet */
}

/* schemaURL, when present: a RunEvent's, not a JobEvent's or DatasetEvent's. */
static char *
ol_schema_url(JsonbContainer *ev)
{
	char	   *s = ol_string(ev, "schemaURL", "schemaURL", false);
	size_t		len = s ? strlen(s) : 0;

	if (s && ((len >= 8 && strcmp(s + len - 8, "JobEvent") == 0) ||
			  (len >= 12 && strcmp(s + len - 12, "DatasetEvent") == 0)))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("OpenLineage event is not a RunEvent (schemaURL \"%s\")", s),
				 errhint("mlops.ingest_openlineage() takes RunEvents; JobEvents and DatasetEvents carry no run.")));
	return s;
}

/* The run: run.runId, and the parent run facet when there is one. */
static void
ol_run(JsonbContainer *ev, OlEvent *out)
{
	JsonbContainer *run = ol_object(ev, "run", "run", false);
	JsonbContainer *facets,
			   *parent,
			   *prun;

	if (run == NULL)
		ol_missing("run",
				   ol_get(ev, "dataset") ? "This looks like a DatasetEvent; mlops.ingest_openlineage() takes RunEvents." :
				   "A RunEvent has run.runId (a UUID) and job.namespace and job.name.");
	if (ol_get(run, "runId") == NULL)
		ol_missing("run.runId", ol_get(run, "run_id") ?
				   "The run id goes in run.runId (camel case), not run.run_id." :
				   "A RunEvent's run has runId, a UUID.");
	ol_uuid(run, "runId", "run.runId", &out->run);
	facets = ol_object(run, "facets", "run.facets", false);
	parent = facets ? ol_object(facets, "parent", "run.facets.parent", false) : NULL;
	out->has_parent = parent != NULL;
	if (parent == NULL)
		return;
	prun = ol_object(parent, "run", "run.facets.parent.run", true);
	ol_uuid(prun, "runId", "run.facets.parent.run.runId", &out->parent);
	if (memcmp(&out->parent, &out->run, sizeof(pg_uuid_t)) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("run.facets.parent.run.runId of the OpenLineage event is the run itself")));
	/* the parent's job is required by the facet's schema */
	parent = ol_object(parent, "job", "run.facets.parent.job", true);
	out->parent_ns = ol_name(parent, "namespace", "run.facets.parent.job.namespace", true);
	out->parent_name = ol_name(parent, "name", "run.facets.parent.job.name", true);
}

/*
 * The node keys of inputs or outputs: "namespace/name", with
 * "@datasetVersion" when the dataset has a version facet.
 */
static Datum
ol_datasets(JsonbContainer *ev, const char *key)
{
	JsonbValue *arr = ol_get(ev, key);
	ArrayBuildState *keys = initArrayResult(TEXTOID, CurrentMemoryContext, false);
	int			n,
				i;

	if (arr != NULL && arr->type != jbvNull &&
		(arr->type != jbvBinary || !JsonContainerIsArray(arr->val.binary.data)))
		ol_wrong_type(key, "an array", arr);
	n = (arr == NULL || arr->type == jbvNull) ? 0 : JsonContainerSize(arr->val.binary.data);
	for (i = 0; i < n; i++)
	{
		JsonbValue *d = getIthJsonbValueFromContainer(arr->val.binary.data, i);
		char		path[64];
		char	   *ns,
				   *name,
				   *ver = NULL;
		JsonbContainer *facets,
				   *version;
		StringInfoData k;

		CHECK_FOR_INTERRUPTS();
		snprintf(path, sizeof(path), "%s[%d]", key, i);
		if (d->type != jbvBinary || !JsonContainerIsObject(d->val.binary.data))
			ol_wrong_type(path, "an object", d);
		snprintf(path, sizeof(path), "%s[%d].namespace", key, i);
		ns = ol_name(d->val.binary.data, "namespace", path, true);
		snprintf(path, sizeof(path), "%s[%d].name", key, i);
		name = ol_name(d->val.binary.data, "name", path, true);
		snprintf(path, sizeof(path), "%s[%d].facets", key, i);
		facets = ol_object(d->val.binary.data, "facets", path, false);
		snprintf(path, sizeof(path), "%s[%d].facets.version", key, i);
		version = facets ? ol_object(facets, "version", path, false) : NULL;
		snprintf(path, sizeof(path), "%s[%d].facets.version.datasetVersion", key, i);
		if (version)
			ver = ol_name(version, "datasetVersion", path, true);
		initStringInfo(&k);
		appendStringInfo(&k, "%s/%s", ns, name);
		if (ver)
			appendStringInfo(&k, "@%s", ver);
		accumArrayResult(keys, PointerGetDatum(cstring_to_text(k.data)), false, TEXTOID, CurrentMemoryContext);
	}
	return makeArrayResult(keys, CurrentMemoryContext);
}

/* Check a RunEvent and take out what the graph needs. */
static void
ol_parse(Jsonb *j, OlEvent *out)
{
	JsonbContainer *ev = &j->root;
	JsonbContainer *job;

	if (JB_ROOT_IS_SCALAR(j))
	{
		JsonbValue	v;

		JsonbExtractScalar(&j->root, &v);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("OpenLineage event must be a JSON object, not %s", ol_type_name(&v))));
	}
	if (JB_ROOT_IS_ARRAY(j))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("OpenLineage event must be a JSON object, not array"),
				 errhint("Pass one event per call.")));
	out->schema_url = ol_schema_url(ev);
	ol_run(ev, out);
	out->time = ol_event_time(ev);
	out->type = ol_event_type(ev);
	out->producer = ol_string(ev, "producer", "producer", false);
	job = ol_object(ev, "job", "job", true);
	out->job_ns = ol_name(job, "namespace", "job.namespace", true);
	out->job_name = ol_name(job, "name", "job.name", true);
	out->inputs = ol_datasets(ev, "inputs");
	out->outputs = ol_datasets(ev, "outputs");
}

/* Hex SHA-256 of the canonical text of the event (jsonb's output form). */
static char *
ol_digest(Jsonb *j)
{
	char	   *txt = JsonbToCString(NULL, &j->root, VARSIZE(j));
	uint8		sum[PG_SHA256_DIGEST_LENGTH];
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);
	char	   *hex = palloc(PG_SHA256_DIGEST_LENGTH * 2 + 1);

	if (pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, (uint8 *) txt, strlen(txt)) < 0 ||
		pg_cryptohash_final(ctx, sum, sizeof(sum)) < 0)
	{
		pg_cryptohash_free(ctx);
		elog(ERROR, "could not compute the SHA-256 of an OpenLineage event");
	}
	pg_cryptohash_free(ctx);
	hex_encode((char *) sum, sizeof(sum), hex);
	hex[PG_SHA256_DIGEST_LENGTH * 2] = '\0';
	pfree(txt);
	return hex;
}

/* Text datum of a C string, or a NULL marker in nulls[i]. */
static Datum
ol_text(const char *s, char *nulls, int i)
{
	nulls[i] = s ? ' ' : 'n';
	return s ? CStringGetTextDatum(s) : (Datum) 0;
}

/* Keep the event and write its edges, as the tables' owner. */
static void
ol_record(OlEvent *e, char *digest, Jsonb *j)
{
	static const char *sql =
		"SELECT mlops._openlineage_record($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)";
	Oid			types[14] = {UUIDOID, TIMESTAMPTZOID, TEXTOID, TEXTOID, TEXTOID, UUIDOID, TEXTOID,
	TEXTOID, TEXTARRAYOID, TEXTARRAYOID, TEXTOID, TEXTOID, TEXTOID, JSONBOID};
	Datum		values[14];
	char		nulls[15] = "              ";
	OwnerScope	scope;

	values[0] = UUIDPGetDatum(&e->run);
	values[1] = TimestampTzGetDatum(e->time);
	values[2] = ol_text(e->type, nulls, 2);
	values[3] = ol_text(e->job_ns, nulls, 3);
	values[4] = ol_text(e->job_name, nulls, 4);
	values[5] = UUIDPGetDatum(&e->parent);
	nulls[5] = e->has_parent ? ' ' : 'n';
	values[6] = ol_text(e->parent_ns, nulls, 6);
	values[7] = ol_text(e->parent_name, nulls, 7);
	values[8] = e->inputs;
	values[9] = e->outputs;
	values[10] = ol_text(e->schema_url, nulls, 10);
	values[11] = ol_text(e->producer, nulls, 11);
	values[12] = ol_text(digest, nulls, 12);
	values[13] = JsonbPGetDatum(j);
	mlops_owner_begin(&scope);
	PG_TRY();
	{
		mlops_owner_exec(sql, 14, types, values, nulls, false, 1);
	}
	PG_CATCH();
	{
		mlops_owner_cleanup(&scope);
		PG_RE_THROW();
	}
	PG_END_TRY();
	mlops_owner_end(&scope);
}

PG_FUNCTION_INFO_V1(mlops_ingest_openlineage);

/* ingest_openlineage(event jsonb) -> uuid: the run id of the event. */
Datum
mlops_ingest_openlineage(PG_FUNCTION_ARGS)
{
	Jsonb	   *j;
	OlEvent		e;
	pg_uuid_t  *result;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("OpenLineage event must not be null")));
	j = PG_GETARG_JSONB_P(0);
	memset(&e, 0, sizeof(e));
	ol_parse(j, &e);
	ol_record(&e, ol_digest(j), j);
	result = palloc(sizeof(pg_uuid_t));
	*result = e.run;
	PG_RETURN_UUID_P(result);
}
