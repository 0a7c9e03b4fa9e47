-- Monitors: windows of a prediction table evaluated against the previous
-- window, a stored time range of the source and a NULL (psi_threshold)
-- threshold; statistics equal the aggregates over the same rows; one index
-- scan per evaluation; late rows and recompute_from; evaluation errors
-- recorded on the monitor.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS mlops;
DROP TABLE IF EXISTS mon_preds, mon_base, mon_ref, mon_days CASCADE;
DROP ROLE IF EXISTS mon_owner, mon_gone_owner;
RESET client_min_messages;
SELECT mlops.create_roles();
CREATE ROLE mon_owner LOGIN IN ROLE mlops_admin;

-- 48 hours of predictions, 60 an hour from t0 (midnight UTC three days ago);
-- from hour 40 on the score shifts by 0.5 and accuracy drops from 90% to 60%
CREATE TABLE mon_base AS SELECT date_bin('1 day', now(), '1970-01-01 00:00:00+00') - interval '3 days' AS t0;
CREATE FUNCTION pg_temp.t(h float8) RETURNS timestamptz LANGUAGE sql AS
$$ SELECT t0 + h * interval '1 hour' FROM mon_base $$;
CREATE FUNCTION pg_temp.h(t timestamptz) RETURNS numeric LANGUAGE sql AS
$$ SELECT round((extract(epoch FROM t - t0) / 3600)::numeric, 2) FROM mon_base $$;
CREATE TABLE mon_preds (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, ts timestamptz NOT NULL,
                        score float8, correct boolean);
CREATE INDEX mon_preds_ts ON mon_preds (ts);
INSERT INTO mon_preds (ts, score, correct)
SELECT pg_temp.t(hr + m / 60.0),
       ((hr * 60 + m) * 7919 % 1000) / 1000.0 + CASE WHEN hr >= 40 THEN 0.5 ELSE 0 END,
       (hr * 60 + m) % 10 < CASE WHEN hr >= 40 THEN 6 ELSE 9 END
  FROM generate_series(0, 47) hr, generate_series(0, 59) m;
INSERT INTO mon_preds (ts, score) VALUES (pg_temp.t(5.5), NULL);  -- a NULL value is not counted
ANALYZE mon_preds;

-- psi against the previous window (reference {}), from the earliest row
SELECT mlops.create_monitor('mon_prev', NULL, 'mon_preds', 'score', 'ts') > 0 AS created;
BEGIN;
CREATE TEMP TABLE first_run AS SELECT * FROM mlops.evaluate_monitor('mon_prev');
SELECT count(*) AS second_run FROM mlops.evaluate_monitor('mon_prev');
COMMIT;
-- one row per hourly window from hour 0 to the last complete hour, none twice
SELECT pg_temp.h(min(window_start)) AS first,
       count(*) = (SELECT pg_temp.h(computed_until) FROM mlops.monitors WHERE name = 'mon_prev') AS every_window,
       max(window_end) <= now() AND max(window_end) > now() - interval '2 hours' AS up_to_a_recent_hour,
       count(DISTINCT window_start) = count(*) AS distinct_windows,
       (SELECT count(*) FROM mlops.drift_results r JOIN mlops.monitors m ON m.id = r.monitor_id WHERE m.name = 'mon_prev') = count(*) AS stored
  FROM first_run;
SELECT pg_temp.h(window_start) AS hour, pg_temp.h(window_end) AS "end", n_ref, n_cur, round(statistic::numeric, 4) AS psi,
       threshold, breached, note, histogram IS NOT NULL AS has_histogram
  FROM first_run WHERE window_start < pg_temp.t(50) AND (window_start < pg_temp.t(2) OR window_start >= pg_temp.t(38))
 ORDER BY window_start;
SELECT count(*) FILTER (WHERE note = 'no current rows') > 0 AS empty_windows_after_the_data,
       count(*) FILTER (WHERE statistic IS NULL AND note IS NULL) AS null_without_note
  FROM first_run;
