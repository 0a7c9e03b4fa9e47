/*
 * events.c: mlops_emit(), the single path of domain events (see events.h).
 *
 * The outbox row is the event; the NOTIFY is only a doorbell carrying its
 * id and kind. Both belong to the caller's transaction: PostgreSQL sends
 * queued notifications after the commit record is written and drops them
 * on abort, and the row is inserted in the same transaction, so a listener
 * never hears of an event whose row it cannot find once committed.
 */
#include "postgres.h"

#include "access/parallel.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/async.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/json.h"

#include "common/spi_owner.h"
#include "events/events.h"
#include "worker/worker.h"

/* An event family (the kind's prefix up to and including the dot) and its channel. */
typedef struct EventFamily
{
	const char *prefix;
	const char *channel;		/* NULL: outbox only */
} EventFamily;

static const EventFamily event_families[] = {
	{"stage.", "mlops_registry"},
	{"alias.", "mlops_registry"},
	{"transition.", "mlops_registry"},
	{"model.", "mlops_registry"},
	{"version.", "mlops_registry"},
	{"job.", "mlops_jobs"},
	{"drift.", NULL},
};

/* Whether the XactCallback is registered in this backend. */
static bool events_callback_registered = false;

/* Whether the current top-level transaction emitted an event. */
static bool events_emitted = false;

/* The family an event kind belongs to, or NULL. */
static const EventFamily *
event_family(const char *event)
{
	for (int i = 0; i < lengthof(event_families); i++)
	{
		const char *p = event_families[i].prefix;

		if (strncmp(event, p, strlen(p)) == 0 && event[strlen(p)] != '\0')
			return &event_families[i];
	}
	return NULL;
}

const char *
mlops_event_channel(const char *event)
{
	const EventFamily *f = event_family(event);

	if (f == NULL)
		elog(ERROR, "unknown mlops event kind \"%s\"", event);
	return f->channel;
}

/*
 * Wake the background worker after a commit that emitted events, so it turns
 * them into deliveries without waiting for its next naptime. It runs inside
 * the commit callback, after the commit is durable: it must not throw
 * (mlops_worker_wake only sets a latch, and does nothing without a worker).
 */
static void
events_wake_worker(void)
{
	mlops_worker_wake();
}

/* XactCallback: wake the worker after a commit that emitted events; forget on abort. */
static void
events_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
			if (events_emitted)
			{
				events_emitted = false;
				events_wake_worker();
			}
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			events_emitted = false;
			break;
		default:
			break;
	}
}

/*
 * Note that this transaction emitted an event. An event emitted in a
 * subtransaction that later rolls back still counts: the wake-up it causes
 * finds nothing to deliver, which costs one idle pass and loses nothing.
 */
static void
events_note_emitted(void)
{
	if (!events_callback_registered)
	{
		RegisterXactCallback(events_xact_callback, NULL);
		events_callback_registered = true;
	}
	events_emitted = true;
}

/* Insert the outbox row as the extension owner; returns its id. */
static int64
outbox_insert(const char *event, const char *entity, const char *payload_json)
{
	OwnerScope	s;
	Oid			types[3] = {TEXTOID, TEXTOID, TEXTOID};
	Datum		vals[3];
	bool		isnull;
	volatile int64 id = 0;

	vals[0] = CStringGetTextDatum(event);
	vals[1] = CStringGetTextDatum(entity);
	vals[2] = CStringGetTextDatum(payload_json ? payload_json : "{}");
	mlops_owner_begin(&s);
	PG_TRY();
	{
		mlops_owner_exec_generic("INSERT INTO mlops.outbox (event, entity, payload, actor, created_at) "
								 "VALUES ($1, $2, $3::pg_catalog.jsonb, SESSION_USER, pg_catalog.clock_timestamp()) "
								 "RETURNING id", 3, types, vals, NULL, false, 0);
		if (SPI_processed != 1)
			elog(ERROR, "mlops.outbox insert returned " UINT64_FORMAT " rows", SPI_processed);
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

/* Queue the doorbell: NOTIFY channel, '{"id": <id>, "event": "<kind>"}' (sent at commit). */
static void
outbox_notify(const char *channel, int64 id, const char *event)
{
	StringInfoData b;

	initStringInfo(&b);
	appendStringInfo(&b, "{\"id\": " INT64_FORMAT ", \"event\": ", id);
	escape_json(&b, event);
	appendStringInfoChar(&b, '}');
	Async_Notify(channel, b.data);
	pfree(b.data);
}

int64
mlops_emit(const char *event, const char *entity, const char *payload_json)
{
	const char *channel = mlops_event_channel(event);
	int64		id;

	if (IsParallelWorker())
		elog(ERROR, "mlops events cannot be emitted from a parallel worker");
	id = outbox_insert(event, entity, payload_json);
	if (channel != NULL)
		outbox_notify(channel, id, event);
	events_note_emitted();
	return id;
}
