SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS mlops; RESET client_min_messages;
-- ks(qsketch, qsketch): the exact two-sample D of the raw values, computed
-- here in plain SQL, lies in [lower, upper] on many random pairs (exact
-- sketches, compacted ones at the default k, heavily compacted ones at k = 16,
-- shifted and unshifted, with and without ties).
SET max_parallel_workers_per_gather = 0;
SELECT setseed(0.25);
CREATE TABLE ks_sizes AS
SELECT p, (ARRAY[60, 400, 3000, 9000, 20000])[1 + p % 5] AS na,
          (ARRAY[150, 500, 2500, 12000])[1 + (p / 5) % 4] AS nb,
          (p % 4) * 0.04 AS shift, p % 3 = 0 AS ties
  FROM generate_series(0, 39) p;
CREATE TABLE ks_data AS
SELECT p, side, CASE WHEN ties THEN round(x::numeric, 1)::float8 ELSE x END AS x
  FROM (SELECT s.p, 0 AS side, s.ties, (random() + random() + random() - 1.5) AS x
          FROM ks_sizes s, generate_series(1, s.na)
        UNION ALL
        SELECT s.p, 1, s.ties, (random() + random() + random() - 1.5) * (1 + s.shift) + s.shift
          FROM ks_sizes s, generate_series(1, s.nb)) d;
-- exact D: both ECDFs evaluated after all ties at every value
CREATE TABLE ks_exact AS
SELECT p, max(abs(fa - fb)) AS d
  FROM (SELECT p, sum(1 - side) OVER w / na::float8 AS fa, sum(side) OVER w / nb::float8 AS fb
          FROM ks_data JOIN ks_sizes USING (p)
        WINDOW w AS (PARTITION BY p ORDER BY x RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)) t
 GROUP BY p;
CREATE TABLE ks_sketch AS
SELECT p, (mlops.ks(a, b)).*, (mlops.ks(a16, b16)).statistic AS stat16,
       (mlops.ks(a16, b16)).lower AS lower16, (mlops.ks(a16, b16)).upper AS upper16,
       mlops.rank_error(a) = 0 AND mlops.rank_error(b) = 0 AS exact
  FROM (SELECT p, mlops.qsketch_agg(x) FILTER (WHERE side = 0) AS a,
               mlops.qsketch_agg(x) FILTER (WHERE side = 1) AS b,
               mlops.qsketch_agg(x, 16) FILTER (WHERE side = 0) AS a16,
               mlops.qsketch_agg(x, 16) FILTER (WHERE side = 1) AS b16
          FROM ks_data GROUP BY p) s;
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE exact) AS exact_pairs,
       count(*) FILTER (WHERE exact AND abs(statistic - d) <= 1e-12 AND lower = statistic AND upper = statistic) AS exact_pairs_give_d,
       count(*) FILTER (WHERE lower - 1e-12 <= d AND d <= upper + 1e-12) AS d_within_bounds,
       count(*) FILTER (WHERE lower16 - 1e-12 <= d AND d <= upper16 + 1e-12) AS d_within_bounds_k16,
       count(*) FILTER (WHERE NOT exact AND upper - lower < 0.1) AS compacted_pairs_narrower_than_0_1
  FROM ks_exact JOIN ks_sketch USING (p);
-- how wide and how far off, for the record
SELECT s.na >= 3000 OR s.nb >= 2500 AS large,
       round(avg(upper - lower)::numeric, 4) AS avg_width,
       round(max(abs(statistic - d))::numeric, 4) AS max_abs_error,
       round(avg(upper16 - lower16)::numeric, 4) AS avg_width_k16,
       round(max(abs(stat16 - d))::numeric, 4) AS max_abs_error_k16
  FROM ks_exact JOIN ks_sketch USING (p) JOIN ks_sizes s USING (p)
 GROUP BY 1 ORDER BY 1;
DROP TABLE ks_sizes, ks_data, ks_exact, ks_sketch;
