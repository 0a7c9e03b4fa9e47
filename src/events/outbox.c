/*
 * outbox.c: the consumer side of mlops.outbox. The events module owns every
 * write to the outbox; the webhook dispatcher takes events through here.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"

#include "common/spi_owner.h"
#include "events/events.h"

/*
 * Mark up to limit undispatched events dispatched, oldest first, skipping
 * rows another transaction holds (FOR UPDATE SKIP LOCKED). Runs inside the
 * caller's owner scope and transaction, so the mark commits or rolls back
 * with whatever the caller makes of the events. Their ids are in
 * SPI_tuptable (one bigint column); returns how many.
 */
uint64
mlops_outbox_take(int limit)
{
	Oid			types[1] = {INT4OID};
	Datum		vals[1] = {Int32GetDatum(limit)};

	return mlops_owner_exec(
		"UPDATE mlops.outbox o SET dispatched_at = pg_catalog.now()"
		"  FROM (SELECT p.id FROM mlops.outbox p WHERE p.dispatched_at IS NULL"
		"         ORDER BY p.id LIMIT $1 FOR UPDATE SKIP LOCKED) due"
		" WHERE o.id OPERATOR(pg_catalog.=) due.id RETURNING o.id",
		1, types, vals, NULL, false, 0);
}
