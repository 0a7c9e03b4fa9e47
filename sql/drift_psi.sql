-- mlops.psi, mlops.psi_threshold, the distances and the categorical
-- statistics: reference vectors P1-P4, the binning rules, bad input.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS mlops;
RESET client_min_messages;
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN EXECUTE q; RETURN 'no error';
EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
-- P1 (categorical shares .5/.3/.2 vs .3/.3/.4): PSI 0.2407945608651872, Hellinger-style shares
CREATE TEMP TABLE p1 (v text, is_ref bool);
INSERT INTO p1 SELECT 'a', true FROM generate_series(1, 5) UNION ALL SELECT 'b', true FROM generate_series(1, 3)
     UNION ALL SELECT 'c', true FROM generate_series(1, 2) UNION ALL SELECT 'a', false FROM generate_series(1, 3)
     UNION ALL SELECT 'b', false FROM generate_series(1, 3) UNION ALL SELECT 'c', false FROM generate_series(1, 4);
SELECT abs(mlops.psi_categorical(v, is_ref) - 0.2407945608651872) < 1e-15 AS p1_psi FROM p1;
-- chi-square test of the same table (scipy chi2_contingency(correction=False): 1.1666666666666667, p 0.5580351457700471)
SELECT round((t).statistic::numeric, 12) AS statistic, round((t).pvalue::numeric, 12) AS pvalue, (t).n_ref, (t).n_cur
  FROM (SELECT mlops.chi2_test(v, is_ref) AS t FROM p1) s;
-- P2: an empty reference category gets share 1e-4 and no renormalisation: 1.566420764587036
CREATE TEMP TABLE p2 (v text, is_ref bool);
INSERT INTO p2 SELECT 'a', true FROM generate_series(1, 60) UNION ALL SELECT 'b', true FROM generate_series(1, 40)
     UNION ALL SELECT 'a', false FROM generate_series(1, 50) UNION ALL SELECT 'b', false FROM generate_series(1, 30)
     UNION ALL SELECT 'c', false FROM generate_series(1, 20);
SELECT abs(mlops.psi_categorical(v, is_ref) - 1.566420764587036) < 1e-14 AS p2_psi FROM p2;
-- P3: reference 0.5, 1.5, ..., 99.5 and current = reference + 5 on deciles: 0.05 ln 3
SELECT abs(mlops.psi(array(SELECT x - 0.5 FROM generate_series(1, 100) x)::float8[],
                     array(SELECT x + 4.5 FROM generate_series(1, 100) x)::float8[]) - 0.054930614433405474) < 1e-15 AS p3_psi;
-- P4: identical samples give 0
SELECT mlops.psi('{1,2,3,4,5,6,7,8,9,10}'::float8[], '{10,9,8,7,6,5,4,3,2,1}'::float8[]) AS p4_psi;
-- the aggregate agrees with the function; bins defaults to 10
CREATE TEMP TABLE p3 (v float8, is_ref bool);
INSERT INTO p3 SELECT x - 0.5, true FROM generate_series(1, 100) x UNION ALL SELECT x + 4.5, false FROM generate_series(1, 100) x;
SELECT abs(mlops.psi(v, is_ref) - 0.054930614433405474) < 1e-15 AS agg_default,
       mlops.psi(v, is_ref, 10) = mlops.psi(v, is_ref) AS agg_bins_10,
       mlops.psi(v, is_ref, 4) = mlops.psi(array_agg(v) FILTER (WHERE is_ref), array_agg(v) FILTER (WHERE NOT is_ref), 4) AS agg_matches_function
  FROM p3;
-- edges: the reference quantile with linear interpolation (as percentile_cont); a value equal to an edge goes up.
-- reference {0,10}, 2 bins: edge 5; current 5 is in the upper bin, so shares (.5,.5) vs (0,1)
SELECT round(mlops.psi('{0,10}'::float8[], '{5,5}'::float8[], 2)::numeric, 12) AS edge_goes_up,
       round(mlops.psi('{0,10}'::float8[], '{4.999,4.999}'::float8[], 2)::numeric, 12) AS below_edge;
