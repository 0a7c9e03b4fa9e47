-- Retraining policies (src/jobs/policies.c): create/drop with their refused
-- inputs, and each trigger firing: drift (a window that becomes breached),
-- new_dataset_version (a new version of a dataset the production version
-- was trained on), schedule (mlops.tick() when due, skipping missed ticks),
-- manual (never by itself); cooldown between firings.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS mlops CASCADE;  -- a fresh install: no rows from other test files
CREATE EXTENSION mlops;
RESET client_min_messages;
SELECT mlops.create_roles();
\set VERBOSITY default
\pset null '<null>'
-- SQLSTATE, message and hint of a statement's error
CREATE FUNCTION pg_temp.try(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    st text; msg text; hint text;
BEGIN
    EXECUTE q;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, hint = PG_EXCEPTION_HINT;
    RETURN st || ': ' || msg || coalesce(E'\nHINT: ' || nullif(hint, ''), '');
END
$$;
-- jobs by model with why they were queued
CREATE VIEW pg_temp.jobs AS
SELECT q.model, q.status, q.why, p.trigger AS policy, j.drift_result_id IS NOT NULL AS has_drift_result,
       dv.version AS dataset_version
  FROM mlops.job_queue q JOIN mlops.jobs j ON j.id = q.job
  LEFT JOIN mlops.retrain_policies p ON p.id = j.policy_id
  LEFT JOIN mlops.dataset_versions dv ON dv.id = j.dataset_version_id
 ORDER BY q.created_at, q.model;
-- finish a model's open job (as a trainer would)
CREATE FUNCTION pg_temp.finish(m text) RETURNS void LANGUAGE sql AS $$
    UPDATE mlops.jobs SET status = 'succeeded', finished_at = now()
     WHERE model_id = (SELECT id FROM mlops.models WHERE name = m) AND status IN ('queued', 'claimed', 'running');
$$;

CREATE ROLE regress_pol_admin IN ROLE mlops_admin;
CREATE ROLE regress_pol_writer IN ROLE mlops_writer;
SELECT mlops.register_model('pol_churn') > 0 AS churn, mlops.register_model('pol_fraud') > 0 AS fraud;
CREATE TABLE pol_predictions (ts timestamptz, score float8);
INSERT INTO mlops.monitors (name, model_id, source, value_column, time_column, method, threshold, window_size, owner)
SELECT 'pol_churn_score', id, 'public.pol_predictions', 'score', 'ts', 'psi', 0.2, '1 hour', 'postgres'
  FROM mlops.models WHERE name = 'pol_churn';
INSERT INTO mlops.monitors (name, source, value_column, time_column, method, threshold, window_size, owner)
VALUES ('pol_any_score', 'public.pol_predictions', 'score', 'ts', 'psi', 0.2, '1 hour', 'postgres');
-- the windows below are written by hand: tick() does not evaluate these monitors
UPDATE mlops.monitors SET enabled = false;

-- ------------------------------------------------------------ refused policies
SET SESSION AUTHORIZATION regress_pol_admin;
SELECT pg_temp.try($$SELECT mlops.create_retrain_policy(NULL, 'manual')$$);
SELECT pg_temp.try($$SELECT mlops.create_retrain_policy('no_such_model', 'manual')$$);
SELECT pg_temp.try($$SELECT mlops.create_retrain_policy('pol_churn', 'hourly')$$);
SELECT pg_temp.try($$SELECT mlops.create_retrain_policy('pol_churn', NULL)$$);
SELECT pg_temp.try($$SELECT mlops.create_retrain_policy('pol_churn', 'drift')$$);
SELECT pg_temp.try($$SELECT mlops.create_retrain_policy('pol_churn', 'drift', 'no_such_monitor')$$);
SELECT pg_temp.try($$SELECT mlops.create_retrain_policy('pol_fraud', 'drift', 'pol_churn_score')$$);
SELECT pg_temp.try($$SELECT mlops.create_retrain_policy('pol_churn', 'manual', 'pol_churn_score')$$);
SELECT pg_temp.try($$SELECT mlops.create_retrain_policy('pol_churn', 'schedule')$$);
SELECT pg_temp.try($$SELECT mlops.create_retrain_policy('pol_churn', 'manual', every => '1 day')$$);
SELECT pg_temp.try($$SELECT mlops.create_retrain_policy('pol_churn', 'schedule', every => '0')$$);
SELECT pg_temp.try($$SELECT mlops.create_retrain_policy('pol_churn', 'schedule', every => '-1 day')$$);
SELECT pg_temp.try($$SELECT mlops.create_retrain_policy('pol_churn', 'schedule', every => '1 mon -40 days')$$);
SELECT pg_temp.try($$SELECT mlops.create_retrain_policy('pol_churn', 'manual', cooldown => '-1 minute')$$);
SELECT pg_temp.try($$SELECT mlops.create_retrain_policy('pol_churn', 'manual', cooldown => NULL)$$);
SELECT pg_temp.try($$SELECT mlops.create_retrain_policy('pol_churn', 'manual', webhook => '')$$);
SELECT pg_temp.try($$SELECT mlops.drop_retrain_policy(424242)$$);
SELECT pg_temp.try($$SELECT mlops.drop_retrain_policy(NULL)$$);
RESET SESSION AUTHORIZATION;
-- only admins create and drop policies; nobody writes the table directly
SET SESSION AUTHORIZATION regress_pol_writer;
SELECT pg_temp.try($$SELECT mlops.create_retrain_policy('pol_churn', 'manual')$$);
SELECT pg_temp.try($$SELECT mlops.drop_retrain_policy(1)$$);
SELECT pg_temp.try($$INSERT INTO mlops.retrain_policies (model_id, trigger) VALUES (1, 'manual')$$);
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_pol_admin;
SELECT pg_temp.try($$INSERT INTO mlops.retrain_policies (model_id, trigger) VALUES (1, 'manual')$$);
SELECT pg_temp.try($$UPDATE mlops.retrain_policies SET enabled = false$$);
RESET SESSION AUTHORIZATION;
SELECT count(*) AS policies FROM mlops.retrain_policies;

-- ------------------------------------------------------------ drift
SET SESSION AUTHORIZATION regress_pol_admin;
-- the webhook a policy names must exist: its job events go there too
SELECT mlops.create_webhook('retrain-hook', 'http://127.0.0.1:9/retrain', NULL, '{stage.changed}') > 0 AS hook;
SELECT mlops.create_retrain_policy('pol_churn', 'drift', 'pol_churn_score', webhook => 'retrain-hook') AS drift_policy \gset
-- a monitor without a model may drive any model's policy
SELECT mlops.create_retrain_policy('pol_fraud', 'drift', 'pol_any_score', cooldown => '0') AS any_policy \gset
RESET SESSION AUTHORIZATION;
SELECT p.trigger, m.name AS monitor, p.every, p.cooldown, p.webhook, p.enabled, p.created_by, p.next_due, p.last_fired_at
  FROM mlops.retrain_policies p LEFT JOIN mlops.monitors m ON m.id = p.monitor_id ORDER BY p.id;
-- a window within the threshold fires nothing
INSERT INTO mlops.drift_results (monitor_id, window_start, window_end, statistic, n_ref, n_cur, threshold, breached)
SELECT id, '2026-11-01 00:00+00', '2026-11-01 01:00+00', 0.05, 100, 100, 0.2, false FROM mlops.monitors WHERE name = 'pol_churn_score';
SELECT count(*) AS jobs FROM mlops.jobs;
-- a breached window queues a job for the monitor's model
SELECT coalesce(max(id), 0) AS last_event FROM mlops.outbox \gset
INSERT INTO mlops.drift_results (monitor_id, window_start, window_end, statistic, n_ref, n_cur, threshold, breached)
SELECT id, '2026-11-01 01:00+00', '2026-11-01 02:00+00', 0.35, 100, 100, 0.2, true FROM mlops.monitors WHERE name = 'pol_churn_score'
RETURNING id AS breach1 \gset
SELECT * FROM pg_temp.jobs;
SELECT reason - 'policy' AS reason, reason->'policy' = to_jsonb(:drift_policy) AS reason_names_policy,
       drift_result_id = :breach1 AS drift_result, policy_id = :drift_policy AS policy
  FROM mlops.jobs;
SELECT last_fired_at IS NOT NULL AS fired FROM mlops.retrain_policies WHERE id = :drift_policy;
SELECT event, payload->>'model' AS model, payload->'reason'->>'trigger' AS trigger, actor
  FROM mlops.outbox WHERE id > :last_event ORDER BY id;
-- within the cooldown a new breach queues nothing, even once the job is done
SELECT pg_temp.finish('pol_churn');
INSERT INTO mlops.drift_results (monitor_id, window_start, window_end, statistic, n_ref, n_cur, threshold, breached)
SELECT id, '2026-11-01 02:00+00', '2026-11-01 03:00+00', 0.4, 100, 100, 0.2, true FROM mlops.monitors WHERE name = 'pol_churn_score';
SELECT count(*) AS open_jobs FROM mlops.jobs WHERE status = 'queued';
-- after the cooldown, a window that becomes breached (an UPDATE) fires again
UPDATE mlops.retrain_policies SET last_fired_at = now() - interval '61 minutes' WHERE id = :drift_policy;
UPDATE mlops.drift_results SET breached = true, statistic = 0.3
 WHERE window_start = '2026-11-01 00:00+00' AND monitor_id = (SELECT id FROM mlops.monitors WHERE name = 'pol_churn_score');
SELECT * FROM pg_temp.jobs;
-- a window that stays breached does not fire again
SELECT pg_temp.finish('pol_churn');
UPDATE mlops.retrain_policies SET last_fired_at = NULL WHERE id = :drift_policy;
UPDATE mlops.drift_results SET breached = true WHERE breached;
UPDATE mlops.drift_results SET statistic = 0.9 WHERE breached;
SELECT count(*) AS open_jobs FROM mlops.jobs WHERE status = 'queued';
-- a disabled policy does not fire
UPDATE mlops.retrain_policies SET enabled = false WHERE id = :drift_policy;
INSERT INTO mlops.drift_results (monitor_id, window_start, window_end, statistic, n_ref, n_cur, threshold, breached)
SELECT id, '2026-11-01 03:00+00', '2026-11-01 04:00+00', 0.5, 100, 100, 0.2, true FROM mlops.monitors WHERE name = 'pol_churn_score';
SELECT count(*) AS open_jobs FROM mlops.jobs WHERE status = 'queued';
UPDATE mlops.retrain_policies SET enabled = true WHERE id = :drift_policy;
-- a rolled-back breach leaves no job and no event
SELECT coalesce(max(id), 0) AS last_event FROM mlops.outbox \gset
BEGIN;
INSERT INTO mlops.drift_results (monitor_id, window_start, window_end, statistic, n_ref, n_cur, threshold, breached)
SELECT id, '2026-11-01 04:00+00', '2026-11-01 05:00+00', 0.5, 100, 100, 0.2, true FROM mlops.monitors WHERE name = 'pol_churn_score';
SELECT count(*) AS open_jobs_inside FROM mlops.jobs WHERE status = 'queued';
ROLLBACK;
SELECT count(*) AS open_jobs FROM mlops.jobs WHERE status = 'queued';
SELECT count(*) AS events FROM mlops.outbox WHERE id > :last_event;
SELECT last_fired_at FROM mlops.retrain_policies WHERE id = :drift_policy;
-- a breach with an open job: the policy fires (and its cooldown starts), the open job stays the only one
INSERT INTO mlops.drift_results (monitor_id, window_start, window_end, statistic, n_ref, n_cur, threshold, breached)
SELECT id, '2026-11-01 00:00+00', '2026-11-01 01:00+00', 0.5, 100, 100, 0.2, true FROM mlops.monitors WHERE name = 'pol_any_score';
INSERT INTO mlops.drift_results (monitor_id, window_start, window_end, statistic, n_ref, n_cur, threshold, breached)
SELECT id, '2026-11-01 01:00+00', '2026-11-01 02:00+00', 0.6, 100, 100, 0.2, true FROM mlops.monitors WHERE name = 'pol_any_score';
SELECT model, status, why FROM pg_temp.jobs WHERE model = 'pol_fraud';
-- a writer whose statement breaches a window (rows it may not write itself) queues the job too
SELECT pg_temp.finish('pol_fraud');
GRANT INSERT ON mlops.drift_results TO regress_pol_writer;
SET SESSION AUTHORIZATION regress_pol_writer;
INSERT INTO mlops.drift_results (monitor_id, window_start, window_end, statistic, n_ref, n_cur, threshold, breached)
SELECT id, '2026-11-01 02:00+00', '2026-11-01 03:00+00', 0.6, 100, 100, 0.2, true FROM mlops.monitors WHERE name = 'pol_any_score';
RESET SESSION AUTHORIZATION;
REVOKE INSERT ON mlops.drift_results FROM regress_pol_writer;
SELECT q.model, q.status, j.created_by FROM mlops.jobs j JOIN mlops.job_queue q ON q.job = j.id WHERE q.status = 'queued';
SELECT pg_temp.finish('pol_fraud');
SELECT pg_temp.finish('pol_churn');

-- ------------------------------------------------------------ new_dataset_version
SELECT mlops.register_dataset_version('pol_clicks', 's3://clicks/1') AS v1;
SELECT mlops.register_dataset_version('pol_other', 's3://other/1') AS other1;
SELECT mlops.start_run('pol_training', 'churn v1') AS run \gset
SELECT mlops.log_input(:'run', 'pol_clicks', 1);
SELECT mlops.create_model_version('pol_churn', :'run', 's3://models/churn/1') AS version;
-- pol_fraud version 1 read the dataset too, but it is not in production
SELECT mlops.create_model_version('pol_fraud', :'run', 's3://models/fraud/1') AS version;
SET SESSION AUTHORIZATION regress_pol_admin;
SELECT mlops.create_retrain_policy('pol_churn', 'new_dataset_version') AS ds_policy \gset
SELECT mlops.create_retrain_policy('pol_fraud', 'new_dataset_version') AS ds_fraud_policy \gset
RESET SESSION AUTHORIZATION;
-- not yet in production: a new version fires nothing
SELECT mlops.register_dataset_version('pol_clicks', 's3://clicks/2') AS v2;
SELECT count(*) AS open_jobs FROM mlops.jobs WHERE status = 'queued';
SELECT mlops.transition('pol_churn', 1, 'staging');
SELECT mlops.transition('pol_churn', 1, 'production');
-- another dataset fires nothing
SELECT mlops.register_dataset_version('pol_other', 's3://other/2') AS other2;
SELECT count(*) AS open_jobs FROM mlops.jobs WHERE status = 'queued';
-- a new version of the dataset the production version read (any version of it)
SET SESSION AUTHORIZATION regress_pol_writer;
SELECT mlops.register_dataset_version('pol_clicks', 's3://clicks/3') AS v3;
RESET SESSION AUTHORIZATION;
SELECT model, status, why, policy, dataset_version FROM pg_temp.jobs WHERE status = 'queued';
SELECT reason - 'policy' - 'dataset_version_id' AS reason, reason->'policy' = to_jsonb(:ds_policy) AS reason_names_policy,
       (reason->>'dataset_version_id')::bigint = dataset_version_id AS same_version, created_by
  FROM mlops.jobs WHERE status = 'queued';
-- within the cooldown: nothing; after it: again
SELECT pg_temp.finish('pol_churn');
SELECT mlops.register_dataset_version('pol_clicks', 's3://clicks/4') AS v4;
SELECT count(*) AS open_jobs FROM mlops.jobs WHERE status = 'queued';
UPDATE mlops.retrain_policies SET cooldown = '0' WHERE id = :ds_policy;
SELECT mlops.register_dataset_version('pol_clicks', 's3://clicks/5') AS v5;
SELECT model, why, dataset_version FROM pg_temp.jobs WHERE status = 'queued';
SELECT pg_temp.finish('pol_churn');

-- ------------------------------------------------------------ schedule
SET SESSION AUTHORIZATION regress_pol_admin;
SELECT mlops.create_retrain_policy('pol_fraud', 'schedule', every => '1 day', cooldown => '0') AS sched \gset
RESET SESSION AUTHORIZATION;
SELECT next_due = created_at + interval '1 day' AS first_due, last_fired_at FROM mlops.retrain_policies WHERE id = :sched;
-- not due yet: tick does nothing
SELECT mlops.tick();
-- due, with ticks missed: one job, and next_due is the first due + k days after now
SELECT now() - interval '3 days 2 hours' AS due0 \gset
UPDATE mlops.retrain_policies SET next_due = :'due0' WHERE id = :sched;
SELECT mlops.tick();
SELECT next_due > now() AS future, next_due <= now() + interval '1 day' AS within_a_day,
       next_due = :'due0'::timestamptz + interval '4 days' AS four_days_after_due, last_fired_at IS NOT NULL AS fired
  FROM mlops.retrain_policies WHERE id = :sched;
SELECT model, status, why, policy FROM pg_temp.jobs WHERE status = 'queued';
SELECT reason->>'trigger' AS trigger, reason->'every' AS every, reason ? 'due_at' AS has_due_at FROM mlops.jobs WHERE status = 'queued';
-- due again while its job is open: the open job stays the only one
UPDATE mlops.retrain_policies SET next_due = now() - interval '1 minute' WHERE id = :sched;
SELECT mlops.tick()->'jobs_queued' AS jobs_queued;
SELECT count(*) AS open_jobs FROM mlops.jobs WHERE status = 'queued';
-- within a cooldown a due tick moves next_due on and queues nothing
SELECT pg_temp.finish('pol_fraud');
UPDATE mlops.retrain_policies SET next_due = now() - interval '1 minute', cooldown = '1 hour', last_fired_at = now()
 WHERE id = :sched;
SELECT mlops.tick()->'jobs_queued' AS jobs_queued;
SELECT next_due > now() AS moved_on FROM mlops.retrain_policies WHERE id = :sched;
SELECT count(*) AS open_jobs FROM mlops.jobs WHERE status = 'queued';
-- a monthly schedule steps by calendar months
UPDATE mlops.retrain_policies SET every = '1 month', next_due = '2025-01-31 12:00+00', last_fired_at = NULL WHERE id = :sched;
SELECT mlops.tick()->'jobs_queued' AS jobs_queued;
SELECT next_due > now() AS future, next_due <= now() + interval '1 month' AS within_a_month
  FROM mlops.retrain_policies WHERE id = :sched;
SELECT pg_temp.finish('pol_fraud');

-- ------------------------------------------------------------ manual
SET SESSION AUTHORIZATION regress_pol_admin;
SELECT mlops.create_retrain_policy('pol_churn', 'manual') AS manual_policy \gset
RESET SESSION AUTHORIZATION;
UPDATE mlops.retrain_policies SET next_due = now() - interval '1 day' WHERE id = :manual_policy;
SELECT mlops.tick()->'jobs_queued' AS jobs_queued;
SELECT count(*) AS open_jobs FROM mlops.jobs WHERE status = 'queued';

-- ------------------------------------------------------------ restore
-- a session loading a dump (a superuser with row_security = off, as pg_restore
-- runs) fires nothing: the dumped windows and versions already had their jobs
SET row_security = off;
INSERT INTO mlops.drift_results (monitor_id, window_start, window_end, statistic, n_ref, n_cur, threshold, breached)
SELECT id, '2026-11-02 00:00+00', '2026-11-02 01:00+00', 0.9, 100, 100, 0.2, true FROM mlops.monitors WHERE name = 'pol_any_score';
RESET row_security;
SELECT count(*) AS open_jobs FROM mlops.jobs WHERE status = 'queued';
-- the same window outside a restore fires the policy (cooldown 0)
INSERT INTO mlops.drift_results (monitor_id, window_start, window_end, statistic, n_ref, n_cur, threshold, breached)
SELECT id, '2026-11-02 01:00+00', '2026-11-02 02:00+00', 0.9, 100, 100, 0.2, true FROM mlops.monitors WHERE name = 'pol_any_score';
SELECT model, why FROM pg_temp.jobs WHERE status = 'queued';
SELECT pg_temp.finish('pol_fraud');

-- ------------------------------------------------------------ drop
SELECT count(*) AS jobs_of_policy FROM mlops.jobs WHERE policy_id = :drift_policy;
SET SESSION AUTHORIZATION regress_pol_admin;
SELECT mlops.drop_retrain_policy(:drift_policy);
SELECT pg_temp.try(format('SELECT mlops.drop_retrain_policy(%s)', :drift_policy));
RESET SESSION AUTHORIZATION;
-- its jobs stay, without the policy
SELECT count(*) AS jobs_of_policy FROM mlops.jobs WHERE policy_id = :drift_policy;
SELECT count(*) AS drift_jobs FROM mlops.jobs WHERE reason->>'trigger' = 'drift' AND policy_id IS NULL;

SELECT mlops.drop_webhook('retrain-hook');
DROP TABLE pol_predictions;
DROP OWNED BY regress_pol_admin, regress_pol_writer;
DROP ROLE regress_pol_admin, regress_pol_writer;
