-- Model registry: versions, the stage machine, policies, approvals, gates,
-- aliases with history, the audit chain, and every refusal with its SQLSTATE.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS mlops CASCADE;  -- a fresh install: no rows from other test files
CREATE EXTENSION mlops;
RESET client_min_messages;
SELECT mlops.create_roles();
\set VERBOSITY default
\pset null '<null>'
-- ids in messages do not depend on what ran before
SELECT setval('mlops.transition_requests_id_seq', 1000, false) IS NOT NULL AS ok;
SELECT coalesce(max(id), 0) AS audit_start FROM mlops.audit_log \gset

CREATE ROLE regress_reg_writer;
CREATE ROLE regress_reg_approver1;
CREATE ROLE regress_reg_approver2;
CREATE ROLE regress_reg_approver3;
CREATE ROLE regress_reg_admin;
CREATE ROLE regress_reg_reader;
GRANT mlops_writer TO regress_reg_writer;
GRANT mlops_approver TO regress_reg_approver1, regress_reg_approver2, regress_reg_approver3;
GRANT mlops_admin TO regress_reg_admin;
GRANT mlops_reader TO regress_reg_reader;

-- runs and metrics come from tracking; plain INSERTs here
INSERT INTO mlops.experiments (name) VALUES ('regress_registry');
INSERT INTO mlops.runs (id, experiment_id, name, status) VALUES
    ('00000000-0000-0000-0000-000000000001', (SELECT id FROM mlops.experiments WHERE name = 'regress_registry'), 'r1', 'RUNNING'),
    ('00000000-0000-0000-0000-000000000002', (SELECT id FROM mlops.experiments WHERE name = 'regress_registry'), 'r2', 'RUNNING'),
    ('00000000-0000-0000-0000-000000000003', (SELECT id FROM mlops.experiments WHERE name = 'regress_registry'), 'r3', 'RUNNING');
INSERT INTO mlops.metrics (run_id, key, step, value) VALUES
    ('00000000-0000-0000-0000-000000000001', 'auc', 0, 0.81),
    ('00000000-0000-0000-0000-000000000002', 'auc', 0, 0.86),
    ('00000000-0000-0000-0000-000000000003', 'auc', 0, 0.79);
-- the rules of tracking: metrics go into running runs, latest_metrics follows by trigger
UPDATE mlops.runs SET status = 'FINISHED' WHERE name IN ('r1', 'r2', 'r3');
SELECT run_id, key, value FROM mlops.latest_metrics ORDER BY run_id;

-- the default state machine
SELECT name, exclusive FROM mlops.stages ORDER BY id;
SELECT from_stage, to_stage FROM mlops.stage_transitions ORDER BY id;

-- ---------------------------------------------------------------- models
SET ROLE regress_reg_writer;
SELECT mlops.register_model('churn', 'churn classifier') > 0 AS registered;
SELECT mlops.register_model('churn');            -- duplicate
\echo '   sqlstate' :SQLSTATE
SELECT mlops.create_model_version('churn', '00000000-0000-0000-0000-000000000001', 's3://m/churn/1');
SELECT mlops.create_model_version('churn', '00000000-0000-0000-0000-000000000002', 's3://m/churn/2', 'better');
SELECT mlops.create_model_version('churn', '00000000-0000-0000-0000-000000000003', 's3://m/churn/3');
SELECT mlops.create_model_version('nope', '00000000-0000-0000-0000-000000000001', 's3://x');   -- unknown model
\echo '   sqlstate' :SQLSTATE
SELECT mlops.create_model_version('churn', '00000000-0000-0000-0000-0000000000ff', 's3://x'); -- unknown run
\echo '   sqlstate' :SQLSTATE
-- an ORM inserting directly gets the next number; it cannot pick one or a stage
INSERT INTO mlops.model_versions (model_id, run_id, artifact_uri)
SELECT id, '00000000-0000-0000-0000-000000000003', 's3://m/churn/4' FROM mlops.models WHERE name = 'churn'
RETURNING version, stage, created_by;
INSERT INTO mlops.model_versions (model_id, version, run_id, artifact_uri)
SELECT id, 42, '00000000-0000-0000-0000-000000000003', 's3://x' FROM mlops.models WHERE name = 'churn';
\echo '   sqlstate' :SQLSTATE
INSERT INTO mlops.model_versions (model_id, run_id, artifact_uri, stage)
SELECT id, '00000000-0000-0000-0000-000000000003', 's3://x', 'production' FROM mlops.models WHERE name = 'churn';
\echo '   sqlstate' :SQLSTATE
SELECT version, stage, run_id, artifact_uri, description FROM mlops.model_versions ORDER BY version;
SELECT last_version FROM mlops.models WHERE name = 'churn';