-- each statistic equals mlops.psi over the previous window's and the window's rows
SELECT count(*) AS windows_checked,
       count(*) FILTER (WHERE r.statistic = (SELECT mlops.psi(p.score, p.ts < r.window_start)
                                               FROM mon_preds p
                                              WHERE p.ts >= r.window_start - interval '1 hour' AND p.ts < r.window_end)) AS equal
  FROM first_run r WHERE r.statistic IS NOT NULL;
-- the monitor's status and the breach events
SELECT monitor, model, s.method, s.owner = session_user AS by_session_user, s.enabled, breached, s.last_error,
       s.last_evaluated_at IS NOT NULL AS evaluated, s.next_due > now() AS next_due_later,
       computed_until = (SELECT max(window_end) FROM first_run) AS computed_until_advanced
  FROM mlops.monitor_status s JOIN mlops.monitors m ON m.name = s.monitor WHERE monitor = 'mon_prev';
SELECT entity, pg_temp.h((payload->>'window_start')::timestamptz) AS hour, payload->>'monitor' AS monitor,
       payload->'model' AS model, (payload->>'statistic')::float8 = r.statistic AS statistic,
       (payload->>'threshold')::float8 AS threshold, (payload->>'drift_result_id')::bigint = r.id AS result_id
  FROM mlops.outbox o JOIN mlops.drift_results r ON r.id = (o.payload->>'drift_result_id')::bigint
 WHERE o.event = 'drift.breached' AND o.payload->>'monitor' = 'mon_prev' ORDER BY o.id;

-- ks against a stored time range (hours 0-10): summarised once
SELECT mlops.create_monitor('mon_ks', NULL, 'mon_preds', 'score', 'ts', 'ks', 0.3,
       reference => jsonb_build_object('from', pg_temp.t(0), 'to', pg_temp.t(10))) > 0 AS created;
CREATE TEMP TABLE ks_run AS SELECT * FROM mlops.evaluate_monitor('mon_ks');
SELECT n, summary IS NOT NULL AS has_summary FROM mlops.monitor_references r JOIN mlops.monitors m ON m.id = r.monitor_id
 WHERE m.name = 'mon_ks';
SELECT pg_temp.h(window_start) AS hour, n_ref, n_cur, round(statistic::numeric, 4) AS d, round(pvalue::numeric, 6) AS p,
       breached, note
  FROM ks_run WHERE window_start < pg_temp.t(50) AND (window_start < pg_temp.t(1) OR window_start >= pg_temp.t(39))
 ORDER BY window_start;
-- each statistic and p-value equals mlops.ks_test over the reference's and the window's rows
SELECT count(*) AS windows_checked,
       count(*) FILTER (WHERE (r.statistic, r.pvalue, r.n_ref, r.n_cur) =
           (SELECT k.statistic, k.pvalue, k.n_ref, k.n_cur
              FROM (SELECT (mlops.ks_test(v, is_ref)).* FROM (
                    SELECT score AS v, true AS is_ref FROM mon_preds WHERE ts >= pg_temp.t(0) AND ts < pg_temp.t(10)
                    UNION ALL
                    SELECT score, false FROM mon_preds WHERE ts >= r.window_start AND ts < r.window_end) u) k)) AS equal
  FROM ks_run r WHERE r.statistic IS NOT NULL;

-- accuracy decay: mean_change of a boolean column (read as 0/1) against hours 0-10
SELECT mlops.create_monitor('mon_acc', NULL, 'mon_preds', 'correct', 'ts', 'mean_change', 0.1, '1 day',
       jsonb_build_object('from', pg_temp.t(0), 'to', pg_temp.t(10))) > 0 AS created;
