/*
 * windows.c: a monitor's windows, computed in one scan of its source.
 *
 * The source is read by one statement,
 *	 SELECT t, v FROM source WHERE t >= $1 AND t < $2
 * with parameters of the time column's type (so an index on it gives a
 * range scan), run through SPI as the monitor's owner into a DestReceiver:
 * each row goes to its window by arithmetic on its time and into that
 * window's accumulator (methods.h), with no copy of the row and no
 * tuplestore. The owner's role is taken with SECURITY_RESTRICTED_OPERATION,
 * search_path pinned to pg_catalog, pg_temp and the settings of text output
 * fixed (DateStyle, TimeZone: UTC, ...), so nothing the caller or
 * the extension owner may do is lent to the source's views, functions or
 * row-level security policies; the owner's SELECT privilege is checked
 * first, so a missing grant is one clear 42501.
 *
 * References: a time range of the source is summarised once (the same
 * statement over its range) and stored in mlops.monitor_references; a
 * previous-window reference reads the window before the first one in the
 * same scan; a dataset reference comes from the version's column profile.
 */
#include "postgres.h"

#include <math.h>

#include "compat.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "common/int.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/params.h"
#include "tcop/dest.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/regproc.h"
#include "utils/timestamp.h"

#include "common/spi_owner.h"
#include "drift/drift.h"
#include "monitors/monitors.h"

/* The Unix epoch on PostgreSQL's timestamp axis (microseconds from 2000-01-01). */
#define MONITOR_EPOCH ((int64) (UNIX_EPOCH_JDATE - POSTGRES_EPOCH_JDATE) * USECS_PER_DAY)

/* The resolved source of one scan. */
typedef struct ScanInfo
{
	Oid			relid;
	Oid			time_type;		/* TIMESTAMPTZOID, TIMESTAMPOID or DATEOID */
	char	   *sql;			/* SELECT t, v FROM source WHERE t >= $1 AND t < $2 */
} ScanInfo;

/* The DestReceiver of a scan: one accumulator per window. */
typedef struct WinScan
{
	DestReceiver pub;
	int64		base;			/* start of window 0 */
	int64		width;
	int			nwin;
	MonitorAcc **acc;			/* created at a window's first value */
	MonitorMethod method;
	int			bins;
	const MonitorRef *ref;		/* NULL: keep values */
	bool		date;
	bool		categorical;
	MemoryContext cxt;			/* where the accumulators live */
	int64		rows;
	int			cur;			/* the window of the last row, [cur_lo, cur_hi) */
	int64		cur_lo;
	int64		cur_hi;
} WinScan;

TimestampTz
mlops_monitor_align(TimestampTz t, int64 width)
{
	int64		d = t - MONITOR_EPOCH;
	int64		r = d % width;

	if (r < 0)
		r += width;
	return t - r;
}

char *
mlops_monitor_iso(TimestampTz t)
{
	struct pg_tm tm;
	fsec_t		fsec;
	char		buf[MAXDATELEN + 1];

	if (TIMESTAMP_NOT_FINITE(t))
		return pstrdup(TIMESTAMP_IS_NOBEGIN(t) ? "-infinity" : "infinity");
	if (timestamp2tm(t, NULL, &tm, &fsec, NULL, NULL) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	tm.tm_isdst = 0;			/* UTC: print the +00:00 offset */
	EncodeDateTime(&tm, fsec, true, 0, NULL, USE_XSD_DATES, buf);
	return pstrdup(buf);
}

Oid
mlops_monitor_source_relid(const MonitorDef *m, bool missing_ok)
{
	List	   *names = stringToQualifiedNameList(m->source);
	Oid			relid = RangeVarGetRelid(makeRangeVarFromNameList(names), AccessShareLock, true);

	if (!OidIsValid(relid) && !missing_ok)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("source %s of monitor \"%s\" does not exist", m->source, m->name),
				 errhint("Recreate the monitor on the table that now holds the data.")));
	return relid;
}

/* Whether a numeric method can read a value column of type typid (as float8). */
static bool
numeric_value_type(Oid typid)
{
	switch (getBaseType(typid))
	{
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case FLOAT4OID:
		case FLOAT8OID:
		case NUMERICOID:
		case BOOLOID:
			return true;
		default:
			return false;
	}
}