-- ----------------------------------------------------- free moves (no policy)
SELECT mlops.transition('churn', 1, 'staging', 'first look');
SELECT mlops.transition('churn', 2, 'staging');
SELECT mlops.transition('churn', 1, 'staging');                 -- already there
\echo '   sqlstate' :SQLSTATE
SELECT mlops.transition('churn', 3, 'production');              -- none -> production is not a transition
\echo '   sqlstate' :SQLSTATE
SELECT mlops.transition('churn', 9, 'staging');                 -- unknown version
\echo '   sqlstate' :SQLSTATE
SELECT mlops.transition('churn', 1, 'limbo');                   -- unknown stage
\echo '   sqlstate' :SQLSTATE
SELECT mlops.transition('nope', 1, 'staging');                  -- unknown model
\echo '   sqlstate' :SQLSTATE
-- the same rules for an ORM's UPDATE
UPDATE mlops.model_versions SET stage = 'production'
 WHERE version = 3 AND model_id = (SELECT id FROM mlops.models WHERE name = 'churn');
\echo '   sqlstate' :SQLSTATE
UPDATE mlops.model_versions SET version = 7
 WHERE version = 3 AND model_id = (SELECT id FROM mlops.models WHERE name = 'churn');
\echo '   sqlstate' :SQLSTATE
UPDATE mlops.model_versions SET run_id = '00000000-0000-0000-0000-000000000001'
 WHERE version = 3 AND model_id = (SELECT id FROM mlops.models WHERE name = 'churn');
\echo '   sqlstate' :SQLSTATE
UPDATE mlops.model_versions SET model_id = model_id + 1
 WHERE version = 3 AND model_id = (SELECT id FROM mlops.models WHERE name = 'churn');
\echo '   sqlstate' :SQLSTATE
UPDATE mlops.model_versions SET stage_exclusive = true
 WHERE version = 3 AND model_id = (SELECT id FROM mlops.models WHERE name = 'churn');
\echo '   sqlstate' :SQLSTATE
UPDATE mlops.model_versions SET created_by = 'mallory'
 WHERE version = 3 AND model_id = (SELECT id FROM mlops.models WHERE name = 'churn');
\echo '   sqlstate' :SQLSTATE
UPDATE mlops.models SET name = 'churn2' WHERE name = 'churn';
\echo '   sqlstate' :SQLSTATE
UPDATE mlops.models SET last_version = 1 WHERE name = 'churn';
\echo '   sqlstate' :SQLSTATE
UPDATE mlops.models SET description = 'predicts churn' WHERE name = 'churn';
-- the description is free to change, also with the other columns rewritten unchanged (ORM style)
UPDATE mlops.model_versions SET description = 'v3, retrained', version = version, run_id = run_id, stage = stage
 WHERE version = 3 AND model_id = (SELECT id FROM mlops.models WHERE name = 'churn');
SELECT version, stage, description FROM mlops.model_versions ORDER BY version;
RESET ROLE;

