-- Privilege contract of retraining (src/jobs, 47_jobs.sql, 48_tick.sql):
-- admins create and drop policies and tick; writers queue, claim, heartbeat
-- and complete (their own claims; admins any); readers read the tables and
-- mlops.job_queue; nobody writes the tables directly; PUBLIC gets nothing.
BEGIN;
SELECT plan(40);

SELECT mlops.create_roles();
CREATE ROLE tap_jobs_reader;   GRANT mlops_reader TO tap_jobs_reader;
CREATE ROLE tap_jobs_writer;   GRANT mlops_writer TO tap_jobs_writer;
CREATE ROLE tap_jobs_trainer;  GRANT mlops_writer TO tap_jobs_trainer;
CREATE ROLE tap_jobs_admin;    GRANT mlops_admin TO tap_jobs_admin;
CREATE ROLE tap_jobs_outsider;
DO $$ BEGIN PERFORM mlops.register_model('tap_jobs_m'); PERFORM mlops.register_model('tap_jobs_m2'); END $$;

-- ------------------------------------------------------------ table privileges
SELECT table_privs_are('mlops', t, 'public', ARRAY[]::text[], 'PUBLIC has no privilege on mlops.' || t)
  FROM unnest(ARRAY['jobs', 'retrain_policies', 'job_queue']) t;
SELECT table_privs_are('mlops', t, 'mlops_reader', ARRAY['SELECT'], 'readers only read mlops.' || t)
  FROM unnest(ARRAY['jobs', 'retrain_policies', 'job_queue']) t;
SELECT table_privs_are('mlops', t, 'mlops_admin', ARRAY['SELECT'], 'not even admins write mlops.' || t)
  FROM unnest(ARRAY['jobs', 'retrain_policies']) t;

-- ------------------------------------------------------------ function privileges
SELECT function_privs_are('mlops', 'create_retrain_policy', ARRAY['text', 'text', 'text', 'interval', 'interval', 'text'],
    'mlops_admin', ARRAY['EXECUTE'], 'admins create policies');
SELECT function_privs_are('mlops', 'create_retrain_policy', ARRAY['text', 'text', 'text', 'interval', 'interval', 'text'],
    'public', ARRAY[]::text[], 'PUBLIC cannot create policies');
SELECT function_privs_are('mlops', 'tick', ARRAY[]::text[], 'mlops_admin', ARRAY['EXECUTE'], 'admins tick');
SELECT function_privs_are('mlops', 'tick', ARRAY[]::text[], 'public', ARRAY[]::text[], 'PUBLIC cannot tick');
SELECT function_privs_are('mlops', 'enqueue_retrain', ARRAY['text', 'jsonb'], 'mlops_writer', ARRAY['EXECUTE'], 'writers queue jobs');
SELECT function_privs_are('mlops', 'claim_job', ARRAY['text'], 'public', ARRAY[]::text[], 'PUBLIC cannot claim');

-- ------------------------------------------------------------ policies
SET LOCAL ROLE tap_jobs_admin;
SELECT lives_ok($$SELECT mlops.create_retrain_policy('tap_jobs_m', 'manual')$$, 'an admin creates a policy');
SELECT lives_ok($$SELECT mlops.drop_retrain_policy(id) FROM mlops.retrain_policies WHERE trigger = 'manual'$$,
    'an admin drops a policy');
SELECT lives_ok($$SELECT mlops.tick()$$, 'an admin ticks');
RESET ROLE;
SET LOCAL ROLE tap_jobs_writer;
SELECT throws_ok($$SELECT mlops.create_retrain_policy('tap_jobs_m', 'manual')$$, '42501', NULL, 'a writer cannot create a policy');
SELECT throws_ok($$SELECT mlops.tick()$$, '42501', NULL, 'a writer cannot tick');
SELECT throws_ok($$INSERT INTO mlops.retrain_policies (model_id, trigger) SELECT id, 'manual' FROM mlops.models$$,
    '42501', NULL, 'a writer cannot insert a policy');
RESET ROLE;
SET LOCAL ROLE tap_jobs_admin;
SELECT throws_ok($$INSERT INTO mlops.retrain_policies (model_id, trigger) SELECT id, 'manual' FROM mlops.models$$,
    '42501', NULL, 'an admin cannot insert a policy directly either');
