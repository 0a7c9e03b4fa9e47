SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS mlops; RESET client_min_messages;
-- mlops.qsketch: a KLL quantile sketch with an error bound it can prove.
SET extra_float_digits = 0;
-- serial plans unless a test asks for parallel ones: answers are then reproducible
SET max_parallel_workers_per_gather = 0;

-- small input (below k = 512 values): the sketch is exact (nothing compacted); qsketch_json shows it
SELECT mlops.qsketch_json(mlops.qsketch_agg(x)) FROM (VALUES (3.0::float8), (1), (2), ('NaN'), (NULL), (-0.5)) v(x);
-- text round trip
SELECT s::text = s::text::mlops.qsketch::text AS text_round_trip
  FROM (SELECT mlops.qsketch_agg(g * 1.5) AS s FROM generate_series(1, 5000) g) q;
-- while exact, quantile() is percentile_disc() and cdf() the empirical CDF
CREATE TABLE qs_small AS SELECT (g * 37 % 101) / 7.0 AS x FROM generate_series(1, 500) g;
WITH s AS (SELECT mlops.qsketch_agg(x) AS s FROM qs_small),
     q AS (SELECT g / 20.0 AS q FROM generate_series(0, 20) g)
SELECT count(*) AS quantiles,
       count(*) FILTER (WHERE mlops.quantile(s.s, q.q) =
                        (SELECT percentile_disc(q.q) WITHIN GROUP (ORDER BY x) FROM qs_small)) AS equal_percentile_disc
  FROM s, q;
WITH s AS (SELECT mlops.qsketch_agg(x) AS s FROM qs_small)
SELECT count(*) AS points,
       count(*) FILTER (WHERE mlops.cdf(s.s, p.x) = (SELECT count(*) FILTER (WHERE x <= p.x)::float8 / count(*) FROM qs_small)) AS equal_ecdf
  FROM s, (SELECT DISTINCT x FROM qs_small UNION ALL VALUES (-1.0), (100.0)) p;
SELECT mlops.rank_error(s), mlops.total(s), mlops.nan_count(s), mlops.quantile(s, 0) AS min, mlops.quantile(s, 1) AS max
  FROM (SELECT mlops.qsketch_agg(x) AS s FROM qs_small) q;

-- NULL, NaN, infinities, empty input
SELECT mlops.qsketch_agg(x) IS NULL AS empty_is_null FROM qs_small WHERE false;
SELECT mlops.qsketch_agg(x) IS NULL AS all_null_is_null FROM (VALUES (NULL::float8), (NULL)) v(x);
SELECT mlops.qsketch_json(s) AS s, mlops.total(s), mlops.nan_count(s), mlops.quantile(s, 0.5) AS quantile, mlops.cdf(s, 0) AS cdf,
       mlops.rank_error(s) AS rank_error, mlops.ks(s, s) AS ks
  FROM (SELECT mlops.qsketch_agg(x) AS s FROM (VALUES ('NaN'::float8), ('NaN')) v(x)) q;
SELECT mlops.quantile(s, 0) AS q0, mlops.quantile(s, 0.5) AS q50, mlops.quantile(s, 1) AS q100,
       mlops.cdf(s, 'Infinity') AS cdf_inf, mlops.cdf(s, '-Infinity') AS cdf_minf
  FROM (SELECT mlops.qsketch_agg(x) AS s FROM (VALUES ('-Infinity'::float8), (0), ('Infinity'), ('NaN')) v(x)) q;

-- 1M rows (a permutation of distinct values): size, the stated bound and the measured error
CREATE TABLE qs_1m AS SELECT (g::bigint * 7919 % 1000003)::float8 / 1000003 AS x FROM generate_series(1, 1000000) g;
CREATE TABLE qs_1m_sketch AS SELECT mlops.qsketch_agg(x) AS s FROM qs_1m;
CREATE TABLE qs_1m_exact AS
SELECT q, v FROM unnest((SELECT percentile_disc((SELECT array_agg(g / 100.0 ORDER BY g) FROM generate_series(1, 99) g))
                                WITHIN GROUP (ORDER BY x) FROM qs_1m),
                        (SELECT array_agg(g / 100.0 ORDER BY g) FROM generate_series(1, 99) g)) AS u(v, q);
SELECT octet_length(mlops.qsketch_send(s)) AS bytes,
       round(mlops.rank_error(s)::numeric, 5) AS stated_error,
       (SELECT round(max(abs(mlops.cdf(s, v) - q))::numeric, 5) FROM qs_1m_exact) AS measured_error
  FROM qs_1m_sketch;
SELECT octet_length(mlops.qsketch_send(s)) <= 16384 AS at_most_16kb,
       mlops.total(s) AS n,
       mlops.rank_error(s) <= 0.01 AS stated_error_at_most_1pct,
       (SELECT max(abs(mlops.cdf(s, v) - q)) FROM qs_1m_exact) <= 0.01 AS measured_error_at_most_1pct,
       (SELECT max(abs(mlops.cdf(s, v) - q)) FROM qs_1m_exact) <= mlops.rank_error(s) * 2 AS measured_within_bound
  FROM qs_1m_sketch;
-- quantile() answers sit within the bound in rank: the exact rank of the estimate
WITH est AS MATERIALIZED (SELECT q, mlops.quantile(s, q) AS v
                            FROM qs_1m_sketch, (SELECT g / 10.0 AS q FROM generate_series(1, 9) g) qq)