/* The type of column name of relid; 42703 naming it when missing. */
static Oid
column_type(Oid relid, const char *qualified, const char *name, const char *what)
{
	AttrNumber	att = get_attnum(relid, name);

	if (att <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("%s column \"%s\" of relation %s does not exist", what, name, qualified)));
	return get_atttype(relid, att);
}

void
mlops_monitor_check_columns(Oid relid, const char *qualified, const char *value_column,
							const char *time_column, MonitorMethod method)
{
	Oid			ttype = getBaseType(column_type(relid, qualified, time_column, "time"));
	Oid			vtype = column_type(relid, qualified, value_column, "value");

	if (ttype != TIMESTAMPTZOID && ttype != TIMESTAMPOID && ttype != DATEOID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("time column \"%s\" of relation %s is of type %s", time_column, qualified,
						format_type_be(ttype)),
				 errhint("A monitor's time column is timestamptz, timestamp or date.")));
	if (!mlops_monitor_method_is_categorical(method) && !numeric_value_type(vtype))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("value column \"%s\" of relation %s is of type %s, not a number", value_column,
						qualified, format_type_be(vtype)),
				 errhint("Method %s reads numbers or booleans; psi_categorical and chi2 read any type as text.",
						 mlops_monitor_method_name(method))));
}

/* The value expression of the scan: float8 for numeric methods, text for categorical ones. */
static char *
value_expr(Oid relid, const MonitorDef *m)
{
	const char *col = quote_identifier(m->value_column);
	Oid			base = getBaseType(get_atttype(relid, get_attnum(relid, m->value_column)));

	if (mlops_monitor_method_is_categorical(m->method))
		return base == TEXTOID ? pstrdup(col) : psprintf("%s::pg_catalog.text", col);
	if (base == FLOAT8OID)
		return pstrdup(col);
	if (base == BOOLOID)
		return psprintf("%s::pg_catalog.int4::pg_catalog.float8", col);
	return psprintf("%s::pg_catalog.float8", col);
}

/*
 * Resolve the source now (it may have been dropped or changed since the
 * monitor was created), check the owner may read it, and build the scan.
 */
static void
scan_info(const MonitorDef *m, ScanInfo *si)
{
	AttrNumber	tatt,
				vatt;
	const char *t = quote_identifier(m->time_column);

	si->relid = mlops_monitor_source_relid(m, false);
	mlops_monitor_check_columns(si->relid, m->source, m->value_column, m->time_column, m->method);
	tatt = get_attnum(si->relid, m->time_column);
	vatt = get_attnum(si->relid, m->value_column);
	if (pg_class_aclcheck(si->relid, m->owner, ACL_SELECT) != ACLCHECK_OK &&
		(pg_attribute_aclcheck(si->relid, tatt, m->owner, ACL_SELECT) != ACLCHECK_OK ||
		 pg_attribute_aclcheck(si->relid, vatt, m->owner, ACL_SELECT) != ACLCHECK_OK))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("role \"%s\", owner of monitor \"%s\", may not read %s", m->owner_name, m->name,
						m->source),
				 errhint("GRANT SELECT ON %s TO %s.", m->source, quote_identifier(m->owner_name))));
	si->time_type = getBaseType(get_atttype(si->relid, tatt));
	si->sql = psprintf("SELECT %s, %s FROM %s WHERE %s OPERATOR(pg_catalog.>=) $1 AND %s OPERATOR(pg_catalog.<) $2",
					   t, value_expr(si->relid, m), m->source, t, t);
}

/* A bound as a parameter of the time column's type (a date: the first day at or after it). */
static Datum
time_param(Oid type, int64 us)
{
	if (type == DATEOID)
	{
		int64		days = us / USECS_PER_DAY;

		if (days * USECS_PER_DAY < us)
			days++;
		return DateADTGetDatum((DateADT) days);
	}
	return Int64GetDatum(us);
}

/*
 * Fix the settings a value's text form depends on (categorical methods read
 * any type as text), so that every session, the scheduler's included, sees
 * the same categories as the stored reference.
 */
