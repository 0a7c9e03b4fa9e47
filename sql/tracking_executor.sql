-- log_metric behaves exactly like a plain INSERT into mlops.metrics whatever
-- an admin adds to the table: a foreign key, a stricter CHECK under the same
-- name, a DO ALSO rule, user triggers, a row-level security policy,
-- column-level INSERT grants. Each block compares log_metric with
-- INSERT INTO mlops.metrics (run_id, key, step, ts, value) VALUES (...)
-- (same SQLSTATE and message; what a rule or trigger sees).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS mlops;
SELECT mlops.create_roles();
RESET client_min_messages;
\set SHOW_CONTEXT never
SELECT mlops.start_run('executor', 'x') AS r \gset

-- the outcome of one statement: ok, or SQLSTATE and message
CREATE FUNCTION pg_temp.try(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; msg text;
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
    RETURN st || ': ' || regexp_replace(msg, '[0-9a-f]{8}-[0-9a-f-]{27}', '<run>');
END $$;
-- log_metric and the equivalent plain INSERT of one point; "same" when both agree
CREATE FUNCTION pg_temp.both(r uuid, k text, v float8) RETURNS text LANGUAGE plpgsql AS $$
DECLARE a text; b text;
BEGIN
    a := pg_temp.try(format('SELECT mlops.log_metric(%L, %L, %s, 7)', r, k, v));
    b := pg_temp.try(format('INSERT INTO mlops.metrics (run_id, key, step, ts, value) VALUES (%L, %L, 7, now(), %s)', r, k, v));
    RETURN CASE WHEN a = b THEN 'same: ' || a ELSE 'log_metric: ' || a || ' / INSERT: ' || b END;
END $$;
GRANT EXECUTE ON FUNCTION pg_temp.try(text), pg_temp.both(uuid, text, float8) TO PUBLIC;
-- points stored for a key, and its latest value
CREATE FUNCTION pg_temp.stored(r uuid, k text) RETURNS text LANGUAGE sql AS $$
SELECT format('points=%s latest=%s', (SELECT count(*) FROM mlops.metrics m WHERE m.run_id = r AND m.key = k),
              (SELECT lm.value FROM mlops.latest_metrics lm WHERE lm.run_id = r AND lm.key = k)) $$;

-- (NOT VALID: other tests' points stay; new rows are checked all the same)
-- 1. a foreign key an admin adds: unknown keys are refused (23503)
CREATE TABLE public.allowed_keys (key text PRIMARY KEY);
INSERT INTO public.allowed_keys VALUES ('loss');
ALTER TABLE mlops.metrics ADD CONSTRAINT metrics_key_fk FOREIGN KEY (key) REFERENCES public.allowed_keys (key) NOT VALID;
SELECT pg_temp.both(:'r', 'bogus', 1) AS fk_unknown_key;
SELECT pg_temp.both(:'r', 'loss', 1) AS fk_known_key;
SELECT pg_temp.stored(:'r', 'bogus') AS fk_bogus, pg_temp.stored(:'r', 'loss') AS fk_loss;
ALTER TABLE mlops.metrics DROP CONSTRAINT metrics_key_fk;
DROP TABLE public.allowed_keys;

-- 2. metrics_key_length re-created with a stricter expression (same name)
ALTER TABLE mlops.metrics DROP CONSTRAINT metrics_key_length,
    ADD CONSTRAINT metrics_key_length CHECK (char_length(key) <= 5 AND key <> '') NOT VALID;
SELECT pg_temp.both(:'r', 'too_long_key', 1) AS stricter_check;
SELECT pg_temp.both(:'r', 'short', 1) AS stricter_check_ok;
SELECT pg_temp.stored(:'r', 'too_long_key') AS stricter_check_stored;
ALTER TABLE mlops.metrics DROP CONSTRAINT metrics_key_length,
    ADD CONSTRAINT metrics_key_length
            CHECK (pg_catalog.char_length(key) OPERATOR(pg_catalog.<=) 250 AND key OPERATOR(pg_catalog.<>) '');

-- 3. an ON INSERT DO ALSO rule sees every point (log_metrics too)
CREATE TABLE public.metric_audit (run_id uuid, key text, value float8);
CREATE RULE metrics_audit AS ON INSERT TO mlops.metrics
    DO ALSO INSERT INTO public.metric_audit VALUES (NEW.run_id, NEW.key, NEW.value);
SELECT pg_temp.both(:'r', 'ruled', 3) AS do_also_rule;
SELECT mlops.log_metrics(:'r', '{"ruled": 4}');
SELECT mlops.log_metrics(:'r', ARRAY['ruled'], ARRAY[5::float8]);
SELECT key, value FROM public.metric_audit ORDER BY value;
SELECT pg_temp.stored(:'r', 'ruled') AS do_also_stored;
DROP RULE metrics_audit ON mlops.metrics;
-- a DO INSTEAD NOTHING rule: nothing is stored, as with the INSERT
CREATE RULE metrics_nothing AS ON INSERT TO mlops.metrics DO INSTEAD NOTHING;
SELECT pg_temp.both(:'r', 'ignored', 1) AS instead_nothing;
SELECT pg_temp.stored(:'r', 'ignored') AS instead_nothing_stored;
DROP RULE metrics_nothing ON mlops.metrics;
DROP TABLE public.metric_audit;

-- 4. user triggers: a BEFORE row trigger that refuses or changes a point, an
-- AFTER row trigger and a statement trigger that record what they see
CREATE TABLE public.trigger_log (kind text, key text, value float8);
CREATE FUNCTION public.metrics_before() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.value < 0 THEN
        RAISE EXCEPTION 'negative metric %', NEW.key USING ERRCODE = 'check_violation';
    END IF;
    NEW.value := round(NEW.value::numeric, 1);
    RETURN NEW;
END $$;
CREATE FUNCTION public.metrics_after_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.trigger_log VALUES ('row', NEW.key, NEW.value);
    RETURN NULL;
END $$;
CREATE FUNCTION public.metrics_after_stmt() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.trigger_log VALUES ('statement', TG_OP, NULL);
    RETURN NULL;
END $$;
CREATE TRIGGER zz_before BEFORE INSERT ON mlops.metrics FOR EACH ROW EXECUTE FUNCTION public.metrics_before();
SELECT pg_temp.both(:'r', 'neg', -1) AS before_trigger_refuses;
SELECT mlops.log_metric(:'r', 'rounded', 0.26, 1);
SELECT pg_temp.stored(:'r', 'rounded') AS before_trigger_changed;
DROP TRIGGER zz_before ON mlops.metrics;
CREATE TRIGGER zz_after AFTER INSERT ON mlops.metrics FOR EACH ROW EXECUTE FUNCTION public.metrics_after_row();
SELECT mlops.log_metric(:'r', 'seen_by_row_trigger', 2);
DROP TRIGGER zz_after ON mlops.metrics;
CREATE TRIGGER zz_stmt AFTER INSERT ON mlops.metrics FOR EACH STATEMENT EXECUTE FUNCTION public.metrics_after_stmt();
SELECT mlops.log_metric(:'r', 'seen_by_statement_trigger', 3);
DROP TRIGGER zz_stmt ON mlops.metrics;
SELECT * FROM public.trigger_log ORDER BY kind;
-- a trigger that ends the run while a point is inserted: the next point of
-- the same transaction is refused (the run's open check is not trusted
-- across the INSERT), with log_metric and log_metrics alike
CREATE FUNCTION public.metrics_end_run() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE mlops.runs SET status = 'FINISHED' WHERE id = NEW.run_id;
    RETURN NULL;
END $$;
\set r2 '00000000-0000-0000-0000-0000000000e9'
INSERT INTO mlops.runs (id, experiment_id, name)
SELECT :'r2', e.id, 'ends' FROM mlops.experiments e WHERE e.name = 'executor';
CREATE TRIGGER zz_end AFTER INSERT ON mlops.metrics FOR EACH ROW
    WHEN (NEW.key = 'last') EXECUTE FUNCTION public.metrics_end_run();
BEGIN;
SELECT mlops.log_metrics(:'r2', '{"last": 1}');
SELECT mlops.log_metrics(:'r2', '{"after": 1}');
ROLLBACK;
BEGIN;
SELECT mlops.log_metric(:'r2', 'last', 1);
SELECT mlops.log_metric(:'r2', 'after', 1);
ROLLBACK;
DROP TRIGGER zz_end ON mlops.metrics;
DROP FUNCTION public.metrics_end_run();
-- the extension's own latest-value trigger disabled: the INSERT leaves
-- latest_metrics alone, and so does log_metric
ALTER TABLE mlops.metrics DISABLE TRIGGER metrics_30_latest;
SELECT mlops.log_metric(:'r', 'no_latest', 1);
SELECT pg_temp.stored(:'r', 'no_latest') AS latest_trigger_disabled;
ALTER TABLE mlops.metrics ENABLE TRIGGER metrics_30_latest;
DROP TABLE public.trigger_log;
DROP FUNCTION public.metrics_before(), public.metrics_after_row(), public.metrics_after_stmt();

-- 5. a row-level security policy on metrics binds a writer (42501)
CREATE ROLE regress_trk_exec_writer IN ROLE mlops_writer, mlops_reader;
ALTER TABLE mlops.metrics ENABLE ROW LEVEL SECURITY;
CREATE POLICY metrics_no_secret ON mlops.metrics FOR INSERT TO regress_trk_exec_writer
    WITH CHECK (key <> 'secret');
CREATE POLICY metrics_read ON mlops.metrics FOR SELECT TO regress_trk_exec_writer USING (true);
SET ROLE regress_trk_exec_writer;
SELECT pg_temp.both(:'r', 'secret', 1) AS rls_refused;
SELECT pg_temp.both(:'r', 'public', 1) AS rls_allowed;
RESET ROLE;
SELECT pg_temp.stored(:'r', 'secret') AS rls_secret, pg_temp.stored(:'r', 'public') AS rls_public;
DROP POLICY metrics_no_secret ON mlops.metrics;
DROP POLICY metrics_read ON mlops.metrics;
ALTER TABLE mlops.metrics DISABLE ROW LEVEL SECURITY;
DROP ROLE regress_trk_exec_writer;

-- 6. column-level INSERT grants: all five columns are enough, three are not
CREATE ROLE regress_trk_exec_cols IN ROLE mlops_reader;
CREATE ROLE regress_trk_exec_cols3 IN ROLE mlops_reader;
GRANT UPDATE ON mlops.runs TO regress_trk_exec_cols, regress_trk_exec_cols3;
GRANT INSERT (run_id, key, step, ts, value) ON mlops.metrics TO regress_trk_exec_cols;
GRANT INSERT (run_id, key, value) ON mlops.metrics TO regress_trk_exec_cols3;
GRANT EXECUTE ON FUNCTION mlops.log_metric(uuid, text, float8, bigint, timestamptz)
    TO regress_trk_exec_cols, regress_trk_exec_cols3;
SET ROLE regress_trk_exec_cols;
SELECT pg_temp.both(:'r', 'by_columns', 1) AS column_grants;
RESET ROLE;
SET ROLE regress_trk_exec_cols3;
SELECT pg_temp.both(:'r', 'by_three_columns', 1) AS three_column_grants;
RESET ROLE;
SELECT pg_temp.stored(:'r', 'by_columns') AS column_grants_stored,
       pg_temp.stored(:'r', 'by_three_columns') AS three_columns_stored;
REVOKE ALL ON mlops.metrics FROM regress_trk_exec_cols, regress_trk_exec_cols3;
REVOKE ALL ON mlops.runs FROM regress_trk_exec_cols, regress_trk_exec_cols3;
REVOKE ALL ON FUNCTION mlops.log_metric(uuid, text, float8, bigint, timestamptz)
    FROM regress_trk_exec_cols, regress_trk_exec_cols3;
DROP ROLE regress_trk_exec_cols, regress_trk_exec_cols3;

-- 7. what log_metric remembers between calls follows the table: a CHECK whose
-- SQL function the planner inlines, made stricter by CREATE OR REPLACE
-- FUNCTION alone, refuses the next point (a warm session: the points above
-- were logged through the same backend)
CREATE FUNCTION public.metric_key_ok(k text) RETURNS boolean LANGUAGE sql IMMUTABLE
    AS $$ SELECT char_length(k) <= 20 $$;
ALTER TABLE mlops.metrics ADD CONSTRAINT metrics_key_ok CHECK (public.metric_key_ok(key)) NOT VALID;
SELECT pg_temp.both(:'r', 'twelve_chars', 1) AS inlined_check_before;
CREATE OR REPLACE FUNCTION public.metric_key_ok(k text) RETURNS boolean LANGUAGE sql IMMUTABLE
    AS $$ SELECT char_length(k) <= 8 $$;
SELECT pg_temp.both(:'r', 'twelve_chars', 1) AS inlined_check_after;
SELECT pg_temp.stored(:'r', 'twelve_chars') AS inlined_check_stored;
ALTER TABLE mlops.metrics DROP CONSTRAINT metrics_key_ok;
DROP FUNCTION public.metric_key_ok(text);
-- an expression index on latest_metrics after warm calls: the point still
-- moves the latest value (through the statements instead)
SELECT mlops.log_metric(:'r', 'warm', 1, 1);
CREATE INDEX latest_metrics_lower_key ON mlops.latest_metrics (lower(key));
SELECT mlops.log_metric(:'r', 'warm', 2, 2);
SELECT pg_temp.stored(:'r', 'warm') AS warm_latest_after_index;
SELECT count(*) AS found_by_expression FROM mlops.latest_metrics WHERE lower(key) = 'warm';
DROP INDEX mlops.latest_metrics_lower_key;

-- as created again: log_metric takes its fast path and keeps the latest value
SELECT mlops.log_metric(:'r', 'plain', 1, 2), mlops.log_metric(:'r', 'plain', 0.5, 1);
SELECT pg_temp.stored(:'r', 'plain') AS unaltered;
SELECT mlops.end_run(:'r');
SELECT pg_temp.both(:'r', 'late', 1) AS ended_run;
