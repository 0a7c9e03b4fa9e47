-- Tracking privileges (API.md -> Roles): writers track, readers read, others nothing.
BEGIN;
SELECT plan(55);

SELECT lives_ok('SELECT mlops.create_roles()', 'roles exist');
CREATE ROLE trk_writer LOGIN;
CREATE ROLE trk_reader LOGIN;
CREATE ROLE trk_outsider LOGIN;
CREATE ROLE trk_writer2 LOGIN;
GRANT mlops_writer TO trk_writer, trk_writer2;
GRANT mlops_reader TO trk_reader;

-- PUBLIC cannot execute the writing functions
SELECT function_privs_are('mlops', f, args, 'public', ARRAY[]::text[], 'PUBLIC cannot execute mlops.' || f)
  FROM (VALUES ('start_run', ARRAY['text', 'text', 'jsonb', 'jsonb', 'uuid', 'timestamp with time zone']),
               ('log_metric', ARRAY['uuid', 'text', 'double precision', 'bigint', 'timestamp with time zone']),
               ('log_metrics', ARRAY['uuid', 'text[]', 'double precision[]', 'bigint[]']),
               ('end_run', ARRAY['uuid', 'text', 'timestamp with time zone'])) v(f, args);
SELECT table_privs_are('mlops', 'latest_metrics', 'mlops_writer', ARRAY['SELECT'],
    'writers only read latest_metrics (the trigger maintains it)');
SELECT table_privs_are('mlops', 'metrics', 'mlops_writer', ARRAY['INSERT', 'SELECT'],
    'metrics are append-only for writers');
SELECT table_privs_are('mlops', 'runs', 'mlops_reader', ARRAY['SELECT'], 'readers only read runs');
-- log_metric checks the caller's INSERT privilege on mlops.metrics itself
CREATE ROLE trk_exec_only LOGIN;
GRANT USAGE ON SCHEMA mlops TO trk_exec_only;
GRANT EXECUTE ON FUNCTION mlops.log_metric(uuid, text, double precision, bigint, timestamptz) TO trk_exec_only;
SET ROLE trk_exec_only;
SELECT throws_ok($$SELECT mlops.log_metric('00000000-0000-0000-0000-000000000001', 'x', 1)$$, '42501',
    'permission denied for table metrics', 'EXECUTE on log_metric without INSERT on metrics is refused');
RESET ROLE;

-- a writer tracks a run through the functions (reading a registered dataset version)
SELECT lives_ok($$SELECT mlops.register_dataset_version('iris', 's3://tap/iris')$$, 'iris version 1 exists');
SET ROLE trk_writer;
SELECT lives_ok($$SELECT mlops.create_experiment('tap-exp')$$, 'writer: create_experiment');
SELECT lives_ok($$CREATE TEMP TABLE w AS SELECT mlops.start_run('tap-exp', 'w1', '{"lr": 0.1}', '{"t": "x"}') AS run$$,
    'writer: start_run');
SELECT lives_ok($$SELECT mlops.log_param((SELECT run FROM w), 'opt', 'adam')$$, 'writer: log_param');
SELECT lives_ok($$SELECT mlops.log_params((SELECT run FROM w), '{"batch": 8}')$$, 'writer: log_params');
SELECT lives_ok($$SELECT mlops.log_metric((SELECT run FROM w), 'loss', 0.5, 1)$$, 'writer: log_metric');
SELECT lives_ok($$SELECT mlops.log_metrics((SELECT run FROM w), '{"acc": 0.9}')$$, 'writer: log_metrics jsonb');
SELECT lives_ok($$SELECT mlops.log_metrics((SELECT run FROM w), ARRAY['loss'], ARRAY[0.4], ARRAY[2]::bigint[])$$,
    'writer: log_metrics arrays');
SELECT lives_ok($$SELECT mlops.set_tag((SELECT run FROM w), 't', 'y')$$, 'writer: set_tag');
SELECT lives_ok($$SELECT mlops.log_artifact((SELECT run FROM w), 'm.pkl', 's3://b/m.pkl')$$, 'writer: log_artifact');
SELECT lives_ok($$SELECT mlops.log_input((SELECT run FROM w), 'iris', 1)$$, 'writer: log_input');
SELECT lives_ok($$SELECT * FROM mlops.search_runs('tap-exp', 'metrics.acc > 0.5')$$, 'writer: search_runs');
SELECT is(mlops.run_metric((SELECT run FROM w), 'loss'), 0.4::float8, 'writer: the trigger kept latest_metrics for the writer');
-- and the ORM way
SELECT throws_ok($$INSERT INTO mlops.runs (experiment_id, name, created_by)
                  SELECT id, 'orm', 'someone-else' FROM mlops.experiments WHERE name = 'tap-exp'$$,
    '42704', NULL, 'writer: created_by names a role, not any string the client sends');
SELECT lives_ok($$INSERT INTO mlops.runs (experiment_id, name)
                  SELECT id, 'orm' FROM mlops.experiments WHERE name = 'tap-exp'$$, 'writer: INSERT INTO runs');
SELECT is((SELECT created_by::text FROM mlops.runs WHERE name = 'orm'), session_user::text,
    'created_by defaults to session_user');