static void
pin_text_output(void)
{
	static const char *const settings[][2] = {
		{"DateStyle", "ISO, YMD"},
		{"IntervalStyle", "postgres"},
		{"TimeZone", "UTC"},
		{"extra_float_digits", "1"},
		{"bytea_output", "hex"},
	};

	for (int i = 0; i < lengthof(settings); i++)
		(void) set_config_option(settings[i][0], settings[i][1], PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
}

/*
 * Run a statement as the monitor's owner into dest, with two parameters of
 * the time column's type (from, to), which the statement may leave unused.
 */
static void
run_as_owner(const MonitorDef *m, const char *sql, Oid type, int64 from, int64 to, DestReceiver *dest)
{
	Oid			save_uid;
	int			save_sec;
	int			nest;
	ParamListInfo params = makeParamList(2);
	SPIExecuteOptions opts;
	int			i,
				rc;

	for (i = 0; i < 2; i++)
	{
		params->params[i].value = time_param(type, i == 0 ? from : to);
		params->params[i].isnull = false;
		params->params[i].pflags = PARAM_FLAG_CONST;
		params->params[i].ptype = type;
	}
	memset(&opts, 0, sizeof(opts));
	opts.params = params;
	opts.dest = dest;
	opts.read_only = false;
	GetUserIdAndSecContext(&save_uid, &save_sec);
	SetUserIdAndSecContext(m->owner, save_sec | SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
	PG_TRY();
	{
		nest = NewGUCNestLevel();
		(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
		pin_text_output();
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		rc = SPI_execute_extended(sql, &opts);
		if (rc < 0)
			elog(ERROR, "monitor scan failed (%s): %s", SPI_result_code_string(rc), sql);
		SPI_finish();
		AtEOXact_GUC(true, nest);
	}
	PG_CATCH();
	{
		SetUserIdAndSecContext(save_uid, save_sec);
		PG_RE_THROW();
	}
	PG_END_TRY();
	SetUserIdAndSecContext(save_uid, save_sec);
}

/* DestReceiver of the earliest-time lookup: keeps the first row's time. */
typedef struct FirstTime
{
	DestReceiver pub;
	bool		date;
	bool		found;
	int64		t;
} FirstTime;

static bool
first_receive(TupleTableSlot *slot, DestReceiver *self)
{
	FirstTime  *f = (FirstTime *) self;

	slot_getsomeattrs(slot, 1);
	if (f->found || slot->tts_isnull[0])
		return true;
	if (f->date)
	{
		DateADT		day = DatumGetDateADT(slot->tts_values[0]);

		/* a day past the timestamp range falls in no window (and would overflow) */
		if (DATE_NOT_FINITE(day) || day >= TIMESTAMP_END_JULIAN - POSTGRES_EPOCH_JDATE)
			return true;
		f->t = (int64) day * USECS_PER_DAY;
	}
	else
	{
		f->t = DatumGetInt64(slot->tts_values[0]);
		if (TIMESTAMP_NOT_FINITE(f->t))
			return true;
	}
	f->found = true;
	return true;
}

static void win_startup(DestReceiver *self, int operation, TupleDesc desc);
static void win_shutdown(DestReceiver *self);
static void win_destroy(DestReceiver *self);

bool
mlops_monitor_min_time(const MonitorDef *m, TimestampTz *t)
{
	ScanInfo	si;
	const char *tc = quote_identifier(m->time_column);
	FirstTime	f;

	scan_info(m, &si);
	memset(&f, 0, sizeof(f));
	f.pub.receiveSlot = first_receive;
	f.pub.rStartup = win_startup;
	f.pub.rShutdown = win_shutdown;
	f.pub.rDestroy = win_destroy;
	f.pub.mydest = DestNone;
	f.date = si.time_type == DATEOID;
	/* the earliest finite time: an index lookup when the time column is indexed */
	run_as_owner(m, psprintf("SELECT %s FROM %s WHERE %s OPERATOR(pg_catalog.>) '-infinity' ORDER BY %s LIMIT 1",
							 tc, m->source, tc, tc),
				 si.time_type, 0, 0, &f.pub);
	*t = f.t;
	return f.found;
}

/* DestReceiver: one row into its window's accumulator. */
static bool
win_receive(TupleTableSlot *slot, DestReceiver *self)
{
	WinScan    *s = (WinScan *) self;
	int64		t,
				idx;
	MonitorAcc *acc;
	MemoryContext old;

	slot_getsomeattrs(slot, 2);
	if (slot->tts_isnull[0] || slot->tts_isnull[1])
		return true;
	t = s->date ? (int64) DatumGetDateADT(slot->tts_values[0]) * USECS_PER_DAY
		: DatumGetInt64(slot->tts_values[0]);
	/* rows mostly come in time order: most fall in the window of the row before */
	if (unlikely(t < s->cur_lo || t >= s->cur_hi))
	{
		if (t < s->base)
			return true;
		idx = (t - s->base) / s->width;
		if (idx >= s->nwin)
			return true;
		s->cur = (int) idx;
		s->cur_lo = s->base + idx * s->width;
		s->cur_hi = s->cur_lo + s->width;
	}
	old = MemoryContextSwitchTo(s->cxt);
	acc = s->acc[s->cur];
	if (unlikely(acc == NULL))
		acc = s->acc[s->cur] = mlops_macc_new(s->method, s->bins, s->ref);
	if (s->categorical)
	{
		Datum		v = slot->tts_values[1];
		text	   *tx = DatumGetTextPP(v);

		mlops_macc_add_text(acc, VARDATA_ANY(tx), VARSIZE_ANY_EXHDR(tx));
		if ((Pointer) tx != DatumGetPointer(v))
			pfree(tx);
	}
	else
		mlops_macc_add_float(acc, DatumGetFloat8(slot->tts_values[1]));
	MemoryContextSwitchTo(old);
	if ((++s->rows & 0xFFFF) == 0)
		CHECK_FOR_INTERRUPTS();
	return true;
}

static void
win_startup(DestReceiver *self, int operation, TupleDesc desc)
{
}

static void
win_shutdown(DestReceiver *self)
{
}

static void
win_destroy(DestReceiver *self)
{
}

/* Read [base, base + nwin * width) once; accumulators against ref (NULL: keep values). */
static MonitorAcc **
scan_windows(const MonitorDef *m, const ScanInfo *si, int64 base, int64 width, int nwin,
			 const MonitorRef *ref)
{
	WinScan		s;
	int64		end;

	memset(&s, 0, sizeof(s));
	s.pub.receiveSlot = win_receive;
	s.pub.rStartup = win_startup;
	s.pub.rShutdown = win_shutdown;
	s.pub.rDestroy = win_destroy;
	s.pub.mydest = DestNone;
	s.base = base;
	s.width = width;
	s.nwin = nwin;
	s.acc = palloc0(sizeof(MonitorAcc *) * nwin);
	s.method = m->method;
	s.bins = m->bins;
	s.ref = ref;
	s.date = si->time_type == DATEOID;
	s.categorical = mlops_monitor_method_is_categorical(m->method);
	s.cxt = CurrentMemoryContext;
	/* one window (a reference range): every row the statement returns is in it */
	s.cur_lo = nwin == 1 ? PG_INT64_MIN : 0;
	s.cur_hi = nwin == 1 ? PG_INT64_MAX : 0;
	if (nwin == 1)
		end = base + width;
	else if (pg_mul_s64_overflow(width, nwin, &end) || pg_add_s64_overflow(base, end, &end))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("windows of monitor \"%s\" reach beyond the timestamp range", m->name)));
	run_as_owner(m, si->sql, si->time_type, base, end, &s.pub);
	return s.acc;
}

MonitorRef *
mlops_monitor_dataset_ref(MonitorMethod method, int bins, const char *dataset, int32 version,
						  const char *column)
{
	OwnerScope	s;
	MonitorRef *ref = NULL;
	Oid			types[3] = {TEXTOID, INT4OID, TEXTOID};
	Datum		values[3];
	bytea	   *volatile sketch = NULL;
	Jsonb	   *volatile top = NULL;
	volatile int64 n = 0;

	values[0] = CStringGetTextDatum(dataset);
	values[1] = Int32GetDatum(version);
	values[2] = CStringGetTextDatum(column);
	mlops_owner_begin(&s);
	PG_TRY();
	{
		uint64		rows = mlops_owner_exec(
			"SELECT p.sketch, p.top_values, "
			"COALESCE(v.row_count - p.null_count, 0) "
			"FROM mlops.dataset_column_profiles p "
			"JOIN mlops.dataset_versions v ON v.id = p.dataset_version_id "
			"WHERE p.dataset_version_id = mlops._dataset_version_id($1, $2) AND p.column_name = $3",
			3, types, values, NULL, true, 1);

		if (rows == 1)
		{
			HeapTuple	tup = SPI_tuptable->vals[0];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			bool		isnull;
			Datum		d;
			MemoryContext old = MemoryContextSwitchTo(s.caller_cxt);

			d = SPI_getbinval(tup, desc, 1, &isnull);
			if (!isnull)
				sketch = DatumGetByteaPCopy(d);
			d = SPI_getbinval(tup, desc, 2, &isnull);
			if (!isnull)
				top = DatumGetJsonbPCopy(d);
			n = DatumGetInt64(SPI_getbinval(tup, desc, 3, &isnull));
			MemoryContextSwitchTo(old);
		}
		else
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("version %d of dataset \"%s\" has no profile of column \"%s\"", version, dataset,
							column),
					 errhint("Snapshot the data with mlops.snapshot_table() to profile its columns, or name a profiled column with \"column\".")));
	}
	PG_CATCH();
	{
		mlops_owner_cleanup(&s);
		PG_RE_THROW();
	}
	PG_END_TRY();
	mlops_owner_end(&s);
	ref = mlops_mref_from_profile(method, bins, column, sketch, top, n);
	return ref;
}