RESET ROLE;

-- ------------------------------------------------------------ the queue
SET LOCAL ROLE tap_jobs_reader;
SELECT throws_ok($$SELECT mlops.enqueue_retrain('tap_jobs_m')$$, '42501', NULL, 'a reader cannot queue a job');
SELECT throws_ok($$SELECT mlops.claim_job('r')$$, '42501', NULL, 'a reader cannot claim a job');
RESET ROLE;
SET LOCAL ROLE tap_jobs_outsider;
SELECT throws_ok($$SELECT count(*) FROM mlops.job_queue$$, '42501', NULL, 'a role outside mlops_* cannot read the queue');
RESET ROLE;

SET LOCAL SESSION AUTHORIZATION tap_jobs_writer;
SELECT lives_ok($$SELECT mlops.enqueue_retrain('tap_jobs_m')$$, 'a writer queues a job');
SELECT throws_ok($$INSERT INTO mlops.jobs (model_id) SELECT id FROM mlops.models WHERE name = 'tap_jobs_m2'$$,
    '42501', NULL, 'a writer cannot insert a job');
SELECT throws_ok($$UPDATE mlops.jobs SET status = 'failed'$$, '42501', NULL, 'a writer cannot update a job');
SELECT throws_ok($$DELETE FROM mlops.jobs$$, '42501', NULL, 'a writer cannot delete a job');
RESET SESSION AUTHORIZATION;
SET LOCAL SESSION AUTHORIZATION tap_jobs_admin;
SELECT lives_ok($$SELECT mlops.enqueue_retrain('tap_jobs_m2')$$, 'an admin queues a job');
SELECT throws_ok($$UPDATE mlops.jobs SET status = 'failed'$$, '42501', NULL, 'an admin cannot update a job directly');
RESET SESSION AUTHORIZATION;

SET LOCAL SESSION AUTHORIZATION tap_jobs_trainer;
SELECT is((SELECT m.name FROM mlops.claim_job('t1') j JOIN mlops.models m ON m.id = j.model_id), 'tap_jobs_m',
    'a writer claims the oldest job');
SELECT lives_ok($$SELECT mlops.heartbeat_job(j.id) FROM mlops.jobs j WHERE j.claimed_by = 't1'$$,
    'the claimer heartbeats its job');
RESET SESSION AUTHORIZATION;
SET LOCAL SESSION AUTHORIZATION tap_jobs_writer;
SELECT is((SELECT m.name FROM mlops.claim_job('w1') j JOIN mlops.models m ON m.id = j.model_id), 'tap_jobs_m2',
    'another writer claims the next job');
SELECT throws_ok($$SELECT mlops.complete_job(j.id, 'failed') FROM mlops.jobs j WHERE j.claimed_by = 't1'$$,
    '42501', NULL, 'a writer cannot complete someone else''s claim');
SELECT throws_ok($$SELECT mlops.heartbeat_job(j.id) FROM mlops.jobs j WHERE j.claimed_by = 't1'$$,
    '42501', NULL, 'a writer cannot heartbeat someone else''s claim');
RESET SESSION AUTHORIZATION;
SET LOCAL SESSION AUTHORIZATION tap_jobs_trainer;
SELECT lives_ok($$SELECT mlops.complete_job(j.id, 'succeeded') FROM mlops.jobs j WHERE j.claimed_by = 't1'$$,
    'the claimer completes its job');
RESET SESSION AUTHORIZATION;
SET LOCAL SESSION AUTHORIZATION tap_jobs_admin;
SELECT lives_ok($$SELECT mlops.complete_job(j.id, 'failed') FROM mlops.jobs j WHERE j.claimed_by = 'w1'$$,
    'an admin completes any claim');
RESET SESSION AUTHORIZATION;

SET LOCAL ROLE tap_jobs_reader;
SELECT results_eq($$SELECT model, status FROM mlops.job_queue ORDER BY model$$,
    $$VALUES ('tap_jobs_m'::text, 'succeeded'::text), ('tap_jobs_m2', 'failed')$$, 'a reader reads the queue');
SELECT is((SELECT count(*)::int FROM mlops.jobs), 2, 'a reader reads the jobs');
SELECT is((SELECT count(*)::int FROM mlops.retrain_policies), 0, 'a reader reads the policies');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