SELECT pg_temp.h(window_start) AS hour, n_ref, n_cur, round(statistic::numeric, 4) AS change, breached, note,
       round(statistic::numeric, 12) = (SELECT round(abs(avg(correct::int) - 0.9) / 0.9, 12) FROM mon_preds
                                         WHERE ts >= r.window_start AND ts < r.window_end) AS equals_by_hand
  FROM mlops.evaluate_monitor('mon_acc') r WHERE window_start < pg_temp.t(48) ORDER BY window_start;

-- a dataset version's profile as the reference (a snapshot of hours 0-10)
CREATE TABLE mon_ref AS SELECT score FROM mon_preds WHERE ts < pg_temp.t(10) AND score IS NOT NULL;
SELECT mlops.snapshot_table('mon_ref_scores', 'mon_ref') AS version;
SELECT mlops.create_monitor('mon_ds', NULL, 'mon_preds', 'score', 'ts', 'ks', 0.3,
       reference => '{"dataset": "mon_ref_scores", "version": 1}') > 0 AS created;
SELECT count(*) AS windows, min(d.n_ref) AS n_ref, max(d.n_ref) AS n_ref_max,
       count(*) FILTER (WHERE d.breached) AS breached, min(pg_temp.h(window_start)) FILTER (WHERE d.breached) AS first_breach,
       max(abs(d.statistic - k.statistic)) < 0.02 AS close_to_exact_ks
  FROM mlops.evaluate_monitor('mon_ds') d JOIN ks_run k USING (window_start)
 WHERE d.window_start < pg_temp.t(48);

-- a date column is read as its midnight UTC, a timestamp column as UTC: daily windows
CREATE TABLE mon_days (d date NOT NULL, t timestamp NOT NULL, v integer);
INSERT INTO mon_days SELECT day, day + time '12:00', k * 10 + i
  FROM mon_base, generate_series(1, 5) k, generate_series(1, k) i,
       LATERAL (SELECT (t0 AT TIME ZONE 'UTC')::date - 10 + k AS day) x;
SELECT mlops.create_monitor('mon_date', NULL, 'mon_days', 'v', 'd', 'mean_change', 0.5, '1 day') > 0 AS created;
SELECT mlops.create_monitor('mon_ts', NULL, 'mon_days', 'v', 't', 'mean_change', 0.5, '1 day') > 0 AS created;
SELECT (pg_temp.h(a.window_start) / 24)::int AS day, a.n_cur, round(a.statistic::numeric, 4) AS change, a.breached, a.note,
       (b.window_start, b.n_cur, b.statistic) IS NOT DISTINCT FROM (a.window_start, a.n_cur, a.statistic) AS timestamp_same
  FROM mlops.evaluate_monitor('mon_date') a FULL JOIN mlops.evaluate_monitor('mon_ts') b USING (window_start)
 WHERE a.window_start < pg_temp.t(-4 * 24) ORDER BY a.window_start;

-- NULL threshold on psi: each window is judged by psi_threshold(n_ref, n_cur, bins)
SELECT mlops.create_monitor('mon_auto', NULL, 'mon_preds', 'score', 'ts', threshold => NULL, bins => 5,
       reference => jsonb_build_object('from', pg_temp.t(0), 'to', pg_temp.t(10))) > 0 AS created;
SELECT count(*) AS windows, count(*) FILTER (WHERE n_cur > 0 AND threshold = mlops.psi_threshold(n_ref, n_cur, 5)) AS psi_threshold,
       count(*) FILTER (WHERE breached) AS breached, count(*) FILTER (WHERE threshold IS NULL AND n_cur = 0) AS empty_no_threshold,
       min(pg_temp.h(window_start)) FILTER (WHERE breached) AS first_breach
  FROM mlops.evaluate_monitor('mon_auto') WHERE window_start < pg_temp.t(49);

-- an empty reference range: 'no reference' windows, no error
SELECT mlops.create_monitor('mon_noref', NULL, 'mon_preds', 'score', 'ts',
       reference => jsonb_build_object('from', pg_temp.t(-100), 'to', pg_temp.t(-90))) > 0 AS created;
