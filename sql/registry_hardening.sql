-- Registry hardening: approvals bind to the metrics the approvers saw,
-- requesters and approvers are roles (by oid), stage and alias times are taken
-- when the change is made, and bad names or missing roles get clear errors.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS mlops;
RESET client_min_messages;
SELECT mlops.create_roles();
\set VERBOSITY default
\set SHOW_CONTEXT never
\pset null '<null>'
SELECT setval('mlops.transition_requests_id_seq', 7000, false) IS NOT NULL AS ok;
-- start from no '*' policies (an earlier test may have left some)
DELETE FROM mlops.policies WHERE model_id IS NULL;

CREATE ROLE regress_hard_writer LOGIN IN ROLE mlops_writer;
CREATE ROLE regress_hard_alice LOGIN IN ROLE mlops_approver;
CREATE ROLE regress_hard_bob LOGIN IN ROLE mlops_approver;
CREATE ROLE regress_hard_admin LOGIN IN ROLE mlops_admin;
INSERT INTO mlops.experiments (name) VALUES ('regress_hard');
INSERT INTO mlops.runs (id, experiment_id, name, status)
SELECT r.id::uuid, e.id, r.name, r.status
  FROM mlops.experiments e,
       (VALUES ('00000000-0000-0000-0000-0000000000a1', 'h1', 'RUNNING'),
               ('00000000-0000-0000-0000-0000000000a2', 'h2', 'RUNNING'),
               ('00000000-0000-0000-0000-0000000000a3', 'h3', 'FINISHED')) r(id, name, status)
 WHERE e.name = 'regress_hard';
SELECT mlops.log_metric('00000000-0000-0000-0000-0000000000a1', 'auc', 0.70);
SELECT mlops.log_metric('00000000-0000-0000-0000-0000000000a2', 'auc', 0.70);

-- 1. model names: NULL is 22004; '' and '*' name the rule they break, also
--    for a plain INSERT (an ORM); nothing is registered
SELECT mlops.register_model(NULL);
\echo '   sqlstate' :SQLSTATE
SELECT mlops.register_model('*');
\echo '   sqlstate' :SQLSTATE
SELECT mlops.register_model('');
\echo '   sqlstate' :SQLSTATE
INSERT INTO mlops.models (name) VALUES ('*');
\echo '   sqlstate' :SQLSTATE
SELECT count(*) AS bad_models FROM mlops.models WHERE name IN ('*', '') OR name IS NULL;
-- a NULL model name in a lookup is 22004 and is never shown as "<NULL>"
SELECT mlops.transition(NULL, 1, 'staging');
\echo '   sqlstate' :SQLSTATE
SELECT mlops.production_version(NULL);
\echo '   sqlstate' :SQLSTATE

-- 2. a gate cannot be met after the approvals
SET SESSION AUTHORIZATION regress_hard_writer;
SELECT mlops.register_model('hard_m') > 0 AS registered;
SELECT mlops.create_model_version('hard_m', '00000000-0000-0000-0000-0000000000a1', 's3://hard/m1');
SELECT mlops.transition('hard_m', 1, 'staging');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_hard_admin;
SELECT mlops.set_policy('hard_m', 'production', 1, gates => '[{"metric":"auc","op":">=","value":0.85}]');
RESET SESSION AUTHORIZATION;
-- the run is still open: its metrics can change, so nobody may approve them yet
SET SESSION AUTHORIZATION regress_hard_writer;
SELECT mlops.request_transition('hard_m', 1, 'production');
\echo '   sqlstate' :SQLSTATE
RESET SESSION AUTHORIZATION;
SELECT count(*) AS requests FROM mlops.transition_requests r
  JOIN mlops.model_versions v ON v.id = r.model_version_id JOIN mlops.models m ON m.id = v.model_id
 WHERE m.name = 'hard_m';
SELECT mlops.end_run('00000000-0000-0000-0000-0000000000a1');
SET SESSION AUTHORIZATION regress_hard_writer;
SELECT mlops.request_transition('hard_m', 1, 'production') AS req_m \gset
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_hard_alice;
SELECT mlops.approve(:req_m);
RESET SESSION AUTHORIZATION;
-- the approved metrics are final: nothing raises auc after the approval
SELECT mlops.log_metric('00000000-0000-0000-0000-0000000000a1', 'auc', 0.99);
\echo '   sqlstate' :SQLSTATE
SET SESSION AUTHORIZATION regress_hard_writer;
SELECT mlops.transition('hard_m', 1, 'production');
\echo '   sqlstate' :SQLSTATE
RESET SESSION AUTHORIZATION;

-- a request made while the run was open (no policy then) does not carry
-- approvals over to metrics logged after it, once a policy governs the move
SET SESSION AUTHORIZATION regress_hard_writer;
SELECT mlops.register_model('hard_n') > 0 AS registered;
SELECT mlops.create_model_version('hard_n', '00000000-0000-0000-0000-0000000000a2', 's3://hard/n1');
SELECT mlops.transition('hard_n', 1, 'staging');
SELECT mlops.request_transition('hard_n', 1, 'production') AS req_n \gset
RESET SESSION AUTHORIZATION;
SELECT mlops.log_metric('00000000-0000-0000-0000-0000000000a2', 'auc', 0.99);
SELECT pg_sleep(0.01);
SELECT mlops.end_run('00000000-0000-0000-0000-0000000000a2');
SET SESSION AUTHORIZATION regress_hard_admin;
SELECT mlops.set_policy('hard_n', 'production', 1, gates => '[{"metric":"auc","op":">=","value":0.85}]');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_hard_alice;
SELECT mlops.approve(:req_n);
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_hard_writer;
SELECT mlops.transition('hard_n', 1, 'production');
\echo '   sqlstate' :SQLSTATE
RESET SESSION AUTHORIZATION;
SELECT m.name, v.version, v.stage FROM mlops.model_versions v JOIN mlops.models m ON m.id = v.model_id
 WHERE m.name IN ('hard_m', 'hard_n') ORDER BY 1, 2;