-- open end bins: values far outside the reference range land in the end bins
SELECT mlops.psi('{1,2,3,4}'::float8[], '{-1e300,-1e300,1e300,1e300}'::float8[], 2) = 0 AS open_ends;
-- NaN is its own bin; -Infinity and +Infinity go to the end bins
SELECT round(mlops.psi('{1,2,3,4}'::float8[], '{1,2,3,NaN}'::float8[], 2)::numeric, 12) AS nan_bin,
       mlops.psi('{1,2,3,4}'::float8[], '{-Infinity,1,4,Infinity}'::float8[], 2) = 0 AS infinities,
       round(mlops.psi('{NaN,NaN}'::float8[], '{NaN,1}'::float8[], 2)::numeric, 12) AS all_nan_reference;
-- ties in the reference make equal edges; bins empty on both sides do not count
SELECT mlops.psi('{1,1,1,1,1,1,1,1,1,2}'::float8[], '{1,1,1,1,1,1,1,1,1,2}'::float8[]) AS tied_edges_identical,
       round(mlops.psi('{1,1,1,1,1,1,1,1,1,2}'::float8[], '{1,1,1,1,1,2,2,2,2,2}'::float8[])::numeric, 12) AS tied_edges_shift;
-- one-element samples
SELECT mlops.psi('{1}'::float8[], '{1}'::float8[]) AS one_each, round(mlops.psi('{1}'::float8[], '{2}'::float8[])::numeric, 12) AS one_each_apart;
-- empty and all-NULL samples: NULL
SELECT mlops.psi('{}'::float8[], '{1}'::float8[]) IS NULL AS empty_ref,
       mlops.psi('{1}'::float8[], '{NULL}'::float8[]) IS NULL AS null_cur,
       mlops.psi(NULL::float8[], '{1}'::float8[]) IS NULL AS null_array;
SELECT mlops.psi(v, is_ref) IS NULL AS no_rows, mlops.wasserstein(v, is_ref) IS NULL AS w,
       mlops.jensen_shannon(v, is_ref) IS NULL AS js, mlops.hellinger(v, is_ref) IS NULL AS h
  FROM p3 WHERE false;
SELECT mlops.psi(v, is_ref) IS NULL AS one_side, mlops.wasserstein(v, is_ref) IS NULL AS w
  FROM p3 WHERE is_ref;
SELECT mlops.psi_categorical(v, is_ref) IS NULL AS cat_one_side, (mlops.chi2_test(v, is_ref)).* FROM p1 WHERE is_ref;
SELECT mlops.psi_categorical(v, is_ref) IS NULL AS cat_no_rows, (mlops.chi2_test(v, is_ref)).* FROM p1 WHERE false;
SELECT mlops.psi_categorical(NULL::text, true) IS NULL AS cat_null_values;
-- one category on both sides: chi-square statistic 0, p 1
SELECT (mlops.chi2_test(v, is_ref)).* FROM (VALUES ('x', true), ('x', false), ('x', false)) t(v, is_ref);
-- PSI threshold: chi2.ppf(0.95, 9) (1/1000 + 1/1000) = 0.0338379552092409
SELECT round(mlops.psi_threshold(1000, 1000)::numeric, 12) AS default_threshold,
       round(mlops.psi_threshold(1000, 1000, 10, 0.05)::numeric, 12) AS explicit,
       round(mlops.psi_threshold(500, 2000, 2, 0.01)::numeric, 12) AS two_bins;
