-- Registry privilege contract per role (API.md -> Roles) and the schema shape
-- the governance rules rest on: each allowed and each refused action.
BEGIN;
SELECT plan(71);

SELECT mlops.create_roles();
CREATE ROLE tap_reg_reader;   GRANT mlops_reader TO tap_reg_reader;
CREATE ROLE tap_reg_writer;   GRANT mlops_writer TO tap_reg_writer;
CREATE ROLE tap_reg_approver; GRANT mlops_approver TO tap_reg_approver;
CREATE ROLE tap_reg_admin;    GRANT mlops_admin TO tap_reg_admin;

INSERT INTO mlops.experiments (name) VALUES ('tap_registry');
INSERT INTO mlops.runs (id, experiment_id, status)
SELECT '00000000-0000-0000-0000-0000000f0001', id, 'FINISHED' FROM mlops.experiments WHERE name = 'tap_registry';

-- ------------------------------------------------------------ schema shape
SELECT has_table('mlops', t, 'table mlops.' || t || ' exists')
  FROM unnest(ARRAY['models', 'model_versions', 'stages', 'stage_transitions', 'transition_requests',
                    'approvals', 'policies', 'model_aliases', 'audit_log', 'stage_history']) t;
SELECT col_is_pk('mlops', 'model_versions', 'id', 'model_versions has a single-column primary key');
SELECT col_is_unique('mlops', 'model_versions', ARRAY['model_id', 'version'], 'version numbers are unique per model');
SELECT ok((SELECT indisunique AND indpred IS NOT NULL FROM pg_index
            WHERE indexrelid = 'mlops.model_versions_exclusive_stage_idx'::regclass),
          'a partial unique index holds one version per model in an exclusive stage');
SELECT has_trigger('mlops', 'model_versions', 'model_versions_guard', 'model_versions is guarded by a trigger');
SELECT has_trigger('mlops', 'audit_log', 'audit_log_no_truncate', 'audit_log refuses TRUNCATE by trigger');
SELECT is((SELECT count(*)::int FROM pg_extension e, unnest(e.extconfig) c
            WHERE e.extname = 'mlops' AND c::regclass::text IN
              ('mlops.models', 'mlops.model_versions', 'mlops.audit_log', 'mlops.policies', 'mlops.model_aliases')),
          5, 'registry tables are dumped by pg_dump');

-- ------------------------------------------------------------ table privileges
SELECT table_privs_are('mlops', 'model_versions', 'mlops_reader', ARRAY['SELECT'], 'readers only read model_versions');
SELECT table_privs_are('mlops', 'audit_log', 'mlops_reader', ARRAY['SELECT'], 'readers only read audit_log');
SELECT table_privs_are('mlops', 'model_versions', 'mlops_writer', ARRAY['SELECT', 'INSERT', 'UPDATE'],
    'writers insert and update model_versions (the triggers govern the columns)');
SELECT table_privs_are('mlops', 'approvals', 'mlops_writer', ARRAY['SELECT'], 'writers cannot approve');
SELECT table_privs_are('mlops', 'approvals', 'mlops_approver', ARRAY['SELECT', 'INSERT'], 'approvers insert approvals');
SELECT table_privs_are('mlops', 'policies', 'mlops_approver', ARRAY['SELECT'], 'approvers cannot change policies');
SELECT table_privs_are('mlops', 'policies', 'mlops_admin', ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
    'admins manage policies');
SELECT table_privs_are('mlops', 'stages', 'mlops_admin', ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
    'admins manage stages');
SELECT table_privs_are('mlops', 'audit_log', 'mlops_admin', ARRAY['SELECT'], 'not even admins can change audit_log');