-- 3. requesters and approvers are roles, not names: a renamed approver keeps
--    its approval, a dropped one loses it, and a new role that takes the
--    dropped one's name is another approver
SET SESSION AUTHORIZATION regress_hard_writer;
SELECT mlops.register_model('hard_o') > 0 AS registered;
SELECT mlops.create_model_version('hard_o', '00000000-0000-0000-0000-0000000000a3', 's3://hard/o1');
SELECT mlops.transition('hard_o', 1, 'staging');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_hard_admin;
SELECT mlops.set_policy('hard_o', 'production', 2);
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_hard_writer;
SELECT mlops.request_transition('hard_o', 1, 'production') AS req_o \gset
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_hard_alice;
SELECT mlops.approve(:req_o);
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_hard_bob;
SELECT mlops.approve(:req_o);
RESET SESSION AUTHORIZATION;
ALTER ROLE regress_hard_bob RENAME TO regress_hard_robert;
DROP ROLE regress_hard_alice;
CREATE ROLE regress_hard_alice LOGIN IN ROLE mlops_approver;
SET SESSION AUTHORIZATION regress_hard_writer;
SELECT mlops.transition('hard_o', 1, 'production');      -- robert counts, the dropped alice does not
\echo '   sqlstate' :SQLSTATE
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_hard_alice;
SELECT mlops.approve(:req_o);                             -- the new alice is another approver
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_hard_writer;
SELECT mlops.transition('hard_o', 1, 'production');
RESET SESSION AUTHORIZATION;
-- names stay as written for display; the role columns follow the roles
SELECT a.approver, (SELECT r.rolname FROM pg_roles r WHERE r.oid = a.approver_id) AS approver_now
  FROM mlops.approvals a WHERE a.request_id = :req_o ORDER BY a.id;
SELECT r.requested_by, r.requested_by_id::text AS requested_by_now
  FROM mlops.transition_requests r WHERE r.id = :req_o;

-- 4. a stage move and an alias change are stamped when they are made (under
--    the model's lock), not when their transaction started; now() and later
--    read the current state, including the transaction's own change
SET SESSION AUTHORIZATION regress_hard_writer;
SELECT mlops.register_model('hard_p') > 0 AS registered;
SELECT mlops.create_model_version('hard_p', '00000000-0000-0000-0000-0000000000a3', 's3://hard/p1');
SELECT mlops.transition('hard_p', 1, 'staging');
SELECT clock_timestamp() AS t0 \gset
BEGIN;
SELECT now() AS t1 \gset
SELECT pg_sleep(0.2);
SELECT mlops.transition('hard_p', 1, 'production');
SELECT mlops.set_alias('hard_p', 'champion', 1);
SELECT h.valid_from >= :'t1'::timestamptz + interval '0.2 s' AS stage_stamped_when_made,
       h.valid_from = v.stage_changed_at AS version_agrees
  FROM mlops.stage_history h JOIN mlops.model_versions v ON v.id = h.model_version_id
  JOIN mlops.models m ON m.id = v.model_id
 WHERE m.name = 'hard_p' AND h.stage = 'production';
SELECT a.valid_from >= :'t1'::timestamptz + interval '0.2 s' AS alias_stamped_when_made
  FROM mlops.model_aliases a JOIN mlops.models m ON m.id = a.model_id
 WHERE m.name = 'hard_p' AND a.alias = 'champion';
SELECT mlops.production_version('hard_p') AS now_in_production,
       mlops.production_version('hard_p', :'t0') AS before,
       mlops.model_version_by_alias('hard_p', 'champion') AS champion_now,
       mlops.model_version_by_alias('hard_p', 'champion', :'t0') AS champion_before;
COMMIT;
RESET SESSION AUTHORIZATION;

-- 5. an approver without the approver role is told which role it lacks
SET SESSION AUTHORIZATION regress_hard_writer;
SELECT mlops.transition('hard_p', 1, 'archived');
SELECT mlops.transition('hard_p', 1, 'staging');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_hard_admin;
SELECT mlops.set_policy('hard_p', 'production', 1);
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_hard_writer;
SELECT mlops.request_transition('hard_p', 1, 'production') AS req_p \gset
SELECT mlops.approve(:req_p);
\echo '   sqlstate' :SQLSTATE
SELECT mlops.reject(:req_p);
\echo '   sqlstate' :SQLSTATE
RESET SESSION AUTHORIZATION;
SELECT count(*) AS decisions FROM mlops.approvals WHERE request_id = :req_p;

-- clean up
DELETE FROM mlops.policies WHERE model_id IN (SELECT id FROM mlops.models WHERE name LIKE 'hard\_%');
DROP ROLE regress_hard_writer, regress_hard_alice, regress_hard_robert, regress_hard_admin;