/* The stored summary of the monitor's reference, or NULL. */
static MonitorRef *
stored_reference(const MonitorDef *m)
{
	OwnerScope	s;
	Oid			types[1] = {INT8OID};
	Datum		values[1];
	bytea	   *volatile summary = NULL;

	values[0] = Int64GetDatum(m->id);
	mlops_owner_begin(&s);
	PG_TRY();
	{
		if (mlops_owner_exec("SELECT summary FROM mlops.monitor_references WHERE monitor_id = $1 AND summary IS NOT NULL",
							 1, types, values, NULL, true, 1) == 1)
		{
			bool		isnull;
			Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
			MemoryContext old = MemoryContextSwitchTo(s.caller_cxt);

			summary = DatumGetByteaPCopy(d);
			MemoryContextSwitchTo(old);
		}
	}
	PG_CATCH();
	{
		mlops_owner_cleanup(&s);
		PG_RE_THROW();
	}
	PG_END_TRY();
	mlops_owner_end(&s);
	return summary ? mlops_mref_deserialize(summary) : NULL;
}

/* Store a time-range reference's summary (a concurrent evaluation may have stored it first). */
static void
store_reference(const MonitorDef *m, const MonitorRef *ref)
{
	OwnerScope	s;
	Oid			types[3] = {INT8OID, INT8OID, BYTEAOID};
	Datum		values[3];

	values[0] = Int64GetDatum(m->id);
	values[1] = Int64GetDatum(mlops_mref_count(ref));
	values[2] = PointerGetDatum(mlops_mref_serialize(ref));
	mlops_owner_begin(&s);
	PG_TRY();
	{
		mlops_owner_exec("INSERT INTO mlops.monitor_references (monitor_id, n, summary) VALUES ($1, $2, $3) "
						 "ON CONFLICT (monitor_id) DO NOTHING",
						 3, types, values, NULL, false, 0);
	}
	PG_CATCH();
	{
		mlops_owner_cleanup(&s);
		PG_RE_THROW();
	}
	PG_END_TRY();
	mlops_owner_end(&s);
}