-- ------------------------------------------------------------ reader
SET ROLE tap_reg_reader;
SELECT lives_ok('SELECT count(*) FROM mlops.model_versions', 'a reader reads model_versions');
SELECT lives_ok('SELECT mlops.verify_audit_chain()', 'a reader verifies the audit chain');
SELECT throws_ok($$SELECT mlops.register_model('tap_m_reader')$$, '42501', NULL, 'a reader cannot register a model');
SELECT throws_ok($$SELECT mlops.set_policy('*', 'production')$$, '42501', NULL, 'a reader cannot set a policy');
SELECT throws_ok($$INSERT INTO mlops.stages (name) VALUES ('tap_canary')$$, '42501', NULL, 'a reader cannot add a stage');
RESET ROLE;

-- ------------------------------------------------------------ writer
SET ROLE tap_reg_writer;
SELECT lives_ok($$SELECT mlops.register_model('tap_m')$$, 'a writer registers a model');
SELECT is(mlops.create_model_version('tap_m', '00000000-0000-0000-0000-0000000f0001', 's3://tap/1'), 1,
    'a writer creates version 1');
SELECT is(mlops.create_model_version('tap_m', '00000000-0000-0000-0000-0000000f0001', 's3://tap/2'), 2,
    'a writer creates version 2');
SELECT lives_ok($$SELECT mlops.transition('tap_m', 1, 'staging')$$, 'a writer moves a version where no policy applies');
SELECT lives_ok($$SELECT mlops.transition('tap_m', 2, 'staging')$$, 'a writer moves another version');
SELECT lives_ok($$SELECT mlops.set_alias('tap_m', 'candidate', 1)$$, 'a writer sets an alias');
SELECT lives_ok($$SELECT mlops.delete_alias('tap_m', 'candidate')$$, 'a writer deletes an alias');
SELECT lives_ok($$UPDATE mlops.model_versions SET description = 'tap'
                   WHERE model_id = (SELECT id FROM mlops.models WHERE name = 'tap_m') AND version = 1$$,
    'a writer updates a description directly');
SELECT throws_ok($$SELECT mlops.set_policy('tap_m', 'production')$$, '42501', NULL, 'a writer cannot set a policy');
SELECT throws_ok($$INSERT INTO mlops.stage_transitions (from_stage, to_stage) VALUES ('none', 'production')$$,
    '42501', NULL, 'a writer cannot add a stage transition');
SELECT throws_ok($$DELETE FROM mlops.model_versions WHERE version = 2$$, '42501', NULL, 'a writer cannot delete versions');
SELECT throws_ok($$UPDATE mlops.transition_requests SET status = 'consumed'$$, '42501', NULL,
    'a writer cannot change requests directly');
SELECT throws_ok($$DELETE FROM mlops.audit_log$$, '42501', NULL, 'a writer cannot delete audit rows');
RESET ROLE;

-- ------------------------------------------------------------ admin
SET ROLE tap_reg_admin;
SELECT lives_ok($$SELECT mlops.set_policy('tap_m', 'production', 1)$$, 'an admin sets a policy');
SELECT lives_ok($$INSERT INTO mlops.stages (name, exclusive) VALUES ('tap_canary', true)$$, 'an admin adds a stage');
SELECT lives_ok($$INSERT INTO mlops.stage_transitions (from_stage, to_stage) VALUES ('staging', 'tap_canary')$$,
    'an admin adds a stage transition');
SELECT throws_ok($$UPDATE mlops.audit_log SET actor = 'x'$$, '42501', NULL, 'an admin cannot change audit rows');
SELECT throws_ok($$TRUNCATE mlops.audit_log$$, '42501', NULL, 'an admin cannot truncate audit_log');
RESET ROLE;

-- ------------------------------------------------------------ governed move
SET ROLE tap_reg_writer;
SELECT throws_ok($$SELECT mlops.transition('tap_m', 1, 'production')$$, '42501', NULL,
    'a writer cannot promote under a policy without an approved request');
SELECT throws_ok($$UPDATE mlops.model_versions SET stage = 'production'
                    WHERE model_id = (SELECT id FROM mlops.models WHERE name = 'tap_m') AND version = 1$$,
    '42501', NULL, 'nor by a direct UPDATE');