SELECT count(*) AS quantiles,
       count(*) FILTER (WHERE abs((SELECT count(*) FROM qs_1m WHERE x <= est.v) / 1e6 - q) <= 0.01) AS within_1pct
  FROM est;
-- the worst case size for k = 512 (60 levels; level 0 holds at least 64) stays below 16 kB
SELECT 60 + 4 * 60 + 8 * (sum(c) + (64 - 8) - 1) AS max_wire_bytes
  FROM (WITH RECURSIVE caps(d, c) AS (SELECT 0, 512 UNION ALL
        SELECT d + 1, CASE WHEN c > 8 THEN greatest(8, 2 * c / 3) ELSE 8 END FROM caps WHERE d < 59)
        SELECT c FROM caps) s;

-- merge: sketches of parts answer like the sketch of the whole
SELECT mlops.quantile(m, 0.25) = mlops.quantile(w, 0.25) AS exact_parts_merge_exactly,
       mlops.total(m) = mlops.total(w) AS same_total
  FROM (SELECT mlops.merge(s) AS m FROM (SELECT mlops.qsketch_agg(x) AS s FROM qs_small GROUP BY x::int % 3) p) a,
       (SELECT mlops.qsketch_agg(x) AS w FROM qs_small) b;
SELECT mlops.total(m) AS n, mlops.rank_error(m) <= 0.01 AS bound_ok,
       (SELECT max(abs(mlops.cdf(m, v) - q)) FROM qs_1m_exact) <= 0.01 AS measured_ok
  FROM (SELECT mlops.merge(s) AS m FROM (SELECT mlops.qsketch_agg(x) AS s FROM qs_1m GROUP BY (x * 1000)::int % 10) p) a;
-- different k: the smaller one wins
SELECT mlops.qsketch_json(mlops.merge(s)) -> 'k' AS k
  FROM (SELECT mlops.qsketch_agg(x, 64) AS s FROM qs_small UNION ALL SELECT mlops.qsketch_agg(x) FROM qs_small) p;
SELECT mlops.rank_error(mlops.qsketch_agg(x, 64)) > mlops.rank_error(mlops.qsketch_agg(x, 2048)) AS smaller_k_larger_error
  FROM qs_1m;

-- ks: exact sketches give exactly D of the raw data (here D = 0.05, scipy vector P3)
SELECT (mlops.ks(a, b)).*
  FROM (SELECT mlops.qsketch_agg(g + 0.5) AS a, mlops.qsketch_agg(g + 5.5) AS b FROM generate_series(0, 99) g) s;
-- psi on sketches equals psi on histograms cut at the reference sketch's quantile edges
WITH r AS (SELECT mlops.qsketch_agg(x) AS s, array_agg(x) AS xs FROM qs_small),
     c AS (SELECT array_agg(x * 1.1 + 0.3) AS xs, mlops.qsketch_agg(x * 1.1 + 0.3) AS s FROM qs_small)
SELECT mlops.quantile_edges(r.s, 5) AS edges,
       round(mlops.psi(r.s, c.s, 5)::numeric, 12) AS psi_sketch,
       round(mlops.psi((SELECT mlops.histogram(x, mlops.quantile_edges(r.s, 5)) FROM unnest(r.xs) x),
                       (SELECT mlops.histogram(x, mlops.quantile_edges(r.s, 5)) FROM unnest(c.xs) x))::numeric, 12) AS psi_histogram,
       mlops.psi(r.s, r.s) AS psi_self
  FROM r, c;
SELECT round(mlops.psi(a, b)::numeric, 6) AS psi_shift, round(mlops.psi(a, a)::numeric, 6) AS psi_same
  FROM (SELECT mlops.qsketch_agg(x) AS a, mlops.qsketch_agg(x + 0.02) AS b FROM qs_1m) s;

-- parallel plans: the same answers (exact groups) and the same guarantees (1M rows)
CREATE TABLE qs_serial AS
SELECT ARRAY(SELECT mlops.quantile(s, g / 20.0) FROM generate_series(0, 20) g ORDER BY g) AS qs, mlops.total(s) AS n
  FROM (SELECT mlops.qsketch_agg(x) AS s FROM qs_small) a;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2; SET force_parallel_mode = on;
EXPLAIN (COSTS OFF) SELECT mlops.qsketch_agg(x) FROM qs_1m;
EXPLAIN (COSTS OFF) SELECT mlops.qsketch_agg(x) FROM qs_small;
SELECT p.qs = s.qs AND p.n = s.n AS parallel_equals_serial
  FROM (SELECT ARRAY(SELECT mlops.quantile(s, g / 20.0) FROM generate_series(0, 20) g ORDER BY g) AS qs, mlops.total(s) AS n
          FROM (SELECT mlops.qsketch_agg(x) AS s FROM qs_small) a) p, qs_serial s;
SELECT mlops.total(s) AS n, mlops.rank_error(s) <= 0.01 AS bound_ok,
       (SELECT max(abs(mlops.cdf(s, v) - q)) FROM qs_1m_exact) <= 0.01 AS measured_ok
  FROM (SELECT mlops.qsketch_agg(x) AS s FROM qs_1m) p;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
SET max_parallel_workers_per_gather = 0; RESET force_parallel_mode;

DROP TABLE qs_small, qs_1m, qs_1m_sketch, qs_1m_exact, qs_serial;