/*
 * The reference of a time-range or dataset monitor. A time range is read
 * once and stored when it is complete (its end has passed); a range still
 * open, or one asked for without storing, is summarised on the fly.
 */
static MonitorRef *
fixed_reference(const MonitorDef *m, const ScanInfo *si, bool store)
{
	MonitorRef *ref;
	MonitorAcc **acc;

	if (m->ref_kind == MREF_DATASET)
		return mlops_monitor_dataset_ref(m->method, m->bins, m->ref_dataset, m->ref_version, m->ref_column);
	ref = stored_reference(m);
	if (ref != NULL)
		return ref;
	acc = scan_windows(m, si, m->ref_from, m->ref_to - m->ref_from, 1, NULL);
	ref = mlops_mref_from_acc(acc[0] ? acc[0] : mlops_macc_new(m->method, m->bins, NULL));
	/* an empty range is not stored: rows loaded into it later still count */
	if (store && m->ref_to <= GetCurrentTransactionStartTimestamp() && mlops_mref_count(ref) > 0)
		store_reference(m, ref);
	return ref;
}

/* The statistic, threshold and note of one window. */
static void
finish_window(const MonitorDef *m, const MonitorRef *ref, const MonitorAcc *cur, MonitorWindow *w,
			  MemoryContext out_cxt)
{
	w->n_ref = mlops_mref_count(ref);
	w->n_cur = mlops_macc_count(cur);
	mlops_monitor_compare(ref, cur, &w->stat, &w->stat_null, &w->p, &w->p_null);
	w->threshold = m->threshold;
	w->threshold_null = m->threshold_null;
	if (m->threshold_null && m->method == MM_PSI && w->n_ref > 0 && w->n_cur > 0)
	{
		/* as mlops.psi_threshold(n_ref, n_cur, bins) at alpha 0.05 */
		w->threshold = drift_chi2_isf(0.05, (double) (m->bins - 1))
			* (1.0 / (double) w->n_ref + 1.0 / (double) w->n_cur);
		w->threshold_null = false;
	}
	/*
	 * A NaN statistic (infinite values on both sides of a difference) is
	 * above every threshold, as PostgreSQL orders float8: the window is
	 * breached, never silently passed, and its note says why.
	 */
	w->breached = !w->stat_null && !w->threshold_null && (isnan(w->stat) || w->stat > w->threshold);
	w->note = !w->stat_null ? (isnan(w->stat) ? "statistic is NaN (infinite values)" : NULL)
		: w->n_ref == 0 ? "no reference" : w->n_cur == 0 ? "no current rows" : "zero reference";
	w->histogram = NULL;
	if (!w->stat_null)
	{
		char	   *h = mlops_monitor_histogram_json(ref, cur);

		w->histogram = MemoryContextStrdup(out_cxt, h);
	}
}

