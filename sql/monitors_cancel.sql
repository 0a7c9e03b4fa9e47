-- Monitors: a statement timeout during an evaluation is recorded on the
-- monitor and the caller goes on; a cancel (pg_cancel_backend, an
-- interrupted client) ends the caller's statement, mlops.tick() included,
-- and records nothing; a tick ends at a statement timeout.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS mlops;
DROP TABLE IF EXISTS mon_cancel_src CASCADE;
RESET client_min_messages;
SELECT mlops.create_roles();

CREATE TABLE mon_cancel_src (ts timestamptz, score float8);
INSERT INTO mon_cancel_src SELECT now() - g * interval '10 minutes', g FROM generate_series(1, 30) g;
-- reading the view cancels the reading statement
CREATE VIEW mon_cancel_view AS
SELECT ts, score FROM mon_cancel_src WHERE pg_cancel_backend(pg_backend_pid()) AND pg_sleep(2) IS NOT NULL;
SELECT mlops.create_monitor('mon_cancel', NULL, 'mon_cancel_view', 'score', 'ts', start_at => now() - interval '3 hours') > 0 AS created;
SELECT mlops.create_monitor('mon_cancel_ok', NULL, 'mon_cancel_src', 'score', 'ts', start_at => now() - interval '3 hours') > 0 AS created;

-- the tick stops at the cancel (the monitor due first): the other monitor
-- is not evaluated either, and nothing is recorded
\set VERBOSITY sqlstate
SELECT mlops.tick();
\set VERBOSITY default
SELECT name, computed_until IS NULL AS not_computed, last_error, last_sqlstate FROM mlops.monitors
 WHERE name LIKE 'mon\_cancel%' ORDER BY name;
SELECT count(*) FROM mlops.evaluate_monitor('mon_cancel');
SELECT name, computed_until IS NULL AS not_computed, last_error, last_sqlstate FROM mlops.monitors
 WHERE name LIKE 'mon\_cancel%' ORDER BY name;
-- without the cancelling monitor the tick evaluates the other one
SELECT mlops.alter_monitor('mon_cancel', enabled => false);
SELECT (mlops.tick()->>'monitors_evaluated')::int >= 1 AS evaluated;
SELECT name, computed_until IS NULL AS not_computed, last_error, last_sqlstate FROM mlops.monitors
 WHERE name LIKE 'mon\_cancel%' ORDER BY name;

SELECT mlops.drop_monitor(name) FROM mlops.monitors WHERE name LIKE 'mon\_cancel%' ORDER BY name;

-- a statement timeout: recorded on the monitor it stopped, and the tick
-- ends there (the timeout fires once; the next monitor would run without
-- one), the other monitor staying due
CREATE VIEW mon_cancel_slow AS SELECT ts, score FROM mon_cancel_src WHERE pg_sleep(0.05) IS NOT NULL;
SELECT mlops.create_monitor('mon_cancel_slow1', NULL, 'mon_cancel_slow', 'score', 'ts') > 0 AS created;
SELECT mlops.create_monitor('mon_cancel_slow2', NULL, 'mon_cancel_slow', 'score', 'ts') > 0 AS created;
SET statement_timeout = '300ms';
SELECT t->'monitors_evaluated' AS evaluated, t->'monitor_errors' AS errors FROM mlops.tick() t;
RESET statement_timeout;
SELECT name, computed_until IS NULL AS not_computed, last_error, last_sqlstate, next_due <= now() AS due
  FROM mlops.monitors WHERE name LIKE 'mon\_cancel%' ORDER BY name;
SELECT mlops.drop_monitor(name) FROM mlops.monitors WHERE name LIKE 'mon\_cancel%' ORDER BY name;
DROP VIEW mon_cancel_slow;
DROP VIEW mon_cancel_view;
DROP TABLE mon_cancel_src;
