-- A point that moves the key's latest_metrics row is written without the
-- owner's UPDATE statement (the executor's simple update path) while nothing
-- of an admin's could run in that statement; the row ends where an UPDATE
-- would leave it: every point of one statement, subtransactions, and with a
-- CHECK constraint or a trigger an admin added (then the owner's statement
-- runs, and the trigger runs as the owner, not as the caller).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS mlops;
SELECT mlops.create_roles();
RESET client_min_messages;
SET TimeZone = 'UTC';
\set SHOW_CONTEXT never
-- try(sql): run a statement, show "ok" or SQLSTATE: message
CREATE FUNCTION pg_temp.try(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; msg text;
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
    RETURN st || ': ' || msg;
END $$;
INSERT INTO mlops.experiments (name) VALUES ('latest-move');
INSERT INTO mlops.runs (id, experiment_id, name)
SELECT '00000000-0000-4000-8000-0000000002a1', id, 'r' FROM mlops.experiments WHERE name = 'latest-move';
-- a training loop in one statement: 50 increasing steps of two keys, then an
-- earlier step; every call sees the row the call before it moved
SELECT count(mlops.log_metric('00000000-0000-4000-8000-0000000002a1', k, s * 0.1, s, timestamptz '2026-01-01' + s * interval '1 s'))
  FROM generate_series(1, 50) s, (VALUES ('loss'), ('acc')) v(k);
SELECT mlops.log_metric('00000000-0000-4000-8000-0000000002a1', 'loss', 9, 10, '2026-01-01 00:01');
SELECT key, step, ts, value FROM mlops.latest_metrics WHERE run_id = '00000000-0000-4000-8000-0000000002a1' ORDER BY key;
-- several statements of one transaction, a rolled-back savepoint
BEGIN;
SELECT mlops.log_metric('00000000-0000-4000-8000-0000000002a1', 'loss', 5.1, 51, '2026-01-01 00:01');
SELECT mlops.log_metric('00000000-0000-4000-8000-0000000002a1', 'loss', 5.2, 52, '2026-01-01 00:01');
SAVEPOINT s;
SELECT mlops.log_metric('00000000-0000-4000-8000-0000000002a1', 'loss', 5.3, 53, '2026-01-01 00:01');
ROLLBACK TO s;
SELECT step, value FROM mlops.latest_metrics WHERE run_id = '00000000-0000-4000-8000-0000000002a1' AND key = 'loss';
COMMIT;
SELECT step, value FROM mlops.latest_metrics WHERE run_id = '00000000-0000-4000-8000-0000000002a1' AND key = 'loss';
-- a CHECK constraint an admin adds holds: the point is refused, nothing stored
ALTER TABLE mlops.latest_metrics ADD CONSTRAINT latest_value_small CHECK (value < 100) NOT VALID;
SELECT pg_temp.try($$SELECT mlops.log_metric('00000000-0000-4000-8000-0000000002a1', 'loss', 1000, 60, '2026-01-01 00:02')$$) AS refused;
SELECT count(*) AS stored_step_60 FROM mlops.metrics WHERE run_id = '00000000-0000-4000-8000-0000000002a1' AND step = 60;
SELECT step, value FROM mlops.latest_metrics WHERE run_id = '00000000-0000-4000-8000-0000000002a1' AND key = 'loss';
ALTER TABLE mlops.latest_metrics DROP CONSTRAINT latest_value_small;
-- a trigger an admin adds runs as the owner's UPDATE runs it: as the owner
CREATE TABLE public.latest_move_seen (who name, step bigint);
CREATE FUNCTION public.latest_move_seen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.latest_move_seen VALUES (current_user, NEW.step);
    RETURN NEW;
END $$;
CREATE TRIGGER latest_move_seen BEFORE UPDATE ON mlops.latest_metrics
    FOR EACH ROW EXECUTE FUNCTION public.latest_move_seen();
CREATE ROLE regress_latest_move_writer IN ROLE mlops_writer;
GRANT USAGE ON SCHEMA public TO regress_latest_move_writer;
SET ROLE regress_latest_move_writer;
SELECT mlops.start_run('latest-move', 'w') AS wrun \gset
SELECT mlops.log_metric(:'wrun', 'loss', 1, 1);
SELECT mlops.log_metric(:'wrun', 'loss', 2, 2);
RESET ROLE;
SELECT who = (SELECT extowner::regrole::name FROM pg_extension WHERE extname = 'mlops') AS ran_as_owner, step
  FROM public.latest_move_seen;
SELECT step, value FROM mlops.latest_metrics WHERE run_id = :'wrun' AND key = 'loss';
DROP TRIGGER latest_move_seen ON mlops.latest_metrics;
-- without it, the writer's next points move the row as well
SET ROLE regress_latest_move_writer;
SELECT mlops.log_metric(:'wrun', 'loss', 3, 3);
RESET ROLE;
SELECT step, value FROM mlops.latest_metrics WHERE run_id = :'wrun' AND key = 'loss';
SELECT count(*) AS trigger_rows FROM public.latest_move_seen;
DROP TABLE public.latest_move_seen;
DROP FUNCTION public.latest_move_seen();
SELECT mlops.delete_experiment('latest-move');
DELETE FROM mlops.runs WHERE experiment_id = (SELECT id FROM mlops.experiments WHERE name = 'latest-move');
DELETE FROM mlops.experiments WHERE name = 'latest-move';
REVOKE USAGE ON SCHEMA public FROM regress_latest_move_writer;
DROP ROLE regress_latest_move_writer;
