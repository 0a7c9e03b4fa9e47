-- mlops.ks_2samp / mlops.ks_test: SciPy's TestKSTwoSamples vectors
-- (scipy/stats/tests/test_stats.py), ties, alternatives, bad input.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS mlops;
RESET client_min_messages;
-- expected (D, p) pairs; ok = D to 1e-12 and p to 1e-9 relative (1e-14 absolute)
CREATE TEMP TABLE ks_case (name text, ref float8[], cur float8[], alt text, d float8, p float8);
CREATE FUNCTION pg_temp.lin(a float8, b float8, n int) RETURNS float8[]
    LANGUAGE sql AS $$ SELECT array_agg(CASE WHEN i = n - 1 THEN b ELSE i * ((b - a) / (n - 1)) + a END ORDER BY i)
                         FROM generate_series(0, n - 1) i $$;
INSERT INTO ks_case VALUES
 ('small', '{0}', '{1}', 'two-sided', 1, 1.0),
 ('small', '{0}', '{1}', 'greater', 1, 0.5),
 ('small', '{0}', '{1}', 'less', 0, 1.0),
 ('two vs three', '{1.01,2.01}', '{1,2,3}', 'two-sided', 1/3.0, 1.0),
 ('two vs three', '{1.01,2.01}', '{1,2,3}', 'greater', 1/3.0, 0.7),
 ('two vs three', '{1.01,2.01}', '{1,2,3}', 'less', 1/3.0, 0.7),
 ('two vs three', '{0.99,1.99}', '{1,2,3}', 'two-sided', 2/3.0, 0.6),
 ('two vs three', '{0.99,1.99}', '{1,2,3}', 'greater', 2/3.0, 0.3),
 ('two vs three', '{0.99,1.99}', '{1,2,3}', 'less', 0, 1.0),
 ('two vs four', '{1.01,2.01}', '{1,2,3,4}', 'two-sided', 0.5, 14/15.0),
 ('two vs four', '{1.01,2.01}', '{1,2,3,4}', 'greater', 0.5, 8/15.0),
 ('two vs four', '{1.01,2.01}', '{1,2,3,4}', 'less', 0.25, 12/15.0),
 ('two vs four', '{0.99,1.99}', '{1,2,3,4}', 'two-sided', 0.75, 6/15.0),
 ('two vs four', '{0.99,1.99}', '{1,2,3,4}', 'greater', 0.75, 3/15.0),
 ('equal sizes', '{1,2,3}', '{2,3,4}', 'two-sided', 1/3.0, 1.0),
 ('equal sizes', '{1,2,3}', '{2,3,4}', 'greater', 1/3.0, 0.75),
 ('100 vs 100 +2.1', pg_temp.lin(1, 100, 100), (SELECT array_agg(x + 2.1) FROM unnest(pg_temp.lin(1, 100, 100)) x), 'two-sided', 0.03, 0.999999999996206),
 ('100 vs 100 +2.1', pg_temp.lin(1, 100, 100), (SELECT array_agg(x + 2.1) FROM unnest(pg_temp.lin(1, 100, 100)) x), 'greater', 0.03, 0.9143290114276248),
 ('100 vs 100 +1.9', pg_temp.lin(1, 100, 100), (SELECT array_agg(x + 1.9) FROM unnest(pg_temp.lin(1, 100, 100)) x), 'two-sided', 0.02, 1.0),
 ('100 vs 100 +1.9', pg_temp.lin(1, 100, 100), (SELECT array_agg(x + 1.9) FROM unnest(pg_temp.lin(1, 100, 100)) x), 'greater', 0.02, 0.960978450786184),
 ('100 vs 110 +20.1', pg_temp.lin(1, 100, 100), (SELECT array_agg(x + 20.1) FROM unnest(pg_temp.lin(1, 100, 110)) x), 'two-sided', 232/1100.0, 0.015739183865607353),
 ('100 vs 110 +20.1', pg_temp.lin(1, 100, 100), (SELECT array_agg(x + 20.1) FROM unnest(pg_temp.lin(1, 100, 110)) x), 'greater', 232/1100.0, 0.007869594319053203),
 ('100 vs 110 +19.9', pg_temp.lin(1, 100, 100), (SELECT array_agg(x + 19.9) FROM unnest(pg_temp.lin(1, 100, 110)) x), 'two-sided', 229/1100.0, 0.017803803861026313),
 ('100 vs 110 +19.9', pg_temp.lin(1, 100, 100), (SELECT array_agg(x + 19.9) FROM unnest(pg_temp.lin(1, 100, 110)) x), 'greater', 229/1100.0, 0.008901905958245056),
 ('repeated 2233', '{2,2,2,3,3,3,3,5,5,5,5,5,6,6,6,6}', '{3,3,3,4,4,4,4,6,6,6,6,6,7,7,7,7}', 'two-sided', 5/16.0, 0.4262934613454952),
 ('repeated 2233', '{2,2,2,3,3,3,3,5,5,5,5,5,6,6,6,6}', '{3,3,3,4,4,4,4,6,6,6,6,6,7,7,7,7}', 'greater', 5/16.0, 0.21465428276573786),
 ('repeated 2356/3467', array_cat(array_cat(array_fill(2::float8, '{3}'), array_fill(3::float8, '{4}')), array_cat(array_fill(5::float8, '{10}'), array_fill(6::float8, '{4}'))),
                        array_cat(array_cat(array_fill(3::float8, '{10}'), array_fill(4::float8, '{2}')), array_cat(array_fill(6::float8, '{10}'), array_fill(7::float8, '{4}'))),
                        'two-sided', 190/546.0, 0.0919245790168125),
 ('repeated 2356/3467', array_cat(array_cat(array_fill(2::float8, '{3}'), array_fill(3::float8, '{4}')), array_cat(array_fill(5::float8, '{10}'), array_fill(6::float8, '{4}'))),
                        array_cat(array_cat(array_fill(3::float8, '{10}'), array_fill(4::float8, '{2}')), array_cat(array_fill(6::float8, '{10}'), array_fill(7::float8, '{4}'))),
                        'greater', 190/546.0, 0.0459633806858544),
 ('repeated 2356/3467', array_cat(array_cat(array_fill(2::float8, '{3}'), array_fill(3::float8, '{4}')), array_cat(array_fill(5::float8, '{10}'), array_fill(6::float8, '{4}'))),
                        array_cat(array_cat(array_fill(3::float8, '{10}'), array_fill(4::float8, '{2}')), array_cat(array_fill(6::float8, '{10}'), array_fill(7::float8, '{4}'))),
                        'less', 70/546.0, 0.6121593130022775),
 ('large 10000 vs 110', (SELECT array_agg(x - 1.0 / (4 * 10000 * 110)) FROM unnest(pg_temp.lin(1, 200, 10000)) x), pg_temp.lin(2, 100, 110), 'greater', 561/110000.0, 0.99115454582047591),
 ('large 10000 vs 110', (SELECT array_agg(x - 1.0 / (4 * 10000 * 110)) FROM unnest(pg_temp.lin(1, 200, 10000)) x), pg_temp.lin(2, 100, 110), 'less', 55275/110000.0, 3.1317328311518713e-26),
 ('large both 10000 vs 11000 (asymptotic)', (SELECT array_agg(x - 1.0 / (4 * 10000 * 11000)) FROM unnest(pg_temp.lin(1, 200, 10000)) x), pg_temp.lin(2, 200, 11000), 'two-sided', 563/110000.0, 0.9990660108966576);
