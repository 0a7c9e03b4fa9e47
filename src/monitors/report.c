/*
 * report.c: mlops.drift_report(name, from_ts, to_ts), one self-contained
 * HTML page about a monitor: its settings, a chart of the statistic per
 * window with the threshold and the breaches, the reference and current
 * histograms of the worst window, the retraining jobs and the model versions
 * that followed.
 *
 * Everything is read through SPI as the caller (no owner switch): a reader
 * sees in the report exactly what it could select itself, and a role that
 * cannot read a table gets the permission error of that table.
 *
 * The page has no script, no external asset and no web font: inline CSS and
 * inline SVG only, and a Content-Security-Policy that forbids anything else,
 * so that it can be mailed or archived as one file. Every string that comes
 * from the database is HTML-escaped, in text and in attributes alike.
 *
 * Windows are those that start in [from_ts, to_ts) (NULL: unbounded). Up to
 * REPORT_MAX_POINTS windows are drawn one point each; past that, the time
 * axis is cut into REPORT_BUCKETS buckets and each bucket draws its lowest
 * and highest statistic and one breach marker for all its breached windows,
 * so the page stays a few hundred kilobytes for any number of windows.
 */
#include "postgres.h"

#include "compat.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "pgtime.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"

PG_FUNCTION_INFO_V1(mlops_drift_report);

#define REPORT_MAX_POINTS	2000	/* one point per window up to this many */
#define REPORT_BUCKETS		1000	/* time buckets past that */
#define REPORT_MAX_ROWS		200		/* rows of the jobs and versions tables */
#define REPORT_LABEL_CHARS	24		/* histogram axis labels are clipped to this */

/* Chart geometry (SVG user units). */
#define CH_W		960.0
#define CH_H		320.0
#define CH_LEFT		64.0
#define CH_RIGHT	40.0
#define CH_TOP		16.0
#define CH_BOTTOM	56.0

/* The monitor being reported on. */
typedef struct ReportMonitor
{
	int64		id;
	char	   *name;
	bool		has_model;
	int64		model_id;
	char	   *model;
	char	   *method;
	char	   *source;
	char	   *value_column;
	char	   *time_column;
	bool		has_threshold;
	double		threshold;
	char	   *window_size;
	char	   *reference;
} ReportMonitor;

/* One window of mlops.drift_results, or a bucket of several. */
typedef struct ReportWin
{
	TimestampTz start;
	TimestampTz end;
	int64		n;				/* windows in it */
	int64		n_stat;			/* with a statistic */
	int64		n_breach;		/* breached */
	double		lo;				/* lowest and highest statistic, and where */
	double		lo_t;
	double		hi;
	double		hi_t;
	double		breach_stat;	/* highest statistic of a breached window */
	double		breach_t;
	double		thr_sum;		/* thresholds of its windows (mean when bucketed) */
	int64		n_thr;
	double		thr_lo;
	double		thr_hi;
	double		pvalue;			/* one window only */
	bool		has_pvalue;
	int64		n_ref;
	int64		n_cur;
	char	   *note;			/* first note of a window without a statistic */
} ReportWin;

/* The windows of the range, in time order. */
typedef struct ReportWindows
{
	ReportWin  *w;
	int			n;
	int			cap;
	int64		total;			/* windows read (== n unless bucketed) */
	int64		breached;
	int64		nulls;
	bool		thr_varies;		/* not all windows were judged by one threshold */
	bool		any_thr;
	double		first_thr;
	TimestampTz first_breach;
	bool		has_breach;
	TimestampTz worst_start;
	double		worst;
	bool		has_worst;
	TimestampTz last_end;		/* latest window end (windows are in start order) */
	double		ymax;			/* highest finite statistic or threshold */
	double		ymin;
} ReportWindows;

/* ------------------------------------------------------------ formatting */

/* Append s with & < > " ' escaped: safe in element text and in quoted attributes. */
static void
html_esc(StringInfo buf, const char *s)
{
	for (; *s; s++)
	{
		switch (*s)
		{
			case '&':
				appendStringInfoString(buf, "&amp;");
				break;
			case '<':
				appendStringInfoString(buf, "&lt;");
				break;
			case '>':
				appendStringInfoString(buf, "&gt;");
				break;
			case '"':
				appendStringInfoString(buf, "&quot;");
				break;
			case '\'':
				appendStringInfoString(buf, "&#39;");
				break;
			default:
				appendStringInfoChar(buf, *s);
		}
	}
}

/* Append s escaped, clipped to at most maxchars characters (never inside a multibyte one). */
static void
html_esc_clip(StringInfo buf, const char *s, int maxchars)
{
	int			len = strlen(s);
	int			clip = pg_mbcharcliplen(s, len, maxchars);
	char	   *part;

	if (clip >= len)
	{
		html_esc(buf, s);
		return;
	}
	part = pnstrdup(s, clip);
	html_esc(buf, part);
	appendStringInfoString(buf, "\xe2\x80\xa6");	/* ellipsis */
	pfree(part);
}

/* Append a number with a fixed number of decimals; non-finite values by name. */
static void
fmt_num(StringInfo buf, double x, int decimals)
{
	if (isnan(x))
		appendStringInfoString(buf, "NaN");
	else if (isinf(x))
		appendStringInfoString(buf, x > 0 ? "Infinity" : "-Infinity");
	else
		appendStringInfo(buf, "%.*f", decimals, x);
}

/* Append a p-value: three significant digits, scientific when small. */
static void
fmt_p(StringInfo buf, double p)
{
	if (isnan(p) || isinf(p))
		fmt_num(buf, p, 0);
	else if (p != 0 && fabs(p) < 0.001)
		appendStringInfo(buf, "%.2e", p);
	else
		appendStringInfo(buf, "%.3f", p);
}

/* Append an SVG coordinate (one decimal is below a pixel). */
static void
fmt_xy(StringInfo buf, double x, double y)
{
	appendStringInfo(buf, "%.1f,%.1f", x, y);
}

/*
 * Append a timestamp in the session's time zone: "YYYY-MM-DD HH:MM", with
 * ":SS" when it has seconds and the zone's abbreviation when with_zone.
 * (DateStyle is not used: the report reads the same in every session.)
 */
static void
fmt_ts(StringInfo buf, TimestampTz ts, bool with_zone)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int			tz;
	const char *tzn = NULL;

	if (TIMESTAMP_IS_NOBEGIN(ts))
	{
		appendStringInfoString(buf, "-infinity");
		return;
	}
	if (TIMESTAMP_IS_NOEND(ts))
	{
		appendStringInfoString(buf, "infinity");
		return;
	}
	if (timestamp2tm(ts, &tz, &tm, &fsec, &tzn, NULL) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	appendStringInfo(buf, "%04d-%02d-%02d %02d:%02d",
					 tm.tm_year, tm.tm_mon, tm.tm_mday, tm.tm_hour, tm.tm_min);
	if (tm.tm_sec != 0 || fsec != 0)
		appendStringInfo(buf, ":%02d", tm.tm_sec);
	if (with_zone && tzn != NULL)
	{
		appendStringInfoChar(buf, ' ');
		html_esc(buf, tzn);
	}
}