SELECT count(*) AS windows, count(*) FILTER (WHERE note = 'no reference' AND statistic IS NULL AND n_ref = 0) AS no_reference,
       count(*) FILTER (WHERE breached) AS breached
  FROM mlops.evaluate_monitor('mon_noref') WHERE window_start < pg_temp.t(48);
SELECT n FROM mlops.monitor_references r JOIN mlops.monitors m ON m.id = r.monitor_id WHERE m.name = 'mon_noref';
SELECT last_error, last_sqlstate FROM mlops.monitor_status WHERE monitor = 'mon_noref';

-- start_at on a table with history: past windows from start_at on. The
-- evaluation reads the source once, by the time column's index: the same
-- index scans, no sequential scan and the same tuples as the one range
-- SELECT by hand over the window before start_at (the reference) up to now
CREATE FUNCTION pg_temp.scans() RETURNS bigint[] LANGUAGE sql AS
$$ SELECT ARRAY[seq_scan, idx_scan, idx_tup_fetch] FROM pg_stat_user_tables WHERE relid = 'mon_preds'::regclass $$;
SELECT pg_stat_force_next_flush();
CREATE TEMP TABLE scans (what text, at bigint[]);
INSERT INTO scans SELECT 'before', pg_temp.scans();
SELECT mlops.create_monitor('mon_start', NULL, 'mon_preds', 'score', 'ts', start_at => pg_temp.t(44.5)) > 0 AS created;
SELECT pg_temp.h(window_start) AS hour, n_ref, n_cur, round(statistic::numeric, 4) AS psi, breached, note
  FROM mlops.evaluate_monitor('mon_start') WHERE window_start < pg_temp.t(49) ORDER BY window_start;
SELECT pg_stat_force_next_flush();
INSERT INTO scans SELECT 'evaluated', pg_temp.scans();
SELECT pg_temp.t(43) AS lo, date_bin('1 hour', now(), '1970-01-01') AS hi \gset
SELECT count(score) AS rows_read FROM mon_preds WHERE ts >= :'lo' AND ts < :'hi';
SELECT pg_stat_force_next_flush();
INSERT INTO scans SELECT 'by hand', pg_temp.scans();
SELECT e.at[1] - b.at[1] AS seq_scans, e.at[2] - b.at[2] > 0 AS index_scan,
       e.at[2] - b.at[2] = h.at[2] - e.at[2] AS same_index_scans,
       e.at[3] - b.at[3] = h.at[3] - e.at[3] AS same_tuples
  FROM scans b, scans e, scans h WHERE b.what = 'before' AND e.what = 'evaluated' AND h.what = 'by hand';
SELECT h.at[1] - e.at[1] AS by_hand_seq_scans FROM scans e, scans h WHERE e.what = 'evaluated' AND h.what = 'by hand';

-- late rows: not seen until recompute_from; recomputing updates the rows in place
-- and emits drift.breached only for windows that were not breached before
CREATE TEMP TABLE before_late AS
SELECT r.id, r.window_start, r.statistic, r.breached FROM mlops.drift_results r JOIN mlops.monitors m ON m.id = r.monitor_id
 WHERE m.name = 'mon_ks';
INSERT INTO mon_preds (ts, score) SELECT pg_temp.t(20 + i / 100.0), 3 + i / 100.0 FROM generate_series(0, 59) i;
SELECT count(*) AS without_recompute FROM mlops.evaluate_monitor('mon_ks');
CREATE TEMP TABLE events_before AS SELECT count(*) AS n FROM mlops.outbox WHERE payload->>'monitor' = 'mon_ks';
SELECT count(*) AS recomputed, min(pg_temp.h(window_start)) AS from_hour,
       count(*) FILTER (WHERE r.id = b.id) AS same_ids,
       count(*) FILTER (WHERE r.statistic IS DISTINCT FROM b.statistic) AS changed
  FROM mlops.evaluate_monitor('mon_ks', pg_temp.t(20.5)) r JOIN before_late b USING (window_start)
 WHERE r.window_start < pg_temp.t(48);