-- ------------------------------------------------------------- policies
SET ROLE regress_reg_admin;
SELECT mlops.set_policy('churn', 'production', 0);                               -- min_approvals < 1
\echo '   sqlstate' :SQLSTATE
INSERT INTO mlops.policies (model_id, to_stage, min_approvals, approver_role)
SELECT id, 'production', -1, 'mlops_approver' FROM mlops.models WHERE name = 'churn';  -- same rule for DML
\echo '   sqlstate' :SQLSTATE
SELECT mlops.set_policy('churn', 'production', gates => '{"metric":"auc"}');    -- not an array
\echo '   sqlstate' :SQLSTATE
SELECT mlops.set_policy('churn', 'production', gates => '[{"metric":"auc","op":"~","value":1}]');
\echo '   sqlstate' :SQLSTATE
SELECT mlops.set_policy('churn', 'production', gates => '[{"metric":"auc","op":">="}]');
\echo '   sqlstate' :SQLSTATE
SELECT mlops.set_policy('churn', 'production', gates => '[{"metric":"auc","op":">=","value":"high"}]');
\echo '   sqlstate' :SQLSTATE
SELECT mlops.set_policy('churn', 'production', gates => '[{"metric":"auc","op":">=","value":1,"when":"now"}]');
\echo '   sqlstate' :SQLSTATE
SELECT mlops.set_policy('nope', 'production');                                    -- unknown model
\echo '   sqlstate' :SQLSTATE
SELECT mlops.set_policy('churn', 'limbo');                                        -- unknown stage
\echo '   sqlstate' :SQLSTATE
SELECT count(*) AS policies_after_refusals FROM mlops.policies;
SELECT mlops.set_policy('churn', 'production', 2,
    gates => '[{"metric":"auc","op":">=","value":0.8},{"metric":"auc","op":">=","baseline":"production"}]');
SELECT mlops.set_policy('*', 'staging', 1, 'regress_reg_approver2', allow_self_approval => true);
SELECT m.name AS model, p.to_stage, p.min_approvals, p.approver_role, p.allow_self_approval, p.gates, p.updated_by
  FROM mlops.policies p LEFT JOIN mlops.models m ON m.id = p.model_id ORDER BY p.id;
RESET ROLE;

-- ------------------------------------------- governed move: refusals first
SET ROLE regress_reg_writer;
SELECT mlops.transition('churn', 2, 'production');               -- no request
\echo '   sqlstate' :SQLSTATE
UPDATE mlops.model_versions SET stage = 'production'             -- an ORM: same refusal
 WHERE version = 2 AND model_id = (SELECT id FROM mlops.models WHERE name = 'churn');
\echo '   sqlstate' :SQLSTATE
SELECT mlops.request_transition('churn', 2, 'production', 'auc 0.86') AS req \gset
SELECT mlops.request_transition('churn', 2, 'production');       -- already open
\echo '   sqlstate' :SQLSTATE
SELECT mlops.request_transition('churn', 3, 'production');       -- none -> production not allowed
\echo '   sqlstate' :SQLSTATE
SELECT mlops.request_transition('churn', 9, 'production');       -- unknown version
\echo '   sqlstate' :SQLSTATE
SELECT mlops.request_transition('churn', 2, 'limbo');            -- unknown stage
\echo '   sqlstate' :SQLSTATE
SELECT mlops.request_transition('churn', 2, 'staging');          -- already in staging
\echo '   sqlstate' :SQLSTATE
SELECT mlops.approve(:req);                                      -- a writer is no approver (no privilege)
\echo '   sqlstate' :SQLSTATE
SELECT mlops.transition('churn', 2, 'production');               -- 0 of 2 approvals
\echo '   sqlstate' :SQLSTATE
RESET ROLE;
SET SESSION AUTHORIZATION regress_reg_approver1;
SELECT mlops.approve(:req, 'looks good');
SELECT mlops.approve(:req);                                      -- twice
\echo '   sqlstate' :SQLSTATE
SELECT mlops.approve(999999);                                    -- unknown request
\echo '   sqlstate' :SQLSTATE
RESET SESSION AUTHORIZATION;
SET ROLE regress_reg_writer;
SELECT mlops.transition('churn', 2, 'production');               -- 1 of 2 approvals
\echo '   sqlstate' :SQLSTATE
RESET ROLE;
-- a role outside the policy's approver role
CREATE ROLE regress_reg_outsider;
GRANT INSERT ON mlops.approvals TO regress_reg_outsider;
GRANT USAGE ON SCHEMA mlops TO regress_reg_outsider;
SET ROLE regress_reg_outsider;
SELECT mlops.approve(:req);
\echo '   sqlstate' :SQLSTATE
RESET ROLE;
SET SESSION AUTHORIZATION regress_reg_approver2;
SELECT mlops.approve(:req);
RESET SESSION AUTHORIZATION;
SELECT r.status, count(a.*) AS approvals FROM mlops.transition_requests r
  LEFT JOIN mlops.approvals a ON a.request_id = r.id WHERE r.id = :req GROUP BY r.status;
