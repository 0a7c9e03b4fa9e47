-- Coming from MLflow (API.md -> Tracking, Registry): who may delete, restore,
-- rename and tag. Writers change their own runs (created_by, members of that
-- role) and experiments they created; admins any; readers and others nothing.
BEGIN;
SELECT plan(50);

SELECT lives_ok('SELECT mlops.create_roles()', 'roles exist');
CREATE ROLE mlf_writer LOGIN;
CREATE ROLE mlf_writer2 LOGIN;
CREATE ROLE mlf_reader LOGIN;
CREATE ROLE mlf_admin LOGIN;
CREATE ROLE mlf_outsider LOGIN;
GRANT mlops_writer TO mlf_writer, mlf_writer2;
GRANT mlops_reader TO mlf_reader;
GRANT mlops_admin TO mlf_admin;

-- PUBLIC executes none of the new tracking functions; writers execute each
SELECT function_privs_are('mlops', f, args, 'public', ARRAY[]::text[], 'PUBLIC cannot execute mlops.' || f)
  FROM (VALUES ('delete_run', ARRAY['uuid']), ('restore_run', ARRAY['uuid']),
               ('delete_experiment', ARRAY['text']), ('restore_experiment', ARRAY['text']),
               ('set_experiment_tag', ARRAY['text', 'text', 'text']), ('delete_tag', ARRAY['uuid', 'text']),
               ('rename_run', ARRAY['uuid', 'text'])) v(f, args);
SELECT function_privs_are('mlops', f, args, 'mlops_writer', ARRAY['EXECUTE'], 'writers execute mlops.' || f)
  FROM (VALUES ('delete_run', ARRAY['uuid']), ('restore_run', ARRAY['uuid']),
               ('delete_experiment', ARRAY['text']), ('restore_experiment', ARRAY['text']),
               ('set_experiment_tag', ARRAY['text', 'text', 'text']), ('delete_tag', ARRAY['uuid', 'text']),
               ('rename_run', ARRAY['uuid', 'text']),
               ('start_run', ARRAY['text', 'text', 'jsonb', 'jsonb', 'uuid', 'timestamp with time zone']),
               ('end_run', ARRAY['uuid', 'text', 'timestamp with time zone'])) v(f, args);

-- a writer's own run and experiment
SET SESSION AUTHORIZATION mlf_writer;
CREATE TEMP TABLE w AS SELECT mlops.start_run('mlf-tap', 'w1', tags => '{"t": "x"}') AS run;
SELECT lives_ok($$SELECT mlops.set_experiment_tag('mlf-tap', 'team', 'a')$$, 'writer: set_experiment_tag');
SELECT lives_ok($$SELECT mlops.rename_run((SELECT run FROM w), 'w1b')$$, 'writer: rename_run of its run');
SELECT lives_ok($$SELECT mlops.delete_tag((SELECT run FROM w), 't')$$, 'writer: delete_tag of its run');
SELECT lives_ok($$SELECT mlops.delete_run((SELECT run FROM w))$$, 'writer: delete_run of its run');
SELECT lives_ok($$SELECT mlops.restore_run((SELECT run FROM w))$$, 'writer: restore_run of its run');
GRANT SELECT ON w TO PUBLIC;
RESET SESSION AUTHORIZATION;

-- another writer: not another's run, nor another's experiment's lifecycle
SET SESSION AUTHORIZATION mlf_writer2;
SELECT throws_ok($$SELECT mlops.delete_run((SELECT run FROM w))$$, '42501', NULL, 'another writer: no delete_run');
SELECT throws_ok($$SELECT mlops.restore_run((SELECT run FROM w))$$, '42501', NULL, 'another writer: no restore_run');
SELECT throws_ok($$SELECT mlops.rename_run((SELECT run FROM w), 'x')$$, '42501', NULL, 'another writer: no rename_run');
SELECT throws_ok($$SELECT mlops.set_tag((SELECT run FROM w), 'mlflow.runName', 'x')$$, '42501', NULL,
    'another writer: no rename through mlflow.runName');
SELECT throws_ok($$SELECT mlops.delete_experiment('mlf-tap')$$, '42501', NULL, 'another writer: no delete_experiment');
SELECT throws_ok($$UPDATE mlops.experiments SET lifecycle_stage = 'deleted' WHERE name = 'mlf-tap'$$, '42501', NULL,
    'another writer: no delete of the experiment by UPDATE');
