-- Monitors: every method's window statistic equals the drift aggregate over
-- the same rows. The reference is a time range of the source, summarised once
-- and stored (mlops.monitor_references); a second evaluation reads the stored
-- summary back; a corrupt summary is an evaluation error XX001. A dataset
-- profile reference gives a PSI close to the exact one.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS mlops;
SELECT count(*) AS leftovers FROM (SELECT mlops.drop_monitor(name) FROM mlops.monitors WHERE name LIKE 'mm\_%') s;
DROP TABLE IF EXISTS mm_src, mm_prof_src CASCADE;
RESET client_min_messages;
SELECT mlops.create_roles();

-- 400 reference rows in 1991, 300 current rows in 2000 (one window of
-- 10000 days: 1997-05-19 to 2024-10-04), NULLs in every column, NaN in x
-- (y is x without NaN, for wasserstein), ties, a category only in the
-- reference (grey) and one only in the window (pink)
CREATE TABLE mm_src (ts timestamptz, x float8, y float8, c text);
INSERT INTO mm_src
SELECT '1991-01-01 00:00:00+00'::timestamptz + i * interval '1 hour',
       CASE WHEN i % 97 = 0 THEN 'NaN' ELSE ((i * 37) % 101) / 4.0 END,
       ((i * 37) % 101) / 4.0,
       (ARRAY['red', 'green', 'blue', 'grey', 'red', 'red'])[i % 6 + 1]
  FROM generate_series(1, 400) i;
INSERT INTO mm_src
SELECT '2000-01-01 00:00:00+00'::timestamptz + i * interval '1 hour',
       CASE WHEN i % 61 = 0 THEN 'NaN' ELSE ((i * 53) % 113) / 3.5 - 2 END,
       ((i * 53) % 113) / 3.5 - 2,
       (ARRAY['red', 'green', 'blue', 'pink', 'green'])[i % 5 + 1]
  FROM generate_series(1, 300) i;
INSERT INTO mm_src VALUES ('1992-01-01 00:00:00+00', NULL, NULL, NULL), ('2001-01-01 00:00:00+00', NULL, NULL, NULL);

SELECT m, mlops.create_monitor('mm_' || m, NULL, 'mm_src',
           CASE WHEN m IN ('psi_categorical', 'chi2') THEN 'c' WHEN m = 'wasserstein' THEN 'y' ELSE 'x' END,
           'ts', m, 0.1, '10000 days', '{"from": "1991-01-01 00:00:00+00", "to": "1997-01-01 00:00:00+00"}',
           start_at => '2000-01-01 00:00:00+00', bins => 8) > 0 AS created
  FROM unnest(ARRAY['psi', 'ks', 'wasserstein', 'jensen_shannon', 'hellinger', 'psi_categorical', 'chi2',
                    'mean_change', 'p95_change']) m;

CREATE TEMP TABLE mm_eval AS
SELECT m.method, e.*
  FROM mlops.monitors m, LATERAL mlops.evaluate_monitor(m.name) e
 WHERE m.name LIKE 'mm\_%';

-- The same rows by hand: is_ref for the reference range, else the window.
CREATE TEMP VIEW mm_rows AS
SELECT x, y, c, ts < '1997-01-01 00:00:00+00' AS is_ref
  FROM mm_src
 WHERE ts >= '1991-01-01 00:00:00+00' AND ts < '2024-10-04 00:00:00+00';
CREATE TEMP TABLE mm_hand AS
SELECT 'psi' AS method, mlops.psi(x, is_ref, 8) AS statistic, NULL::float8 AS pvalue FROM mm_rows
UNION ALL
SELECT 'ks', (k).statistic, (k).pvalue FROM (SELECT mlops.ks_test(x, is_ref) k FROM mm_rows) s
UNION ALL
SELECT 'wasserstein', mlops.wasserstein(y, is_ref), NULL FROM mm_rows
UNION ALL
SELECT 'jensen_shannon', mlops.jensen_shannon(x, is_ref, 8), NULL FROM mm_rows
UNION ALL
SELECT 'hellinger', mlops.hellinger(x, is_ref, 8), NULL FROM mm_rows
UNION ALL
SELECT 'psi_categorical', mlops.psi_categorical(c, is_ref), NULL FROM mm_rows
UNION ALL
SELECT 'chi2', (t).statistic, (t).pvalue FROM (SELECT mlops.chi2_test(c, is_ref) t FROM mm_rows) s
UNION ALL
SELECT 'mean_change', abs(cur - ref) / abs(ref), NULL
  FROM (SELECT avg(x) FILTER (WHERE is_ref) AS ref, avg(x) FILTER (WHERE NOT is_ref) AS cur
          FROM mm_rows WHERE x <> 'NaN') s
UNION ALL
SELECT 'p95_change', abs(cur - ref) / abs(ref), NULL
  FROM (SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY x) FILTER (WHERE is_ref) AS ref,
               percentile_cont(0.95) WITHIN GROUP (ORDER BY x) FILTER (WHERE NOT is_ref) AS cur
          FROM mm_rows WHERE x <> 'NaN') s;

-- Equal to the last bit (float8send), except mean_change: the mean is a sum
-- in scan order, which the engine's plan does not promise to be the order of
-- avg() here, so it is compared within 1e-12.
SELECT e.method, e.window_start, e.n_ref, e.n_cur, round(e.statistic::numeric, 10) AS statistic,
       to_char(e.pvalue, '9.9999EEEE') AS pvalue,
       CASE WHEN e.method = 'mean_change' THEN abs(e.statistic - h.statistic) < 1e-12
            ELSE float8send(e.statistic) = float8send(h.statistic) END AS statistic_equal,
       float8send(e.pvalue) IS NOT DISTINCT FROM float8send(h.pvalue) AS pvalue_equal
  FROM mm_eval e JOIN mm_hand h USING (method)
 ORDER BY e.monitor_id;