SET ROLE regress_reg_writer;
-- an ORM's UPDATE passes now: the approved request allows exactly this move
UPDATE mlops.model_versions SET stage = 'production'
 WHERE version = 2 AND model_id = (SELECT id FROM mlops.models WHERE name = 'churn');
SELECT version, stage, stage_exclusive FROM mlops.model_versions ORDER BY version;
-- the request is consumed: the same approvals do not allow a second move
SELECT status, closed_by FROM mlops.transition_requests WHERE id = :req;
SELECT mlops.approve(:req);                                      -- not an approver anyway
\echo '   sqlstate' :SQLSTATE
RESET ROLE;
SET SESSION AUTHORIZATION regress_reg_approver1;
SELECT mlops.approve(:req);                                      -- closed request
\echo '   sqlstate' :SQLSTATE
RESET SESSION AUTHORIZATION;
SELECT mlops.production_version('churn');

-- ------------------------------------------------------------------- gates
SET ROLE regress_reg_writer;
SELECT mlops.request_transition('churn', 1, 'production') AS req1 \gset
RESET ROLE;
SET SESSION AUTHORIZATION regress_reg_approver1; SELECT mlops.approve(:req1); RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_reg_approver2; SELECT mlops.approve(:req1); RESET SESSION AUTHORIZATION;
SET ROLE regress_reg_writer;
-- auc 0.81 >= 0.8 passes, but the production version (2) has 0.86
SELECT mlops.transition('churn', 1, 'production');
\echo '   sqlstate' :SQLSTATE
SELECT version, stage FROM mlops.model_versions ORDER BY version;
SELECT status FROM mlops.transition_requests WHERE id = :req1;
RESET ROLE;
-- a gate on a metric the run never logged fails and names it
SET ROLE regress_reg_admin;
SELECT mlops.set_policy('churn', 'production', 2, gates => '[{"metric":"f1","op":">=","value":0.5}]');
RESET ROLE;
SET ROLE regress_reg_writer;
SELECT mlops.transition('churn', 1, 'production');
\echo '   sqlstate' :SQLSTATE
RESET ROLE;
-- one rejection closes the request, whatever the approvals
SET SESSION AUTHORIZATION regress_reg_approver1;
SELECT mlops.reject(:req1);                                      -- approved already: a decision is final
\echo '   sqlstate' :SQLSTATE
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_reg_approver3;
SELECT mlops.reject(:req1, 'no f1');
SELECT mlops.approve(:req1);                                     -- decided already
\echo '   sqlstate' :SQLSTATE
RESET SESSION AUTHORIZATION;
SET ROLE regress_reg_writer;
SELECT mlops.transition('churn', 1, 'production');               -- the rejected request allows nothing
\echo '   sqlstate' :SQLSTATE
RESET ROLE;
SELECT status, closed_by FROM mlops.transition_requests WHERE id = :req1;
SELECT decision, approver, comment FROM mlops.approvals WHERE request_id = :req1 ORDER BY id;

