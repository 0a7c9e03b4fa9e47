-- Categorical drift (psi_categorical, chi2_test): the transition function
-- detoasts each value in the per-call context, so the aggregate context does
-- not grow by one detoasted copy per row. Witness: the backend's memory
-- (pg_backend_memory_contexts) sampled on every row of the same aggregation
-- grows by far less than the 100 MB that 100 rows of 1 MB values detoast to.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS mlops;
RESET client_min_messages;
SET max_parallel_workers_per_gather = 0;
CREATE TABLE cat_big (i int, v text);
-- two categories of 1 MB each, stored compressed out of line (about 12 kB a row)
INSERT INTO cat_big SELECT i, repeat(chr(97 + i % 2), 1000000) FROM generate_series(1, 100) i;
SELECT count(*) AS toasted FROM cat_big WHERE pg_column_size(v) < 100000;
-- the backend's memory, read afresh on every call (a SQL function with a FROM is not inlined)
CREATE FUNCTION pg_temp.backend_bytes(row_id int) RETURNS numeric
    LANGUAGE sql VOLATILE AS $$
    SELECT sum(total_bytes) FROM pg_backend_memory_contexts WHERE row_id IS NOT NULL $$;
SELECT (mlops.chi2_test(v, i <= 50)).n_ref,
       round(mlops.psi_categorical(v, i <= 50)::numeric, 12) AS psi,
       max(pg_temp.backend_bytes(i)) - min(pg_temp.backend_bytes(i)) < 20 * 1024 * 1024 AS growth_under_20mb
  FROM cat_big;
DROP TABLE cat_big;
-- results do not depend on the hash layout: categories are summed in byte order
SELECT round(mlops.psi_categorical(c, r)::numeric, 15) AS psi, round((mlops.chi2_test(c, r)).statistic::numeric, 12) AS chi2
  FROM (VALUES ('a', true), ('b', true), ('b', true), ('c', true), ('a', false), ('c', false), ('c', false),
               ('d', false), ('', true), ('ab', false)) t(c, r);
