-- Bad input and refused actions of the job queue (src/jobs/jobs.c): each
-- error with its SQLSTATE, a message naming the object and a hint, and
-- nothing half-written (no job, no state change, no event, no edge).
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
-- what the queue holds, to show that a refused call changed nothing
CREATE VIEW pg_temp.state AS
SELECT (SELECT count(*) FROM mlops.jobs) AS jobs,
       (SELECT string_agg(status || '/' || coalesce(claimed_by, '-') || '/' || attempts, ', ' ORDER BY created_at)
          FROM mlops.jobs) AS statuses,
       (SELECT count(*) FROM mlops.outbox) AS events,
       (SELECT count(*) FROM mlops.lineage_edges WHERE src_kind = 'job') AS job_edges;
GRANT SELECT ON pg_temp.state TO PUBLIC;

CREATE ROLE regress_jobs_bad_writer IN ROLE mlops_writer;
CREATE ROLE regress_jobs_bad_trainer IN ROLE mlops_writer;
CREATE ROLE regress_jobs_bad_admin IN ROLE mlops_admin;
CREATE ROLE regress_jobs_bad_reader IN ROLE mlops_reader;
SELECT mlops.register_model('bad_churn') > 0 AS registered;
SELECT mlops.start_run('bad_jobs') AS run \gset

-- ------------------------------------------------------------ enqueue_retrain
SET SESSION AUTHORIZATION regress_jobs_bad_writer;
SELECT pg_temp.try($$SELECT mlops.enqueue_retrain(NULL)$$);
SELECT pg_temp.try($$SELECT mlops.enqueue_retrain('no_such_model')$$);
SELECT pg_temp.try($$SELECT mlops.enqueue_retrain('bad_churn', '[1, 2]')$$);
SELECT pg_temp.try($$SELECT mlops.enqueue_retrain('bad_churn', '"why"')$$);
SELECT * FROM pg_temp.state;
-- a NULL reason is an empty one
SELECT mlops.enqueue_retrain('bad_churn', NULL) AS job \gset
SELECT reason FROM mlops.jobs WHERE id = :'job';
RESET SESSION AUTHORIZATION;

-- ------------------------------------------------------------ claim_job
SET SESSION AUTHORIZATION regress_jobs_bad_trainer;
SELECT pg_temp.try($$SELECT mlops.claim_job(NULL)$$);
SELECT pg_temp.try($$SELECT mlops.claim_job('')$$);
SELECT pg_temp.try($$SELECT mlops.claim_job(repeat('w', 201))$$);
SELECT * FROM pg_temp.state;

-- ------------------------------------------------------------ heartbeat_job / complete_job
-- on a queued job
SELECT pg_temp.try(format('SELECT mlops.heartbeat_job(%L)', :'job'), :'job');
SELECT pg_temp.try(format('SELECT mlops.complete_job(%L, ''succeeded'')', :'job'), :'job');
-- unknown and NULL jobs
SELECT pg_temp.try($$SELECT mlops.heartbeat_job('00000000-0000-0000-0000-0000000000b1')$$);
SELECT pg_temp.try($$SELECT mlops.complete_job('00000000-0000-0000-0000-0000000000b1', 'failed')$$);
SELECT pg_temp.try($$SELECT mlops.heartbeat_job(NULL)$$);
SELECT pg_temp.try($$SELECT mlops.complete_job(NULL, 'failed')$$);
SELECT * FROM pg_temp.state;
SELECT id = :'job' AS claimed FROM mlops.claim_job('bad-trainer');
-- bad statuses
SELECT pg_temp.try(format('SELECT mlops.complete_job(%L, ''done'')', :'job'), :'job');
SELECT pg_temp.try(format('SELECT mlops.complete_job(%L, ''running'')', :'job'), :'job');
SELECT pg_temp.try(format('SELECT mlops.complete_job(%L, NULL)', :'job'), :'job');
-- an unknown run: the job stays claimed, no event, no edge
SELECT pg_temp.try(format('SELECT mlops.complete_job(%L, ''succeeded'', ''00000000-0000-0000-0000-0000000000b2'')', :'job'), :'job');
SELECT * FROM pg_temp.state;
RESET SESSION AUTHORIZATION;