/* The span of a window or bucket, "start – end". */
static void
fmt_span(StringInfo buf, TimestampTz a, TimestampTz b)
{
	fmt_ts(buf, a, false);
	appendStringInfoString(buf, " \xe2\x80\x93 ");
	fmt_ts(buf, b, true);
}

/* ------------------------------------------------------------ reading */

/* Text of column c of row r of the last SPI result, NULL when NULL. */
static char *
spi_text(uint64 r, int c)
{
	return SPI_getvalue(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, c);
}

/* A non-NULL binary column of row r, or isnull set. */
static Datum
spi_bin(uint64 r, int c, bool *isnull)
{
	return SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, c, isnull);
}

/* The monitor by name; 42704 when it does not exist (or the caller cannot see it). */
static void
load_monitor(const char *name, ReportMonitor *m, MemoryContext outer)
{
	static const char *sql =
		"SELECT m.id, m.name, m.model_id, mo.name, m.method, m.source, m.value_column,"
		"       m.time_column, m.threshold, m.window_size::pg_catalog.text, m.reference::pg_catalog.text"
		"  FROM mlops.monitors m"
		"  LEFT JOIN mlops.models mo ON mo.id OPERATOR(pg_catalog.=) m.model_id"
		" WHERE m.name OPERATOR(pg_catalog.=) $1";
	Oid			types[1] = {TEXTOID};
	Datum		args[1] = {CStringGetTextDatum(name)};
	MemoryContext old;
	bool		isnull;

	if (SPI_execute_with_args(sql, 1, types, args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "drift_report: monitor lookup failed");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("monitor \"%s\" does not exist", name),
				 errhint("See mlops.monitor_status for the monitors there are.")));
	old = MemoryContextSwitchTo(outer);
	m->id = DatumGetInt64(spi_bin(0, 1, &isnull));
	m->name = spi_text(0, 2);
	m->model_id = DatumGetInt64(spi_bin(0, 3, &isnull));
	m->has_model = !isnull;
	m->model = spi_text(0, 4);
	m->method = spi_text(0, 5);
	m->source = spi_text(0, 6);
	m->value_column = spi_text(0, 7);
	m->time_column = spi_text(0, 8);
	m->threshold = DatumGetFloat8(spi_bin(0, 9, &isnull));
	m->has_threshold = !isnull;
	m->window_size = spi_text(0, 10);
	m->reference = spi_text(0, 11);
	MemoryContextSwitchTo(old);
}

/* Seconds since the epoch of a timestamp, for the chart's x axis. */
static double
ts_seconds(TimestampTz t)
{
	return (double) t / USECS_PER_SEC;
}

/* Add one window's row to the statistics over the range. */
static void
note_window(ReportWindows *ws, const ReportWin *w, bool breached)
{
	if (ws->n == 0 || w->end > ws->last_end)
		ws->last_end = w->end;
	if (w->n_stat == 0)
		ws->nulls++;
	if (breached)
	{
		ws->breached++;
		if (!ws->has_breach)
		{
			ws->has_breach = true;
			ws->first_breach = w->start;
		}
	}
	if (w->n_stat > 0 && !isnan(w->hi) && !isinf(w->hi))
	{
		if (!ws->has_worst || w->hi > ws->worst)
		{
			ws->has_worst = true;
			ws->worst = w->hi;
			ws->worst_start = w->start;
		}
		ws->ymax = Max(ws->ymax, w->hi);
		ws->ymin = Min(ws->ymin, w->hi);
	}
	if (w->n_thr > 0)
	{
		if (!ws->any_thr)
		{
			ws->any_thr = true;
			ws->first_thr = w->thr_lo;
		}
		else if (w->thr_lo != ws->first_thr)
			ws->thr_varies = true;
		if (!isinf(w->thr_lo) && !isnan(w->thr_lo))
			ws->ymax = Max(ws->ymax, w->thr_lo);
	}
}

/* Append a window to the list (in the outer context). */
static void
push_window(ReportWindows *ws, const ReportWin *w, MemoryContext outer)
{
	if (ws->n == ws->cap)
	{
		ws->cap = ws->cap ? ws->cap * 2 : 256;
		ws->w = ws->w ? repalloc_huge(ws->w, sizeof(ReportWin) * ws->cap)
			: MemoryContextAllocHuge(outer, sizeof(ReportWin) * ws->cap);
	}
	ws->w[ws->n++] = *w;
}

/*
 * The windows starting in [from, to), read with a cursor in batches so that
 * only the compact list is kept.
 */
