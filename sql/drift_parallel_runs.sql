-- Parallel plans of the exact drift aggregates on a table big enough for a
-- real parallel plan (no force_parallel_mode): the leader keeps the workers'
-- sorted sides as runs, psi, jensen_shannon and hellinger count on the runs,
-- ks_test and wasserstein merge them; every answer equals the serial one to
-- the last bit, whichever final function of a shared state runs first.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS mlops;
RESET client_min_messages;
CREATE TABLE drift_runs (v float8, is_ref bool, g int);
-- ties, -0 and +0, infinities and NaN on both sides
INSERT INTO drift_runs
SELECT CASE WHEN i % 1009 = 0 THEN 'NaN'::float8
            WHEN i % 1013 = 0 THEN '-Infinity'::float8
            WHEN i % 1019 = 0 THEN 'Infinity'::float8
            WHEN i % 101 = 0 THEN '-0'::float8
            WHEN i % 103 = 0 THEN 0
            ELSE round((sin(i * 0.7) * 1000 + CASE WHEN i % 2 = 0 THEN 37 ELSE 0 END)::numeric, 1)::float8 END,
       i % 2 = 1,
       i % 7
  FROM generate_series(1, 300000) i;
ANALYZE drift_runs;
CREATE TEMP TABLE runs_answers (plan text, psi float8, psi20 float8, psi2000 float8, js float8, h float8,
                                ks mlops.drift_result, w float8, ks_first mlops.drift_result, psi_after_ks float8);
SET max_parallel_workers_per_gather = 0;
INSERT INTO runs_answers
SELECT 'serial', a.*, b.*
  FROM (SELECT mlops.psi(v, is_ref), mlops.psi(v, is_ref, 20), mlops.psi(v, is_ref, 2000),
               mlops.jensen_shannon(v, is_ref), mlops.hellinger(v, is_ref, 9),
               mlops.ks_test(v, is_ref), mlops.wasserstein(v, is_ref) FILTER (WHERE v <> 'NaN' AND abs(v) <> 'Infinity')
          FROM drift_runs) a,
       (SELECT mlops.ks_test(v, is_ref), mlops.psi(v, is_ref) FROM drift_runs) b;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
-- (an INSERT ... SELECT never runs a parallel plan: CREATE TABLE AS does)
CREATE VIEW runs_query AS
SELECT a.*, b.*
  FROM (SELECT mlops.psi(v, is_ref) AS psi, mlops.psi(v, is_ref, 20) AS psi20, mlops.psi(v, is_ref, 2000) AS psi2000,
               mlops.jensen_shannon(v, is_ref) AS js, mlops.hellinger(v, is_ref, 9) AS h,
               mlops.ks_test(v, is_ref) AS ks,
               mlops.wasserstein(v, is_ref) FILTER (WHERE v <> 'NaN' AND abs(v) <> 'Infinity') AS w
          FROM drift_runs) a,
       (SELECT mlops.ks_test(v, is_ref) AS ks_first, mlops.psi(v, is_ref) AS psi_after_ks FROM drift_runs) b;
EXPLAIN (COSTS OFF) CREATE TEMP TABLE runs_parallel AS SELECT * FROM runs_query;
CREATE TEMP TABLE runs_parallel AS SELECT * FROM runs_query;
INSERT INTO runs_answers SELECT 'parallel', * FROM runs_parallel;
-- grouped: seven groups, each combined from the workers' partial states
CREATE TEMP TABLE runs_grouped AS
SELECT g, mlops.psi(v, is_ref) AS psi, mlops.psi(v, is_ref, 3) AS psi3, mlops.ks_test(v, is_ref) AS ks
  FROM drift_runs GROUP BY g;
RESET ALL;
SELECT round(psi::numeric, 10) AS psi, round(psi20::numeric, 10) AS psi20, round(psi2000::numeric, 10) AS psi2000,
       round(js::numeric, 10) AS js, round(h::numeric, 10) AS h, (ks).n_ref, (ks).n_cur,
       round((ks).statistic::numeric, 10) AS ks_d, round(w::numeric, 6) AS w
  FROM runs_answers WHERE plan = 'serial';
-- bit for bit: the float8 send images
SELECT float8send(s.psi) = float8send(p.psi) AS psi, float8send(s.psi20) = float8send(p.psi20) AS psi20,
       float8send(s.psi2000) = float8send(p.psi2000) AS psi2000, float8send(s.js) = float8send(p.js) AS js,
       float8send(s.h) = float8send(p.h) AS h, float8send(s.w) = float8send(p.w) AS w,
       float8send((s.ks).statistic) = float8send((p.ks).statistic) AND float8send((s.ks).pvalue) = float8send((p.ks).pvalue) AS ks,
       s.ks_first = p.ks_first AS ks_first, float8send(s.psi_after_ks) = float8send(p.psi_after_ks) AS psi_after_ks
  FROM runs_answers s, runs_answers p WHERE s.plan = 'serial' AND p.plan = 'parallel';
SET max_parallel_workers_per_gather = 0;
SELECT count(*) AS groups_agree
  FROM runs_grouped p
  JOIN (SELECT g, mlops.psi(v, is_ref) AS psi, mlops.psi(v, is_ref, 3) AS psi3, mlops.ks_test(v, is_ref) AS ks
          FROM drift_runs GROUP BY g) s
    ON s.g = p.g AND float8send(s.psi) = float8send(p.psi) AND float8send(s.psi3) = float8send(p.psi3) AND s.ks = p.ks;
RESET ALL;
DROP VIEW runs_query;
DROP TABLE drift_runs;
