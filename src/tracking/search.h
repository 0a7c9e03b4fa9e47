/*
 * search.h: the MLflow search filter and order_by parser (search.c).
 */
#ifndef MLOPS_SEARCH_H
#define MLOPS_SEARCH_H

#include "lib/stringinfo.h"

/* Query parameters collected while translating a filter. */
typedef struct SearchParams
{
	int			n;
	int			cap;
	Oid		   *types;
	Datum	   *values;
} SearchParams;

/* A filter or order_by translated into SQL (search.c, static there). */
typedef struct SearchPart SearchPart;

#endif							/* MLOPS_SEARCH_H */
