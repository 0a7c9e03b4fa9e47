-- Privilege contract of the views for BI tools and DBAs (50_bi_views.sql):
-- every mlops_* role reads them, nobody writes them, PUBLIC and a login
-- without mlops_reader read none (42501); the display settings are read by
-- readers and written by admins only. Inside one transaction (pending audit
-- rows) the views still show who moved what.
BEGIN;
SELECT plan(72);

SELECT mlops.create_roles();
CREATE ROLE tap_bi_reader;   GRANT mlops_reader TO tap_bi_reader;
CREATE ROLE tap_bi_writer;   GRANT mlops_writer TO tap_bi_writer;
CREATE ROLE tap_bi_approver; GRANT mlops_approver TO tap_bi_approver;
CREATE ROLE tap_bi_admin;    GRANT mlops_admin TO tap_bi_admin;
CREATE ROLE tap_bi_outsider LOGIN;

INSERT INTO mlops.experiments (name) VALUES ('tap_bi');
INSERT INTO mlops.runs (id, experiment_id, status)
SELECT '00000000-0000-0000-0000-0000000fb001', id, 'FINISHED' FROM mlops.experiments WHERE name = 'tap_bi';

-- ------------------------------------------------------------ shape
SELECT has_view('mlops', v, 'view mlops.' || v || ' exists')
  FROM unnest(ARRAY['model_registry', 'production_models', 'pending_requests', 'stage_history_readable',
                    'audit_trail', 'audit_actor_summary', 'experiment_leaderboard']) v;
SELECT has_table('mlops', t, 'table mlops.' || t || ' exists')
  FROM unnest(ARRAY['model_metric_columns', 'leaderboard_metrics']) t;
SELECT is((SELECT count(*)::int FROM pg_extension e, unnest(e.extconfig) c
            WHERE e.extname = 'mlops' AND c::regclass::text IN ('mlops.model_metric_columns', 'mlops.leaderboard_metrics')),
          2, 'the display settings are dumped by pg_dump');
SELECT has_index('mlops', 'audit_log', 'audit_log_entity_at_idx', ARRAY['entity', 'at', 'id'],
    'the audit log is indexed by object and time');

-- ------------------------------------------------------------ view privileges
SELECT table_privs_are('mlops', v, 'public', ARRAY[]::text[], 'PUBLIC has no privilege on mlops.' || v)
  FROM unnest(ARRAY['model_registry', 'production_models', 'pending_requests', 'stage_history_readable',
                    'audit_trail', 'audit_actor_summary', 'experiment_leaderboard']) v;
SELECT table_privs_are('mlops', v, 'mlops_reader', ARRAY['SELECT'], 'readers only read mlops.' || v)
  FROM unnest(ARRAY['model_registry', 'production_models', 'pending_requests', 'stage_history_readable',
                    'audit_trail', 'audit_actor_summary', 'experiment_leaderboard']) v;
SELECT table_privs_are('mlops', v, 'mlops_admin', ARRAY['SELECT'], 'not even admins write mlops.' || v)
  FROM unnest(ARRAY['model_registry', 'production_models', 'pending_requests', 'stage_history_readable',
                    'audit_trail', 'audit_actor_summary', 'experiment_leaderboard']) v;
-- every view of the schema, present and future, is granted to readers
SELECT is((SELECT array_agg(c.relname ORDER BY c.relname) FROM pg_class c
            WHERE c.relnamespace = 'mlops'::regnamespace AND c.relkind = 'v'
              AND NOT has_table_privilege('mlops_reader', c.oid, 'SELECT')),
          NULL, 'mlops_reader reads every view of schema mlops');
SELECT table_privs_are('mlops', 'model_metric_columns', 'public', ARRAY[]::text[], 'PUBLIC has no privilege on model_metric_columns');
SELECT table_privs_are('mlops', 'model_metric_columns', 'mlops_writer', ARRAY['SELECT'], 'writers only read model_metric_columns');
SELECT table_privs_are('mlops', 'model_metric_columns', 'mlops_admin', ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
    'admins manage model_metric_columns');
SELECT table_privs_are('mlops', 'leaderboard_metrics', 'mlops_approver', ARRAY['SELECT'], 'approvers only read leaderboard_metrics');
SELECT table_privs_are('mlops', 'leaderboard_metrics', 'mlops_admin', ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
    'admins manage leaderboard_metrics');

