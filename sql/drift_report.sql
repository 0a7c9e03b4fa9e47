-- Drift report (API.md -> Monitors, retraining, jobs): structural facts of
-- the HTML page over fixture windows: escaping of every user string, one
-- breach marker per breached window, one bar pair per histogram bin of the
-- worst window, gaps with their notes, per-window thresholds, jobs and
-- versions that followed, bucketing of many windows, the empty range,
-- privileges, and the bad inputs with their SQLSTATE.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS mlops;
RESET client_min_messages;
SELECT mlops.create_roles();
SET TimeZone = 'UTC';
-- try(sql): run a statement, show "ok" or SQLSTATE: message
CREATE FUNCTION pg_temp.try(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; msg text;
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
    RETURN st || ': ' || msg;
END $$;
-- tags(page): the distinct tag names of a page; a user string that escaped escaping would add one
CREATE FUNCTION pg_temp.tags(page text) RETURNS text LANGUAGE sql AS $$
SELECT string_agg(DISTINCT lower(m[1]), ' ' ORDER BY lower(m[1]))
  FROM regexp_matches(page, '<(/?[A-Za-z!][A-Za-z0-9]*)', 'g') m $$;

-- fixtures: a model with a run and a version, a monitor whose strings all need escaping
SELECT mlops.create_experiment('report_exp') > 0 AS experiment;
INSERT INTO mlops.runs (id, experiment_id, name)
SELECT '00000000-0000-0000-0000-00000000e001', id, '<run "1">' FROM mlops.experiments WHERE name = 'report_exp';
SELECT mlops.register_model('report <model>') > 0 AS model;
INSERT INTO mlops.monitors (name, model_id, source, value_column, time_column, method, threshold, window_size, owner)
SELECT '<b>"x"&''y', id, 'public."pred<&>"', 'sco''re', 't"s', 'psi', 0.2, '1 hour', 'postgres'
  FROM mlops.models WHERE name = 'report <model>';
-- 48 hourly windows from 2026-05-01: the statistic climbs, every 10th window has none
-- (its note needs escaping), the threshold is crossed from the 16th hour on; hour 46
-- peaks above hour 47 and has 5 bins, every other window 4
INSERT INTO mlops.drift_results (monitor_id, window_start, window_end, statistic, n_ref, n_cur, threshold,
                                 breached, note, histogram)
SELECT m.id, t, t + interval '1 hour',
       CASE WHEN i % 10 = 3 THEN NULL WHEN i = 46 THEN 0.9 ELSE 0.05 + i * 0.01 END, 1000, 100, 0.2,
       i % 10 <> 3 AND 0.05 + i * 0.01 > 0.2,
       CASE WHEN i % 10 = 3 THEN '<i>no rows</i> & "none"' END,
       CASE WHEN i = 46 THEN '{"edges": [0, 1, 2, 3, 4, 5], "ref": [10, 20, 30, 40, 0], "cur": [40, 30, 20, 10, 7]}'
            ELSE '{"edges": [0, 1, 2, 3, 4], "ref": [10, 20, 30, 40], "cur": [40, 30, 20, 10]}' END::jsonb
  FROM mlops.monitors m, generate_series(0, 47) i,
       LATERAL (SELECT timestamptz '2026-05-01 00:00+00' + i * interval '1 hour' AS t) x
 WHERE m.name = '<b>"x"&''y';
-- jobs of the model: one created before the range (not shown), three in or after it
INSERT INTO mlops.jobs (model_id, status, reason, claimed_by, created_at, finished_at, run_id)
SELECT m.id, s, r::jsonb, w, c::timestamptz, f::timestamptz, run::uuid
  FROM mlops.models m,
       (VALUES ('succeeded', '{"trigger": "old"}', 'w0', '2026-04-01 00:00+00', '2026-04-01 01:00+00', NULL),
               ('failed', '{"trigger": "drift", "note": "<drift> & ''shift''"}', '<worker&"1">', '2026-05-01 17:00+00',
                '2026-05-01 18:00+00', NULL),
               ('succeeded', '{"trigger": "manual"}', 'w2', '2026-05-01 19:00+00', '2026-05-01 20:00+00',
                '00000000-0000-0000-0000-00000000e001'),
               ('queued', '{}', NULL, '2026-05-02 10:00+00', NULL, NULL)) j(s, r, w, c, f, run)
 WHERE m.name = 'report <model>';
SELECT mlops.create_model_version('report <model>', '00000000-0000-0000-0000-00000000e001', 's3://m/1') AS version;

CREATE TEMP TABLE page AS
SELECT mlops.drift_report('<b>"x"&''y', '2026-05-01 00:00+00', '2026-05-02 00:00+00') AS r;
-- a page, no script, no external reference; the tags are the report's own only
SELECT left(r, 15) AS head, right(r, 8) = E'</html>\n' AS ends_html,
       position('<script' IN lower(r)) AS script, position('src=' IN r) AS src,
       position('href=' IN r) AS href, position('url(' IN r) AS css_url, position('@import' IN r) AS import
  FROM page;
SELECT pg_temp.tags(r) FROM page;
-- the monitor name appears only escaped (title, heading, the chart's aria-label attribute),
-- so do the other user strings
SELECT position('<b>"x"' IN r) AS raw_name,
       regexp_count(r, '&lt;b&gt;&quot;x&quot;&amp;&#39;y') AS escaped_name,
       position('aria-label="psi per window of &lt;b&gt;&quot;x&quot;&amp;&#39;y"' IN r) > 0 AS in_attribute,
       regexp_count(r, 'report &lt;model&gt;') AS model,
       regexp_count(r, 'public\.&quot;pred&lt;&amp;&gt;&quot;') AS source,
       regexp_count(r, 'sco&#39;re \(time column t&quot;s\)') AS columns,
       regexp_count(r, '&lt;i&gt;no rows&lt;/i&gt; &amp; &quot;none&quot;') AS notes,
       regexp_count(r, '&lt;worker&amp;&quot;1&quot;&gt;') AS worker,
       regexp_count(r, 'note: &lt;drift&gt; &amp; &#39;shift&#39;') AS reason,
       regexp_count(r, '<td class="wrap" title="run 00000000-0000-0000-0000-00000000e001">&lt;run &quot;1&quot;&gt;</td>') AS run
  FROM page;
-- one red marker per breached window of the range, one point per window with a statistic
SELECT regexp_count(r, 'class="pt breach"') AS breach_markers,
       (SELECT count(*) FROM mlops.drift_results d JOIN mlops.monitors m ON m.id = d.monitor_id
         WHERE m.name = '<b>"x"&''y' AND d.breached
           AND d.window_start >= '2026-05-01 00:00+00' AND d.window_start < '2026-05-02 00:00+00') AS breached_windows,
       regexp_count(r, '<circle ') AS points,
       regexp_count(r, 'BREACHED</title>') AS breach_tooltips
  FROM page;
-- windows without a statistic: one gap band each (they are not adjacent), with the note
SELECT regexp_count(r, '<rect class="gap"') AS gaps,
       regexp_count(r, '1 window without a statistic, 2026-05-01 13:00 – 2026-05-01 14:00 UTC: &lt;i&gt;no rows') AS gap_13h
  FROM page;
-- the line breaks at each gap: one subpath per run of windows with a statistic
SELECT regexp_count(substring(r FROM '<path class="stat" d="([^"]*)"'), 'M') AS subpaths FROM page;
-- one threshold for all windows: one straight line
SELECT regexp_count(r, '<path class="thr" d="M64\.0,[0-9.]+H920\.0"><title>threshold 0\.2000</title>') AS thr_line FROM page;
-- date ticks on round local times: every 6 hours over a day, midnights over two in another zone
CREATE FUNCTION pg_temp.ticks(page text) RETURNS text LANGUAGE sql AS $$
SELECT string_agg(concat_ws(' ', m[1], m[2]), ', ')
  FROM regexp_matches(page, '<text x="[0-9.]+" y="[0-9.]+" text-anchor="middle">([0-9-]+)(?:<tspan[^>]*>([0-9:]+)</tspan>)?</text>', 'g') m $$;
SELECT pg_temp.ticks(r) FROM page;
SET TimeZone = 'America/Los_Angeles';
SELECT pg_temp.ticks(mlops.drift_report('<b>"x"&''y', NULL, NULL));
SET TimeZone = 'UTC';
-- the worst window of the first day is hour 22 (hour 23 has no statistic; 4 bins): one bar pair per bin
SELECT regexp_count(r, 'class="bar ref"') AS ref_bars, regexp_count(r, 'class="bar cur"') AS cur_bars,
       position('2026-05-01 22:00 – 2026-05-01 23:00 UTC: psi 0.2700 (threshold 0.2000), n = 1000 reference, 100 current.</p>' IN r) > 0 AS worst_named,
       position('[3, 4]: current 10 (10.0%)' IN r) > 0 AS last_bin
  FROM page;
-- the jobs created in or after the range (three; the April one is not), the version after the first breach
SELECT regexp_count(substring(r FROM '<table class="jobs">.*?</table>'), '<tr>') - 1 AS job_rows,
       regexp_count(substring(r FROM '<table class="versions">.*?</table>'), '<tr>') - 1 AS version_rows,
       position('First breach</dt><dd>2026-05-01 16:00 UTC' IN r) > 0 AS first_breach
  FROM page;
-- the whole day: hour 46 is the worst, with 5 bins
SELECT regexp_count(r, 'class="bar ref"') AS ref_bars, regexp_count(r, 'class="pt breach"') AS breach_markers,
       position('[4, 5]: current 7 (6.5%)' IN r) > 0 AS fifth_bin,
       position('2026-05-02 22:00 – 2026-05-02 23:00 UTC: psi 0.9000' IN r) > 0 AS worst_named
  FROM (SELECT mlops.drift_report('<b>"x"&''y', NULL, NULL) AS r) p;

-- an empty range: a valid page saying so, without charts, jobs from then on still listed
SELECT left(r, 15) AS head, right(r, 8) = E'</html>\n' AS ends_html,
       position('There are no windows in this range.' IN r) > 0 AS says_empty,
       position('<svg' IN r) AS svg, position('No window in this range has a statistic.' IN r) > 0 AS no_histogram,
       position('No window in this range breached.' IN r) > 0 AS no_versions,
       pg_temp.tags(r)
  FROM (SELECT mlops.drift_report('<b>"x"&''y', '2027-01-01', '2027-01-02') AS r) p;

-- a psi monitor without a threshold: windows judged by their own, drawn as a step line;
-- categories escaped; a window without a stored histogram; no model
INSERT INTO mlops.monitors (name, source, value_column, time_column, method, threshold, window_size, owner)
VALUES ('report_cat', 'public.c', 'country', 'ts', 'psi_categorical', NULL, '1 day', 'postgres');
INSERT INTO mlops.drift_results (monitor_id, window_start, window_end, statistic, n_ref, n_cur, threshold, breached, histogram)
SELECT m.id, timestamptz '2030-01-01 00:00+00' + i * interval '1 day', timestamptz '2030-01-02 00:00+00' + i * interval '1 day',
       0.1 * i, 500, 50 * (i + 1), 0.3 - 0.05 * i, 0.1 * i > 0.3 - 0.05 * i,
       CASE WHEN i = 3 THEN '{"categories": ["DE", "<script>alert(1)</script>", "\"q\"&''"], "ref": [5, 3, 2], "cur": [1, 1, 8]}'::jsonb END
  FROM mlops.monitors m, generate_series(0, 3) i WHERE m.name = 'report_cat';
SELECT position('per window: psi_threshold' IN r) > 0 AS threshold_per_window,
       position('<title>threshold per window</title>' IN r) > 0 AS step_line,
       regexp_count(substring(r FROM '<path class="thr" d="([^"]*)"'), 'V') AS steps,
       regexp_count(r, 'class="pt breach"') AS breach_markers,
       regexp_count(r, 'class="bar cur"') AS cur_bars,
       position('&lt;script&gt;alert(1)&lt;/script&gt;: current 1 (10.0%)' IN r) > 0 AS category_escaped,
       position('&quot;q&quot;&amp;&#39;: current 8 (80.0%)' IN r) > 0 AS category_quotes,
       position('<script' IN r) AS script,
       position('The monitor is not linked to a model.' IN r) > 0 AS no_model
  FROM (SELECT mlops.drift_report('report_cat', NULL, NULL) AS r) p;
-- the worst window of a range may have no stored histogram
SELECT position('This window has no stored histogram.' IN r) > 0 AS no_histogram,
       position('No version of this model' IN r) AS versions
  FROM (SELECT mlops.drift_report('report_cat', '2030-01-01', '2030-01-03') AS r) p;

-- 5000 windows: drawn as time buckets, a breach marker per bucket with breaches counting
-- its windows; the page stays small
INSERT INTO mlops.monitors (name, source, value_column, time_column, method, threshold, window_size, owner)
VALUES ('report_many', 'public.m', 'v', 'ts', 'ks', 0.5, '1 minute', 'postgres');
INSERT INTO mlops.drift_results (monitor_id, window_start, window_end, statistic, pvalue, n_ref, n_cur, threshold, breached, note)
SELECT m.id, timestamptz '2026-03-01' + i * interval '1 minute', timestamptz '2026-03-01' + (i + 1) * interval '1 minute',
       CASE WHEN i % 97 = 0 THEN NULL ELSE abs(sin(i / 50.0)) END, CASE WHEN i % 97 = 0 THEN NULL ELSE 0.01 END,
       100, 100, 0.5, i % 97 <> 0 AND abs(sin(i / 50.0)) > 0.5, CASE WHEN i % 97 = 0 THEN 'no current rows' END
  FROM mlops.monitors m, generate_series(0, 4999) i WHERE m.name = 'report_many';
SELECT (SELECT sum(x[1]::int) FROM regexp_matches(r, 'class="pt breach" data-windows="([0-9]+)"', 'g') x) AS marked_windows,
       (SELECT count(*) FROM mlops.drift_results d JOIN mlops.monitors m ON m.id = d.monitor_id
         WHERE m.name = 'report_many' AND d.breached) AS breached_windows,
       regexp_count(r, '<circle ') <= 1000 AS at_most_a_marker_per_bucket,
       position('5000 windows drawn as' IN r) > 0 AS says_bucketed,
       octet_length(r) < 400000 AS small,
       position('NaN' IN r) AS nan
  FROM (SELECT mlops.drift_report('report_many', NULL, NULL) AS r) p;
-- the same windows in a range of fewer than 2000: one marker per breached window
SELECT regexp_count(r, 'class="pt breach" data-windows="1"') AS breach_markers,
       (SELECT count(*) FROM mlops.drift_results d JOIN mlops.monitors m ON m.id = d.monitor_id
         WHERE m.name = 'report_many' AND d.breached
           AND d.window_start >= '2026-03-01 10:00+00' AND d.window_start < '2026-03-01 20:00+00') AS breached_windows
  FROM (SELECT mlops.drift_report('report_many', '2026-03-01 10:00+00', '2026-03-01 20:00+00') AS r) p;

-- a monitor evaluated from a source table (create_monitor, evaluate_monitor): two days of
-- predictions up to the last full hour, the second day shifted; the reference is the first
-- day, the threshold of each window psi_threshold of its sizes
-- (one hour for every statement, also when the clock passes a full hour meanwhile)
CREATE TEMP TABLE anchor AS SELECT date_trunc('hour', now()) AS h;
CREATE TABLE report_preds AS
SELECT (SELECT h FROM anchor) - interval '48 hours' + i * interval '15 seconds' AS ts,
       (i * 7919 % 1000) / 1000.0 + CASE WHEN i >= 24 * 240 THEN 0.3 ELSE 0 END AS score
  FROM generate_series(0, 48 * 240 - 1) i;
SELECT mlops.register_model('report_eval_model') > 0 AS eval_model;
SELECT mlops.create_monitor('report_eval', 'report_eval_model', 'report_preds', 'score', 'ts', 'psi', NULL, '1 hour',
                            jsonb_build_object('from', h - interval '48 hours', 'to', h - interval '24 hours')) > 0 AS created
  FROM anchor;
SELECT mlops.create_retrain_policy('report_eval_model', 'drift', 'report_eval') > 0 AS policy;
SELECT count(*) > 0 AS evaluated FROM mlops.evaluate_monitor('report_eval');
CREATE TEMP TABLE eval_page AS
SELECT mlops.drift_report('report_eval', h - interval '48 hours', h) AS r FROM anchor;
-- every breached window marked, none on the reference day; the worst window's bins drawn,
-- its outer bins open (the stored edges are the inner ones)
SELECT regexp_count(r, 'class="pt breach"') = (SELECT count(*) FILTER (WHERE breached) FROM mlops.drift_results d
                                                 JOIN mlops.monitors m ON m.id = d.monitor_id
                                                WHERE m.name = 'report_eval'
                                                  AND d.window_start < (SELECT h FROM anchor)) AS every_breach_marked,
       (SELECT count(*) FILTER (WHERE breached) FROM mlops.drift_results d JOIN mlops.monitors m ON m.id = d.monitor_id
         WHERE m.name = 'report_eval' AND d.window_start < (SELECT h FROM anchor) - interval '24 hours') AS breached_reference_day,
       (SELECT count(*) FILTER (WHERE breached) FROM mlops.drift_results d JOIN mlops.monitors m ON m.id = d.monitor_id
         WHERE m.name = 'report_eval' AND d.window_start >= (SELECT h FROM anchor) - interval '24 hours'
           AND d.window_start < (SELECT h FROM anchor)) AS breached_shifted_day,
       regexp_count(r, '<circle ') AS points,
       regexp_count(r, 'class="bar ref"') AS ref_bars,
       (SELECT jsonb_array_length(d.histogram -> 'ref') FROM mlops.drift_results d JOIN mlops.monitors m ON m.id = d.monitor_id
         WHERE m.name = 'report_eval' ORDER BY d.statistic DESC NULLS LAST, d.window_start LIMIT 1) AS worst_bins,
       regexp_count(r, '<title>&lt; [0-9.-]+: reference') AS open_low, regexp_count(r, '<title>&ge; [0-9.-]+: reference') AS open_high,
       position('per window: psi_threshold' IN r) > 0 AS psi_threshold
  FROM eval_page;
-- the job the first breach queued, why as mlops.job_queue says it
SELECT regexp_count(substring(r FROM '<table class="jobs">.*?</table>'), '<tr>') - 1 AS job_rows,
       substring(r FROM '<td>queued</td><td class="wrap">(drift: report_eval window) ') AS why
  FROM eval_page;

-- bad inputs: unknown monitor, reversed range; a NULL name gives NULL
\set VERBOSITY sqlstate
SELECT mlops.drift_report('no such monitor');
SELECT mlops.drift_report('<b>"x"&''y', '2026-05-02', '2026-05-01');
\set VERBOSITY default
SELECT pg_temp.try($$SELECT mlops.drift_report('no such monitor')$$);
SELECT pg_temp.try($$SELECT mlops.drift_report('<b>"x"&''y', '2026-05-02', '2026-05-01')$$);
SELECT mlops.drift_report(NULL) IS NULL AS null_name;

-- privileges: a reader may call it; a role that may not read the monitors gets no page
CREATE ROLE regress_report_reader IN ROLE mlops_reader;
CREATE ROLE regress_report_nobody;
GRANT USAGE ON SCHEMA mlops TO regress_report_nobody;
SET ROLE regress_report_reader;
SELECT left(mlops.drift_report('<b>"x"&''y', NULL, NULL), 15) AS reader_page;
RESET ROLE;
SET ROLE regress_report_nobody;
SELECT pg_temp.try($$SELECT mlops.drift_report('<b>"x"&''y')$$);
RESET ROLE;
GRANT EXECUTE ON FUNCTION mlops.drift_report(text, timestamptz, timestamptz) TO regress_report_nobody;
SET ROLE regress_report_nobody;
SELECT pg_temp.try($$SELECT mlops.drift_report('<b>"x"&''y')$$);
RESET ROLE;
REVOKE ALL ON FUNCTION mlops.drift_report(text, timestamptz, timestamptz) FROM regress_report_nobody;
REVOKE ALL ON SCHEMA mlops FROM regress_report_nobody;
DROP ROLE regress_report_reader;
DROP ROLE regress_report_nobody;

-- nothing was written by the reports
SELECT count(*) AS monitors, (SELECT count(*) FROM mlops.drift_results d JOIN mlops.monitors m ON m.id = d.monitor_id
                               WHERE m.name IN ('<b>"x"&''y', 'report_cat', 'report_many')) AS windows
  FROM mlops.monitors WHERE name IN ('<b>"x"&''y', 'report_cat', 'report_many');
SELECT mlops.drop_monitor('report_eval');
SELECT mlops.drop_monitor(name) FROM mlops.monitors WHERE name IN ('<b>"x"&''y', 'report_cat', 'report_many') ORDER BY name;
DROP TABLE report_preds;
