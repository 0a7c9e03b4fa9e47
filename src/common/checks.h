/*
 * checks.h: the CHECK constraints of mlops's tables, read and planned once
 * per backend (src/common/checks.c).
 */
#ifndef MLOPS_CHECKS_H
#define MLOPS_CHECKS_H

/* Install the ExecutorStart hook (from _PG_init). */
extern void mlops_checks_init(void);

/*
 * Give a result relation its CHECK expression states from the planned trees
 * kept for its table (read and planned now when missing), in the estate's
 * query context, as ExecRelCheck would at its first call.
 */
struct ResultRelInfo;
struct EState;
extern void mlops_prepare_checks(struct ResultRelInfo *rri, struct EState *estate);

#endif