SELECT lives_ok($$SELECT mlops.request_transition('tap_m', 1, 'production')$$, 'a writer requests a transition');
SELECT throws_ok($$SELECT mlops.approve((SELECT max(id) FROM mlops.transition_requests))$$, '42501', NULL,
    'a writer cannot approve');
RESET ROLE;

SET ROLE tap_reg_reader;
SELECT throws_ok($$SELECT mlops.request_transition('tap_m', 2, 'production')$$, '42501', NULL,
    'a reader cannot request a transition');
SELECT throws_ok($$SELECT mlops.approve((SELECT max(id) FROM mlops.transition_requests))$$, '42501', NULL,
    'a reader cannot approve');
SELECT throws_ok($$SELECT mlops.transition('tap_m', 2, 'archived')$$, '42501', NULL, 'a reader cannot move versions');
RESET ROLE;

SET ROLE tap_reg_approver;
SELECT throws_ok($$SELECT mlops.register_model('tap_m_approver')$$, '42501', NULL, 'an approver cannot register models');
SELECT throws_ok($$SELECT mlops.request_transition('tap_m', 2, 'production')$$, '42501', NULL,
    'an approver cannot request transitions');
SELECT throws_ok($$SELECT mlops.set_policy('tap_m', 'production', 2)$$, '42501', NULL, 'an approver cannot change policies');
SELECT lives_ok($$SELECT mlops.approve((SELECT max(id) FROM mlops.transition_requests), 'ok')$$,
    'an approver approves a request');
SELECT throws_ok($$SELECT mlops.transition('tap_m', 1, 'production')$$, '42501', NULL,
    'an approver cannot perform the move itself');
RESET ROLE;

SET ROLE tap_reg_writer;
SELECT lives_ok($$SELECT mlops.transition('tap_m', 1, 'production')$$, 'the writer promotes after the approval');
SELECT is(mlops.production_version('tap_m'), 1, 'version 1 is in production');
SELECT throws_ok($$SELECT mlops.transition('tap_m', 2, 'production')$$, '42501', NULL,
    'the consumed request does not allow another promotion');
RESET ROLE;

SET ROLE tap_reg_admin;
SELECT throws_ok($$DELETE FROM mlops.model_versions
                    WHERE model_id = (SELECT id FROM mlops.models WHERE name = 'tap_m') AND version = 1$$,
    '42501', NULL, 'not even an admin deletes the production version');
SELECT lives_ok($$SELECT mlops.request_transition('tap_m', 2, 'production')$$, 'an admin (a writer) requests');
SELECT throws_ok($$SELECT mlops.approve((SELECT max(id) FROM mlops.transition_requests))$$, '42501',
    'role "tap_reg_admin" cannot approve its own transition request ' || (SELECT max(id) FROM mlops.transition_requests),
    'an admin (an approver) cannot approve its own request');
RESET ROLE;
SET ROLE tap_reg_approver;
SELECT lives_ok($$SELECT mlops.reject((SELECT max(id) FROM mlops.transition_requests), 'no')$$, 'an approver rejects');
RESET ROLE;

-- the actor is session_user, the role is recorded beside it
SELECT is((SELECT actor::text FROM mlops.audit_log WHERE action = 'transition.reject' ORDER BY id DESC LIMIT 1),
          session_user::text, 'the audit actor is session_user');
SELECT is((SELECT detail->>'current_user' FROM mlops.audit_log WHERE action = 'transition.reject' ORDER BY id DESC LIMIT 1),
          'tap_reg_approver', 'the acting role is recorded');
SELECT is(mlops.verify_audit_chain(), NULL, 'the audit chain is intact');

-- a role outside every mlops_* role reaches nothing
CREATE ROLE tap_reg_outsider;
SET ROLE tap_reg_outsider;
SELECT throws_ok($$SELECT count(*) FROM mlops.model_versions$$, '42501', NULL, 'an outsider cannot read the registry');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
