-- Retraining jobs (src/jobs/jobs.c, sql/mlops/47_jobs.sql): enqueue_retrain
-- keeps one open job per model, claim_job takes the oldest queued job with a
-- lease, heartbeat_job starts it and extends the lease, complete_job ends it
-- and links job -> run in lineage, tick() returns expired claims to the
-- queue. Events go to mlops.outbox with their cause.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS mlops CASCADE;  -- a fresh install: no rows from other test files
CREATE EXTENSION mlops;
RESET client_min_messages;
SELECT mlops.create_roles();
\set VERBOSITY default
\pset null '<null>'
-- SQLSTATE, message and hint of a statement's error; the job named by job
-- shows as <job>, other uuids as <uuid>
CREATE FUNCTION pg_temp.try(q text, job text DEFAULT NULL) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    st text; msg text; hint text;
BEGIN
    EXECUTE q;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, hint = PG_EXCEPTION_HINT;
    IF job IS NOT NULL THEN msg := replace(msg, job, '<job>'); END IF;
    RETURN st || ': ' || regexp_replace(msg, '[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}', '<uuid>', 'g')
        || coalesce(E'\nHINT: ' || nullif(hint, ''), '');
END
$$;

CREATE ROLE regress_jobs_writer IN ROLE mlops_writer;
CREATE ROLE regress_jobs_trainer IN ROLE mlops_writer;
CREATE ROLE regress_jobs_reader IN ROLE mlops_reader;
SELECT mlops.register_model('jobs_churn') > 0 AS churn, mlops.register_model('jobs_fraud') > 0 AS fraud;

-- ------------------------------------------------------------ enqueue
SET SESSION AUTHORIZATION regress_jobs_writer;
SELECT mlops.enqueue_retrain('jobs_churn', '{"ticket": "ML-1", "by": "someone else", "trigger": "drift"}') AS churn_job \gset
-- a second call returns the open job and queues nothing
SELECT mlops.enqueue_retrain('jobs_churn', '{"ticket": "ML-2"}') = :'churn_job' AS same_job;
RESET SESSION AUTHORIZATION;
SELECT count(*) AS churn_jobs FROM mlops.jobs WHERE model_id = (SELECT id FROM mlops.models WHERE name = 'jobs_churn');
-- the reason keeps the caller's keys; trigger and by are not the caller's to choose
SELECT status, reason, created_by, policy_id, attempts FROM mlops.jobs WHERE id = :'churn_job';
SELECT event, entity = 'job:' || :'churn_job' AS entity_is_job, payload - 'job' AS payload,
       payload->>'job' = :'churn_job' AS payload_names_job, actor
  FROM mlops.outbox ORDER BY id;
-- SET ROLE is recorded beside the login
CREATE ROLE regress_jobs_admin IN ROLE mlops_admin;
GRANT regress_jobs_writer TO regress_jobs_admin;
SET SESSION AUTHORIZATION regress_jobs_admin;
SET ROLE regress_jobs_writer;
SELECT mlops.enqueue_retrain('jobs_fraud') AS fraud_job \gset
RESET ROLE;
RESET SESSION AUTHORIZATION;
SELECT reason FROM mlops.jobs WHERE id = :'fraud_job';

-- a rolled-back enqueue leaves neither a job nor an event
SELECT mlops.register_model('jobs_rollback') > 0 AS registered;
SELECT max(id) AS last_event FROM mlops.outbox \gset
BEGIN;
SELECT mlops.enqueue_retrain('jobs_rollback') IS NOT NULL AS queued_inside;
SELECT count(*) AS events_inside FROM mlops.outbox WHERE id > :last_event;
ROLLBACK;
SELECT count(*) AS jobs_after FROM mlops.jobs j JOIN mlops.models m ON m.id = j.model_id WHERE m.name = 'jobs_rollback';
SELECT count(*) AS events_after FROM mlops.outbox WHERE id > :last_event;

-- ------------------------------------------------------------ claim
SET SESSION AUTHORIZATION regress_jobs_trainer;
-- the oldest queued job first, then the next, then nothing (NULL, not an error)
SELECT id = :'churn_job' AS oldest_first, status, claimed_by, claimed_login, attempts,
       lease_until - claimed_at AS lease, started_at, heartbeat_at
  FROM mlops.claim_job('trainer-1');
SELECT id = :'fraud_job' AS next, status, claimed_by FROM mlops.claim_job('trainer-2');
SELECT mlops.claim_job('trainer-3') IS NULL AS queue_empty;
-- the first heartbeat starts the job; later ones keep started_at and move the lease
SELECT mlops.heartbeat_job(:'churn_job');
SELECT status, started_at IS NOT NULL AS started, heartbeat_at IS NOT NULL AS beat,
       lease_until - heartbeat_at AS lease FROM mlops.jobs WHERE id = :'churn_job';