SELECT name, alt, r.n_ref, r.n_cur, round(r.statistic::numeric, 10) AS statistic,
       abs(r.statistic - c.d) <= 1e-12 AS d_ok,
       abs(r.pvalue - c.p) <= 1e-9 * c.p + 1e-14 AS p_ok
  FROM ks_case c, mlops.ks_2samp(c.ref, c.cur, c.alt) r;
-- SciPy 1.10.1 on the 10000 vs 110 data gives 6.26e-26 two-sided (the exact lattice count)
SELECT r.pvalue BETWEEN 6.2e-26 AND 6.3e-26 AS two_sided_tiny_p
  FROM mlops.ks_2samp((SELECT array_agg(x - 1.0 / (4 * 10000 * 110)) FROM unnest(pg_temp.lin(1, 200, 10000)) x),
                      pg_temp.lin(2, 100, 110)) r;
-- the one-sample Kolmogorov distribution (SciPy kstwo.sf constants)
SELECT abs(mlops._kolmogn_sf(50, 0.2) - 0.03143877776953241) < 1e-12 AS kstwo_50,
       abs(mlops._kolmogn_sf(100, 0.1) - 0.2526927570063874) < 1e-12 AS kstwo_100;
-- the default alternative is two-sided
SELECT * FROM mlops.ks_2samp('{1,2,3}', '{2,3,4}');
-- the aggregate gives the same as the function; NULL values and NULL flags are ignored
CREATE TEMP TABLE ks_rows (v float8, is_ref bool);
INSERT INTO ks_rows SELECT unnest('{2,2,2,3,3,3,3,5,5,5,5,5,6,6,6,6}'::float8[]), true;
INSERT INTO ks_rows SELECT unnest('{3,3,3,4,4,4,4,6,6,6,6,6,7,7,7,7}'::float8[]), false;
INSERT INTO ks_rows VALUES (NULL, true), (1, NULL), (NULL, NULL);
SELECT (mlops.ks_test(v, is_ref)).* FROM ks_rows;
SELECT (mlops.ks_test(v, is_ref, 'greater')).* FROM ks_rows;
SELECT (mlops.ks_test(v, is_ref, 'less')).* FROM ks_rows;
-- empty and all-NULL samples: NULL statistic and p-value, no error
SELECT * FROM mlops.ks_2samp('{}', '{1,2}');
SELECT * FROM mlops.ks_2samp('{NULL,NULL}', '{1,2}');
SELECT * FROM mlops.ks_2samp('{1,2}', '{}');
SELECT * FROM mlops.ks_2samp(NULL, '{1,2}');
SELECT (mlops.ks_test(v, is_ref)).* FROM ks_rows WHERE false;
SELECT (mlops.ks_test(v, is_ref)).* FROM ks_rows WHERE v IS NULL;
SELECT (mlops.ks_test(v, is_ref)).* FROM ks_rows WHERE is_ref;
-- one-element samples
SELECT * FROM mlops.ks_2samp('{1}', '{1}');
SELECT * FROM mlops.ks_2samp('{1}', '{2}', 'less');
-- NaN sorts above +Infinity (PostgreSQL order), -0 equals 0
SELECT * FROM mlops.ks_2samp('{NaN,1,2}', '{Infinity,1,2}');
SELECT * FROM mlops.ks_2samp('{-Infinity,0,NaN}', '{-Infinity,-0,NaN}');
SELECT * FROM mlops.ks_2samp('{-Infinity,-Infinity}', '{Infinity,NaN}', 'greater');
-- D against its definition on 600 random small samples with heavy ties
-- (within and across the samples), infinities and NaN tails on either side:
-- the largest ECDF difference over the union's distinct values, each ECDF
-- counted with PostgreSQL's float8 order (NaN = NaN, above everything). The
-- exact p-value's lattice moves D by an ulp at most (as SciPy's does); one
-- value evaluated too early or too late would move it by 1/(m n) or more.
SELECT setseed(0.31);
CREATE TEMP TABLE ks_cases AS
SELECT c, ARRAY(SELECT CASE WHEN random() < 0.06 * (c % 3) THEN 'NaN'::float8
                            WHEN random() < 0.03 * (c % 2) THEN 'Infinity'::float8
                            ELSE floor(random() * (1 + c % 9)) / 2 END
                  FROM generate_series(1, 1 + (c * 7) % 23)) AS a,
          ARRAY(SELECT CASE WHEN random() < 0.05 * (c % 4) THEN 'NaN'::float8
                            WHEN random() < 0.03 * (c % 3) THEN '-Infinity'::float8
                            ELSE floor(random() * (1 + c % 7)) / 2 + CASE WHEN c % 5 = 0 THEN 0.25 ELSE 0 END END
                  FROM generate_series(1, 1 + (c * 11) % 19)) AS b
  FROM generate_series(1, 600) c;
