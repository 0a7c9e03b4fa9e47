-- Registry review fixes: each section shows a hole that is closed now.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS mlops;
RESET client_min_messages;
SELECT mlops.create_roles();
\set VERBOSITY default
\pset null '<null>'
SELECT setval('mlops.transition_requests_id_seq', 5000, false) IS NOT NULL AS ok;
-- start from no '*' policies (an earlier test may have left some)
DELETE FROM mlops.policies WHERE model_id IS NULL;

CREATE ROLE regress_fix_writer LOGIN IN ROLE mlops_writer;
CREATE ROLE regress_fix_alice LOGIN IN ROLE mlops_approver;
CREATE ROLE regress_fix_bob LOGIN IN ROLE mlops_approver;
CREATE ROLE regress_fix_alice_alt IN ROLE mlops_approver;
GRANT regress_fix_alice_alt TO regress_fix_alice;
CREATE ROLE regress_fix_admin LOGIN IN ROLE mlops_admin;
INSERT INTO mlops.experiments (name) VALUES ('regress_fixes');
INSERT INTO mlops.runs (id, experiment_id, name, status) VALUES
    ('00000000-0000-0000-0000-0000000000f1', (SELECT id FROM mlops.experiments WHERE name = 'regress_fixes'), 'f1', 'FINISHED'),
    ('00000000-0000-0000-0000-0000000000f2', (SELECT id FROM mlops.experiments WHERE name = 'regress_fixes'), 'f2', 'FINISHED');

-- 1. one login is one approver: approving again after SET ROLE is refused,
--    and approvals count once per session_user
SET SESSION AUTHORIZATION regress_fix_writer;
SELECT mlops.register_model('fix_m') > 0 AS registered;
SELECT mlops.create_model_version('fix_m', '00000000-0000-0000-0000-0000000000f1', 's3://fix/1');
SELECT mlops.create_model_version('fix_m', '00000000-0000-0000-0000-0000000000f2', 's3://fix/2');
SELECT mlops.transition('fix_m', 1, 'staging');
SELECT mlops.transition('fix_m', 2, 'staging');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_fix_admin;
SELECT mlops.set_policy('fix_m', 'production', 2);
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_fix_writer;
SELECT mlops.request_transition('fix_m', 1, 'production') AS req \gset
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_fix_alice;
SELECT mlops.approve(:req);
SET ROLE regress_fix_alice_alt;
SELECT mlops.approve(:req);                     -- same login, another role
\echo '   sqlstate' :SQLSTATE
SET ROLE mlops_approver;
SELECT mlops.approve(:req);
\echo '   sqlstate' :SQLSTATE
RESET SESSION AUTHORIZATION;
-- the table backs it: a second row of alice's login, even written verbatim by a superuser
\set VERBOSITY terse
INSERT INTO mlops.approvals (request_id, decision, approver, approver_session, at)
VALUES (:req, 'approve', 'regress_fix_alice_alt', 'regress_fix_alice', now());
\echo '   sqlstate' :SQLSTATE
\set VERBOSITY default
SET SESSION AUTHORIZATION regress_fix_writer;
SELECT mlops.transition('fix_m', 1, 'production');   -- 1 of 2: alice counts once
\echo '   sqlstate' :SQLSTATE
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_fix_bob;
SELECT mlops.approve(:req);
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_fix_writer;
SELECT mlops.transition('fix_m', 1, 'production');
RESET SESSION AUTHORIZATION;
SELECT approver, approver_session FROM mlops.approvals WHERE request_id = :req ORDER BY id;
SELECT version, stage FROM mlops.model_versions v JOIN mlops.models m ON m.id = v.model_id
 WHERE m.name = 'fix_m' ORDER BY version;

-- 2. a version's artifact is immutable (also in production); a description
--    is free text that writers may edit: not governed, not audited
SELECT coalesce(max(id), 0) AS audit_mark FROM mlops.audit_log \gset
SET SESSION AUTHORIZATION regress_fix_writer;
UPDATE mlops.model_versions SET artifact_uri = 's3://evil/1'
 WHERE version = 1 AND model_id = (SELECT id FROM mlops.models WHERE name = 'fix_m');
\echo '   sqlstate' :SQLSTATE
UPDATE mlops.model_versions SET artifact_uri = 's3://evil/2', description = 'x'
 WHERE version = 2 AND model_id = (SELECT id FROM mlops.models WHERE name = 'fix_m');
\echo '   sqlstate' :SQLSTATE
UPDATE mlops.model_versions SET description = 'retrained on march data'
 WHERE version = 2 AND model_id = (SELECT id FROM mlops.models WHERE name = 'fix_m');
