-- Review fixes for tracking: each block failed (or crashed) before its fix.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS mlops;
RESET client_min_messages;
\set SHOW_CONTEXT never
INSERT INTO mlops.experiments (name) VALUES ('fixes');
CREATE FUNCTION pg_temp.new_run(rid uuid) RETURNS uuid LANGUAGE sql AS $$
INSERT INTO mlops.runs (id, experiment_id, name)
SELECT rid, e.id, 'r' || right(rid::text, 2) FROM mlops.experiments e WHERE e.name = 'fixes' RETURNING id $$;
CREATE FUNCTION pg_temp.points(r uuid) RETURNS text LANGUAGE sql AS $$
SELECT format('metrics=%s latest=%s status=%s',
    (SELECT count(*) FROM mlops.metrics WHERE run_id = r),
    (SELECT count(*) FROM mlops.latest_metrics WHERE run_id = r),
    (SELECT status FROM mlops.runs WHERE id = r)) $$;

-- 3. a data-modifying CTE ends the run while this transaction has it cached as open
\set r '00000000-0000-0000-0000-0000000000f1'
SELECT pg_temp.new_run(:'r') IS NOT NULL AS started;
BEGIN;
SELECT mlops.log_metric(:'r', 'loss', 1);
WITH u AS (UPDATE mlops.runs SET status = 'FINISHED' WHERE id = :'r' RETURNING id)
SELECT mlops.log_metric(id, 'loss', 2, 1) FROM u;
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
SELECT pg_temp.points(:'r') AS after_cte_log_metric;
BEGIN;
SELECT mlops.log_metric(:'r', 'loss', 1);
WITH u AS (UPDATE mlops.runs SET status = 'FINISHED' WHERE id = :'r' RETURNING id)
INSERT INTO mlops.metrics (run_id, key, value) SELECT id, 'x', 1 FROM u;
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
SELECT pg_temp.points(:'r') AS after_cte_insert;
BEGIN;
SELECT mlops.log_metrics(:'r', '{"a": 1}');
WITH u AS (UPDATE mlops.runs SET status = 'KILLED' WHERE id = :'r' RETURNING id)
SELECT mlops.log_metrics(id, '{"a": 2}') FROM u;
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
BEGIN;
SELECT mlops.log_metric(:'r', 'loss', 1);
WITH d AS (DELETE FROM mlops.runs WHERE id = :'r' RETURNING id)
SELECT mlops.log_metric(:'r', 'loss', 2, 1) FROM (SELECT count(*) FROM d) c;
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
SELECT pg_temp.points(:'r') AS untouched;

-- 6. an over-long multibyte key is clipped on a character boundary in the detail
CREATE FUNCTION pg_temp.try(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; msg text; det text;
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
    RETURN st || ': ' || msg || CASE WHEN det <> '' THEN ' (' || det || ')' ELSE '' END;
END $$;
SELECT pg_temp.try(format($$SELECT mlops.log_metric(%L, %L, 1)$$, :'r', 'a' || repeat('é', 300)));
SELECT pg_temp.try(format($$SELECT mlops.log_param(%L, %L, 'v')$$, :'r', 'a' || repeat('é', 300)));
-- 6. log_metric keeps latest_metrics at the newest point whatever the order
SELECT mlops.log_metric(:'r', 'acc', 0.5, 5), mlops.log_metric(:'r', 'acc', 0.3, 3);
SELECT step, value FROM mlops.latest_metrics WHERE run_id = :'r' AND key = 'acc';
SELECT mlops.log_metric(:'r', 'acc', 0.7, 7);
SELECT step, value FROM mlops.latest_metrics WHERE run_id = :'r' AND key = 'acc';
SELECT pg_temp.points(:'r') AS after_ordering;

-- 5. log_metric takes the SQL path when mlops.metrics was altered
-- (value = value would not do: NaN = NaN is true in PostgreSQL)
ALTER TABLE mlops.metrics ADD CONSTRAINT no_nan CHECK (value <> 'NaN'::float8) NOT VALID;
SELECT split_part(pg_temp.try(format($$SELECT mlops.log_metric(%L, 'x', 'NaN')$$, :'r')), ' (Failing row', 1) AS refused;
SELECT pg_temp.points(:'r') AS nan_refused;
SELECT mlops.log_metric(:'r', 'x', 1, 1);
SELECT step, value FROM mlops.latest_metrics WHERE run_id = :'r' AND key = 'x';
ALTER TABLE mlops.metrics DROP CONSTRAINT no_nan;
SELECT pg_temp.try(format($$SELECT mlops.log_metric(%L, 'x', 'NaN', 2)$$, :'r'));
SELECT step, value FROM mlops.latest_metrics WHERE run_id = :'r' AND key = 'x';
CREATE TABLE public.tracking_fixes_seen (key text, value float8);
CREATE FUNCTION public.tracking_fixes_seen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO public.tracking_fixes_seen VALUES (NEW.key, NEW.value); RETURN NEW; END $$;
CREATE TRIGGER zz_seen AFTER INSERT ON mlops.metrics FOR EACH ROW EXECUTE FUNCTION public.tracking_fixes_seen();
SELECT mlops.log_metric(:'r', 'y', 3, 1), mlops.log_metric(:'r', 'y', 4, 2);
SELECT * FROM public.tracking_fixes_seen ORDER BY value;
SELECT step, value FROM mlops.latest_metrics WHERE run_id = :'r' AND key = 'y';
DROP TRIGGER zz_seen ON mlops.metrics;
DROP FUNCTION public.tracking_fixes_seen();
DROP TABLE public.tracking_fixes_seen;
SELECT pg_temp.points(:'r') AS after_sql_path;