SELECT count(*) AS cases,
       count(*) FILTER (WHERE abs(k.statistic - d.d) < 1e-12) AS equal
  FROM ks_cases t
 CROSS JOIN LATERAL mlops.ks_2samp(t.a, t.b) k
 CROSS JOIN LATERAL (
       SELECT greatest(0.0::float8, max(diff), max(0.0 - diff)) AS d
         FROM (SELECT (SELECT count(*) FROM unnest(t.a) x WHERE x <= u.v)::float8 / cardinality(t.a)
                    - (SELECT count(*) FROM unnest(t.b) y WHERE y <= u.v)::float8 / cardinality(t.b) AS diff
                 FROM (SELECT DISTINCT v FROM unnest(t.a || t.b) v) u) e) d;
DROP TABLE ks_cases;
-- bad input: SQLSTATE and message
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN EXECUTE q; RETURN 'no error';
EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
SELECT pg_temp.err($$SELECT mlops.ks_2samp('{1}', '{2}', 'two_sided')$$);
SELECT pg_temp.err($$SELECT mlops.ks_test(v, is_ref, 'bigger') FROM ks_rows$$);
SELECT pg_temp.err($$SELECT mlops.ks_test(v, is_ref, NULL) FROM ks_rows$$);
SELECT pg_temp.err($$SELECT mlops.ks_test(v, is_ref, CASE WHEN v > 4 THEN 'less' ELSE 'greater' END) FROM ks_rows$$);
SELECT pg_temp.err($$SELECT mlops._kolmogn_sf(0, 0.5)$$);
\set VERBOSITY default
SELECT * FROM mlops.ks_2samp('{1}', '{2}', 'two_sided');
\set VERBOSITY terse
-- leave the database as found (install.sql creates the extension itself)
SET client_min_messages = warning;
DROP EXTENSION mlops CASCADE;
RESET client_min_messages;
