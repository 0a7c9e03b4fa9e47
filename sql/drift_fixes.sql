-- Drift review fixes: category tables that grow, count overflow in crafted
-- states, exact KS size check before the lattice arithmetic, privileges.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS mlops;
RESET client_min_messages;
\set VERBOSITY terse

-- a category table that grows keeps its sample sizes (they were counted again on each growth)
CREATE TABLE cat_many AS
SELECT 'c' || (g % 700) AS c, g % 2 = 0 AS r FROM generate_series(1, 3000) g;
WITH t AS (SELECT c, count(*) FILTER (WHERE r) AS a, count(*) FILTER (WHERE NOT r) AS b FROM cat_many GROUP BY c),
     tot AS (SELECT sum(a) AS na, sum(b) AS nb FROM t),
     x AS (SELECT sum((a - (a + b) * na / (na + nb))^2 / ((a + b) * na / (na + nb))
                    + (b - (a + b) * nb / (na + nb))^2 / ((a + b) * nb / (na + nb))) AS stat FROM t, tot)
SELECT (s.t).n_ref, (s.t).n_cur, abs((s.t).statistic - x.stat) < 1e-9 * x.stat AS statistic_matches
  FROM (SELECT mlops.chi2_test(c, r) AS t FROM cat_many) s, x;

-- counts that would wrap: one category repeated in a crafted state, or totals past int64
SELECT mlops._cat_state_info('\x4d43533104000000000000000100000061ffffffffffffff1f00000000000000000100000061ffffffffffffff1f00000000000000000100000061ffffffffffffff1f00000000000000000100000061ffffffffffffff1f0000000000000000'::bytea);
SELECT mlops._cat_state_info('\x4d43533105000000000000000100000061ffffffffffffff1f00000000000000000100000061ffffffffffffff1f00000000000000000100000061ffffffffffffff1f00000000000000000100000061ffffffffffffff1f00000000000000000100000061ffffffffffffff1f0000000000000000'::bytea);
SELECT mlops._cat_state_info('\x4d43533105000000000000000100000061ffffffffffffff1f00000000000000000100000061ffffffffffffff1f00000000000000000100000061ffffffffffffff1f00000000000000000100000061ffffffffffffff1f00000000000000000100000062ffffffffffffff1f0000000000000000'::bytea);

SELECT mlops.create_roles();
-- the byte decoders are for superusers only; the aggregates still work in
-- parallel plans (serialized states) for a reader
SELECT p.oid::regprocedure AS decoder, has_function_privilege('mlops_reader', p.oid, 'EXECUTE') AS reader_may_call
  FROM pg_proc p WHERE p.pronamespace = 'mlops'::regnamespace AND p.proname LIKE '\_%'
   AND 'bytea'::regtype = ANY (p.proargtypes::regtype[]) ORDER BY p.oid::regprocedure::text;
CREATE ROLE regress_drift_fix_reader IN ROLE mlops_reader;
GRANT SELECT ON cat_many TO regress_drift_fix_reader;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET force_parallel_mode = on;
SET ROLE regress_drift_fix_reader;
EXPLAIN (COSTS OFF) SELECT mlops.chi2_test(c, r) FROM cat_many;
SELECT (t).n_ref, (t).n_cur FROM (SELECT mlops.chi2_test(c, r) AS t FROM cat_many) s;
SELECT mlops.psi(length(c)::float8, r) >= 0 AS psi_ok FROM cat_many;
SELECT mlops._cat_state_info('\x4d435331');
RESET ROLE;
RESET force_parallel_mode;
RESET max_parallel_workers_per_gather;
DROP TABLE cat_many;
DROP ROLE regress_drift_fix_reader;

-- Reference quantiles interpolated from -Infinity: the edge is -Infinity (as
-- NumPy's quantile), not +Infinity, which put every finite value in one bin
-- and gave PSI 0 for a sample moved 1000 units away (the contract's value is
-- 8.4223); and an interpolation whose difference overflows stays finite
SELECT round(mlops.psi('{-Infinity,1,2,3,4,5,6,7,8,9}'::float8[],
                       ARRAY(SELECT 1000 + g::float8 FROM generate_series(1, 10) g))::numeric, 4) AS psi_from_minus_inf;
SELECT round(mlops.psi('{-1e308,1e308}'::float8[], '{-1e308,-1e308,-1e308,-1e308}'::float8[], 2)::numeric, 4) AS psi_overflow,
       round(mlops.psi('{-1e307,1e307}'::float8[], '{-1e307,-1e307,-1e307,-1e307}'::float8[], 2)::numeric, 4) AS psi_scaled;
-- the aggregates (SciPy: jensenshannon 0.2061, Hellinger 0.2071 on these bins)
WITH d(x, r) AS (VALUES ('-Infinity'::float8, true), (1, true), (2, true), (3, true),
                        (1, false), (2, false), (3, false), (4, false))
SELECT round(mlops.psi(x, r, 5)::numeric, 4) AS psi, round(mlops.jensen_shannon(x, r, 5)::numeric, 4) AS js,
       round(mlops.hellinger(x, r, 5)::numeric, 4) AS hellinger FROM d;
-- quantile_edges gives histogram() finite edges only, and 0 for -0
SELECT mlops.quantile_edges(mlops.qsketch_agg(x), 4) AS edges
  FROM (VALUES ('-Infinity'::float8), ('-Infinity'), (1), (2), (3)) v(x);
SELECT mlops.histogram(x, (SELECT mlops.quantile_edges(mlops.qsketch_agg(y), 4)
                             FROM (VALUES ('-Infinity'::float8), ('-Infinity'), (1), (2), (3)) w(y))) IS NOT NULL AS histogram_built
  FROM (VALUES (1::float8), (2.5)) v(x);
-- histogram edges -0 and 0 are the same edges
SELECT round(mlops.psi(mlops.histogram(x, '{0,1}'), (SELECT mlops.histogram(y, '{-0,1}') FROM (VALUES (-1::float8), (0.5), (2)) w(y)))::numeric, 4) AS psi_signed_zero
  FROM (VALUES (-1::float8), (0.5), (2)) v(x);
SELECT mlops.histogram(x, e) IS NOT NULL AS combined
  FROM (VALUES (0.5::float8, '{0,1}'::float8[]), (0.7, '{-0,1}')) v(x, e);
-- psi_threshold takes the upper tail itself: a tiny alpha keeps its digits
-- (SciPy: chi2.isf(alpha, 9) * (1/1000 + 1/1000))
SELECT a.alpha, abs(mlops.psi_threshold(1000, 1000, 10, a.alpha) / a.scipy - 1) < 1e-12 AS as_scipy
  FROM (VALUES (1e-10, 0.13163558671405035), (1e-13, 0.1620978170997428), (1e-17, 0.2019460435010381),
               (0.05, 0.033837955209240905)) a(alpha, scipy);