void
mlops_monitor_compute(const MonitorDef *m, TimestampTz start, int nwin, bool store_ref, MonitorWindow *out)
{
	MemoryContext out_cxt = CurrentMemoryContext;
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "mlops monitor windows",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	ScanInfo	si;
	MonitorAcc **acc;
	int			i;

	scan_info(m, &si);
	for (i = 0; i < nwin; i++)
	{
		out[i].start = start + m->width * i;
		out[i].end = out[i].start + m->width;
	}
	if (m->ref_kind == MREF_PREVIOUS)
	{
		/* the window before the first one, read in the same scan, values kept */
		MonitorAcc *prev;
		int64		before;

		if (pg_sub_s64_overflow(start, m->width, &before))
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					 errmsg("the window before %s of monitor \"%s\" is out of range", mlops_monitor_iso(start),
							m->name)));
		acc = scan_windows(m, &si, before, m->width, nwin + 1, NULL);
		prev = acc[0] ? acc[0] : mlops_macc_new(m->method, m->bins, NULL);
		for (i = 0; i < nwin; i++)
		{
			MonitorRef *ref = mlops_mref_from_acc(prev);
			MonitorAcc *cur = acc[i + 1] ? acc[i + 1] : mlops_macc_new(m->method, m->bins, NULL);

			finish_window(m, ref, cur, &out[i], out_cxt);
			prev = cur;
			CHECK_FOR_INTERRUPTS();
		}
	}
	else
	{
		MonitorRef *ref = fixed_reference(m, &si, store_ref);

		acc = scan_windows(m, &si, start, m->width, nwin, ref);
		for (i = 0; i < nwin; i++)
		{
			MonitorAcc *cur = acc[i] ? acc[i] : mlops_macc_new(m->method, m->bins, ref);

			finish_window(m, ref, cur, &out[i], out_cxt);
			CHECK_FOR_INTERRUPTS();
		}
	}
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
}
