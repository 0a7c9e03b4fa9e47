/*
 * drift.h: shared pieces of the drift statistics (drift_*.c).
 */
#ifndef MLOPS_DRIFT_H
#define MLOPS_DRIFT_H

#include "postgres.h"

/* Share below which (and replacement for) an empty bin, as in Evidently. */
#define DRIFT_EMPTY_SHARE 1e-4

extern void drift_bin_shares(const double *counts, int nbins, double *shares);
extern double drift_psi_counts(const double *ref, const double *cur, int nbins);

#endif							/* MLOPS_DRIFT_H */