SELECT pg_temp.h(r.window_start) AS hour, n_cur, round(b.statistic::numeric, 4) AS before, round(r.statistic::numeric, 4) AS after,
       b.breached AS was_breached, r.breached
  FROM mlops.drift_results r JOIN mlops.monitors m ON m.id = r.monitor_id JOIN before_late b USING (window_start)
 WHERE m.name = 'mon_ks' AND r.window_start IN (pg_temp.t(19), pg_temp.t(20), pg_temp.t(21), pg_temp.t(40));
SELECT pg_temp.h((payload->>'window_start')::timestamptz) AS new_breach
  FROM mlops.outbox WHERE payload->>'monitor' = 'mon_ks' ORDER BY id OFFSET (SELECT n FROM events_before);
SELECT count(*) = count(DISTINCT window_start) AS no_window_twice
  FROM mlops.drift_results r JOIN mlops.monitors m ON m.id = r.monitor_id WHERE m.name = 'mon_ks';

-- recompute_from before the first window redoes the computed windows only
SELECT min(pg_temp.h(window_start)) AS from_hour, count(*) FILTER (WHERE window_start < pg_temp.t(48)) AS recomputed
  FROM mlops.evaluate_monitor('mon_ks', pg_temp.t(-50));

-- the stored reference is reused: deleting the source's reference rows changes no window
DELETE FROM mon_preds WHERE ts < pg_temp.t(10);
SELECT count(*) AS recomputed, count(*) FILTER (WHERE r.statistic = b.statistic AND r.n_ref = 600) AS unchanged
  FROM mlops.evaluate_monitor('mon_ks', pg_temp.t(30)) r JOIN before_late b USING (window_start)
 WHERE r.window_start < pg_temp.t(48);
-- drift_windows: the same computation over any range, nothing written
CREATE TEMP TABLE results_before AS SELECT count(*) AS n, max(computed_at) AS at FROM mlops.drift_results;
SELECT pg_temp.h(window_start) AS hour, pg_temp.h(window_end) AS "end", n_cur, round(statistic::numeric, 4) AS d,
       round(pvalue::numeric, 6) AS p, breached
  FROM mlops.drift_windows('mon_ks', pg_temp.t(38.5), pg_temp.t(41.5));
SELECT count(*) AS same_as_stored FROM mlops.drift_windows('mon_ks', pg_temp.t(10), pg_temp.t(48)) w
  JOIN mlops.drift_results r ON r.window_start = w.window_start
  JOIN mlops.monitors m ON m.id = r.monitor_id AND m.name = 'mon_ks'
 WHERE (w.window_end, w.n_cur, w.statistic, w.pvalue, w.breached) = (r.window_end, r.n_cur, r.statistic, r.pvalue, r.breached);
SELECT (count(*), max(computed_at)) = (SELECT n, at FROM results_before) AS nothing_written FROM mlops.drift_results;

-- the owner may not read the source: 42501 recorded on the monitor, a warning, no rows
SET SESSION AUTHORIZATION mon_owner;
SELECT mlops.create_monitor('mon_denied', NULL, 'mon_preds', 'score', 'ts') > 0 AS created;
SELECT * FROM mlops.evaluate_monitor('mon_denied');
RESET SESSION AUTHORIZATION;
SELECT monitor, owner, last_error, last_sqlstate, last_evaluated_at IS NOT NULL AS evaluated, next_due > now() AS next_due_later,
       last_window_start
  FROM mlops.monitor_status WHERE monitor = 'mon_denied';
-- once granted, the next evaluation computes and clears the error
GRANT SELECT ON mon_preds TO mon_owner;
SELECT count(*) > 40 AS computed FROM mlops.evaluate_monitor('mon_denied');
SELECT last_error, last_sqlstate FROM mlops.monitor_status WHERE monitor = 'mon_denied';