SELECT lives_ok($$INSERT INTO mlops.metrics (run_id, key, value) SELECT run, 'orm_metric', 1 FROM w$$, 'writer: INSERT INTO metrics');
SELECT lives_ok($$DELETE FROM mlops.tags WHERE key = 't' AND run_id = (SELECT run FROM w)$$, 'writer: DELETE a tag of an open run');
SELECT throws_ok($$INSERT INTO mlops.latest_metrics (run_id, key, step, ts, value) SELECT run, 'fake', 99, now(), 1 FROM w$$,
    '42501', NULL, 'writer: cannot forge latest_metrics');
SELECT throws_ok($$UPDATE mlops.latest_metrics SET value = 1$$, '42501', NULL, 'writer: cannot update latest_metrics');
SELECT throws_ok($$UPDATE mlops.metrics SET value = 0$$, '42501', NULL, 'writer: cannot update metrics');
SELECT throws_ok($$DELETE FROM mlops.metrics$$, '42501', NULL, 'writer: cannot delete metrics');
SELECT throws_ok($$DELETE FROM mlops.params$$, '42501', NULL, 'writer: cannot delete params');
SELECT throws_ok($$DELETE FROM mlops.runs$$, '42501', NULL, 'writer: cannot delete runs');
SELECT throws_ok($$SELECT mlops.log_param((SELECT run FROM w), 'opt', 'sgd')$$, '23505', NULL, 'writer: params stay immutable');
SELECT lives_ok($$SELECT mlops.end_run((SELECT run FROM w))$$, 'writer: end_run');
SELECT throws_ok($$SELECT mlops.log_metric((SELECT run FROM w), 'loss', 0.1)$$, '55000', NULL, 'writer: nothing logged after the end');
RESET ROLE;

-- another login writes only its own runs (created_by is the session user)
SET SESSION AUTHORIZATION trk_writer2;
SELECT throws_ok($$SELECT mlops.log_metric(mlops.get_run('tap-exp', 'orm'), 'x', 1)$$, '42501', NULL,
    'another writer: cannot log into the run');
SELECT throws_ok($$UPDATE mlops.runs SET name = 'taken' WHERE name = 'orm'$$, '42501', NULL,
    'another writer: cannot rename the run');
RESET SESSION AUTHORIZATION;

-- a reader reads everything and writes nothing
SET ROLE trk_reader;
SELECT is((SELECT count(*)::int FROM mlops.search_runs('tap-exp')), 2, 'reader: search_runs');
SELECT is((SELECT count(*)::int FROM mlops.run_summary WHERE experiment = 'tap-exp'), 2, 'reader: run_summary');
SELECT is((SELECT count(*)::int FROM mlops.metric_history WHERE experiment = 'tap-exp'), 4, 'reader: metric_history');
SELECT lives_ok($$SELECT mlops.get_run('tap-exp', 'w1')$$, 'reader: get_run');
SELECT lives_ok($$SELECT mlops.run_metric(mlops.get_run('tap-exp', 'w1'), 'acc')$$, 'reader: run_metric');
SELECT lives_ok($$SELECT * FROM mlops.params, mlops.tags, mlops.artifacts, mlops.run_inputs, mlops.latest_metrics LIMIT 1$$,
    'reader: the tables');
SELECT throws_ok($$SELECT mlops.create_experiment('r')$$, '42501', NULL, 'reader: cannot create_experiment');
SELECT throws_ok($$SELECT mlops.start_run('tap-exp')$$, '42501', NULL, 'reader: cannot start_run');
SELECT throws_ok($$SELECT mlops.log_metric(mlops.get_run('tap-exp', 'orm'), 'x', 1)$$, '42501', NULL, 'reader: cannot log_metric');
SELECT throws_ok($$SELECT mlops.log_metrics(mlops.get_run('tap-exp', 'orm'), ARRAY['x'], ARRAY[1.0])$$, '42501', NULL,
    'reader: cannot log_metrics');
SELECT throws_ok($$SELECT mlops.set_tag(mlops.get_run('tap-exp', 'orm'), 'x', '1')$$, '42501', NULL, 'reader: cannot set_tag');
SELECT throws_ok($$SELECT mlops.end_run(mlops.get_run('tap-exp', 'orm'))$$, '42501', NULL, 'reader: cannot end_run');
SELECT throws_ok($$INSERT INTO mlops.runs (experiment_id) SELECT id FROM mlops.experiments LIMIT 1$$, '42501', NULL,
    'reader: cannot INSERT INTO runs');
SELECT throws_ok($$INSERT INTO mlops.metrics (run_id, key, value) SELECT id, 'x', 1 FROM mlops.runs WHERE name = 'orm'$$,
    '42501', NULL, 'reader: cannot INSERT INTO metrics');
SELECT throws_ok($$UPDATE mlops.runs SET status = 'KILLED'$$, '42501', NULL, 'reader: cannot UPDATE runs');
RESET ROLE;

-- without a role nothing is reachable
SET ROLE trk_outsider;
SELECT throws_ok($$SELECT * FROM mlops.search_runs('tap-exp')$$, '42501', NULL, 'outsider: cannot search');
SELECT throws_ok($$SELECT * FROM mlops.run_summary$$, '42501', NULL, 'outsider: cannot read run_summary');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
