/*
 * queue.c: the delivery loop the background worker drives (webhooks.h).
 *
 * One round of mlops_webhooks_run():
 *  1. dispatch: in one short transaction, take a batch of undispatched
 *     outbox rows (events/outbox.c: FOR UPDATE SKIP LOCKED, id order, marked
 *     dispatched) and insert one queue row per subscribed enabled webhook;
 *     the queue rows and the mark commit together, and (webhook, event) is
 *     unique, so an event becomes each delivery exactly once;
 *  2. take: in one short transaction, mark a batch of due pending deliveries
 *     in_flight (attempts + 1) and commit;
 *  3. send them with no transaction open (http.c); after a full batch, back
 *     to 2 (for at most a naptime);
 *  4. record: as soon as attempts end (the others may still be in flight),
 *     one short transaction for those that ended together, which logs each
 *     attempt and moves its delivery to delivered, back to pending with a
 *     backoff (1 s x 2^attempt capped at an hour, full jitter), or to dead
 *     after mlops.webhook_max_attempts.
 * Retention: every minute (and at once when mlops.webhook_log_retention
 * changes), attempts older than the setting and delivered or dead deliveries
 * whose last activity is older are deleted, WH_RETENTION_BATCH rows per short
 * transaction; pending and in_flight deliveries are never deleted.
 * A crash between 2 and 4 leaves deliveries in_flight; mlops_webhooks_recover()
 * returns them to pending at the next start and they go out again with the
 * same delivery id (at least once); a result that could not be recorded is
 * handled the same way at the next round. Every statement runs as the extension
 * owner (common/spi_owner). Each unit catches its own error, logs it and
 * rolls its transaction back; the next round tries again.
 */
#include "postgres.h"

#include <math.h>

#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "common/pg_prng.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "common/spi_owner.h"
#include "events/events.h"
#include "guc.h"
#include "webhooks/webhooks.h"
#include "webhooks/webhooks_int.h"

/* Outbox rows dispatched per transaction, and batches per round. */
#define WH_DISPATCH_BATCH 100
#define WH_DISPATCH_ROUNDS 10
/* Deliveries sent in parallel per round. */
#define WH_SEND_BATCH 64
/* After a unit failed, the next round waits at least this long (usec). */
#define WH_RETRY_AFTER_ERROR (1000 * 1000)
/* Backoff cap in seconds. */
#define WH_BACKOFF_CAP 3600.0
/* Rows deleted per retention transaction, and transactions per table and pass. */
#define WH_RETENTION_BATCH 1000
#define WH_RETENTION_BATCHES 10
/* How often a retention pass runs (ms) while it leaves nothing over. */
#define WH_RETENTION_EVERY_MS (60 * 1000)

static WebhookCounters counters;
/* Whether a unit failed with an error since the flag was last cleared. */
static bool unit_error = false;
/* Whether an attempt's result could not be recorded (its delivery is left in_flight). */
static bool unrecorded = false;
static MemoryContext run_cxt = NULL;
/* The last retention pass: when, under which setting, and whether it left rows over. */
static TimestampTz retention_at = 0;
static int	retention_setting = -1;
static bool retention_more = false;

/* A unit of work inside its own transaction. */
typedef void (*UnitFn) (void *arg);

/* Whether this database has an mlops with the webhook tables (0.2.0 or later). */
static bool
webhooks_installed(void)
{
	Oid			nsp;

	if (!OidIsValid(get_extension_oid("mlops", true)))
		return false;
	nsp = get_namespace_oid("mlops", true);
	return OidIsValid(nsp) && OidIsValid(get_relname_relid("webhook_queue", nsp));
}

/*
 * Run fn in a transaction of its own as the extension owner; an error is
 * logged and rolled back. False when it failed or mlops is not installed.
 */