-- self-approval: refused unless the policy allows it
SET ROLE regress_reg_admin;
SELECT mlops.set_policy('churn', 'production', 1);
RESET ROLE;
CREATE ROLE regress_reg_both;
GRANT mlops_writer, mlops_approver TO regress_reg_both;
SET ROLE regress_reg_both;
SELECT mlops.request_transition('churn', 1, 'production') AS req2 \gset
SELECT mlops.approve(:req2);
\echo '   sqlstate' :SQLSTATE
RESET ROLE;
SET ROLE regress_reg_admin;
SELECT mlops.set_policy('churn', 'production', 1, allow_self_approval => true);
RESET ROLE;
SET ROLE regress_reg_both;
SELECT mlops.approve(:req2);
-- promoting into the exclusive stage archives the holder in the same statement
SELECT mlops.transition('churn', 1, 'production', 'rollback to v1');
SELECT version, stage, stage_exclusive FROM mlops.model_versions ORDER BY version;
RESET ROLE;
SELECT mlops.production_version('churn');

-- the policy for '*' covers every model; staging is governed now
SET ROLE regress_reg_writer;
SELECT mlops.transition('churn', 4, 'staging');
\echo '   sqlstate' :SQLSTATE
RESET ROLE;

-- ------------------------------------------------------------- deletion
SET ROLE regress_reg_admin;
DELETE FROM mlops.model_versions
 WHERE version = 1 AND model_id = (SELECT id FROM mlops.models WHERE name = 'churn');
\echo '   sqlstate' :SQLSTATE
SELECT count(*) AS versions FROM mlops.model_versions;
RESET ROLE;

-- ---------------------------------------------------------- custom stages
SET ROLE regress_reg_admin;
INSERT INTO mlops.stages (name, exclusive, description) VALUES ('canary', true, 'a slice of traffic');
INSERT INTO mlops.stage_transitions (from_stage, to_stage) VALUES ('staging', 'canary'), ('canary', 'production');
DELETE FROM mlops.stages WHERE name = 'archived';                 -- built-in
\echo '   sqlstate' :SQLSTATE
UPDATE mlops.stages SET name = 'prod' WHERE name = 'production';  -- no renames
\echo '   sqlstate' :SQLSTATE
DELETE FROM mlops.stage_transitions WHERE from_stage = 'archived' AND to_stage = 'production';  -- built-in move
\echo '   sqlstate' :SQLSTATE
RESET ROLE;
SET ROLE regress_reg_writer;
SELECT mlops.register_model('fraud');
SELECT mlops.create_model_version('fraud', '00000000-0000-0000-0000-000000000001', 's3://m/fraud/1');
SELECT mlops.create_model_version('fraud', '00000000-0000-0000-0000-000000000002', 's3://m/fraud/2');
RESET ROLE;
-- '*' staging policy needs regress_reg_approver2
SET ROLE regress_reg_writer;
SELECT mlops.request_transition('fraud', 1, 'staging') AS f1 \gset
SELECT mlops.request_transition('fraud', 2, 'staging') AS f2 \gset
RESET ROLE;
SET SESSION AUTHORIZATION regress_reg_approver1;
SELECT mlops.approve(:f1);                                       -- not in regress_reg_approver2
\echo '   sqlstate' :SQLSTATE
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_reg_approver2;
SELECT mlops.approve(:f1);
SELECT mlops.approve(:f2);
RESET SESSION AUTHORIZATION;
SET ROLE regress_reg_writer;
SELECT mlops.transition('fraud', 1, 'staging');
SELECT mlops.transition('fraud', 2, 'staging');
SELECT mlops.transition('fraud', 1, 'canary');
SELECT mlops.transition('fraud', 2, 'canary');
SELECT version, stage, stage_exclusive FROM mlops.model_versions
 WHERE model_id = (SELECT id FROM mlops.models WHERE name = 'fraud') ORDER BY version;
