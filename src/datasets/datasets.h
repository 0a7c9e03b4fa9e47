/*
 * datasets.h: dataset versions, content fingerprints and column profiles
 * (src/datasets/).
 */
#ifndef MLOPS_DATASETS_H
#define MLOPS_DATASETS_H

/* Whether this session loads a dump (superuser, row_security = off). */
extern bool mlops_datasets_restoring(void);

#endif							/* MLOPS_DATASETS_H */
