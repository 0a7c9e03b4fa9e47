-- Drift review fixes: category tables that grow, count overflow in crafted
-- states, exact KS size check before the lattice arithmetic, privileges.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS mlops;
RESET client_min_messages;
\set VERBOSITY terse

-- a category table that grows keeps its sample sizes (they were counted again on each growth)
CREATE TEMP TABLE cat_many AS
SELECT 'c' || (g % 700) AS c, g % 2 = 0 AS r FROM generate_series(1, 3000) g;
WITH t AS (SELECT c, count(*) FILTER (WHERE r) AS a, count(*) FILTER (WHERE NOT r) AS b FROM cat_many GROUP BY c),
     tot AS (SELECT sum(a) AS na, sum(b) AS nb FROM t),
     x AS (SELECT sum((a - (a + b) * na / (na + nb))^2 / ((a + b) * na / (na + nb))
                    + (b - (a + b) * nb / (na + nb))^2 / ((a + b) * nb / (na + nb))) AS stat FROM t, tot)
SELECT (s.t).n_ref, (s.t).n_cur, abs((s.t).statistic - x.stat) < 1e-9 * x.stat AS statistic_matches
  FROM (SELECT mlops.chi2_test(c, r) AS t FROM cat_many) s, x;