static bool
run_unit(UnitFn fn, void *arg, const char *what)
{
	MemoryContext caller = CurrentMemoryContext;
	volatile bool ok = true;

	PG_TRY();
	{
		SetCurrentStatementStartTimestamp();
		StartTransactionCommand();
		PushActiveSnapshot(GetTransactionSnapshot());
		if (webhooks_installed())
		{
			OwnerScope	s;

			mlops_owner_begin(&s);
			PG_TRY();
			{
				fn(arg);
			}
			PG_CATCH();
			{
				mlops_owner_cleanup(&s);
				PG_RE_THROW();
			}
			PG_END_TRY();
			mlops_owner_end(&s);
		}
		else
			ok = false;
		PopActiveSnapshot();
		CommitTransactionCommand();
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(caller);
		edata = CopyErrorData();
		FlushErrorState();
		AbortCurrentTransaction();
		ereport(LOG,
				(errcode(edata->sqlerrcode),
				 errmsg("mlops webhooks: %s failed: %s", what, edata->message)));
		FreeErrorData(edata);
		ok = false;
		unit_error = true;
	}
	PG_END_TRY();
	MemoryContextSwitchTo(caller);
	return ok;
}

/* Text of column c of row r of the last SPI result, copied into the run context (NULL stays NULL). */
static char *
col(uint64 r, int c)
{
	char	   *v = SPI_getvalue(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, c);

	return v ? MemoryContextStrdup(run_cxt, v) : NULL;
}

/* ---------------------------------------------------------------- units */

/* Return deliveries left in_flight by a stopped worker to the queue, due now. */
static void
recover_unit(void *arg)
{
	uint64		n = mlops_owner_exec(
		"UPDATE mlops.webhook_queue SET status = 'pending', next_attempt_at = pg_catalog.now() "
		"WHERE status" WH_EQ "'in_flight'", 0, NULL, NULL, NULL, false, 0);

	if (n > 0)
		ereport(LOG,
				(errmsg("mlops webhooks: " UINT64_FORMAT " deliveries left in flight are queued again", n)));
}

/*
 * Turn a batch of outbox events into deliveries, one per subscribed enabled
 * webhook; *arg gets the number of events. The events are marked dispatched
 * in the same transaction.
 */