SELECT started_at AS first_start FROM mlops.jobs WHERE id = :'churn_job' \gset
SELECT mlops.heartbeat_job(:'churn_job');
SELECT status, started_at = :'first_start' AS same_start FROM mlops.jobs WHERE id = :'churn_job';

-- ------------------------------------------------------------ complete
SELECT mlops.start_run('jobs_training', 'retrain churn') AS run \gset
SELECT max(id) AS last_event FROM mlops.outbox \gset
SELECT mlops.complete_job(:'churn_job', 'succeeded', :'run');
RESET SESSION AUTHORIZATION;
SELECT status, finished_at IS NOT NULL AS finished, run_id = :'run' AS run_linked, lease_until
  FROM mlops.jobs WHERE id = :'churn_job';
SELECT src_kind, src_key = :'churn_job' AS from_job, dst_kind, dst_key = :'run' AS to_run, relation
  FROM mlops.lineage_edges WHERE src_kind = 'job';
SELECT event, payload->>'job' = :'churn_job' AS job, payload->>'model' AS model, payload->>'status' AS status,
       payload->>'run' = :'run' AS run, actor
  FROM mlops.outbox WHERE id > :last_event ORDER BY id;
-- a failed job without a run: no lineage edge
SET SESSION AUTHORIZATION regress_jobs_trainer;
SELECT mlops.complete_job(:'fraud_job', 'failed');
RESET SESSION AUTHORIZATION;
SELECT status, run_id, finished_at IS NOT NULL AS finished FROM mlops.jobs WHERE id = :'fraud_job';
SELECT count(*) AS job_edges FROM mlops.lineage_edges WHERE src_kind = 'job';
-- once the job is finished, the model can be queued again: a new job
SET SESSION AUTHORIZATION regress_jobs_writer;
SELECT mlops.enqueue_retrain('jobs_churn') AS churn_job2 \gset
RESET SESSION AUTHORIZATION;
SELECT :'churn_job2' <> :'churn_job' AS new_job;

-- ------------------------------------------------------------ leases
-- a claim whose lease runs out goes back to the queue on the next tick
SET mlops.job_lease = '1ms';
SHOW mlops.job_lease;
SET SESSION AUTHORIZATION regress_jobs_trainer;
SELECT id = :'churn_job2' AS claimed, lease_until - claimed_at AS lease FROM mlops.claim_job('trainer-1');
RESET SESSION AUTHORIZATION;
RESET mlops.job_lease;
SELECT pg_sleep(0.05);
SELECT max(id) AS last_event FROM mlops.outbox \gset
SELECT mlops.tick();
SELECT status, claimed_by, claimed_login, claimed_at, lease_until, attempts, requeued_at IS NOT NULL AS requeued,
       error ~ '^the lease of worker trainer-1 \(role regress_jobs_trainer\) ran out at ' AS error_recorded
  FROM mlops.jobs WHERE id = :'churn_job2';
SELECT event, payload->>'job' = :'churn_job2' AS job, payload->'requeued' AS requeued,
       payload->'expired_claim'->>'worker' AS worker, payload->'expired_claim'->>'login' AS login,
       payload->'expired_claim'->'attempts' AS attempts
  FROM mlops.outbox WHERE id > :last_event ORDER BY id;
-- nothing more to expire
SELECT mlops.tick();
-- the expired worker's heartbeat is refused; another claim takes the job
SET SESSION AUTHORIZATION regress_jobs_trainer;
SELECT pg_temp.try(format('SELECT mlops.heartbeat_job(%L)', :'churn_job2'), :'churn_job2');
SELECT id = :'churn_job2' AS reclaimed, claimed_by, attempts, lease_until - claimed_at AS lease
  FROM mlops.claim_job('trainer-2');
-- a live claim with a heartbeat is not expired
SELECT mlops.heartbeat_job(:'churn_job2');
RESET SESSION AUTHORIZATION;
SELECT mlops.tick()->'leases_expired' AS expired;
SELECT status FROM mlops.jobs WHERE id = :'churn_job2';

-- ------------------------------------------------------------ the queue view
SET SESSION AUTHORIZATION regress_jobs_reader;
SELECT model, status, why, claimed_by, finished_at IS NOT NULL AS finished, run_id IS NOT NULL AS has_run
  FROM mlops.job_queue ORDER BY created_at, model;
SELECT count(*) AS jobs FROM mlops.jobs;
RESET SESSION AUTHORIZATION;

DROP OWNED BY regress_jobs_writer, regress_jobs_trainer, regress_jobs_reader, regress_jobs_admin;
DROP ROLE regress_jobs_writer, regress_jobs_trainer, regress_jobs_reader, regress_jobs_admin;