RESET ROLE;
-- an exclusive flag flipped later reaches the versions through the FK
SET ROLE regress_reg_admin;
UPDATE mlops.stages SET exclusive = false WHERE name = 'canary';
RESET ROLE;
SELECT version, stage, stage_exclusive FROM mlops.model_versions
 WHERE model_id = (SELECT id FROM mlops.models WHERE name = 'fraud') ORDER BY version;

-- ---------------------------------------------------------------- aliases
SET ROLE regress_reg_writer;
SELECT mlops.set_alias('churn', 'champion', 2);
SELECT mlops.set_alias('churn', 'champion', 2);                  -- no change
SELECT mlops.set_alias('churn', 'champion', 9);                  -- unknown version
\echo '   sqlstate' :SQLSTATE
SELECT mlops.set_alias('churn', 'bad alias', 2);                 -- invalid name
\echo '   sqlstate' :SQLSTATE
SELECT mlops.model_version_by_alias('churn', 'champion');
SELECT mlops.model_version_by_alias('churn', 'nobody');
SELECT mlops.model_version_by_alias('nope', 'champion');
\echo '   sqlstate' :SQLSTATE
UPDATE mlops.model_aliases SET model_version_id = model_version_id;  -- no privilege
\echo '   sqlstate' :SQLSTATE
-- an alias of one model cannot point at another model's version (direct INSERT)
INSERT INTO mlops.model_aliases (model_id, alias, model_version_id)
SELECT (SELECT id FROM mlops.models WHERE name = 'fraud'), 'cross', v.id
  FROM mlops.model_versions v JOIN mlops.models m ON m.id = v.model_id WHERE m.name = 'churn' AND v.version = 2;
\echo '   sqlstate' :SQLSTATE
RESET ROLE;
SELECT now() AS t_champion_2 \gset
BEGIN;
SET ROLE regress_reg_writer;
SELECT mlops.set_alias('churn', 'champion', 3);
SELECT mlops.model_version_by_alias('churn', 'champion');
COMMIT;
RESET ROLE;
SELECT mlops.model_version_by_alias('churn', 'champion') AS now_points_at,
       mlops.model_version_by_alias('churn', 'champion', :'t_champion_2') AS pointed_at_before;
SET ROLE regress_reg_writer;
SELECT mlops.delete_alias('churn', 'champion');
SELECT mlops.delete_alias('churn', 'champion');                  -- gone
\echo '   sqlstate' :SQLSTATE
SELECT mlops.model_version_by_alias('churn', 'champion');
-- a direct DELETE of history is refused
DELETE FROM mlops.model_aliases WHERE valid_to IS NOT NULL;
\echo '   sqlstate' :SQLSTATE
RESET ROLE;
SELECT a.alias, v.version, a.valid_to IS NULL AS current, a.set_by, a.closed_by
  FROM mlops.model_aliases a JOIN mlops.model_versions v ON v.id = a.model_version_id ORDER BY a.id;

-- ------------------------------------------------------------- audit log
SELECT action, entity, actor, detail - 'before' - 'after' AS detail
  FROM mlops.audit_log WHERE action NOT LIKE 'stage%.%sert' AND id > :audit_start ORDER BY id;
SELECT count(*) FILTER (WHERE prev_hash IS NULL) AS roots,
       bool_and(hash ~ '^[0-9a-f]{64}$') AS hex_sha256,
       bool_and(hash = mlops.audit_row_hash(id, at, actor, action, entity, detail, prev_hash)) AS hashes_match
  FROM mlops.audit_log;
SELECT mlops.verify_audit_chain() AS first_broken;
SELECT count(*) AS audit_rows FROM mlops.audit_log \gset
-- a policy change records the row before and after
SELECT detail->'before'->>'min_approvals' AS before, detail->'after'->>'min_approvals' AS after,
       detail->'after'->>'allow_self_approval' AS self_after
  FROM mlops.audit_log WHERE action = 'policy.update' ORDER BY id DESC LIMIT 1;
