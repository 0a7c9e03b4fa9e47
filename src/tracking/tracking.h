/*
 * tracking.h: experiment tracking limits and helpers shared by tracking.c
 * and search.c.
 */
#ifndef MLOPS_TRACKING_H
#define MLOPS_TRACKING_H


/* Limits (characters), mirrored by named CHECK constraints in 20_tracking.sql. */
#define MLOPS_KEY_MAX		250
#define MLOPS_VALUE_MAX		8000

extern void mlops_check_key(const char *what, text *key);

#endif							/* MLOPS_TRACKING_H */