-- ------------------------------------------------------------ a small registry
SET ROLE tap_bi_writer;
SELECT lives_ok($$SELECT mlops.register_model('tap_bi_m')$$, 'a writer registers a model');
SELECT is(mlops.create_model_version('tap_bi_m', '00000000-0000-0000-0000-0000000fb001', 's3://tap/bi/1'), 1, 'version 1');
SELECT lives_ok($$SELECT mlops.transition('tap_bi_m', 1, 'staging')$$, 'version 1 to staging');
SELECT lives_ok($$SELECT mlops.request_transition('tap_bi_m', 1, 'production')$$, 'a request');
RESET ROLE;
SET ROLE tap_bi_admin;
SELECT lives_ok($$SELECT mlops.set_policy('tap_bi_m', 'production', 1)$$, 'an admin sets a policy');
RESET ROLE;

-- ------------------------------------------------------------ reader
SET ROLE tap_bi_reader;
SELECT lives_ok('SELECT * FROM mlops.' || v, 'a reader reads mlops.' || v)
  FROM unnest(ARRAY['model_registry', 'production_models', 'pending_requests', 'stage_history_readable',
                    'audit_trail', 'audit_actor_summary', 'experiment_leaderboard',
                    'model_metric_columns', 'leaderboard_metrics']) v;
SELECT results_eq($$SELECT model, version, stage, stage_changed_by FROM mlops.model_registry WHERE model = 'tap_bi_m'$$,
    $$VALUES ('tap_bi_m'::text, 1, 'staging'::text, session_user::text)$$,
    'a reader sees the version and who moved it (pending audit rows of this transaction)');
SELECT results_eq($$SELECT request_id, approvals, approvals_needed, ready FROM mlops.pending_requests WHERE model = 'tap_bi_m'$$,
    $$SELECT max(id), 0, 1, false FROM mlops.transition_requests$$,
    'a reader sees the open request and the approvals it lacks');
SELECT throws_ok($$INSERT INTO mlops.leaderboard_metrics VALUES ('auc', 'max')$$, '42501', NULL,
    'a reader cannot rank metrics');
SELECT throws_ok($$DELETE FROM mlops.model_metric_columns$$, '42501', NULL, 'a reader cannot change metric columns');
RESET ROLE;

-- ------------------------------------------------------------ approver, writer, admin
SET ROLE tap_bi_approver;
SELECT lives_ok($$SELECT mlops.approve((SELECT max(id) FROM mlops.transition_requests))$$, 'an approver approves');
SELECT results_eq($$SELECT approvals, ready FROM mlops.pending_requests WHERE model = 'tap_bi_m'$$,
    $$VALUES (1, true)$$, 'an approver sees the request ready');
SELECT throws_ok($$INSERT INTO mlops.model_metric_columns SELECT id, 1, 'auc' FROM mlops.models WHERE name = 'tap_bi_m'$$,
    '42501', NULL, 'an approver cannot set metric columns');
RESET ROLE;
SET ROLE tap_bi_writer;
SELECT lives_ok($$SELECT mlops.transition('tap_bi_m', 1, 'production')$$, 'the writer promotes');
SELECT results_eq($$SELECT version, change_kind, governed, approved_by FROM mlops.production_models WHERE model = 'tap_bi_m'$$,
    $$VALUES (1, 'governed'::text, true, session_user::text)$$, 'production_models shows the governed promotion');
SELECT throws_ok($$INSERT INTO mlops.leaderboard_metrics VALUES ('auc', 'max')$$, '42501', NULL,
    'a writer cannot rank metrics');
RESET ROLE;
SET ROLE tap_bi_admin;
SELECT lives_ok($$INSERT INTO mlops.model_metric_columns SELECT id, 1, 'auc' FROM mlops.models WHERE name = 'tap_bi_m'$$,
    'an admin sets a metric column');
SELECT lives_ok($$INSERT INTO mlops.leaderboard_metrics VALUES ('auc', 'max')$$, 'an admin ranks a metric');
SELECT is((SELECT metric_1_name FROM mlops.model_registry WHERE model = 'tap_bi_m'), 'auc', 'the setting names metric_1');
RESET ROLE;

-- ------------------------------------------------------------ no mlops_reader: nothing
SET ROLE tap_bi_outsider;
SELECT throws_ok('SELECT * FROM mlops.' || v, '42501', NULL, 'a login without mlops_reader cannot read mlops.' || v)
  FROM unnest(ARRAY['model_registry', 'production_models', 'pending_requests', 'stage_history_readable',
                    'audit_trail', 'audit_actor_summary', 'experiment_leaderboard']) v;
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