-- Wasserstein: P3 has W1 = 5 exactly; +Infinity on one side only gives Infinity; NaN gives NaN
SELECT round(mlops.wasserstein(v, is_ref)::numeric, 9) AS w1 FROM p3;
SELECT mlops.wasserstein(v, r) AS w_inf FROM (VALUES (1::float8, true), ('Infinity', false), (1, false)) t(v, r);
SELECT mlops.wasserstein(v, r) AS w_inf_both FROM (VALUES ('Infinity'::float8, true), ('Infinity', false), (1, true), (2, false)) t(v, r);
SELECT mlops.wasserstein(v, r) AS w_nan FROM (VALUES (1::float8, true), ('NaN', false)) t(v, r);
SELECT mlops.wasserstein(v, r) AS w_one_each FROM (VALUES (1::float8, true), (3.5, false)) t(v, r);
-- Jensen-Shannon and Hellinger: 0 for identical samples; shares (.5,.5) vs (0,1) give
-- JS sqrt((ln 2/2 + ln(2/3)/2 + ln(4/3))/2) = 0.464501404022 and Hellinger sqrt(1 - sqrt(.5)) = 0.541196100146
SELECT mlops.jensen_shannon(v, r) AS js_same, mlops.hellinger(v, r) AS h_same
  FROM (SELECT x::float8, b FROM generate_series(1, 50) x, (VALUES (true), (false)) b(b)) t(v, r);
SELECT round(mlops.jensen_shannon(v, r, 2)::numeric, 12) AS js, round(mlops.hellinger(v, r, 2)::numeric, 12) AS hellinger
  FROM (VALUES (1::float8, true), (2, true), (10, false), (11, false)) t(v, r);
-- NaN and infinities in the binned distances: NaN is a bin of its own, infinities go to the end bins
SELECT round(mlops.jensen_shannon(v, r, 2)::numeric, 12) AS js_nan, round(mlops.hellinger(v, r, 2)::numeric, 12) AS h_nan,
       round(mlops.psi(v, r, 2)::numeric, 12) AS psi_nan
  FROM (VALUES (1::float8, true), (2, true), ('-Infinity', false), ('NaN', false)) t(v, r);
-- as window functions: the final function runs again after more rows arrive (it sorts the state in place)
SELECT i, round(mlops.psi(v, r, 2) OVER w::numeric, 12) AS running_psi,
       round((mlops.ks_test(v, r) OVER w).statistic::numeric, 12) AS running_ks_d,
       mlops.wasserstein(v, r) OVER w AS running_w
  FROM (VALUES (1, 3::float8, true), (2, 1, true), (3, 2, false), (4, 5, true), (5, 0, false), (6, 9, false)) t(i, v, r)
WINDOW w AS (ORDER BY i ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
 ORDER BY i;
-- bad input: SQLSTATE and message
SELECT pg_temp.err($$SELECT mlops.psi('{1}'::float8[], '{2}'::float8[], 1)$$);
SELECT pg_temp.err($$SELECT mlops.psi('{1}'::float8[], '{2}'::float8[], 10001)$$);
SELECT pg_temp.err($$SELECT mlops.psi(v, is_ref, 0) FROM p3$$);
SELECT pg_temp.err($$SELECT mlops.psi(v, is_ref, NULL) FROM p3$$);
SELECT pg_temp.err($$SELECT mlops.psi(v, is_ref, CASE WHEN is_ref THEN 10 ELSE 5 END) FROM p3$$);
SELECT pg_temp.err($$SELECT mlops.jensen_shannon(v, is_ref, 1) FROM p3$$);
SELECT pg_temp.err($$SELECT mlops.hellinger(v, is_ref, 20000) FROM p3$$);
SELECT pg_temp.err($$SELECT mlops.psi_threshold(0, 10)$$);
SELECT pg_temp.err($$SELECT mlops.psi_threshold(10, 10, 1)$$);
SELECT pg_temp.err($$SELECT mlops.psi_threshold(10, 10, 10, 0)$$);
SELECT pg_temp.err($$SELECT mlops.psi_threshold(10, 10, 10, 1)$$);
SELECT pg_temp.err($$SELECT mlops.psi_threshold(10, 10, 10, 'NaN')$$);
SELECT pg_temp.err($$SELECT mlops._chi2_ppf(2, 3)$$);
SELECT pg_temp.err($$SELECT mlops._chi2_sf(2, 0)$$);
\set VERBOSITY default
SELECT mlops.psi('{1}'::float8[], '{2}'::float8[], 1);
\set VERBOSITY terse
-- leave the database as found (install.sql creates the extension itself)
SET client_min_messages = warning;
DROP EXTENSION mlops CASCADE;
RESET client_min_messages;