-- the source is read as the monitor's owner, whoever evaluates it: this view
-- shows its rows to mon_owner only, and the superuser's evaluation sees them
CREATE VIEW mon_mine AS SELECT ts, score FROM mon_preds WHERE current_user = 'mon_owner';
GRANT SELECT ON mon_mine, mon_base TO mon_owner;
SET SESSION AUTHORIZATION mon_owner;
SELECT mlops.create_monitor('mon_mine', NULL, 'mon_mine', 'score', 'ts', start_at => pg_temp.t(40)) > 0 AS created;
RESET SESSION AUTHORIZATION;
SELECT count(*) AS rows_the_caller_sees FROM mon_mine;
SELECT count(*) FILTER (WHERE n_cur = 60) AS windows_with_rows, count(*) FILTER (WHERE breached) AS breached
  FROM mlops.evaluate_monitor('mon_mine') WHERE window_start < pg_temp.t(48);

-- a renamed value column: 42703 on the monitor; a dropped source: 42P01; a statement timeout: 57014
ALTER TABLE mon_preds RENAME COLUMN score TO score_v2;
SELECT count(*) FROM mlops.evaluate_monitor('mon_prev', pg_temp.t(1));
SELECT monitor, last_error, last_sqlstate FROM mlops.monitor_status WHERE monitor = 'mon_prev';
ALTER TABLE mon_preds RENAME COLUMN score_v2 TO score;
CREATE TABLE mon_gone (ts timestamptz, score float8);
SELECT mlops.create_monitor('mon_gone', NULL, 'mon_gone', 'score', 'ts') > 0 AS created;
DROP TABLE mon_gone;
SELECT count(*) FROM mlops.evaluate_monitor('mon_gone');
SELECT monitor, last_error, last_sqlstate FROM mlops.monitor_status WHERE monitor = 'mon_gone';
CREATE VIEW mon_slow AS SELECT ts, score FROM mon_preds WHERE pg_sleep(0.01) IS NOT NULL;
SELECT mlops.create_monitor('mon_slow', NULL, 'mon_slow', 'score', 'ts') > 0 AS created;
SET statement_timeout = '300ms';
SELECT count(*) FROM mlops.evaluate_monitor('mon_slow');
RESET statement_timeout;
SELECT monitor, last_error, last_sqlstate FROM mlops.monitor_status WHERE monitor = 'mon_slow';
-- the owner's role was dropped: 42704 on the monitor
CREATE ROLE mon_gone_owner LOGIN IN ROLE mlops_admin;
SET SESSION AUTHORIZATION mon_gone_owner;
SELECT mlops.create_monitor('mon_orphan', NULL, 'mon_preds', 'score', 'ts') > 0 AS created;
RESET SESSION AUTHORIZATION;
DROP ROLE mon_gone_owner;
SELECT count(*) FROM mlops.evaluate_monitor('mon_orphan');
SELECT monitor, last_error, last_sqlstate FROM mlops.monitor_status WHERE monitor = 'mon_orphan';
-- the other monitors were not touched by these failures
SELECT monitor, last_sqlstate FROM mlops.monitor_status WHERE monitor IN ('mon_ks', 'mon_start') ORDER BY monitor;

CREATE TEMP TABLE mon_dropped AS SELECT id FROM mlops.monitors WHERE name LIKE 'mon\_%';
SELECT mlops.drop_monitor(name) FROM mlops.monitors WHERE name LIKE 'mon\_%' ORDER BY name;
SELECT count(*) AS left_results FROM mlops.drift_results WHERE monitor_id IN (SELECT id FROM mon_dropped);
DROP VIEW mon_slow, mon_mine;
DROP TABLE mon_preds, mon_base, mon_ref, mon_days;
DROP ROLE mon_owner;