UPDATE mlops.models SET description = 'fix model' WHERE name = 'fix_m';
RESET SESSION AUTHORIZATION;
SELECT version, artifact_uri, v.description FROM mlops.model_versions v JOIN mlops.models m ON m.id = v.model_id
 WHERE m.name = 'fix_m' ORDER BY version;
SELECT count(*) AS audit_rows_for_descriptions FROM mlops.audit_log WHERE id > :audit_mark;

-- 3. multi-row INSERTs keep the audit hash chain linear
SET SESSION AUTHORIZATION regress_fix_writer;
INSERT INTO mlops.models (name) VALUES ('fix_multi_a'), ('fix_multi_b'), ('fix_multi_c');
INSERT INTO mlops.model_versions (model_id, run_id, artifact_uri)
SELECT m.id, '00000000-0000-0000-0000-0000000000f1', 's3://multi/' || m.name || '/' || g
  FROM mlops.models m, generate_series(1, 2) g WHERE m.name LIKE 'fix\_multi\_%';
UPDATE mlops.model_versions SET description = 'bulk'
 WHERE model_id IN (SELECT id FROM mlops.models WHERE name LIKE 'fix\_multi\_%');
RESET SESSION AUTHORIZATION;
SELECT mlops.verify_audit_chain() AS first_broken;
SELECT count(*) FILTER (WHERE prev_hash IS NULL) AS roots, count(DISTINCT prev_hash) = count(prev_hash) AS linear
  FROM mlops.audit_log;

-- 4. built-in stages and moves cannot be rewritten; only a stage's description
SET SESSION AUTHORIZATION regress_fix_admin;
UPDATE mlops.stages SET exclusive = false WHERE name = 'production';
\echo '   sqlstate' :SQLSTATE
UPDATE mlops.stage_transitions SET to_stage = 'production' WHERE from_stage = 'none' AND to_stage = 'staging';
\echo '   sqlstate' :SQLSTATE
UPDATE mlops.stage_transitions SET from_stage = 'archived' WHERE from_stage = 'staging' AND to_stage = 'none';
\echo '   sqlstate' :SQLSTATE
UPDATE mlops.stages SET description = 'serving traffic' WHERE name = 'production';
UPDATE mlops.stages SET description = 'serving; one version per model' WHERE name = 'production';
-- an admin's own stage stays editable
INSERT INTO mlops.stages (name, description) VALUES ('fix_canary', 'canary');
UPDATE mlops.stages SET exclusive = true WHERE name = 'fix_canary';
DELETE FROM mlops.stages WHERE name = 'fix_canary';
RESET SESSION AUTHORIZATION;
SELECT name, exclusive, description FROM mlops.stages WHERE builtin ORDER BY id;
SELECT from_stage, to_stage FROM mlops.stage_transitions WHERE builtin ORDER BY id;

-- 5. a version archived by another's promotion loses its open requests too
SET SESSION AUTHORIZATION regress_fix_writer;
SELECT mlops.request_transition('fix_m', 1, 'staging', 'demote v1') AS old_req \gset
SELECT mlops.request_transition('fix_m', 2, 'production') AS req2 \gset
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_fix_bob;
SELECT mlops.approve(:old_req);
SELECT mlops.approve(:req2);
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_fix_alice;
SELECT mlops.approve(:req2);
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_fix_writer;
SELECT mlops.transition('fix_m', 2, 'production');
RESET SESSION AUTHORIZATION;
SELECT id = :old_req AS old_request, status, closed_by FROM mlops.transition_requests
 WHERE id IN (:old_req, :req2) ORDER BY id;
SELECT entity, detail->'cancelled_requests' = jsonb_build_array(:old_req) AS cancelled_logged,
       detail->>'replaced_by_version' AS replaced_by
  FROM mlops.audit_log WHERE action = 'stage.change' AND entity = 'model:fix_m@1' ORDER BY id DESC LIMIT 1;
-- 6. smaller things
-- a policy loaded verbatim by a superuser with a broken gate: an error, no crash
INSERT INTO mlops.models (name) VALUES ('fix_gate');
INSERT INTO mlops.model_versions (model_id, run_id, artifact_uri)
SELECT id, '00000000-0000-0000-0000-0000000000f1', 's3://gate/1' FROM mlops.models WHERE name = 'fix_gate';
SELECT mlops.transition('fix_gate', 1, 'staging');
INSERT INTO mlops.policies (model_id, to_stage, min_approvals, approver_role, gates, updated_by, updated_at)
SELECT id, 'production', 1, 'mlops_approver', '[{"op":">=","value":0.5}]', 'postgres', now()
  FROM mlops.models WHERE name = 'fix_gate';
