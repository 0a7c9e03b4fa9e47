/*
 * admin.c: the SQL functions of webhooks (55_webhooks.sql): create_webhook,
 * drop_webhook, redeliver. EXECUTE is granted to mlops_admin only; the
 * writes are fixed statements run as the extension owner.
 */
#include "postgres.h"

#include "compat.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/uuid.h"

#include "common/spi_owner.h"
#include "webhooks/webhooks_int.h"

PG_FUNCTION_INFO_V1(mlops_create_webhook);
PG_FUNCTION_INFO_V1(mlops_drop_webhook);
PG_FUNCTION_INFO_V1(mlops_redeliver);

/* The event kinds mlops emits, and their families. */
static const char *const event_kinds[] = {
	"stage.changed", "alias.changed", "transition.requested", "transition.approved",
	"job.queued", "job.completed", "drift.breached", NULL
};

/* Whether kind is a known event kind, a known family's "family.*", or "*". */
static bool
event_kind_known(const char *kind)
{
	size_t		len = strlen(kind);

	if (strcmp(kind, "*") == 0)
		return true;
	for (int i = 0; event_kinds[i]; i++)
	{
		const char *dot = strchr(event_kinds[i], '.');

		if (strcmp(kind, event_kinds[i]) == 0)
			return true;
		if (len >= 2 && strcmp(kind + len - 2, ".*") == 0 &&
			len - 2 == (size_t) (dot - event_kinds[i]) &&
			strncmp(kind, event_kinds[i], len - 2) == 0)
			return true;
	}
	return false;
}

/* Error unless every element of events is a known kind (22023 naming it). */
static void
check_events(const char *name, ArrayType *events)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;

	if (ARR_NDIM(events) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("events of webhook \"%s\" must be a one-dimensional array", name)));
	deconstruct_array(events, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("webhook \"%s\" subscribes to no events", name),
				 errhint("Pass '{*}' for every event, or a list of event kinds.")));
	for (int i = 0; i < n; i++)
	{
		char	   *kind;

		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("events of webhook \"%s\" must not contain NULL", name)));
		kind = TextDatumGetCString(elems[i]);
		if (!event_kind_known(kind))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown event kind \"%s\" for webhook \"%s\"", kind, name),
					 errhint("Known kinds: stage.changed, alias.changed, transition.requested, "
							 "transition.approved, job.queued, job.completed, drift.breached; "
							 "a family such as job.*; or * for all.")));
	}
}

/* Error unless url is an http or https URL with a host (22023 naming the webhook). */
static void
check_url(const char *name, const char *url)
{
	const char *rest = NULL;

	if (pg_strncasecmp(url, "http://", 7) == 0)
		rest = url + 7;
	else if (pg_strncasecmp(url, "https://", 8) == 0)
		rest = url + 8;
	if (rest == NULL || *rest == '\0' || strchr("/?#", *rest) != NULL ||
		strpbrk(url, " \t\r\n") != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("URL of webhook \"%s\" must be an http or https URL with a host: \"%s\"", name, url),
				 errhint("For example https://hooks.example.com/mlops.")));
}

/* Error when a required argument is NULL (22004 naming it). */
static void
require_arg(FunctionCallInfo fcinfo, int argno, const char *what)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s of a webhook must not be NULL", what)));
}

/* Run a fixed statement as the owner; returns the first column of its first row (or NULL). */
static char *
owner_query(const char *sql, int nargs, Oid *types, Datum *vals, const char *nulls)
{
	OwnerScope	s;
	char	   *volatile result = NULL;

	mlops_owner_begin(&s);
	PG_TRY();
	{
		uint64		n = mlops_owner_exec(sql, nargs, types, vals, nulls, false, 0);

		if (n > 0 && SPI_tuptable != NULL)
		{
			char	   *v = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);

			result = v ? MemoryContextStrdup(s.caller_cxt, v) : NULL;
		}
	}
	PG_CATCH();
	{
		mlops_owner_cleanup(&s);
		PG_RE_THROW();
	}
	PG_END_TRY();
	mlops_owner_end(&s);
	return result;
}