static void
load_windows(ReportWindows *ws, const ReportMonitor *m, Datum *bounds, const char *bnulls,
			 MemoryContext outer)
{
	static const char *sql =
		"SELECT d.window_start, d.window_end, d.statistic, d.pvalue, d.n_ref, d.n_cur,"
		"       d.threshold, d.breached, d.note"
		"  FROM mlops.drift_results d"
		" WHERE d.monitor_id OPERATOR(pg_catalog.=) $1"
		"   AND ($2 IS NULL OR d.window_start OPERATOR(pg_catalog.>=) $2)"
		"   AND ($3 IS NULL OR d.window_start OPERATOR(pg_catalog.<) $3)"
		" ORDER BY d.window_start";
	Oid			types[3] = {INT8OID, TIMESTAMPTZOID, TIMESTAMPTZOID};
	Datum		args[3] = {Int64GetDatum(m->id), bounds[0], bounds[1]};
	char		nulls[3] = {' ', bnulls[0], bnulls[1]};
	Portal		portal;

	memset(ws, 0, sizeof(*ws));
	portal = SPI_cursor_open_with_args(NULL, sql, 3, types, args, nulls, true, 0);
	for (;;)
	{
		SPI_cursor_fetch(portal, true, 10000);
		if (SPI_processed == 0)
			break;
		for (uint64 r = 0; r < SPI_processed; r++)
		{
			ReportWin	w;
			bool		isnull;
			bool		breached;
			double		mid;

			CHECK_FOR_INTERRUPTS();
			memset(&w, 0, sizeof(w));
			w.n = 1;
			w.start = DatumGetTimestampTz(spi_bin(r, 1, &isnull));
			w.end = DatumGetTimestampTz(spi_bin(r, 2, &isnull));
			mid = (ts_seconds(w.start) + ts_seconds(w.end)) / 2;
			w.hi = w.lo = DatumGetFloat8(spi_bin(r, 3, &isnull));
			/* NaN is no statistic to draw either */
			w.n_stat = (isnull || isnan(w.hi)) ? 0 : 1;
			w.hi_t = w.lo_t = w.breach_t = mid;
			w.pvalue = DatumGetFloat8(spi_bin(r, 4, &isnull));
			w.has_pvalue = !isnull;
			w.n_ref = DatumGetInt64(spi_bin(r, 5, &isnull));
			w.n_cur = DatumGetInt64(spi_bin(r, 6, &isnull));
			w.thr_lo = w.thr_hi = w.thr_sum = DatumGetFloat8(spi_bin(r, 7, &isnull));
			w.n_thr = isnull ? 0 : 1;
			breached = DatumGetBool(spi_bin(r, 8, &isnull));
			w.n_breach = breached ? 1 : 0;
			w.breach_stat = w.hi;
			if (w.n_stat == 0)
			{
				char	   *note = spi_text(r, 9);

				w.note = note ? MemoryContextStrdup(outer, note) : NULL;
			}
			note_window(ws, &w, breached);
			push_window(ws, &w, outer);
		}
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
	ws->total = ws->n;
}

/* Fold window b into bucket a (both in time order). */
static void
merge_into(ReportWin *a, const ReportWin *b)
{
	if (a->n == 0)
	{
		*a = *b;
		return;
	}
	a->end = b->end;
	a->n += b->n;
	if (b->n_stat > 0)
	{
		if (a->n_stat == 0 || b->lo < a->lo)
		{
			a->lo = b->lo;
			a->lo_t = b->lo_t;
		}
		if (a->n_stat == 0 || b->hi > a->hi)
		{
			a->hi = b->hi;
			a->hi_t = b->hi_t;
		}
		a->n_stat += b->n_stat;
	}
	if (b->n_breach > 0 && (a->n_breach == 0 || b->breach_stat > a->breach_stat))
	{
		a->breach_stat = b->breach_stat;
		a->breach_t = b->breach_t;
	}
	a->n_breach += b->n_breach;
	if (b->n_thr > 0)
	{
		a->thr_lo = a->n_thr ? Min(a->thr_lo, b->thr_lo) : b->thr_lo;
		a->thr_hi = a->n_thr ? Max(a->thr_hi, b->thr_hi) : b->thr_hi;
		a->thr_sum += b->thr_sum;
		a->n_thr += b->n_thr;
	}
	if (a->note == NULL)
		a->note = b->note;
}

/* More windows than points: fold them into REPORT_BUCKETS time buckets. */
static void
bucket_windows(ReportWindows *ws, MemoryContext outer)
{
	ReportWin  *b = MemoryContextAllocZero(outer, sizeof(ReportWin) * REPORT_BUCKETS);
	double		t0 = ts_seconds(ws->w[0].start);
	double		t1 = ts_seconds(ws->last_end);
	int			nb = 0;

	for (int i = 0; i < ws->n; i++)
	{
		double		mid = (ts_seconds(ws->w[i].start) + ts_seconds(ws->w[i].end)) / 2;
		int			k = (int) ((mid - t0) / (t1 - t0) * REPORT_BUCKETS);

		CHECK_FOR_INTERRUPTS();
		k = Max(0, Min(REPORT_BUCKETS - 1, k));
		merge_into(&b[k], &ws->w[i]);
	}
	/* keep the non-empty buckets, in order */
	for (int k = 0; k < REPORT_BUCKETS; k++)
		if (b[k].n > 0)
			b[nb++] = b[k];
	pfree(ws->w);
	ws->w = b;
	ws->n = nb;
}

/* ------------------------------------------------------------ page parts */

static const char *report_css =
	"body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;"
	"margin:24px auto;max-width:1040px;padding:0 16px;color:#1f2937;background:#fff}"
	"h1{font-size:1.5em;margin:0 0 8px;word-break:break-all}"
	"h2{font-size:1.15em;margin:28px 0 8px;border-bottom:1px solid #e5e7eb;padding-bottom:4px}"
	"dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:0}"
	"dl.meta dt{font-weight:600;color:#4b5563}dl.meta dd{margin:0;word-break:break-all}"
	"table{border-collapse:collapse;font-size:.9em;margin-top:6px}"
	"th,td{border:1px solid #e5e7eb;padding:3px 8px;text-align:left;vertical-align:top}"
	"th{background:#f3f4f6}td.num{text-align:right;font-variant-numeric:tabular-nums}"
	"td.wrap{max-width:360px;overflow-wrap:break-word}"
	".empty{color:#6b7280;font-style:italic}"
	".breach-text{color:#dc2626;font-weight:600}"
	"svg{width:100%;height:auto;display:block;font-size:11px}"
	"svg .axis{stroke:#9ca3af;stroke-width:1}svg .grid{stroke:#f3f4f6;stroke-width:1}"
	"svg text{fill:#4b5563}"
	"svg .stat{fill:none;stroke:#2563eb;stroke-width:1.5}"
	"svg .thr{fill:none;stroke:#f59e0b;stroke-width:1.5;stroke-dasharray:6 4}"
	"svg .pt{fill:#2563eb}svg .pt.breach{fill:#dc2626;stroke:#7f1d1d;stroke-width:1}"
	"svg .gap{fill:#e5e7eb;fill-opacity:.7}"
	"svg .bar.ref{fill:#9ca3af}svg .bar.cur{fill:#2563eb}"
	".legend span{display:inline-block;margin-right:16px}"
	".sw{display:inline-block;width:12px;height:12px;vertical-align:middle;margin-right:4px}"
	"footer{margin-top:32px;color:#9ca3af;font-size:.8em}";

/* <!DOCTYPE>, <head> with the CSP and the CSS, the title and the monitor's settings. */
static void
render_head(StringInfo buf, const ReportMonitor *m, const ReportWindows *ws,
			Datum *bounds, const char *bnulls)
{
	appendStringInfoString(buf,
						   "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	/* nothing but the inline styles: no script, no fetch of any kind */
						   "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
						   "style-src 'unsafe-inline'; img-src data:\">\n"
						   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
						   "<title>Drift report: ");
	html_esc(buf, m->name);
	appendStringInfo(buf, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>Drift report: ", report_css);
	html_esc(buf, m->name);
	appendStringInfoString(buf, "</h1>\n<dl class=\"meta\">\n<dt>Model</dt><dd>");
	if (m->model)
		html_esc(buf, m->model);
	else
		appendStringInfoString(buf, "<span class=\"empty\">none</span>");
	appendStringInfoString(buf, "</dd>\n<dt>Method</dt><dd>");
	html_esc(buf, m->method);
	appendStringInfoString(buf, "</dd>\n<dt>Source</dt><dd>");
	html_esc(buf, m->source);
	appendStringInfoString(buf, "</dd>\n<dt>Column</dt><dd>");
	html_esc(buf, m->value_column);
	appendStringInfoString(buf, " (time column ");
	html_esc(buf, m->time_column);
	appendStringInfoString(buf, ")</dd>\n<dt>Threshold</dt><dd>");
	if (m->has_threshold)
		fmt_num(buf, m->threshold, 4);
	else
		appendStringInfoString(buf, "per window: psi_threshold of the window's sizes (&alpha; = 0.05)");
	appendStringInfoString(buf, "</dd>\n<dt>Window</dt><dd>");
	html_esc(buf, m->window_size);
	appendStringInfoString(buf, "</dd>\n<dt>Reference</dt><dd>");
	html_esc(buf, m->reference);
	appendStringInfoString(buf, "</dd>\n<dt>Range</dt><dd>");
	if (bnulls[0] == 'n')
		appendStringInfoString(buf, "the first window");
	else
		fmt_ts(buf, DatumGetTimestampTz(bounds[0]), true);
	appendStringInfoString(buf, " \xe2\x80\x93 ");
	if (bnulls[1] == 'n')
		appendStringInfoString(buf, "the last window");
	else
		fmt_ts(buf, DatumGetTimestampTz(bounds[1]), true);
	appendStringInfo(buf, "</dd>\n<dt>Windows</dt><dd>" INT64_FORMAT " (", ws->total);
	if (ws->breached > 0)
		appendStringInfo(buf, "<span class=\"breach-text\">" INT64_FORMAT " breached</span>", ws->breached);
	else
		appendStringInfoString(buf, "none breached");
	appendStringInfo(buf, ", " INT64_FORMAT " without a statistic)</dd>\n", ws->nulls);
	if (ws->has_breach)
	{
		appendStringInfoString(buf, "<dt>First breach</dt><dd>");
		fmt_ts(buf, ws->first_breach, true);
		appendStringInfoString(buf, "</dd>\n");
	}
	appendStringInfoString(buf, "</dl>\n");
}

/* A "nice" tick step (1, 2 or 5 times a power of ten) for about n ticks over span. */
static double
nice_step(double span, int n)
{
	double		raw = span / n;
	double		p = pow(10.0, floor(log10(raw)));
	double		f = raw / p;

	return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
}

/* Decimals that tell ticks step apart. */
static int
step_decimals(double step)
{
	int			d = (int) -floor(log10(step) + 1e-9);

	return Max(0, Min(8, d));
}

/* The chart's scales: x from seconds, y from a statistic (clipped to the plot). */
typedef struct ChartScale
{
	double		t0,
				t1,
				y0,
				y1;
} ChartScale;

static double
sx(const ChartScale *s, double t)
{
	return CH_LEFT + (t - s->t0) / (s->t1 - s->t0) * (CH_W - CH_LEFT - CH_RIGHT);
}

static double
sy(const ChartScale *s, double v)
{
	double		y;

	if (isnan(v))
		v = s->y0;
	y = CH_H - CH_BOTTOM - (v - s->y0) / (s->y1 - s->y0) * (CH_H - CH_TOP - CH_BOTTOM);
	return Max(CH_TOP, Min(CH_H - CH_BOTTOM, y));
}

/*
 * Seconds west of UTC of the session's time zone at t (PostgreSQL's sign),
 * so that time ticks fall on local hours and midnights.
 */
static int
zone_west(double t)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int			tz = 0;
	const char *tzn;

	if (timestamp2tm((TimestampTz) llround(t * USECS_PER_SEC), &tz, &tm, &fsec, &tzn, NULL) != 0)
		return 0;
	return tz;
}

/*
 * Date ticks on the x axis: the shortest round step (a minute, an hour, a
 * day, ...) that gives at most 7 ticks, on multiples of it in local time;
 * the label is the date, and the time of day under it when the step is
 * shorter than a day.
 */
static void
render_time_ticks(StringInfo buf, const ChartScale *s)
{
	static const double steps[] = {1, 5, 15, 60, 300, 900, 1800, 3600, 2 * 3600, 3 * 3600,
		6 * 3600, 12 * 3600, 86400, 2 * 86400, 7 * 86400, 14 * 86400, 30 * 86400,
	90 * 86400, 180 * 86400, 365 * 86400};
	double		span = s->t1 - s->t0;
	double		step = steps[lengthof(steps) - 1];
	double		west = zone_west(s->t0);
	double		yb = CH_H - CH_BOTTOM;

	for (int i = 0; i < (int) lengthof(steps); i++)
		if (span / steps[i] <= 7)
		{
			step = steps[i];
			break;
		}
	while (span / step > 7)
		step *= 2;
	for (double t = ceil((s->t0 - west) / step) * step + west; t <= s->t1 + 1e-6; t += step)
	{
		double		x = sx(s, t);
		StringInfoData lab;
		char	   *sp;

		initStringInfo(&lab);
		fmt_ts(&lab, (TimestampTz) llround(t * USECS_PER_SEC), false);
		sp = strchr(lab.data, ' ');
		if (sp)
			*sp++ = '\0';
		appendStringInfo(buf, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
						 x, yb, x, yb + 4);
		appendStringInfo(buf, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s", x, yb + 18, lab.data);
		if (sp && step < 86400)
			appendStringInfo(buf, "<tspan x=\"%.1f\" dy=\"13\">%s</tspan>", x, sp);
		appendStringInfoString(buf, "</text>");
		pfree(lab.data);
	}
}

/* Axes, grid lines and labels: values on y, dates on x. */
static void
render_axes(StringInfo buf, const ChartScale *s, const char *ylabel)
{
	double		step = nice_step(s->y1 - s->y0, 5);
	int			dec = step_decimals(step);
	double		xl = CH_LEFT,
				xr = CH_W - CH_RIGHT,
				yb = CH_H - CH_BOTTOM;

	for (double v = ceil(s->y0 / step) * step; v <= s->y1 + step * 1e-6; v += step)
	{
		double		y = sy(s, v);

		appendStringInfo(buf, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
						 xl, y, xr, y);
		appendStringInfo(buf, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", xl - 6, y + 4);
		fmt_num(buf, fabs(v) < step * 1e-6 ? 0 : v, dec);
		appendStringInfoString(buf, "</text>");
	}
	render_time_ticks(buf, s);
	appendStringInfo(buf, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
					 xl, yb, xr, yb);
	appendStringInfo(buf, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
					 xl, CH_TOP, xl, yb);
	appendStringInfo(buf, "<text x=\"12\" y=\"%.1f\" transform=\"rotate(-90 12 %.1f)\" text-anchor=\"middle\">",
					 (CH_TOP + yb) / 2, (CH_TOP + yb) / 2);
	html_esc(buf, ylabel);
	appendStringInfoString(buf, "</text>\n");
}

/*
 * Bands over the windows without a statistic: consecutive ones with the
 * same note share a band, titled with their count, span and note.
 */
static void
render_gaps(StringInfo buf, const ReportWindows *ws, const ChartScale *s)
{
	int			i = 0;

	while (i < ws->n)
	{
		int			j = i;
		int64		count = 0;
		const char *note;

		if (ws->w[i].n_stat == ws->w[i].n)
		{
			i++;
			continue;
		}
		note = ws->w[i].note;
		while (j < ws->n && ws->w[j].n_stat < ws->w[j].n &&
			   ((note == NULL && ws->w[j].note == NULL) ||
				(note && ws->w[j].note && strcmp(note, ws->w[j].note) == 0)))
			count += ws->w[j].n - ws->w[j].n_stat, j++;
		appendStringInfo(buf, "<rect class=\"gap\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"><title>",
						 sx(s, ts_seconds(ws->w[i].start)), CH_TOP,
						 Max(1.0, sx(s, ts_seconds(ws->w[j - 1].end)) - sx(s, ts_seconds(ws->w[i].start))),
						 CH_H - CH_TOP - CH_BOTTOM);
		appendStringInfo(buf, INT64_FORMAT " window%s without a statistic, ", count, count == 1 ? "" : "s");
		fmt_span(buf, ws->w[i].start, ws->w[j - 1].end);
		appendStringInfoString(buf, ": ");
		html_esc(buf, note ? note : "no note");
		appendStringInfoString(buf, "</title></rect>\n");
		i = j;
	}
}

/*
 * The statistic as one path; a window (bucket) without a statistic, or a
 * hole between windows that were never computed, breaks the line.
 */
static void
render_stat_line(StringInfo buf, const ReportWindows *ws, const ChartScale *s)
{
	bool		open = false;

	appendStringInfoString(buf, "<path class=\"stat\" d=\"");
	for (int i = 0; i < ws->n; i++)
	{
		const ReportWin *w = &ws->w[i];
		bool		lo_first = w->lo_t <= w->hi_t;

		if (w->n_stat == 0 || (i > 0 && ws->w[i - 1].end < w->start))
			open = false;
		if (w->n_stat == 0)
			continue;
		appendStringInfoChar(buf, open ? 'L' : 'M');
		fmt_xy(buf, sx(s, lo_first ? w->lo_t : w->hi_t), sy(s, lo_first ? w->lo : w->hi));
		if (w->lo_t != w->hi_t)
		{
			appendStringInfoChar(buf, 'L');
			fmt_xy(buf, sx(s, lo_first ? w->hi_t : w->lo_t), sy(s, lo_first ? w->hi : w->lo));
		}
		open = true;
	}
	appendStringInfoString(buf, "\"/>\n");
}

/*
 * The threshold: one dashed line when every window was judged by the same
 * value, else a step line of each window's threshold (the mean of a
 * bucket's), broken where windows have none.
 */
static void
render_threshold(StringInfo buf, const ReportWindows *ws, const ChartScale *s)
{
	bool		open = false;

	if (!ws->any_thr)
		return;
	if (!ws->thr_varies)
	{
		double		y = sy(s, ws->first_thr);

		appendStringInfo(buf, "<path class=\"thr\" d=\"M%.1f,%.1fH%.1f\"><title>threshold ",
						 CH_LEFT, y, CH_W - CH_RIGHT);
		fmt_num(buf, ws->first_thr, 4);
		appendStringInfoString(buf, "</title></path>\n");
		return;
	}
	appendStringInfoString(buf, "<path class=\"thr\" d=\"");
	for (int i = 0; i < ws->n; i++)
	{
		const ReportWin *w = &ws->w[i];
		double		y;

		if (w->n_thr == 0 || (i > 0 && ws->w[i - 1].end < w->start))
			open = false;
		if (w->n_thr == 0)
			continue;
		y = sy(s, w->thr_sum / w->n_thr);
		if (open)
			appendStringInfo(buf, "V%.1f", y);
		else
			appendStringInfo(buf, "M%.1f,%.1f", sx(s, ts_seconds(w->start)), y);
		appendStringInfo(buf, "H%.1f", sx(s, ts_seconds(w->end)));
		open = true;
	}
	appendStringInfoString(buf, "\"><title>threshold per window</title></path>\n");
}

/* The tooltip of one window's point. */
static void
point_title(StringInfo buf, const ReportMonitor *m, const ReportWin *w)
{
	fmt_span(buf, w->start, w->end);
	appendStringInfoString(buf, ": ");
	html_esc(buf, m->method);
	appendStringInfoChar(buf, ' ');
	fmt_num(buf, w->hi, 4);
	if (w->n_thr > 0)
	{
		appendStringInfoString(buf, " (threshold ");
		fmt_num(buf, w->thr_lo, 4);
		appendStringInfoChar(buf, ')');
	}
	if (w->has_pvalue)
	{
		appendStringInfoString(buf, ", p = ");
		fmt_p(buf, w->pvalue);
	}
	appendStringInfo(buf, ", n = " INT64_FORMAT " reference, " INT64_FORMAT " current", w->n_ref, w->n_cur);
	if (w->n_breach)
		appendStringInfoString(buf, ", BREACHED");
}

/*
 * The markers: one per window with its tooltip (breached ones red); when
 * bucketed, one red marker per bucket with breaches at its worst breached
 * window, data-windows giving how many breached windows it stands for.
 */
static void
render_points(StringInfo buf, const ReportMonitor *m, const ReportWindows *ws,
			  const ChartScale *s, bool bucketed)
{
	for (int i = 0; i < ws->n; i++)
	{
		const ReportWin *w = &ws->w[i];

		CHECK_FOR_INTERRUPTS();
		if (bucketed)
		{
			if (w->n_breach == 0)
				continue;
			appendStringInfo(buf, "<circle class=\"pt breach\" data-windows=\"" INT64_FORMAT "\" cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\"><title>",
							 w->n_breach, sx(s, w->breach_t), sy(s, w->breach_stat));
			appendStringInfo(buf, INT64_FORMAT " breached window%s, ", w->n_breach, w->n_breach == 1 ? "" : "s");
			fmt_span(buf, w->start, w->end);
			appendStringInfoString(buf, ", highest ");
			html_esc(buf, m->method);
			appendStringInfoChar(buf, ' ');
			fmt_num(buf, w->breach_stat, 4);
			appendStringInfoString(buf, "</title></circle>\n");
			continue;
		}
		/* a breached window without a statistic (written by hand) still shows, at the top */
		if (w->n_stat == 0 && w->n_breach == 0)
			continue;
		appendStringInfo(buf, "<circle class=\"pt%s\" data-windows=\"1\" cx=\"%.1f\" cy=\"%.1f\" r=\"%s\"><title>",
						 w->n_breach ? " breach" : "", sx(s, w->hi_t),
						 w->n_stat ? sy(s, w->hi) : CH_TOP, w->n_breach ? "3.5" : "2.5");
		point_title(buf, m, w);
		appendStringInfoString(buf, "</title></circle>\n");
	}
}

/* The statistic over time, or a sentence when the range has no windows. */
static void
render_chart(StringInfo buf, const ReportMonitor *m, ReportWindows *ws, MemoryContext outer)
{
	ChartScale	s;
	bool		bucketed = false;

	appendStringInfoString(buf, "<h2>Statistic per window</h2>\n");
	if (ws->n == 0)
	{
		appendStringInfoString(buf, "<p class=\"empty\">There are no windows in this range.</p>\n");
		return;
	}
	if (ws->n > REPORT_MAX_POINTS)
	{
		bucket_windows(ws, outer);
		bucketed = true;
	}
	s.t0 = ts_seconds(ws->w[0].start);
	s.t1 = ts_seconds(ws->last_end);
	s.y0 = Min(0.0, ws->ymin);
	s.y1 = ws->ymax > s.y0 ? s.y0 + (ws->ymax - s.y0) * 1.1 : s.y0 + 1;

	appendStringInfoString(buf, "<p class=\"legend\"><span><i class=\"sw\" style=\"background:#2563eb\"></i>");
	html_esc(buf, m->method);
	appendStringInfoString(buf, "</span><span><i class=\"sw\" style=\"background:#f59e0b\"></i>threshold</span>"
						   "<span><i class=\"sw\" style=\"background:#dc2626\"></i>breached</span>"
						   "<span><i class=\"sw\" style=\"background:#e5e7eb\"></i>no statistic</span>");
	if (bucketed)
		appendStringInfo(buf, "<span>" INT64_FORMAT " windows drawn as %d time buckets (lowest and highest value of each)</span>",
						 ws->total, ws->n);
	appendStringInfoString(buf, "<span>times in ");
	html_esc(buf, pg_get_timezone_name(session_timezone));
	appendStringInfoString(buf, "</span></p>\n");

	appendStringInfo(buf, "<svg class=\"chart\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"",
					 CH_W, CH_H);
	html_esc(buf, m->method);
	appendStringInfoString(buf, " per window of ");
	html_esc(buf, m->name);
	appendStringInfoString(buf, "\" xmlns=\"http://www.w3.org/2000/svg\">\n");
	render_axes(buf, &s, m->method);
	render_gaps(buf, ws, &s);
	render_threshold(buf, ws, &s);
	render_stat_line(buf, ws, &s);
	render_points(buf, m, ws, &s, bucketed);
	appendStringInfoString(buf, "</svg>\n");
}

/* text[] column c of row 0 as C strings. */
static char **
spi_text_array(int c, int *n)
{
	bool		isnull;
	Datum		d = spi_bin(0, c, &isnull);
	Datum	   *elems;
	bool	   *enulls;
	char	  **out;

	*n = 0;
	if (isnull)
		return NULL;
	deconstruct_array(DatumGetArrayTypeP(d), TEXTOID, -1, false, TYPALIGN_INT, &elems, &enulls, n);
	out = palloc(sizeof(char *) * Max(1, *n));
	for (int i = 0; i < *n; i++)
		out[i] = enulls[i] ? pstrdup("null") : TextDatumGetCString(elems[i]);
	return out;
}

/* A count from the histogram's JSON text; anything else counts 0. */
static double
count_of(const char *s)
{
	char	   *end;
	double		v = strtod(s, &end);

	return (end == s || *end != '\0' || isnan(v) || isinf(v) || v < 0) ? 0 : v;
}

/* A bin edge, shortened when it is a number. */
static void
edge_label(StringInfo buf, const char *e)
{
	char	   *end;
	double		v = strtod(e, &end);

	if (end != e && *end == '\0' && !isnan(v) && !isinf(v))
		appendStringInfo(buf, "%.4g", v);
	else
		html_esc_clip(buf, e, REPORT_LABEL_CHARS);
}

/* The label of bin i: its category (clipped to maxchars), or its edges as [a, b). */
static void
bin_label(StringInfo buf, char **cats, int ncats, char **edges, int nedges, int nbins, int i,
		  int maxchars)
{
	if (ncats > 0)
	{
		html_esc_clip(buf, i < ncats ? cats[i] : "?", maxchars);
		return;
	}
	if (nedges == nbins + 1)
	{
		appendStringInfoChar(buf, '[');
		edge_label(buf, edges[i]);
		appendStringInfoString(buf, ", ");
		edge_label(buf, edges[i + 1]);
		appendStringInfoChar(buf, i == nbins - 1 ? ']' : ')');
	}
	else if (nedges == nbins - 1 && nbins > 1)
	{
		/* inner edges only: the outer bins are open */
		if (i == 0)
			appendStringInfoString(buf, "&lt; "), edge_label(buf, edges[0]);
		else if (i == nbins - 1)
			appendStringInfoString(buf, "&ge; "), edge_label(buf, edges[nbins - 2]);
		else
		{
			appendStringInfoChar(buf, '[');
			edge_label(buf, edges[i - 1]);
			appendStringInfoString(buf, ", ");
			edge_label(buf, edges[i]);
			appendStringInfoChar(buf, ')');
		}
	}
	else
		appendStringInfo(buf, "bin %d", i + 1);
}

/* The bars: per bin a reference and a current bar side by side, heights in shares of each side. */
static void
render_bars(StringInfo buf, double *ref, double *cur, int nbins,
			char **cats, int ncats, char **edges, int nedges)
{
	double		tref = 0,
				tcur = 0,
				top = 0;
	ChartScale	s;
	double		pw = CH_W - CH_LEFT - CH_RIGHT;
	double		gw = pw / nbins;
	int			every = Max(1, (nbins + 29) / 30);

	for (int i = 0; i < nbins; i++)
		tref += ref[i], tcur += cur[i];
	for (int i = 0; i < nbins; i++)
	{
		if (tref > 0)
			top = Max(top, ref[i] / tref);
		if (tcur > 0)
			top = Max(top, cur[i] / tcur);
	}
	s.t0 = 0;
	s.t1 = 1;
	s.y0 = 0;
	s.y1 = top > 0 ? top * 110 : 100;	/* percent */

	appendStringInfo(buf, "<svg class=\"hist\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"reference and current histograms\" xmlns=\"http://www.w3.org/2000/svg\">\n",
					 CH_W, CH_H + 40);
	{
		double		step = nice_step(s.y1, 5);

		for (double v = 0; v <= s.y1 + step * 1e-6; v += step)
		{
			appendStringInfo(buf, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
							 CH_LEFT, sy(&s, v), CH_W - CH_RIGHT, sy(&s, v));
			appendStringInfo(buf, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", CH_LEFT - 6, sy(&s, v) + 4);
			fmt_num(buf, v, step_decimals(step));
			appendStringInfoString(buf, "%</text>");
		}
	}
	for (int i = 0; i < nbins; i++)
	{
		double		x = CH_LEFT + gw * i;
		double		bw = gw * 0.4;
		double		pr = tref > 0 ? ref[i] / tref * 100 : 0;
		double		pc = tcur > 0 ? cur[i] / tcur * 100 : 0;
		StringInfoData lab;

		CHECK_FOR_INTERRUPTS();
		initStringInfo(&lab);
		/* the tooltips name the whole category; the axis clips it */
		bin_label(&lab, cats, ncats, edges, nedges, nbins, i, INT_MAX);
		appendStringInfo(buf, "<rect class=\"bar ref\" x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\"><title>%s: reference %.0f (%.1f%%)</title></rect>",
						 x + gw * 0.1, sy(&s, pr), bw, sy(&s, 0) - sy(&s, pr), lab.data, ref[i], pr);
		appendStringInfo(buf, "<rect class=\"bar cur\" x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\"><title>%s: current %.0f (%.1f%%)</title></rect>\n",
						 x + gw * 0.5, sy(&s, pc), bw, sy(&s, 0) - sy(&s, pc), lab.data, cur[i], pc);
		if (i % every == 0)
		{
			appendStringInfo(buf, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" transform=\"rotate(-40 %.1f %.1f)\">",
							 x + gw / 2, CH_H - CH_BOTTOM + 14, x + gw / 2, CH_H - CH_BOTTOM + 14);
			bin_label(buf, cats, ncats, edges, nedges, nbins, i, REPORT_LABEL_CHARS);
			appendStringInfoString(buf, "</text>\n");
		}
		pfree(lab.data);
	}
	appendStringInfo(buf, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
					 CH_LEFT, CH_H - CH_BOTTOM, CH_W - CH_RIGHT, CH_H - CH_BOTTOM);
	appendStringInfoString(buf, "</svg>\n");
}

/* The histograms of the worst window (highest statistic; the earliest of equals). */
static void
render_histogram(StringInfo buf, const ReportMonitor *m, const ReportWindows *ws)
{
	static const char *sql =
		"SELECT d.window_start, d.window_end, d.statistic, d.threshold, d.n_ref, d.n_cur,"
		"       ARRAY(SELECT pg_catalog.jsonb_array_elements_text(CASE pg_catalog.jsonb_typeof(d.histogram OPERATOR(pg_catalog.->) 'edges')"
		"                    WHEN 'array' THEN d.histogram OPERATOR(pg_catalog.->) 'edges' ELSE '[]' END)),"
		"       ARRAY(SELECT pg_catalog.jsonb_array_elements_text(CASE pg_catalog.jsonb_typeof(d.histogram OPERATOR(pg_catalog.->) 'categories')"
		"                    WHEN 'array' THEN d.histogram OPERATOR(pg_catalog.->) 'categories' ELSE '[]' END)),"
		"       ARRAY(SELECT pg_catalog.jsonb_array_elements_text(CASE pg_catalog.jsonb_typeof(d.histogram OPERATOR(pg_catalog.->) 'ref')"
		"                    WHEN 'array' THEN d.histogram OPERATOR(pg_catalog.->) 'ref' ELSE '[]' END)),"
		"       ARRAY(SELECT pg_catalog.jsonb_array_elements_text(CASE pg_catalog.jsonb_typeof(d.histogram OPERATOR(pg_catalog.->) 'cur')"
		"                    WHEN 'array' THEN d.histogram OPERATOR(pg_catalog.->) 'cur' ELSE '[]' END)),"
		"       d.histogram IS NULL"
		"  FROM mlops.drift_results d"
		" WHERE d.monitor_id OPERATOR(pg_catalog.=) $1 AND d.window_start OPERATOR(pg_catalog.=) $2";
	Oid			types[2] = {INT8OID, TIMESTAMPTZOID};
	Datum		args[2];
	bool		isnull;
	int			nedges,
				ncats,
				nref,
				ncur,
				nbins;
	char	  **edges,
			  **cats,
			  **refs,
			  **curs;
	double	   *ref,
			   *cur;

	appendStringInfoString(buf, "<h2>Reference and current histograms of the worst window</h2>\n");
	if (!ws->has_worst)
	{
		appendStringInfoString(buf, "<p class=\"empty\">No window in this range has a statistic.</p>\n");
		return;
	}
	args[0] = Int64GetDatum(m->id);
	args[1] = TimestampTzGetDatum(ws->worst_start);
	if (SPI_execute_with_args(sql, 2, types, args, NULL, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "drift_report: the worst window could not be read");
	appendStringInfoString(buf, "<p>");
	fmt_span(buf, DatumGetTimestampTz(spi_bin(0, 1, &isnull)), DatumGetTimestampTz(spi_bin(0, 2, &isnull)));
	appendStringInfoString(buf, ": ");
	html_esc(buf, m->method);
	appendStringInfoChar(buf, ' ');
	fmt_num(buf, DatumGetFloat8(spi_bin(0, 3, &isnull)), 4);
	{
		double		thr = DatumGetFloat8(spi_bin(0, 4, &isnull));

		if (!isnull)
		{
			appendStringInfoString(buf, " (threshold ");
			fmt_num(buf, thr, 4);
			appendStringInfoChar(buf, ')');
		}
	}
	appendStringInfo(buf, ", n = " INT64_FORMAT " reference, " INT64_FORMAT " current.</p>\n",
					 DatumGetInt64(spi_bin(0, 5, &isnull)), DatumGetInt64(spi_bin(0, 6, &isnull)));
	if (DatumGetBool(spi_bin(0, 11, &isnull)))
	{
		appendStringInfoString(buf, "<p class=\"empty\">This window has no stored histogram.</p>\n");
		return;
	}
	edges = spi_text_array(7, &nedges);
	cats = spi_text_array(8, &ncats);
	refs = spi_text_array(9, &nref);
	curs = spi_text_array(10, &ncur);
	nbins = Max(nref, ncur);
	if (nbins == 0)
	{
		appendStringInfoString(buf, "<p class=\"empty\">The stored histogram has no bins.</p>\n");
		return;
	}
	ref = palloc0(sizeof(double) * nbins);
	cur = palloc0(sizeof(double) * nbins);
	for (int i = 0; i < nref; i++)
		ref[i] = count_of(refs[i]);
	for (int i = 0; i < ncur; i++)
		cur[i] = count_of(curs[i]);
	appendStringInfoString(buf, "<p class=\"legend\"><span><i class=\"sw\" style=\"background:#9ca3af\"></i>reference</span>"
						   "<span><i class=\"sw\" style=\"background:#2563eb\"></i>current window</span>"
						   "<span>bar height: share of each side's values</span></p>\n");
	render_bars(buf, ref, cur, nbins, cats, ncats, edges, nedges);
}

/* Append a nullable timestamp column as a table cell. */
static void
ts_cell(StringInfo buf, uint64 r, int c)
{
	bool		isnull;
	Datum		d = spi_bin(r, c, &isnull);

	appendStringInfoString(buf, "<td>");
	if (!isnull)
		fmt_ts(buf, DatumGetTimestampTz(d), true);
	appendStringInfoString(buf, "</td>");
}

/* Append a nullable text column as a table cell. */
static void
text_cell(StringInfo buf, uint64 r, int c, const char *cls)
{
	char	   *v = spi_text(r, c);

	appendStringInfo(buf, "<td%s%s%s>", cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
	if (v)
		html_esc(buf, v);
	appendStringInfoString(buf, "</td>");
}

/* A run as its name (else its id), the full id in the tooltip. */
static void
run_cell(StringInfo buf, uint64 r, int id_col, int name_col)
{
	char	   *id = spi_text(r, id_col);
	char	   *name = spi_text(r, name_col);

	if (id == NULL)
	{
		appendStringInfoString(buf, "<td></td>");
		return;
	}
	appendStringInfoString(buf, "<td class=\"wrap\" title=\"run ");
	html_esc(buf, id);
	appendStringInfoString(buf, "\">");
	html_esc(buf, name ? name : id);
	appendStringInfoString(buf, "</td>");
}

/* "N more not shown" when a table was cut. */
static void
more_rows(StringInfo buf, uint64 got)
{
	if (got > REPORT_MAX_ROWS)
		appendStringInfo(buf, "<p class=\"empty\">Only the first %d rows are shown.</p>\n", REPORT_MAX_ROWS);
}

/*
 * The model's retraining jobs created at or after the range's start; why
 * as mlops.job_queue words it, else the reason's keys and values.
 */
static void
render_jobs(StringInfo buf, const ReportMonitor *m, Datum *bounds, const char *bnulls)
{
	static const char *sql =
		"SELECT j.status,"
		"       COALESCE(q.why,"
		"                (SELECT pg_catalog.string_agg(e.key OPERATOR(pg_catalog.||) ': ' OPERATOR(pg_catalog.||) e.value,"
		"                                              ', ' ORDER BY e.key)"
		"                   FROM pg_catalog.jsonb_each_text(j.reason) e)),"
		"       j.claimed_by, j.created_at, j.finished_at,"
		"       j.run_id, r.name, j.error"
		"  FROM mlops.jobs j"
		"  JOIN mlops.job_queue q ON q.job OPERATOR(pg_catalog.=) j.id"
		"  LEFT JOIN mlops.runs r ON r.id OPERATOR(pg_catalog.=) j.run_id"
		" WHERE j.model_id OPERATOR(pg_catalog.=) $1"
		"   AND ($2 IS NULL OR j.created_at OPERATOR(pg_catalog.>=) $2)"
		" ORDER BY j.created_at, j.id LIMIT " CppAsString2(REPORT_MAX_ROWS) " + 1";
	Oid			types[2] = {INT8OID, TIMESTAMPTZOID};
	Datum		args[2] = {Int64GetDatum(m->model_id), bounds[0]};
	char		nulls[2] = {' ', bnulls[0]};
	uint64		got;

	appendStringInfoString(buf, "<h2>Retraining jobs</h2>\n");
	if (!m->has_model)
	{
		appendStringInfoString(buf, "<p class=\"empty\">The monitor is not linked to a model.</p>\n");
		return;
	}
	if (SPI_execute_with_args(sql, 2, types, args, nulls, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "drift_report: jobs lookup failed");
	got = SPI_processed;
	if (got == 0)
	{
		appendStringInfoString(buf, "<p class=\"empty\">No jobs of this model were created in or after this range.</p>\n");
		return;
	}
	appendStringInfoString(buf, "<table class=\"jobs\">\n<tr><th>status</th><th>why</th><th>claimed by</th>"
						   "<th>created</th><th>finished</th><th>run</th><th>error</th></tr>\n");
	for (uint64 r = 0; r < Min(got, REPORT_MAX_ROWS); r++)
	{
		appendStringInfoString(buf, "<tr>");
		text_cell(buf, r, 1, NULL);
		text_cell(buf, r, 2, "wrap");
		text_cell(buf, r, 3, "wrap");
		ts_cell(buf, r, 4);
		ts_cell(buf, r, 5);
		run_cell(buf, r, 6, 7);
		text_cell(buf, r, 8, "wrap");
		appendStringInfoString(buf, "</tr>\n");
	}
	appendStringInfoString(buf, "</table>\n");
	more_rows(buf, got);
}

/* The model's versions registered at or after the first breach of the range. */
static void
render_versions(StringInfo buf, const ReportMonitor *m, const ReportWindows *ws)
{
	static const char *sql =
		"SELECT v.version, v.stage, v.created_at FROM mlops.model_versions v"
		" WHERE v.model_id OPERATOR(pg_catalog.=) $1 AND v.created_at OPERATOR(pg_catalog.>=) $2"
		" ORDER BY v.version LIMIT " CppAsString2(REPORT_MAX_ROWS) " + 1";
	Oid			types[2] = {INT8OID, TIMESTAMPTZOID};
	Datum		args[2];
	uint64		got;

	appendStringInfoString(buf, "<h2>Model versions registered after the first breach</h2>\n");
	if (!m->has_model)
	{
		appendStringInfoString(buf, "<p class=\"empty\">The monitor is not linked to a model.</p>\n");
		return;
	}
	if (!ws->has_breach)
	{
		appendStringInfoString(buf, "<p class=\"empty\">No window in this range breached.</p>\n");
		return;
	}
	args[0] = Int64GetDatum(m->model_id);
	args[1] = TimestampTzGetDatum(ws->first_breach);
	if (SPI_execute_with_args(sql, 2, types, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "drift_report: versions lookup failed");
	got = SPI_processed;
	if (got == 0)
	{
		appendStringInfoString(buf, "<p class=\"empty\">No version of this model was registered since.</p>\n");
		return;
	}
	appendStringInfoString(buf, "<table class=\"versions\">\n<tr><th>version</th><th>stage</th><th>created</th></tr>\n");
	for (uint64 r = 0; r < Min(got, REPORT_MAX_ROWS); r++)
	{
		appendStringInfoString(buf, "<tr>");
		text_cell(buf, r, 1, "num");
		text_cell(buf, r, 2, NULL);
		ts_cell(buf, r, 3);
		appendStringInfoString(buf, "</tr>\n");
	}
	appendStringInfoString(buf, "</table>\n");
	more_rows(buf, got);
}

/* ------------------------------------------------------------ entry point */

/*
 * mlops.drift_report(name, from_ts, to_ts): the page as text. A NULL bound
 * is open; a NULL name gives NULL.
 */
Datum
mlops_drift_report(PG_FUNCTION_ARGS)
{
	MemoryContext outer = CurrentMemoryContext;
	Datum		bounds[2];
	char		bnulls[2];
	char	   *name;
	ReportMonitor m;
	ReportWindows ws;
	StringInfoData buf;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	for (int i = 0; i < 2; i++)
	{
		bnulls[i] = PG_ARGISNULL(i + 1) ? 'n' : ' ';
		bounds[i] = PG_ARGISNULL(i + 1) ? (Datum) 0 : PG_GETARG_DATUM(i + 1);
	}
	if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2) &&
		PG_GETARG_TIMESTAMPTZ(1) > PG_GETARG_TIMESTAMPTZ(2))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("drift_report of monitor \"%s\": from_ts is after to_ts", name)));

	initStringInfo(&buf);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	load_monitor(name, &m, outer);
	load_windows(&ws, &m, bounds, bnulls, outer);
	render_head(&buf, &m, &ws, bounds, bnulls);
	render_chart(&buf, &m, &ws, outer);
	render_histogram(&buf, &m, &ws);
	render_jobs(&buf, &m, bounds, bnulls);
	render_versions(&buf, &m, &ws);
	appendStringInfoString(&buf, "<footer>mlops " MLOPS_VERSION " drift report, generated ");
	fmt_ts(&buf, GetCurrentTransactionStartTimestamp(), true);
	appendStringInfoString(&buf, "</footer>\n</body>\n</html>\n");
	SPI_finish();
	PG_RETURN_TEXT_P(cstring_to_text_with_len(buf.data, buf.len));
}
