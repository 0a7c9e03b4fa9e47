-- ks_2samp hardening: the statistic is never -0, and a multi-dimensional
-- array is refused (22023, naming the argument) instead of being read as a sample.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS mlops;
RESET client_min_messages;
-- D- = 0 (every reference value below every current one): +0, also as text
SELECT statistic::text AS d, pvalue FROM mlops.ks_2samp('{0}', '{1}', 'less');
SELECT statistic::text AS d FROM mlops.ks_2samp('{1,2,3}', '{4,5}', 'less');
SELECT (mlops.ks_test(v, r, 'less')).statistic::text AS d
  FROM (VALUES (0::float8, true), (1, false)) t(v, r);
-- the asymptotic path (more than 10000 values) keeps D as computed: +0 too
SELECT statistic::text AS d, pvalue
  FROM mlops.ks_2samp(ARRAY(SELECT g::float8 FROM generate_series(1, 10001) g), '{20000,20001}', 'less');
SELECT count(*) FILTER (WHERE (d).statistic::text = '-0') AS negative_zeros
  FROM (SELECT mlops.ks_2samp(ARRAY[i::float8], ARRAY[j::float8], alt) AS d
          FROM generate_series(0, 3) i, generate_series(0, 3) j,
               unnest(ARRAY['two-sided', 'greater', 'less']) alt) s;
-- matrices are not samples
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN EXECUTE q; RETURN 'no error';
EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
SELECT pg_temp.err($$SELECT mlops.ks_2samp('{{1,2},{3,4}}', '{1,2,3,4}')$$);
SELECT pg_temp.err($$SELECT mlops.ks_2samp('{1,2}', '{{1},{2}}', 'less')$$);
-- one-dimensional and empty arrays are fine
SELECT * FROM mlops.ks_2samp('{}', '{1}');
-- A reference spanning -Infinity to +Infinity: the edges between them are the
-- limit of the interpolation (-Infinity before the midpoint, 0 at it,
-- +Infinity after it), so the shares separate as for a huge finite range
-- instead of every value falling into one bin (PSI 0).
SELECT round(mlops.psi('{Infinity,-Infinity}'::float8[], '{1}'::float8[])::numeric, 6) AS psi_infinite_ref,
       mlops.psi('{Infinity,-Infinity}'::float8[], '{1}'::float8[])
         = mlops.psi('{1e300,-1e300}'::float8[], '{1}'::float8[]) AS same_as_huge_finite,
       mlops.psi('{Infinity,-Infinity}'::float8[], '{1}'::float8[], 2)
         = mlops.psi('{1e300,-1e300}'::float8[], '{1}'::float8[], 2) AS same_with_a_midpoint_edge;
SELECT round(mlops.psi(x, r)::numeric, 6) AS psi_aggregate
  FROM (VALUES ('Infinity'::float8, true), ('-Infinity', true), (1, false)) v(x, r);