static void
dispatch_unit(void *arg)
{
	uint64		n = mlops_outbox_take(WH_DISPATCH_BATCH);
	Datum	   *ids;
	Oid			types[1] = {INT8ARRAYOID};
	Datum		vals[1];

	*(uint64 *) arg = n;
	if (n == 0)
		return;
	ids = palloc(sizeof(Datum) * n);
	for (uint64 i = 0; i < n; i++)
	{
		bool		isnull;

		ids[i] = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull);
	}
	vals[0] = PointerGetDatum(construct_array(ids, (int) n, INT8OID, sizeof(int64),
											  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	mlops_owner_exec(
		"INSERT INTO mlops.webhook_queue (webhook_id, outbox_id, event, payload, occurred_at)"
		" SELECT w.id, o.id, o.event, o.payload, o.created_at"
		"   FROM mlops.outbox o"
		"   JOIN mlops.webhooks w ON w.enabled AND (EXISTS ("
		"        SELECT 1 FROM pg_catalog.unnest(w.events) k(kind)"
		"         WHERE k.kind" WH_EQ "'*' OR k.kind" WH_EQ "o.event"
		"            OR k.kind" WH_EQ "(pg_catalog.split_part(o.event, '.', 1) OPERATOR(pg_catalog.||) '.*'))"
		/* a job's events also go to the webhook its retrain policy names */
		"     OR EXISTS (SELECT 1 FROM mlops.jobs j JOIN mlops.retrain_policies p ON p.id" WH_EQ "j.policy_id"
		"         WHERE j.id" WH_EQ "CASE WHEN o.event OPERATOR(pg_catalog.~~) 'job.%'"
		"                  AND (o.payload OPERATOR(pg_catalog.->>) 'job') OPERATOR(pg_catalog.~)"
		"                      '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'"
		"                  THEN (o.payload OPERATOR(pg_catalog.->>) 'job')::pg_catalog.uuid END"
		"           AND p.webhook" WH_EQ "w.name))"
		"  WHERE o.id" WH_EQ "ANY ($1)"
		"  ORDER BY o.id, w.id"
		" ON CONFLICT (webhook_id, outbox_id) DO NOTHING",
		1, types, vals, NULL, false, 0);
}

/* The batch being taken: up to WH_SEND_BATCH deliveries. */
typedef struct TakeBatch
{
	WebhookSend *sends;
	int			n;
} TakeBatch;

/*
 * Mark the due deliveries in_flight (attempts + 1) and build what to send:
 * the body and its signature (signed here, inside the transaction, because
 * the server's HMAC needs a resource owner).
 */
static void
take_unit(void *arg)
{
	TakeBatch  *b = arg;
	Oid			types[1] = {INT4OID};
	Datum		vals[1] = {Int32GetDatum(WH_SEND_BATCH)};
	uint64		n;

	n = mlops_owner_exec(
		"UPDATE mlops.webhook_queue q SET status = 'in_flight', attempts = q.attempts" WH_PLUS "1 "
		"  FROM (SELECT d.delivery_id FROM mlops.webhook_queue d"
		"          JOIN mlops.webhooks w ON w.id" WH_EQ "d.webhook_id AND w.enabled"
		"         WHERE d.status" WH_EQ "'pending' AND d.next_attempt_at" WH_LE "pg_catalog.now()"
		"         ORDER BY d.next_attempt_at LIMIT $1 FOR UPDATE OF d SKIP LOCKED) due,"
		"       mlops.webhooks w"
		" WHERE q.delivery_id" WH_EQ "due.delivery_id AND w.id" WH_EQ "q.webhook_id "
		"RETURNING q.delivery_id::pg_catalog.text, q.event, w.url, w.secret, q.attempts::pg_catalog.text,"
		"  q.payload::pg_catalog.text,"
		"  pg_catalog.to_char(q.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')",
		1, types, vals, NULL, false, 0);
	b->sends = MemoryContextAllocZero(run_cxt, sizeof(WebhookSend) * (n + 1));
	for (uint64 i = 0; i < n; i++)
	{
		WebhookSend *s = &b->sends[i];
		MemoryContext old = MemoryContextSwitchTo(run_cxt);

		s->delivery_id = col(i, 1);
		s->event = col(i, 2);
		s->url = col(i, 3);
		s->attempt = pg_strtoint32(col(i, 5));
		s->body = mlops_webhooks_body(s->event, s->delivery_id, col(i, 7), col(i, 6));
		if (col(i, 4))
			s->signature = mlops_webhooks_signature(col(i, 4), s->body);
		MemoryContextSwitchTo(old);
	}
	b->n = (int) n;
}

/* Seconds until the next attempt after a failed attempt number attempt: full jitter. */
static double
backoff_seconds(int attempt)
{
	double		cap = Min(WH_BACKOFF_CAP, ldexp(1.0, Min(attempt, 30)));

	return pg_prng_double(&pg_global_prng_state) * cap;
}

/* Attempts that ended together, recorded in one transaction. */
typedef struct RecordBatch
{
	WebhookSend **sends;
	int			n;
} RecordBatch;

/* A one-dimensional array of n values of a type (nulls: NULL for none). */
static Datum
array_of(Datum *values, bool *nulls, int n, Oid type)
{
	int16		len;
	bool		byval;
	char		align;
	int			dims[1] = {n};
	int			lbs[1] = {1};

	get_typlenbyvalalign(type, &len, &byval, &align);
	return PointerGetDatum(construct_md_array(values, nulls, 1, dims, lbs, type, len, byval, align));
}

/*
 * Log the attempts of a RecordBatch and move each delivery on (delivered,
 * pending after a backoff, dead): one statement for all of them.
 */
static void
record_unit(void *arg)
{
	RecordBatch *b = arg;
	int			n = b->n;
	Oid			types[7] = {UUIDARRAYOID, BOOLARRAYOID, INT4ARRAYOID, TEXTARRAYOID,
	FLOAT8ARRAYOID, INT4ARRAYOID, INT4OID};
	Datum		vals[7];
	Datum	   *ids = palloc(sizeof(Datum) * n);
	Datum	   *oks = palloc(sizeof(Datum) * n);
	Datum	   *codes = palloc(sizeof(Datum) * n);
	bool	   *no_code = palloc(sizeof(bool) * n);
	Datum	   *errors = palloc(sizeof(Datum) * n);
	bool	   *no_error = palloc(sizeof(bool) * n);
	Datum	   *backoffs = palloc(sizeof(Datum) * n);
	Datum	   *latencies = palloc(sizeof(Datum) * n);
	bool		isnull;

	for (int i = 0; i < n; i++)
	{
		WebhookSend *s = b->sends[i];

		ids[i] = DirectFunctionCall1(uuid_in, CStringGetDatum(s->delivery_id));
		oks[i] = BoolGetDatum(s->ok);
		codes[i] = Int32GetDatum(s->status_code);
		no_code[i] = (s->status_code == 0);
		errors[i] = s->error ? CStringGetTextDatum(s->error) : (Datum) 0;
		no_error[i] = (s->error == NULL);
		backoffs[i] = Float8GetDatum(backoff_seconds(s->attempt));
		latencies[i] = Int32GetDatum(s->latency_ms);
	}
	vals[0] = array_of(ids, NULL, n, UUIDOID);
	vals[1] = array_of(oks, NULL, n, BOOLOID);
	vals[2] = array_of(codes, no_code, n, INT4OID);
	vals[3] = array_of(errors, no_error, n, TEXTOID);
	vals[4] = array_of(backoffs, NULL, n, FLOAT8OID);
	vals[5] = array_of(latencies, NULL, n, INT4OID);
	vals[6] = Int32GetDatum(mlops_webhook_max_attempts);

	mlops_owner_exec(
		"WITH r AS ("
		"  SELECT * FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2), pg_catalog.unnest($3),"
		"                           pg_catalog.unnest($4), pg_catalog.unnest($5), pg_catalog.unnest($6))"
		"         AS r(delivery_id, ok, status_code, error, backoff, latency_ms)), "
		"q AS ("
		"  UPDATE mlops.webhook_queue q SET"
		"    status = CASE WHEN r.ok THEN 'delivered' WHEN q.attempts" WH_GE "$7 THEN 'dead' ELSE 'pending' END,"
		"    next_attempt_at = CASE WHEN r.ok OR q.attempts" WH_GE "$7 THEN q.next_attempt_at"
		"      ELSE pg_catalog.now()" WH_PLUS "pg_catalog.make_interval(secs => r.backoff) END,"
		"    last_error = r.error,"
		"    delivered_at = CASE WHEN r.ok THEN pg_catalog.now() END"
		"    FROM r"
		"   WHERE q.delivery_id" WH_EQ "r.delivery_id AND q.status" WH_EQ "'in_flight'"
		"  RETURNING q.delivery_id, q.webhook_id, q.event, q.attempts, q.outbox_id, q.status,"
		"            r.ok, r.status_code, r.error, r.latency_ms), "
		"ins AS ("
		"  INSERT INTO mlops.webhook_deliveries"
		"    (delivery_id, webhook_id, event, attempt, status, status_code, error, latency_ms, outbox_id)"
		"  SELECT q.delivery_id, q.webhook_id, q.event, q.attempts,"
		"         CASE WHEN q.ok THEN 'delivered' ELSE 'failed' END, q.status_code, q.error, q.latency_ms,"
		"         q.outbox_id FROM q) "
		"SELECT pg_catalog.count(*) FILTER (WHERE q.status" WH_EQ "'dead') FROM q",
		7, types, vals, NULL, false, 0);
	for (int i = 0; i < n; i++)
	{
		if (b->sends[i]->ok)
			counters.delivered++;
		else
			counters.failed_attempts++;
	}
	counters.dead += DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

/* When the earliest pending delivery of an enabled webhook is due (DT_NOEND: none). */
static void
next_unit(void *arg)
{
	TimestampTz *next = arg;
	bool		isnull;
	Datum		d;

	*next = DT_NOEND;
	if (mlops_owner_exec(
			"SELECT pg_catalog.min(q.next_attempt_at) FROM mlops.webhook_queue q"
			"  JOIN mlops.webhooks w ON w.id" WH_EQ "q.webhook_id AND w.enabled"
			" WHERE q.status" WH_EQ "'pending'",
			0, NULL, NULL, NULL, true, 0) != 1)
		return;
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (!isnull)
		*next = DatumGetTimestampTz(d);
}

/* The cutoff of the retention: now() minus mlops.webhook_log_retention ($1, seconds). */
#define WH_CUTOFF "(pg_catalog.now()" WH_MINUS "pg_catalog.make_interval(secs => $1))"

/* Delete a batch of attempts older than the retention; *arg gets how many. */
static void
retention_attempts_unit(void *arg)
{
	Oid			types[2] = {FLOAT8OID, INT4OID};
	Datum		vals[2] = {Float8GetDatum((double) mlops_webhook_log_retention_s),
		Int32GetDatum(WH_RETENTION_BATCH)};

	*(uint64 *) arg = mlops_owner_exec(
		"DELETE FROM mlops.webhook_deliveries d WHERE d.id IN ("
		"  SELECT o.id FROM mlops.webhook_deliveries o WHERE o.at" WH_LT WH_CUTOFF " LIMIT $2)",
		2, types, vals, NULL, false, 0);
}

/*
 * Delete a batch of delivered or dead deliveries queued, delivered and last
 * attempted before the retention's cutoff; *arg gets how many. The status is
 * checked again on the row deleted: a delivery redelivered meanwhile stays.
 */
static void
retention_queue_unit(void *arg)
{
	Oid			types[2] = {FLOAT8OID, INT4OID};
	Datum		vals[2] = {Float8GetDatum((double) mlops_webhook_log_retention_s),
		Int32GetDatum(WH_RETENTION_BATCH)};

	*(uint64 *) arg = mlops_owner_exec(
		"DELETE FROM mlops.webhook_queue q WHERE q.delivery_id IN ("
		"  SELECT o.delivery_id FROM mlops.webhook_queue o"
		"   WHERE o.status" WH_EQ "ANY (ARRAY['delivered', 'dead']) AND o.created_at" WH_LT WH_CUTOFF
		"     AND NOT EXISTS (SELECT 1 FROM mlops.webhook_deliveries a"
		"                      WHERE a.delivery_id" WH_EQ "o.delivery_id AND a.at" WH_GE WH_CUTOFF ")"
		"   LIMIT $2)"
		" AND q.status" WH_EQ "ANY (ARRAY['delivered', 'dead'])"
		" AND (q.delivered_at IS NULL OR q.delivered_at" WH_LT WH_CUTOFF ")",
		2, types, vals, NULL, false, 0);
}

/* Run a retention unit until a batch is not full (at most WH_RETENTION_BATCHES); whether rows are left. */
static bool
retention_table(UnitFn fn, const char *what)
{
	for (int i = 0; i < WH_RETENTION_BATCHES; i++)
	{
		uint64		n = 0;

		if (!run_unit(fn, &n, what) || n < WH_RETENTION_BATCH)
			return false;
	}
	return true;
}

/*
 * Delete what mlops.webhook_log_retention no longer keeps: every
 * WH_RETENTION_EVERY_MS, at once when the setting changed, and at the next
 * round while a pass leaves rows over. 0 keeps everything.
 */
static void
retention_pass(void)
{
	TimestampTz now = GetCurrentTimestamp();
	bool		more;

	if (mlops_webhook_log_retention_s <= 0)
	{
		retention_setting = 0;
		retention_more = false;
		return;
	}
	if (!retention_more && retention_setting == mlops_webhook_log_retention_s &&
		!TimestampDifferenceExceeds(retention_at, now, WH_RETENTION_EVERY_MS))
		return;
	retention_at = now;
	retention_setting = mlops_webhook_log_retention_s;
	more = retention_table(retention_attempts_unit, "deleting old delivery attempts");
	more |= retention_table(retention_queue_unit, "deleting old deliveries");
	retention_more = more;
}

/* ---------------------------------------------------------------- entry points */

/* Return deliveries a crashed or killed worker left in flight to the queue. */
void
mlops_webhooks_recover(void)
{
	if (RecoveryInProgress())
		return;
	run_unit(recover_unit, NULL, "recovering in-flight deliveries");
}

/*
 * Record attempts as soon as they have a result: those that ended together
 * in one short transaction. If that fails their deliveries stay in_flight;
 * the next round returns them to the queue.
 */
static void
record_attempts(WebhookSend **sends, int n)
{
	RecordBatch b = {sends, n};

	if (!run_unit(record_unit, &b, "recording delivery attempts"))
		unrecorded = true;
}

/*
 * Send a batch taken by take_unit, recording each attempt as it ends; an
 * error here fails the attempts that had no result yet.
 */
static void
send_batch(WebhookSend *sends, int n)
{
	MemoryContext old = CurrentMemoryContext;

	PG_TRY();
	{
		mlops_webhooks_send_all(sends, n, record_attempts);
	}
	PG_CATCH();
	{
		ErrorData  *edata;
		WebhookSend **failed;
		int			nfailed = 0;

		MemoryContextSwitchTo(old);
		edata = CopyErrorData();
		FlushErrorState();
		failed = palloc(sizeof(WebhookSend *) * n);
		for (int i = 0; i < n; i++)
			if (!sends[i].done)
			{
				sends[i].done = true;
				sends[i].ok = false;
				sends[i].error = pstrdup(edata->message);
				failed[nfailed++] = &sends[i];
			}
		if (nfailed > 0)
			record_attempts(failed, nfailed);
		FreeErrorData(edata);
	}
	PG_END_TRY();
}

/* Turn pending outbox events into deliveries and perform the due ones; when the next is due. */
TimestampTz
mlops_webhooks_run(void)
{
	MemoryContext old;
	TakeBatch	batch = {NULL, 0};
	TimestampTz next = DT_NOEND;
	TimestampTz now;
	TimestampTz start;
	bool		backlog = false;

	if (RecoveryInProgress())
		return DT_NOEND;
	if (run_cxt == NULL)
		run_cxt = AllocSetContextCreate(TopMemoryContext, "mlops webhooks", ALLOCSET_DEFAULT_SIZES);
	MemoryContextReset(run_cxt);
	old = MemoryContextSwitchTo(run_cxt);
	unit_error = false;

	/*
	 * Between rounds this worker, the only one, has nothing in flight: a
	 * delivery still marked so had its result lost, and is sent again.
	 */
	if (unrecorded && run_unit(recover_unit, NULL, "requeueing unrecorded deliveries"))
		unrecorded = false;

	/*
	 * New events wake the worker when their transaction commits, so only a
	 * backlog larger than one round's dispatch asks for an immediate round.
	 */
	for (int round = 0; round < WH_DISPATCH_ROUNDS; round++)
	{
		uint64		events = 0;

		if (!run_unit(dispatch_unit, &events, "dispatching outbox events") ||
			events < WH_DISPATCH_BATCH)
			break;
		if (round == WH_DISPATCH_ROUNDS - 1)
			backlog = true;
	}

	/*
	 * A full batch: more may be due; take the next one at once, for at most a
	 * naptime, so the worker's ticks stay on time behind a backlog.
	 */
	start = GetCurrentTimestamp();
	for (;;)
	{
		batch.n = 0;
		if (!run_unit(take_unit, &batch, "taking due deliveries") || batch.n == 0)
			break;
		send_batch(batch.sends, batch.n);
		MemoryContextReset(run_cxt);
		if (batch.n < WH_SEND_BATCH || unit_error ||
			TimestampDifferenceExceeds(start, GetCurrentTimestamp(), mlops_naptime_ms))
			break;
	}
	retention_pass();
	if (!run_unit(next_unit, &next, "finding the next due delivery"))
		next = DT_NOEND;
	now = GetCurrentTimestamp();
	/* a full batch: more may be due right away */
	if (backlog || batch.n == WH_SEND_BATCH)
		next = now;
	/* a unit that fails keeps failing for a while: no busy loop on it */
	if (unit_error && (next == DT_NOEND || next < now + WH_RETRY_AFTER_ERROR))
		next = now + WH_RETRY_AFTER_ERROR;

	MemoryContextSwitchTo(old);
	MemoryContextReset(run_cxt);
	return next;
}

/* Counters for mlops.worker_status (since the worker started). */
void
mlops_webhooks_counters(WebhookCounters *out)
{
	*out = counters;
}
