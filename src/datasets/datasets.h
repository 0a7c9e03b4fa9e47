/*
 * datasets.h: dataset versions, content fingerprints and column profiles
 * (src/datasets/).
 */
#ifndef MLOPS_DATASETS_H
#define MLOPS_DATASETS_H

#include "lib/hyperloglog.h"

/* Whether this session loads a dump (superuser, row_security = off). */
extern bool mlops_datasets_restoring(void);

/* What a column profile summarises (profile.c). */
typedef enum DsProfileKind
{
	DS_PROFILE_BASIC,			/* null count and distinct estimate */
	DS_PROFILE_NUMERIC,			/* + quantile sketch and histogram */
	DS_PROFILE_TEXT				/* + most frequent values */
} DsProfileKind;

/* The profile of one column, filled during the fingerprint scan. */
typedef struct DsProfile
{
	DsProfileKind kind;
	int64		null_count;
	hyperLogLogState hll;		/* distinct values, by the value's 64-bit hash */
	struct QSketch *sketch;		/* DS_PROFILE_NUMERIC */
	struct DsTopValues *top;	/* DS_PROFILE_TEXT */
} DsProfile;

extern void mlops_ds_profile_init(DsProfile *p, DsProfileKind kind);
extern void mlops_ds_profile_number(DsProfile *p, double x);
extern void mlops_ds_profile_text(DsProfile *p, uint64 hash, const char *val, int len);
extern int64 mlops_ds_profile_distinct(DsProfile *p);
extern Datum mlops_ds_profile_sketch(DsProfile *p, bool *isnull);
extern Datum mlops_ds_profile_histogram(DsProfile *p, int bins, bool *isnull);
extern Datum mlops_ds_profile_top_values(DsProfile *p, int limit, bool *isnull);

#endif							/* MLOPS_DATASETS_H */