/* mlops.create_webhook(name, url, secret, events): the new webhook's id. */
Datum
mlops_create_webhook(PG_FUNCTION_ARGS)
{
	char	   *name;
	char	   *url;
	ArrayType  *events;
	Oid			types[4] = {TEXTOID, TEXTOID, TEXTOID, TEXTARRAYOID};
	Datum		vals[4];
	char		nulls[4] = "    ";
	char	   *id;

	require_arg(fcinfo, 0, "name");
	require_arg(fcinfo, 1, "url");
	require_arg(fcinfo, 3, "events");
	name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	url = text_to_cstring(PG_GETARG_TEXT_PP(1));
	events = PG_GETARG_ARRAYTYPE_P(3);
	if (name[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("name of a webhook must not be empty")));
	check_url(name, url);
	check_events(name, events);

	vals[0] = PG_GETARG_DATUM(0);
	vals[1] = PG_GETARG_DATUM(1);
	vals[2] = PG_ARGISNULL(2) ? (Datum) 0 : PG_GETARG_DATUM(2);
	if (PG_ARGISNULL(2))
		nulls[2] = 'n';
	vals[3] = PointerGetDatum(events);
	if (owner_query("SELECT 1 FROM mlops.webhooks w WHERE w.name" WH_EQ "$1", 1, types, vals, NULL))
		ereport(ERROR,
				(errcode(ERRCODE_UNIQUE_VIOLATION),
				 errmsg("webhook \"%s\" already exists", name),
				 errhint("Drop it with mlops.drop_webhook() first, or choose another name.")));
	id = owner_query("INSERT INTO mlops.webhooks (name, url, secret, events) VALUES ($1, $2, $3, $4) "
					 "RETURNING id::pg_catalog.text", 4, types, vals, nulls);
	PG_RETURN_INT64(pg_strtoint64(id));
}

/* mlops.drop_webhook(name): drop it with its deliveries (42704 when unknown). */
Datum
mlops_drop_webhook(PG_FUNCTION_ARGS)
{
	Oid			types[1] = {TEXTOID};
	Datum		vals[1];

	require_arg(fcinfo, 0, "name");
	vals[0] = PG_GETARG_DATUM(0);
	if (owner_query("DELETE FROM mlops.webhooks w WHERE w.name" WH_EQ "$1 RETURNING w.id::pg_catalog.text",
					1, types, vals, NULL) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("webhook \"%s\" does not exist", text_to_cstring(PG_GETARG_TEXT_PP(0)))));
	PG_RETURN_VOID();
}

/* mlops.redeliver(delivery_id): a delivered or dead delivery back to the queue, same id. */
Datum
mlops_redeliver(PG_FUNCTION_ARGS)
{
	Oid			types[1] = {UUIDOID};
	Datum		vals[1];
	char	   *id;
	char	   *status;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("delivery id to redeliver must not be NULL")));
	vals[0] = PG_GETARG_DATUM(0);
	id = DatumGetCString(DirectFunctionCall1(uuid_out, vals[0]));
	status = owner_query("SELECT q.status FROM mlops.webhook_queue q WHERE q.delivery_id" WH_EQ "$1 FOR UPDATE",
						 1, types, vals, NULL);
	if (status == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("webhook delivery %s does not exist", id)));
	if (strcmp(status, "delivered") != 0 && strcmp(status, "dead") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("webhook delivery %s is %s, not delivered or dead", id, status),
				 errhint("A queued delivery is sent without mlops.redeliver().")));
	owner_query("UPDATE mlops.webhook_queue SET status = 'pending', attempts = 0, "
				"next_attempt_at = pg_catalog.now(), last_error = NULL, delivered_at = NULL "
				"WHERE delivery_id" WH_EQ "$1", 1, types, vals, NULL);
	PG_RETURN_VOID();
}