-- the report's counts on the reference's quantile edges (NaN bin last) and
-- on the categories (most frequent first)
SELECT method, histogram FROM mm_eval WHERE method IN ('psi', 'chi2') ORDER BY method;

-- one stored summary per monitor, n = the non-NULL reference values
SELECT m.method, r.n, r.summary IS NOT NULL AS stored
  FROM mlops.monitor_references r JOIN mlops.monitors m ON m.id = r.monitor_id
 WHERE m.name LIKE 'mm\_%' ORDER BY m.id;

-- recomputing reads the stored summary back: the same statistics
SELECT e.method, float8send(r.statistic) = float8send(e.statistic) AS same_statistic,
       float8send(r.pvalue) IS NOT DISTINCT FROM float8send(e.pvalue) AS same_pvalue
  FROM mm_eval e, LATERAL mlops.evaluate_monitor('mm_' || e.method, '2000-01-01 00:00:00+00') r
 ORDER BY e.monitor_id;

-- a corrupt stored summary: the evaluation fails with XX001, recorded on the
-- monitor, and its window is left as it was
UPDATE mlops.monitor_references SET summary = substring(summary FROM 1 FOR 30)
 WHERE monitor_id = (SELECT id FROM mlops.monitors WHERE name = 'mm_ks');
UPDATE mlops.monitor_references SET summary = '\x00'::bytea || substring(summary FROM 2)
 WHERE monitor_id = (SELECT id FROM mlops.monitors WHERE name = 'mm_psi');
SET client_min_messages = error;
SELECT count(*) FROM mlops.evaluate_monitor('mm_ks', '2000-01-01 00:00:00+00');
SELECT count(*) FROM mlops.evaluate_monitor('mm_psi', '2000-01-01 00:00:00+00');
RESET client_min_messages;
SELECT name, last_sqlstate, last_error FROM mlops.monitors WHERE name IN ('mm_ks', 'mm_psi') ORDER BY name;
SELECT m.name, float8send(d.statistic) = float8send(e.statistic) AS unchanged
  FROM mlops.drift_results d JOIN mlops.monitors m ON m.id = d.monitor_id
  JOIN mm_eval e ON e.monitor_id = m.id
 WHERE m.name IN ('mm_ks', 'mm_psi') ORDER BY m.name;

-- A dataset profile as the reference: the reference rows snapshotted in a
-- table of their own. The profile's sketch has edges at its quantiles
-- (percentile_disc), not interpolated ones, so PSI is close, not equal.
CREATE TABLE mm_prof_src AS SELECT x, c FROM mm_rows WHERE is_ref;
SELECT mlops.snapshot_table('mm_prof', 'mm_prof_src');
SELECT mlops.create_monitor('mm_profile_psi', NULL, 'mm_src', 'x', 'ts', 'psi', 0.1, '10000 days',
                            '{"dataset": "mm_prof", "version": 1}', start_at => '2000-01-01 00:00:00+00',
                            bins => 8) > 0 AS created;
SELECT mlops.create_monitor('mm_profile_chi2', NULL, 'mm_src', 'c', 'ts', 'chi2', 0.1, '10000 days',
                            '{"dataset": "mm_prof", "version": 1}', start_at => '2000-01-01 00:00:00+00') > 0 AS created;
SELECT e.n_ref, e.n_cur, round(e.statistic::numeric, 6) AS profile_psi, round(h.statistic::numeric, 6) AS exact_psi,
       abs(e.statistic - h.statistic) < 0.02 AS close
  FROM mlops.evaluate_monitor('mm_profile_psi') e, mm_hand h WHERE h.method = 'psi';
-- every reference category is in the profile's top values; the window's
-- pink, not among them, is counted in the "other" bucket: the same table in
-- another order, so chi2 equals the exact one up to rounding
SELECT e.n_ref, e.n_cur, round(e.statistic::numeric, 8) AS profile_chi2,
       abs(e.statistic - h.statistic) < 1e-9 AS statistic_close, e.pvalue < 1e-40 AS tiny_pvalue
  FROM mlops.evaluate_monitor('mm_profile_chi2') e, mm_hand h WHERE h.method = 'chi2';

-- a method the profile cannot serve: 42804 naming the column, nothing written
\set VERBOSITY sqlstate
SELECT mlops.create_monitor('mm_profile_bad', NULL, 'mm_src', 'x', 'ts', 'chi2', 0.1, '10000 days',
                            '{"dataset": "mm_prof", "version": 1}');
\set VERBOSITY default
SELECT mlops.create_monitor('mm_profile_bad', NULL, 'mm_src', 'x', 'ts', 'chi2', 0.1, '10000 days',
                            '{"dataset": "mm_prof", "version": 1}');
SELECT mlops.create_monitor('mm_profile_bad', NULL, 'mm_src', 'x', 'ts', 'ks', 0.1, '10000 days',
                            '{"dataset": "mm_prof", "version": 1, "column": "c"}');
SELECT count(*) FROM mlops.monitors WHERE name = 'mm_profile_bad';

SELECT count(*) AS dropped FROM (SELECT mlops.drop_monitor(name) FROM mlops.monitors WHERE name LIKE 'mm\_%') s;
