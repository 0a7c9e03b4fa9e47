-- mlops.tick() and the monitors it evaluates (src/jobs/tick.c): a due
-- monitor is evaluated by mlops.evaluate_monitor(name) in a subtransaction
-- of its own, so one that raises is rolled back alone (its windows and the
-- jobs they queued with it), its error is recorded on the monitor and its
-- next check is one schedule later, while the others' windows, breaches and
-- jobs stay. A stand-in evaluate_monitor, replaced inside a transaction that
-- is rolled back, fixes what each monitor's evaluation does.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS mlops CASCADE;  -- a fresh install: no rows from other test files
CREATE EXTENSION mlops;
RESET client_min_messages;
SELECT mlops.create_roles();
\set VERBOSITY default
\pset null '<null>'

SELECT mlops.register_model('tick_churn') > 0 AS churn, mlops.register_model('tick_fraud') > 0 AS fraud;
CREATE TABLE tick_predictions (ts timestamptz, score float8);
INSERT INTO mlops.monitors (name, model_id, source, value_column, time_column, method, threshold, window_size, owner, next_due)
SELECT 'tick_' || m, id, 'public.tick_predictions', 'score', 'ts', 'psi', 0.2, '1 hour', 'postgres', due
  FROM (VALUES ('churn', NULL::timestamptz), ('fraud', now() - interval '1 minute')) v(m, due)
  JOIN mlops.models ON name = 'tick_' || m;
-- a monitor that is not due yet and one that is disabled are left alone
INSERT INTO mlops.monitors (name, source, value_column, time_column, method, threshold, window_size, owner, next_due, enabled)
VALUES ('tick_later', 'public.tick_predictions', 'score', 'ts', 'psi', 0.2, '1 hour', 'postgres', now() + interval '1 hour', true),
       ('tick_off', 'public.tick_predictions', 'score', 'ts', 'psi', 0.2, '1 hour', 'postgres', NULL, false);
SELECT mlops.create_retrain_policy('tick_churn', 'drift', 'tick_churn') > 0 AS churn_policy,
       mlops.create_retrain_policy('tick_fraud', 'drift', 'tick_fraud') > 0 AS fraud_policy;

BEGIN;
-- the stand-in: tick_churn gets two windows, one breached; tick_fraud writes
-- a breached window (which queues its job) and then fails
CREATE OR REPLACE FUNCTION mlops.evaluate_monitor(name text) RETURNS SETOF mlops.drift_results
    LANGUAGE plpgsql AS $$
DECLARE
    mid bigint := (SELECT id FROM mlops.monitors m WHERE m.name = evaluate_monitor.name);
BEGIN
    INSERT INTO mlops.evaluated VALUES (name);
    RETURN QUERY
    INSERT INTO mlops.drift_results (monitor_id, window_start, window_end, statistic, threshold, breached)
    VALUES (mid, '2026-11-01 00:00+00', '2026-11-01 01:00+00', 0.1, 0.2, false),
           (mid, '2026-11-01 01:00+00', '2026-11-01 02:00+00', 0.5, 0.2, true)
    RETURNING *;
    UPDATE mlops.monitors m SET next_due = now() + m.schedule WHERE m.id = mid;
    IF name = 'tick_fraud' THEN
        RAISE EXCEPTION 'source of monitor "%" is gone', name USING ERRCODE = 'undefined_table';
    END IF;
END
$$;
CREATE TABLE mlops.evaluated (name text);
SELECT mlops.tick();
SELECT name AS evaluated FROM mlops.evaluated ORDER BY name;
-- tick_churn's windows and job stay; tick_fraud's are rolled back
SELECT m.name, count(d.id) AS windows FROM mlops.monitors m LEFT JOIN mlops.drift_results d ON d.monitor_id = m.id
 GROUP BY m.name ORDER BY m.name;
SELECT model, status, why FROM mlops.job_queue ORDER BY model;
-- the failure is recorded on the monitor, whose next check is one schedule later
SELECT name, last_error, last_sqlstate, last_error_at = now() AS error_now, next_due = now() + schedule AS next_check
  FROM mlops.monitors WHERE name IN ('tick_churn', 'tick_fraud') ORDER BY name;
-- job.queued for tick_churn only
SELECT event, payload->>'model' AS model FROM mlops.outbox ORDER BY id;
-- nothing is due any more
SELECT mlops.tick();
ROLLBACK;

-- a monitor whose evaluation cannot run at all is an error of that monitor, not of the tick
BEGIN;
CREATE OR REPLACE FUNCTION mlops.evaluate_monitor(name text) RETURNS SETOF mlops.drift_results
    LANGUAGE sql AS $$ SELECT * FROM mlops.drift_results WHERE 1 / 0 = 1 $$;
SELECT mlops.tick();
SELECT name, last_error, last_sqlstate FROM mlops.monitors WHERE last_error IS NOT NULL ORDER BY name;
ROLLBACK;

DROP TABLE tick_predictions;
