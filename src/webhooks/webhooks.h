/*
 * webhooks.h: webhook deliveries (src/webhooks/), driven by the background
 * worker (src/worker/).
 *
 * The worker's loop, connected to mlops.database, outside any transaction:
 *
 *	 at start:		mlops_webhooks_recover();
 *	 each round:	tick (its own transaction), then
 *					next = mlops_webhooks_run();
 *					sleep until the latch, naptime, or next, whichever is first.
 *
 * Both functions start and commit their own short transactions (one per unit
 * of work: turning outbox events into deliveries, taking due deliveries,
 * recording each attempt's result) and hold no transaction, snapshot or lock
 * while an HTTP request is in flight. They catch and record their own errors
 * per unit of work; an ERROR escaping them is a bug the worker logs and
 * survives. They call CHECK_FOR_INTERRUPTS while waiting on the network, so a
 * SIGTERM stops the worker promptly; a delivery cut off that way is repaired
 * by mlops_webhooks_recover() at the next start (at-least-once, same delivery
 * id). Both do nothing when the extension is not installed in the database.
 */
#ifndef MLOPS_WEBHOOKS_H
#define MLOPS_WEBHOOKS_H

#include "datatype/timestamp.h"

/* Return deliveries a crashed or killed worker left in flight to the queue. */
extern void mlops_webhooks_recover(void);

/*
 * Turn pending outbox events into deliveries and perform the deliveries that
 * are due. Returns when the next attempt is due (DT_NOEND when none is).
 */
extern TimestampTz mlops_webhooks_run(void);

/* Counters for mlops.worker_status (since the worker started). */
typedef struct WebhookCounters
{
	int64		delivered;
	int64		failed_attempts;
	int64		dead;
} WebhookCounters;

extern void mlops_webhooks_counters(WebhookCounters *out);

#endif							/* MLOPS_WEBHOOKS_H */
