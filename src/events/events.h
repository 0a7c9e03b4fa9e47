/*
 * events.h: domain events (src/events/events.c), a leaf every concern may
 * call and that calls no concern back.
 *
 * Every domain event goes through mlops_emit(); nothing else in mlops writes
 * mlops.outbox or sends NOTIFY. One call, in the caller's transaction:
 *
 *	 1. inserts a row into mlops.outbox as the extension owner (through
 *		common/spi_owner), so the event commits or rolls back with its cause;
 *	 2. queues a NOTIFY (sent by PostgreSQL at commit only) whose payload is
 *		{"id": <outbox id>, "event": "<kind>"}, nothing else: the details are
 *		read from mlops.outbox, which needs mlops_reader, while any role that
 *		can connect may LISTEN;
 *	 3. notes that this transaction emitted an event, so that its commit can
 *		wake the background worker (events_wake_worker() in events.c).
 *
 * Event kinds and their NOTIFY channel (by family, the part before the dot):
 *	 stage.*, alias.*, transition.*, model.*, version.*	-> mlops_registry
 *	 job.*												-> mlops_jobs
 *	 drift.*											-> none (outbox only)
 * Any other kind is a programming error (elog).
 *
 * A transaction that emitted an event cannot be prepared (PREPARE
 * TRANSACTION refuses NOTIFY), and emitting from a parallel worker is refused.
 */
#ifndef MLOPS_EVENTS_H
#define MLOPS_EVENTS_H

/*
 * Emit one event: kind (e.g. "stage.changed"), entity (e.g.
 * "model:churn@3", the same naming as the audit log) and payload, a JSON
 * object as text (NULL means {}), stored as jsonb. Returns the outbox id.
 * Call it from any backend code inside a transaction; it connects SPI on
 * its own, so it may be called while the caller holds an SPI connection.
 */
extern int64 mlops_emit(const char *event, const char *entity, const char *payload_json);

/* The NOTIFY channel of an event kind, or NULL when it is only written to the outbox. */
extern const char *mlops_event_channel(const char *event);

/*
 * outbox.c: mark up to limit undispatched events dispatched (oldest first,
 * FOR UPDATE SKIP LOCKED) inside the caller's owner scope and transaction;
 * their ids are left in SPI_tuptable. Returns how many.
 */
extern uint64 mlops_outbox_take(int limit);

#endif							/* MLOPS_EVENTS_H */
