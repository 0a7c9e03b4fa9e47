/*
 * row_ids.h: identity ids a client cannot plant (src/common/row_ids.c).
 *
 * The id columns of the tables clients write are GENERATED ALWAYS AS
 * IDENTITY, which refuses an explicit id in a plain INSERT. Two paths still
 * take one: INSERT ... OVERRIDING SYSTEM VALUE (which PostgreSQL does not
 * restrict) and COPY FROM. A planted id beyond what the identity sequence
 * has handed out would make a later generated id collide and another user's
 * insert fail; an id the sequence already passed cannot. So the BEFORE
 * INSERT triggers of those tables call mlops_row_id_check(), which refuses
 * (428C9) an id greater than the sequence's last value, for every role but a
 * superuser (a restore loads ids verbatim).
 */
#ifndef MLOPS_ROW_IDS_H
#define MLOPS_ROW_IDS_H

#include "access/htup.h"
#include "utils/relcache.h"

extern void mlops_row_id_check(Relation rel, HeapTuple tuple);

#endif							/* MLOPS_ROW_IDS_H */