SELECT lives_ok($$SELECT mlops.set_experiment_tag('mlf-tap', 'seen', 'yes')$$,
    'another writer: tags the experiment (as it may UPDATE experiments)');
RESET SESSION AUTHORIZATION;

-- a reader and an outsider change nothing
SET SESSION AUTHORIZATION mlf_reader;
SELECT throws_ok($$SELECT mlops.delete_run((SELECT run FROM w))$$, '42501', NULL, 'reader: no delete_run');
SELECT throws_ok($$SELECT mlops.delete_experiment('mlf-tap')$$, '42501', NULL, 'reader: no delete_experiment');
SELECT throws_ok($$SELECT mlops.set_experiment_tag('mlf-tap', 'k', 'v')$$, '42501', NULL, 'reader: no set_experiment_tag');
SELECT throws_ok($$SELECT mlops.rename_run((SELECT run FROM w), 'x')$$, '42501', NULL, 'reader: no rename_run');
SELECT lives_ok($$SELECT * FROM mlops.run_summary$$, 'reader: reads run_summary');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION mlf_outsider;
SELECT throws_ok($$SELECT mlops.delete_run('00000000-0000-0000-0000-000000000001')$$, '42501', NULL, 'outsider: no delete_run');
SELECT throws_ok($$SELECT mlops.delete_tag('00000000-0000-0000-0000-000000000001', 'k')$$, '42501', NULL, 'outsider: no delete_tag');
RESET SESSION AUTHORIZATION;

-- an admin deletes and restores anyone's run and experiment
SET SESSION AUTHORIZATION mlf_admin;
SELECT lives_ok($$SELECT mlops.delete_run((SELECT run FROM w))$$, 'admin: delete_run of any run');
SELECT lives_ok($$SELECT mlops.restore_run((SELECT run FROM w))$$, 'admin: restore_run of any run');
SELECT lives_ok($$SELECT mlops.delete_experiment('mlf-tap')$$, 'admin: delete_experiment of any experiment');
SELECT lives_ok($$SELECT mlops.restore_experiment('mlf-tap')$$, 'admin: restore_experiment of any experiment');
RESET SESSION AUTHORIZATION;

-- registry tags: writers tag models and versions, readers nothing
SET SESSION AUTHORIZATION mlf_writer;
SELECT lives_ok($$SELECT mlops.register_model('mlf-m')$$, 'writer: register_model');
SELECT lives_ok($$SELECT mlops.create_model_version('mlf-m', (SELECT run FROM w), 's3://m/1', NULL, 'runs:/x/model', NULL,
                  '{"inputs": "[]"}', '{"k": "v"}')$$, 'writer: create_model_version with signature and tags');
SELECT lives_ok($$SELECT mlops.set_model_tag('mlf-m', 'k', 'v')$$, 'writer: set_model_tag');
SELECT lives_ok($$SELECT mlops.set_model_version_tag('mlf-m', 1, 'k2', 'v')$$, 'writer: set_model_version_tag');
SELECT lives_ok($$SELECT mlops.delete_model_version_tag('mlf-m', 1, 'k')$$, 'writer: delete_model_version_tag');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION mlf_reader;
SELECT throws_ok($$SELECT mlops.set_model_tag('mlf-m', 'k', 'v')$$, '42501', NULL, 'reader: no set_model_tag');
SELECT throws_ok($$SELECT mlops.set_model_version_tag('mlf-m', 1, 'k', 'v')$$, '42501', NULL, 'reader: no set_model_version_tag');
SELECT throws_ok($$SELECT mlops.delete_model_tag('mlf-m', 'k')$$, '42501', NULL, 'reader: no delete_model_tag');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION mlf_admin;
SELECT lives_ok($$SELECT mlops.delete_model_tag('mlf-m', 'k')$$, 'admin: delete_model_tag');
RESET SESSION AUTHORIZATION;
SELECT is((SELECT v.tags FROM mlops.model_versions v JOIN mlops.models m ON m.id = v.model_id WHERE m.name = 'mlf-m'),
          '{"k2": "v"}'::jsonb, 'the version tags are what the writer left');

SELECT * FROM finish();
ROLLBACK;
