-- Monitors at the edges of time: window sizes, windows that would begin
-- before the earliest timestamp or end after the last one, dates past the
-- timestamp range; categories of non-text values, which do not depend on
-- the session's DateStyle, and long texts as categories.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS mlops;
DROP TABLE IF EXISTS mon_edge_ancient, mon_edge_far, mon_edge_days, mon_edge_texts CASCADE;
RESET client_min_messages;
SELECT mlops.create_roles();
-- try(sql): "ok", or SQLSTATE: message (hint)
CREATE FUNCTION pg_temp.try(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; msg text; hint text;
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, hint = PG_EXCEPTION_HINT;
    RETURN st || ': ' || msg || CASE WHEN hint <> '' THEN ' (' || hint || ')' ELSE '' END;
END $$;

CREATE TABLE mon_edge_ancient (ts timestamptz, v float8);
INSERT INTO mon_edge_ancient VALUES ('4713-06-01 00:00:00+00 BC', 1), ('1000-01-01 00:00:00+00 BC', 2),
                                    ('1969-01-01 00:00:00+00', 3);

-- a window_size too long to align is refused, and nothing is written
SELECT pg_temp.try($$SELECT mlops.create_monitor('edge_huge', NULL, 'mon_edge_ancient', 'v', 'ts', window_size => '100000001 days')$$);
SELECT count(*) AS written FROM mlops.monitors WHERE name LIKE 'edge%';

-- 1000000-day windows: the one holding the earliest row would begin before
-- 4714 BC and is not computed; every stored window is a readable timestamp
SET TimeZone = 'UTC';
SELECT mlops.create_monitor('edge_ancient', NULL, 'mon_edge_ancient', 'v', 'ts', 'mean_change', 0.1,
                            window_size => '1000000 days') > 0 AS created;
SELECT window_start, window_end, n_ref, n_cur, statistic, note FROM mlops.evaluate_monitor('edge_ancient');
SELECT window_start::text, window_end::text FROM mlops.drift_results r JOIN mlops.monitors m ON m.id = r.monitor_id
 WHERE m.name = 'edge_ancient' ORDER BY window_start;
SELECT computed_until, last_error FROM mlops.monitors WHERE name = 'edge_ancient';
-- drift_windows refuses windows beyond either end of the timestamp range
SELECT pg_temp.try($$SELECT * FROM mlops.drift_windows('edge_ancient', '4713-12-01 00:00:00+00 BC', '4000-01-01 00:00:00+00 BC')$$);
SELECT pg_temp.try($$SELECT * FROM mlops.drift_windows('edge_ancient', '294270-01-01 00:00:00+00', '294276-12-30 00:00:00+00')$$);
SELECT window_start, window_end, n_cur, statistic FROM mlops.drift_windows('edge_ancient', '1000-01-01 00:00:00+00 BC', '1000-01-02 00:00:00+00 BC');

-- a date column whose rows all lie past the timestamp range: no window, nothing stored
CREATE TABLE mon_edge_far (d date, v float8);
INSERT INTO mon_edge_far VALUES ('5000000-01-01', 1), ('infinity', 2);
SELECT mlops.create_monitor('edge_far', NULL, 'mon_edge_far', 'v', 'd', window_size => '1 day') > 0 AS created;
SELECT count(*) AS windows FROM mlops.evaluate_monitor('edge_far');
SELECT computed_until, last_error,
       (SELECT count(*) FROM mlops.drift_results r WHERE r.monitor_id = m.id) AS stored
  FROM mlops.monitors m WHERE name = 'edge_far';

-- categories of a date column: ISO text whatever the session's DateStyle, so
-- a reference stored in one session matches the windows of another
CREATE TABLE mon_edge_days (ts timestamptz, day date);
INSERT INTO mon_edge_days SELECT '2020-01-01 00:00:00+00'::timestamptz + g * interval '1 hour', '2020-01-02'
  FROM generate_series(0, 47) g;
SELECT mlops.create_monitor('edge_days', NULL, 'mon_edge_days', 'day', 'ts', 'psi_categorical', 0.1,
                            window_size => '1 day', start_at => '2020-01-02 00:00:00+00',
                            reference => '{"from": "2020-01-01 00:00:00+00", "to": "2020-01-02 00:00:00+00"}') > 0 AS created;
SET DateStyle = 'SQL, DMY';
SELECT count(*) > 0 AS evaluated FROM mlops.evaluate_monitor('edge_days');
RESET DateStyle;
SELECT window_start, n_ref, n_cur, statistic, breached, histogram
  FROM mlops.drift_results r JOIN mlops.monitors m ON m.id = r.monitor_id
 WHERE m.name = 'edge_days' AND window_start = '2020-01-02 00:00:00+00';
SELECT n_cur, statistic, breached FROM mlops.drift_windows('edge_days', '2020-01-02 00:00:00+00', '2020-01-03 00:00:00+00');
SET DateStyle = 'German';
SET TimeZone = 'Asia/Tokyo';
SELECT n_cur, statistic, breached FROM mlops.drift_windows('edge_days', '2020-01-02 00:00:00+00', '2020-01-03 00:00:00+00');
SHOW DateStyle;
SHOW TimeZone;
RESET DateStyle;
RESET TimeZone;

-- long texts: the statistic tells them apart, the stored histogram names
-- them by their first 200 characters
CREATE TABLE mon_edge_texts (ts timestamptz, doc text);
INSERT INTO mon_edge_texts SELECT '2020-01-01 00:00:00+00'::timestamptz + g * interval '1 hour',
                                  repeat('é', 100000) || CASE WHEN g >= 24 AND g % 2 = 0 THEN 'b' ELSE 'a' END
  FROM generate_series(0, 47) g;
SELECT mlops.create_monitor('edge_texts', NULL, 'mon_edge_texts', 'doc', 'ts', 'psi_categorical', 0.1,
                            window_size => '1 day', start_at => '2020-01-02 00:00:00+00',
                            reference => '{"from": "2020-01-01 00:00:00+00", "to": "2020-01-02 00:00:00+00"}') > 0 AS created;
SELECT count(*) > 0 AS evaluated FROM mlops.evaluate_monitor('edge_texts');
SELECT n_ref, n_cur, statistic > 0.1 AS drifted, breached, histogram->'ref' AS ref, histogram->'cur' AS cur,
       (SELECT array_agg(DISTINCT length(c)) FROM jsonb_array_elements_text(histogram->'categories') c) AS label_lengths,
       (SELECT bool_and(c = repeat('é', 200) || '...') FROM jsonb_array_elements_text(histogram->'categories') c) AS clipped
  FROM mlops.drift_results r JOIN mlops.monitors m ON m.id = r.monitor_id
 WHERE m.name = 'edge_texts' AND window_start = '2020-01-02 00:00:00+00';

-- infinite values: a statistic that is NaN breaches (never a silent pass)
CREATE TABLE mon_edge_inf (ts timestamptz, x float8);
INSERT INTO mon_edge_inf
SELECT '2020-01-01 00:00:00+00'::timestamptz + g * interval '1 minute',
       CASE WHEN g % 10 = 0 THEN 'Infinity'::float8 ELSE (g % 7)::float8 END
  FROM generate_series(0, 179) g;
SELECT mlops.create_monitor('edge_inf_mean', NULL, 'mon_edge_inf', 'x', 'ts', 'mean_change', 0.1, '365 days',
                            '{"from": "2020-01-01 00:00:00+00", "to": "2020-01-01 01:00:00+00"}',
                            start_at => '2020-01-01 01:00:00+00') > 0 AS created;
SELECT mlops.create_monitor('edge_inf_w', NULL, 'mon_edge_inf', 'x', 'ts', 'wasserstein', 0.1, '365 days',
                            '{"from": "2020-01-01 00:00:00+00", "to": "2020-01-01 01:00:00+00"}',
                            start_at => '2020-01-01 01:00:00+00') > 0 AS created;
SELECT m.name, r.n_ref, r.n_cur, round(r.statistic::numeric, 6) AS statistic, r.breached, r.note
  FROM mlops.monitors m, LATERAL mlops.evaluate_monitor(m.name) r
 WHERE m.name LIKE 'edge_inf%' AND r.n_cur > 0 ORDER BY 1;

-- a reference range that is empty when first evaluated is not stored:
-- rows loaded into it later (a backfill) are the reference then
CREATE TABLE mon_edge_late (ts timestamptz, x float8);
SELECT mlops.create_monitor('edge_late', NULL, 'mon_edge_late', 'x', 'ts', 'mean_change', 0.1, '365 days',
                            '{"from": "2020-01-01 00:00:00+00", "to": "2020-01-01 01:00:00+00"}',
                            start_at => '2020-01-01 01:00:00+00') > 0 AS created;
SELECT count(*) > 0 AS evaluated_empty FROM mlops.evaluate_monitor('edge_late');
SELECT count(*) AS stored_references FROM mlops.monitor_references r JOIN mlops.monitors m ON m.id = r.monitor_id
 WHERE m.name = 'edge_late';
INSERT INTO mon_edge_late
SELECT '2020-01-01 00:00:00+00'::timestamptz + g * interval '1 minute', CASE WHEN g < 60 THEN 1 ELSE 2 END
  FROM generate_series(0, 119) g;
SELECT n_cur, round(statistic::numeric, 6) AS statistic, breached
  FROM mlops.drift_windows('edge_late', '2019-12-01 00:00:00+00', '2020-12-31 00:00:00+00') WHERE n_cur > 0;

-- reference times without a zone are UTC, as a timestamp column is read,
-- whatever the creating session's TimeZone
SET TimeZone = 'America/New_York';
SELECT mlops.create_monitor('edge_zone', NULL, 'mon_edge_late', 'x', 'ts', 'mean_change', 0.1, '365 days',
                            '{"from": "2020-01-01 00:00:00", "to": "2020-01-01 01:00:00"}',
                            start_at => '2020-01-01 01:00:00+00') > 0 AS created;
SET TimeZone = 'UTC';
SELECT reference FROM mlops.monitors WHERE name = 'edge_zone';
RESET TimeZone;

SELECT mlops.drop_monitor(name) FROM mlops.monitors WHERE name LIKE 'edge%' ORDER BY name;
DROP TABLE mon_edge_ancient, mon_edge_far, mon_edge_days, mon_edge_texts, mon_edge_inf, mon_edge_late;