-- append-only: refused for every role but a superuser
SET ROLE regress_reg_admin;
UPDATE mlops.audit_log SET actor = 'nobody';
\echo '   sqlstate' :SQLSTATE
DELETE FROM mlops.audit_log;
\echo '   sqlstate' :SQLSTATE
TRUNCATE mlops.audit_log;
\echo '   sqlstate' :SQLSTATE
INSERT INTO mlops.audit_log (at, actor, action, entity, hash) VALUES (now(), 'x', 'x', 'x', 'x');
\echo '   sqlstate' :SQLSTATE
RESET ROLE;
-- even with the table privileges granted, the trigger refuses
GRANT UPDATE, DELETE, TRUNCATE, INSERT ON mlops.audit_log TO regress_reg_admin;
SET ROLE regress_reg_admin;
UPDATE mlops.audit_log SET actor = 'nobody';
\echo '   sqlstate' :SQLSTATE
DELETE FROM mlops.audit_log;
\echo '   sqlstate' :SQLSTATE
TRUNCATE mlops.audit_log;
\echo '   sqlstate' :SQLSTATE
INSERT INTO mlops.audit_log (at, actor, action, entity, hash) VALUES (now(), 'x', 'x', 'x', 'x');
\echo '   sqlstate' :SQLSTATE
RESET ROLE;
REVOKE UPDATE, DELETE, TRUNCATE, INSERT ON mlops.audit_log FROM regress_reg_admin;
SELECT count(*) = :audit_rows AS rows_intact, mlops.verify_audit_chain() AS first_broken FROM mlops.audit_log;
-- a superuser can tamper; the chain shows where
SELECT id AS tampered FROM mlops.audit_log WHERE action = 'transition.approve' ORDER BY id LIMIT 1 \gset
UPDATE mlops.audit_log SET detail = detail || '{"comment":"edited"}' WHERE id = :tampered;
SELECT mlops.verify_audit_chain() = :tampered AS tamper_found;
UPDATE mlops.audit_log SET detail = detail - 'comment' || jsonb_build_object('comment', 'looks good') WHERE id = :tampered;
SELECT mlops.verify_audit_chain() AS first_broken_after_restore;
CREATE TEMP TABLE saved_audit AS SELECT * FROM mlops.audit_log WHERE id = :tampered;
DELETE FROM mlops.audit_log WHERE id = :tampered;
SELECT mlops.verify_audit_chain() > :tampered AS deletion_found;
INSERT INTO mlops.audit_log SELECT * FROM saved_audit;
SELECT mlops.verify_audit_chain() AS first_broken_after_reinsert;

-- --------------------------------------------------------- nothing half-written
WITH mine AS (SELECT id FROM mlops.models WHERE name IN ('churn', 'fraud')),
     v AS (SELECT * FROM mlops.model_versions WHERE model_id IN (SELECT id FROM mine))
SELECT (SELECT count(*) FROM mine) AS models,
       (SELECT count(*) FROM v) AS versions,
       (SELECT count(*) FROM mlops.transition_requests WHERE model_version_id IN (SELECT id FROM v)) AS requests,
       (SELECT count(*) FROM mlops.approvals a JOIN mlops.transition_requests r ON r.id = a.request_id
         WHERE r.model_version_id IN (SELECT id FROM v)) AS approvals,
       (SELECT count(*) FROM v WHERE stage_exclusive GROUP BY model_id, stage ORDER BY 1 DESC LIMIT 1) AS max_in_exclusive,
       (SELECT count(*) FROM mlops.stage_history h JOIN v ON v.id = h.model_version_id
         WHERE h.valid_to IS NULL AND h.stage = v.stage) = (SELECT count(*) FROM v) AS history_current;

-- clean up
DROP OWNED BY regress_reg_outsider;
DROP ROLE regress_reg_writer, regress_reg_approver1, regress_reg_approver2, regress_reg_approver3, regress_reg_admin,
          regress_reg_reader, regress_reg_outsider, regress_reg_both;