SET SESSION AUTHORIZATION regress_fix_writer;
SELECT mlops.request_transition('fix_gate', 1, 'production') AS greq \gset
RESET SESSION AUTHORIZATION;
SELECT mlops.approve(:greq);                                     -- a superuser session approves once
SET ROLE regress_fix_bob;
SELECT mlops.approve(:greq);                                     -- and is one login under any role
\echo '   sqlstate' :SQLSTATE
RESET ROLE;
SELECT mlops.transition('fix_gate', 1, 'production');          -- no metric
\echo '   sqlstate' :SQLSTATE
UPDATE mlops.policies SET gates = '[{"metric":"auc","value":0.5}]'
 WHERE model_id = (SELECT id FROM mlops.models WHERE name = 'fix_gate');   -- validated now
\echo '   sqlstate' :SQLSTATE
ALTER TABLE mlops.policies DISABLE TRIGGER policies_guard;
UPDATE mlops.policies SET gates = '[{"metric":"auc","value":0.5}]'
 WHERE model_id = (SELECT id FROM mlops.models WHERE name = 'fix_gate');
ALTER TABLE mlops.policies ENABLE TRIGGER policies_guard;
SELECT mlops.transition('fix_gate', 1, 'production');          -- no op
\echo '   sqlstate' :SQLSTATE
-- a failing gate names the API to use
SELECT mlops.set_policy('fix_gate', 'production', 1, gates => '[{"metric":"auc","op":">=","value":0.99}]');
INSERT INTO mlops.latest_metrics (run_id, key, step, ts, value)
VALUES ('00000000-0000-0000-0000-0000000000f1', 'auc', 0, now(), 0.9);
SELECT mlops.transition('fix_gate', 1, 'production');
\echo '   sqlstate' :SQLSTATE
SELECT stage FROM mlops.model_versions WHERE model_id = (SELECT id FROM mlops.models WHERE name = 'fix_gate');
-- hints quote the model name as a literal
SET SESSION AUTHORIZATION regress_fix_writer;
SELECT mlops.register_model('o''brien') > 0 AS registered;
SELECT mlops.create_model_version('o''brien', '00000000-0000-0000-0000-0000000000f1', 's3://ob/1');
SELECT mlops.transition('o''brien', 1, 'staging');
RESET SESSION AUTHORIZATION;
SELECT mlops.set_policy('o''brien', 'production', 1);
SET SESSION AUTHORIZATION regress_fix_writer;
SELECT mlops.transition('o''brien', 1, 'production');
\echo '   sqlstate' :SQLSTATE
-- model names are at most 200 characters (NOTIFY payloads carry them)
SELECT mlops.register_model(repeat('m', 201));
\echo '   sqlstate' :SQLSTATE
SELECT mlops.register_model(repeat('m', 200)) > 0 AS registered_200;
-- raw ids that match nothing
INSERT INTO mlops.model_versions (model_id, run_id, artifact_uri)
VALUES (-1, '00000000-0000-0000-0000-0000000000f1', 's3://none');
\echo '   sqlstate' :SQLSTATE
INSERT INTO mlops.transition_requests (model_version_id, to_stage) VALUES (-1, 'staging');
\echo '   sqlstate' :SQLSTATE
RESET SESSION AUTHORIZATION;
\set VERBOSITY terse
INSERT INTO mlops.models (name, created_by, created_at) VALUES (repeat('v', 201), 'postgres', now());   -- verbatim: CHECK
\echo '   sqlstate' :SQLSTATE
\set VERBOSITY default
SELECT count(*) AS long_models FROM mlops.models WHERE length(name) > 200;
-- a reader sees the registry sequences
SELECT bool_and(has_sequence_privilege('mlops_reader', c.oid, 'SELECT')) AS reader_reads_sequences
  FROM pg_class c WHERE c.relkind = 'S' AND c.relnamespace = 'mlops'::regnamespace
   AND c.relname IN ('stages_id_seq', 'stage_transitions_id_seq', 'models_id_seq', 'model_versions_id_seq',
                     'stage_history_id_seq', 'transition_requests_id_seq', 'approvals_id_seq',
                     'policies_id_seq', 'model_aliases_id_seq', 'audit_log_id_seq');
-- set_policy with '*' updates the one '*' row in place
SELECT mlops.set_policy('*', 'archived', 1);
SELECT mlops.set_policy('*', 'archived', 2);
SELECT count(*), max(min_approvals) FROM mlops.policies WHERE model_id IS NULL AND to_stage = 'archived';
DELETE FROM mlops.policies WHERE model_id IS NULL;

-- clean up
DROP ROLE regress_fix_writer, regress_fix_alice, regress_fix_bob, regress_fix_alice_alt, regress_fix_admin;