-- another login cannot heartbeat or complete the claim
SET SESSION AUTHORIZATION regress_jobs_bad_writer;
SELECT pg_temp.try(format('SELECT mlops.heartbeat_job(%L)', :'job'), :'job');
SELECT pg_temp.try(format('SELECT mlops.complete_job(%L, ''failed'')', :'job'), :'job');
-- SET ROLE does not make one login another
RESET SESSION AUTHORIZATION;
GRANT regress_jobs_bad_trainer TO regress_jobs_bad_writer;
SET SESSION AUTHORIZATION regress_jobs_bad_writer;
SET ROLE regress_jobs_bad_trainer;
SELECT pg_temp.try(format('SELECT mlops.complete_job(%L, ''failed'')', :'job'), :'job');
RESET ROLE;
RESET SESSION AUTHORIZATION;
SELECT * FROM pg_temp.state;
-- an admin may act on any claim
SET SESSION AUTHORIZATION regress_jobs_bad_admin;
SELECT mlops.heartbeat_job(:'job');
SELECT mlops.complete_job(:'job', 'succeeded', :'run');
RESET SESSION AUTHORIZATION;
SELECT * FROM pg_temp.state;
-- a second completion is refused and changes nothing
SET SESSION AUTHORIZATION regress_jobs_bad_trainer;
SELECT pg_temp.try(format('SELECT mlops.complete_job(%L, ''failed'')', :'job'), :'job');
SELECT pg_temp.try(format('SELECT mlops.heartbeat_job(%L)', :'job'), :'job');
RESET SESSION AUTHORIZATION;
SELECT * FROM pg_temp.state;

-- ------------------------------------------------------------ privileges
-- readers and other roles cannot queue, claim or complete; writers cannot tick
SET SESSION AUTHORIZATION regress_jobs_bad_reader;
SELECT pg_temp.try($$SELECT mlops.enqueue_retrain('bad_churn')$$);
SELECT pg_temp.try($$SELECT mlops.claim_job('reader')$$);
SELECT pg_temp.try(format('SELECT mlops.complete_job(%L, ''failed'')', :'job'), :'job');
SELECT pg_temp.try($$SELECT mlops.tick()$$);
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_jobs_bad_writer;
SELECT pg_temp.try($$SELECT mlops.tick()$$);
-- nobody writes the tables directly
SELECT pg_temp.try(format('INSERT INTO mlops.jobs (model_id) SELECT id FROM mlops.models WHERE name = %L', 'bad_churn'));
SELECT pg_temp.try($$UPDATE mlops.jobs SET status = 'queued'$$);
SELECT pg_temp.try($$DELETE FROM mlops.jobs$$);
-- the lease is the server's: a trainer cannot choose its own
SELECT pg_temp.try($$SET mlops.job_lease = '1 day'$$);
RESET SESSION AUTHORIZATION;
SELECT * FROM pg_temp.state;

-- ------------------------------------------------------------ a policy's webhook
-- must exist (its job events are sent to it); nothing is written otherwise
SELECT pg_temp.try($$SELECT mlops.create_retrain_policy('bad_churn', 'manual', webhook => 'no_such_webhook')$$);
SELECT count(*) AS bad_churn_policies FROM mlops.retrain_policies p JOIN mlops.models m ON m.id = p.model_id
 WHERE m.name = 'bad_churn';

-- ------------------------------------------------------------ the settings
SELECT name, setting, unit, context, status FROM mlops.settings WHERE name = 'mlops.job_lease';
SELECT pg_temp.try($$SET mlops.job_lease = 0$$);
SELECT pg_temp.try($$SET mlops.job_lease = '-1s'$$);

DROP OWNED BY regress_jobs_bad_writer, regress_jobs_bad_trainer, regress_jobs_bad_admin, regress_jobs_bad_reader;
DROP ROLE regress_jobs_bad_writer, regress_jobs_bad_trainer, regress_jobs_bad_admin, regress_jobs_bad_reader;
