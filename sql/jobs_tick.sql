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
CREATE OR REPLACE FUNCTION mlops.evaluate_monitor(name text, recompute_from timestamptz DEFAULT NULL)
    RETURNS SETOF mlops.drift_results
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
CREATE OR REPLACE FUNCTION mlops.evaluate_monitor(name text, recompute_from timestamptz DEFAULT NULL)
    RETURNS SETOF mlops.drift_results
    LANGUAGE sql AS $$ SELECT * FROM mlops.drift_results WHERE 1 / 0 = 1 $$;
SELECT mlops.tick();
SELECT name, last_error, last_sqlstate FROM mlops.monitors WHERE last_error IS NOT NULL ORDER BY name;
ROLLBACK;

-- the real evaluation: three daily windows after a reference day, the last
-- one shifted; its breach fires the drift policy, which queues one job
UPDATE mlops.monitors SET enabled = false;
SELECT date_bin('1 day', now(), '2000-01-01 00:00+00') - interval '3 days' AS d0 \gset
INSERT INTO tick_predictions
SELECT :'d0'::timestamptz + day * interval '1 day' + g * interval '1 minute',
       g / 500.0 + CASE WHEN day = 2 THEN 2 ELSE 0 END
  FROM generate_series(0, 2) day, generate_series(1, 500) g;
SELECT mlops.create_monitor('tick_real', 'tick_churn', 'tick_predictions', 'score', 'ts',
                            window_size => '1 day', start_at => :'d0',
                            reference => jsonb_build_object('from', :'d0'::timestamptz,
                                                            'to', :'d0'::timestamptz + interval '1 day')) > 0 AS created;
SELECT mlops.create_retrain_policy('tick_churn', 'drift', 'tick_real') > 0 AS policy;
SELECT mlops.tick();
SELECT window_start - :'d0'::timestamptz AS window, statistic > 0.2 AS over_threshold, breached
  FROM mlops.drift_results d JOIN mlops.monitors m ON m.id = d.monitor_id WHERE m.name = 'tick_real'
 ORDER BY window_start;
SELECT q.model, q.status, q.why = 'drift: tick_real window ' || (j.reason->>'window_start') AS why_names_window,
       j.reason->>'window_start' = to_jsonb(:'d0'::timestamptz + interval '2 days')->>0 AS breached_window,
       j.drift_result_id = (SELECT max(id) FROM mlops.drift_results) AS drift_result
  FROM mlops.job_queue q JOIN mlops.jobs j ON j.id = q.job;
SELECT event, regexp_replace(entity, '[0-9a-f-]{36}', '<job>') AS entity FROM mlops.outbox ORDER BY id;
SELECT next_due > now() AS next_due_later, last_error FROM mlops.monitors WHERE name = 'tick_real';
-- the next tick finds nothing due
SELECT mlops.tick();

-- an evaluation that records its own error (the source is gone) counts as a monitor error
CREATE TABLE tick_gone (ts timestamptz, score float8);
SELECT mlops.create_monitor('tick_gone', NULL, 'tick_gone', 'score', 'ts') > 0 AS created;
DROP TABLE tick_gone;
SET client_min_messages = error;  -- evaluate_monitor warns about the failure
SELECT mlops.tick();
RESET client_min_messages;
SELECT name, last_error IS NOT NULL AS error_recorded, last_sqlstate, next_due > now() AS next_due_later
  FROM mlops.monitors WHERE name = 'tick_gone';

DROP TABLE tick_predictions;
