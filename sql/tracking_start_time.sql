-- A run's start_time is fixed once metric points are logged into it
-- (55000, naming the run); before that it may still be corrected. The rule
-- holds for admins and superusers too: it is a state of the run, not a
-- privilege.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS mlops;
RESET client_min_messages;
SET TimeZone = 'UTC';
\set SHOW_CONTEXT never
-- try(sql): run a statement, show "ok" or SQLSTATE: message (detail)
CREATE FUNCTION pg_temp.try(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; msg text; det text;
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
    RETURN st || ': ' || msg || CASE WHEN det <> '' THEN ' (' || det || ')' ELSE '' END;
END $$;
INSERT INTO mlops.experiments (name) VALUES ('start-time');
\set r '00000000-0000-4000-8000-00000000d001'
INSERT INTO mlops.runs (id, experiment_id, name, start_time)
SELECT :'r', id, 'r', '2026-01-01 10:00+00' FROM mlops.experiments WHERE name = 'start-time';
-- no points yet: start_time may be corrected, also after params and tags
UPDATE mlops.runs SET start_time = '2026-01-01 09:00+00' WHERE id = :'r';
SELECT mlops.log_param(:'r', 'lr', '0.1'), mlops.set_tag(:'r', 't', 'v');
UPDATE mlops.runs SET start_time = '2026-01-01 08:00+00' WHERE id = :'r';
SELECT start_time FROM mlops.runs WHERE id = :'r';
-- the first point fixes it
SELECT mlops.log_metric(:'r', 'loss', 1);
SELECT pg_temp.try($$UPDATE mlops.runs SET start_time = '2026-01-01 07:00+00' WHERE id = '00000000-0000-4000-8000-00000000d001'$$) AS move_start;
-- other columns still change; the same start_time is no change
UPDATE mlops.runs SET name = 'renamed', start_time = start_time WHERE id = :'r';
SELECT name, start_time FROM mlops.runs WHERE id = :'r';
-- a point inserted with plain SQL earlier in the same transaction counts too
\set r2 '00000000-0000-4000-8000-00000000d002'
INSERT INTO mlops.runs (id, experiment_id, name, start_time)
SELECT :'r2', id, 'r2', '2026-01-01 10:00+00' FROM mlops.experiments WHERE name = 'start-time';
BEGIN;
INSERT INTO mlops.metrics (run_id, key, value) VALUES (:'r2', 'acc', 0.5);
SELECT pg_temp.try($$UPDATE mlops.runs SET start_time = '2026-01-01 11:00+00' WHERE id = '00000000-0000-4000-8000-00000000d002'$$) AS move_start_same_xact;
ROLLBACK;
-- without the point (rolled back) it moves
UPDATE mlops.runs SET start_time = '2026-01-01 11:00+00' WHERE id = :'r2';
-- ending a run does not touch start_time; an ended run stays as it was
SELECT mlops.end_run(:'r');
SELECT pg_temp.try($$UPDATE mlops.runs SET start_time = '2026-01-01 07:00+00' WHERE id = '00000000-0000-4000-8000-00000000d001'$$) AS move_start_ended;
SELECT id, name, status, start_time FROM mlops.runs
 WHERE experiment_id = (SELECT id FROM mlops.experiments WHERE name = 'start-time') ORDER BY id;
-- the probe behind the rule answers only a role that may read mlops.metrics
CREATE ROLE regress_start_nosel;
GRANT USAGE ON SCHEMA mlops TO regress_start_nosel;
SET ROLE regress_start_nosel;
SELECT pg_temp.try($$SELECT mlops._run_has_metrics('00000000-0000-4000-8000-00000000d001')$$) AS probe_without_select;
RESET ROLE;
REVOKE USAGE ON SCHEMA mlops FROM regress_start_nosel;
DROP ROLE regress_start_nosel;
SELECT mlops._run_has_metrics(:'r') AS r_has_metrics, mlops._run_has_metrics(:'r2') AS r2_has_metrics;
DELETE FROM mlops.runs WHERE experiment_id = (SELECT id FROM mlops.experiments WHERE name = 'start-time');
DELETE FROM mlops.experiments WHERE name = 'start-time';
