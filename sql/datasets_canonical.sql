-- Fingerprints and profiles do not depend on the session: values hashed from
-- their text (ranges, composites) are written under fixed TimeZone, DateStyle
-- and extra_float_digits, so a version verifies in any session. A numeric
-- beyond float8's range profiles as +-Infinity instead of failing the
-- snapshot; a character(n) value is profiled without its padding, as a
-- monitor reads it, so a monitor with that version as reference sees no drift.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS mlops;
RESET client_min_messages;
\set SHOW_CONTEXT never
CREATE SCHEMA canon;
CREATE TYPE canon.pair AS (d date, x float8);
CREATE TABLE canon.t (r tstzrange, p canon.pair, i interval);
INSERT INTO canon.t VALUES
    (tstzrange('2026-01-01 00:00:00+00', '2026-01-02 00:00:00+00'), ROW('2026-03-04', 0.1)::canon.pair, '1 day 2 hours'),
    (tstzrange('2026-05-01 12:00:00+00', NULL), ROW('1999-12-31', 1.0 / 3)::canon.pair, '-3 months');
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, MDY';
SELECT mlops.table_fingerprint('canon.t') AS fp_utc \gset
SELECT mlops.snapshot_table('canon_t', 'canon.t') AS v1;
-- another session's settings: same fingerprint, the version verifies, no new version
SET TimeZone = 'America/New_York';
SET DateStyle = 'German';
SET IntervalStyle = 'sql_standard';
SET extra_float_digits = 0;
SELECT mlops.table_fingerprint('canon.t') = :'fp_utc' AS same_fingerprint;
SELECT mlops.verify_dataset_version('canon_t', 1) AS verifies;
SELECT mlops.snapshot_table('canon_t', 'canon.t') AS still_v1;
-- and the session keeps its own settings afterwards
SHOW TimeZone;
SHOW DateStyle;
SHOW extra_float_digits;
RESET TimeZone;
RESET DateStyle;
RESET IntervalStyle;
RESET extra_float_digits;
-- a real change still changes the fingerprint
UPDATE canon.t SET i = '1 day 3 hours' WHERE i = '1 day 2 hours';
SELECT mlops.table_fingerprint('canon.t') <> :'fp_utc' AS changed;

-- NaN inside float arrays is hashed in one form, as in float columns: the
-- NaN that 'inf' - 'inf' gives and the one 'NaN' reads as fingerprint alike
-- (so an array column survives a dump and restore, which writes NaN as text)
CREATE TABLE canon.arr (a float8[], b float4[]);
INSERT INTO canon.arr VALUES (ARRAY['inf'::float8 - 'inf'::float8, 1, NULL], ARRAY['inf'::float4 - 'inf'::float4]);
CREATE TABLE canon.arr_text AS SELECT a::text::float8[] AS a, b::text::float4[] AS b FROM canon.arr;
SELECT mlops.table_fingerprint('canon.arr') = mlops.table_fingerprint('canon.arr_text') AS nan_arrays_alike;
-- numerics beyond float8's range
CREATE TABLE canon.big (n numeric);
INSERT INTO canon.big VALUES (1), (2), ('1e400'), ('-1e400'), ('1e-400');
SELECT mlops.snapshot_table('canon_big', 'canon.big') AS big_v1;
SELECT p.column_name, p.null_count, mlops.quantile(p.sketch, 0) AS lowest, mlops.quantile(p.sketch, 1) AS highest
  FROM mlops.dataset_column_profiles p JOIN mlops.dataset_versions v ON v.id = p.dataset_version_id
  JOIN mlops.datasets d ON d.id = v.dataset_id WHERE d.name = 'canon_big';

-- character(n): the same categories in a char(4) and a text column, a
-- monitor on each with the snapshot as reference: no drift in either
CREATE TABLE canon.cat (ts timestamptz, c char(4), v text);
INSERT INTO canon.cat
SELECT '2026-03-01 00:00:00+00'::timestamptz + g * interval '1 minute', x, x
  FROM generate_series(0, 119) g, LATERAL (SELECT (ARRAY['a', 'bb', 'ccc'])[1 + g % 3] AS x) s;
SELECT mlops.snapshot_table('canon_cat', 'canon.cat') AS cat_v1;
SELECT p.column_name, p.distinct_estimate, p.top_values
  FROM mlops.dataset_column_profiles p JOIN mlops.dataset_versions v ON v.id = p.dataset_version_id
  JOIN mlops.datasets d ON d.id = v.dataset_id WHERE d.name = 'canon_cat' AND p.column_name IN ('c', 'v')
 ORDER BY 1;
SELECT mlops.create_monitor('canon_c', NULL, 'canon.cat', 'c', 'ts', 'psi_categorical', 0.1, '1 hour',
                            '{"dataset": "canon_cat", "version": 1}', start_at => '2026-03-01 00:00:00+00') > 0 AS created_c;
SELECT mlops.create_monitor('canon_v', NULL, 'canon.cat', 'v', 'ts', 'psi_categorical', 0.1, '1 hour',
                            '{"dataset": "canon_cat", "version": 1}', start_at => '2026-03-01 00:00:00+00') > 0 AS created_v;
SET TimeZone = 'UTC';
SELECT 'c' AS col, window_start, n_cur, round(statistic::numeric, 6) AS statistic, breached
  FROM mlops.drift_windows('canon_c', '2026-03-01 00:00:00+00', '2026-03-01 02:00:00+00')
UNION ALL
SELECT 'v', window_start, n_cur, round(statistic::numeric, 6), breached
  FROM mlops.drift_windows('canon_v', '2026-03-01 00:00:00+00', '2026-03-01 02:00:00+00')
ORDER BY 1, 2;
SELECT mlops.drop_monitor('canon_c'), mlops.drop_monitor('canon_v');
