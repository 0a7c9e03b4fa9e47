-- NULL values are ignored by every drift aggregate, also in moving window
-- frames: histogram's moving transition must not return NULL when a frame
-- starts with NULL values (it used to fail with 22004), and frames that
-- start, end or consist only of NULLs give the histogram of their other
-- values (NULL when there are none).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS mlops;
RESET client_min_messages;
CREATE TEMP TABLE wn (n int, x float8);
INSERT INTO wn VALUES (1, NULL), (2, 1.0), (3, NULL), (4, NULL), (5, 0.5), (6, 2.0);
-- the reported case
SELECT n, mlops.counts(mlops.histogram(x, '{1}') OVER (ORDER BY n ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING)) AS counts
  FROM (VALUES (1, NULL::float8), (2, 1.0)) t(n, x);
-- sliding frames: starting with NULL (1-2), ending with NULL (2-3), only NULLs (3-4)
SELECT n, mlops.counts(h) AS counts, mlops.total(h) AS total
  FROM (SELECT n, mlops.histogram(x, '{1}') OVER (ORDER BY n ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING) AS h
          FROM wn) s ORDER BY n;
-- a frame that slides past NULLs at both ends (inverse transition on NULL values)
SELECT n, mlops.counts(h) AS counts
  FROM (SELECT n, mlops.histogram(x, '{1}') OVER (ORDER BY n ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS h
          FROM wn) s ORDER BY n;
-- plain aggregates over NULLs only: NULL
SELECT mlops.histogram(x, '{1}') IS NULL AS hist_null,
       (mlops.ks_test(x, true)).statistic IS NULL AS ks_null,
       mlops.psi(x, n < 3) IS NULL AS psi_null
  FROM wn WHERE x IS NULL;
-- the exact aggregates in a moving frame skip NULLs too
SELECT n, round(mlops.wasserstein(x, n % 2 = 0) OVER (ORDER BY n ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)::numeric, 6) AS w
  FROM wn ORDER BY n;
