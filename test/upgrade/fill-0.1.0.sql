-- How test/upgrade/data-0.1.0.sql was made: this script ran against mlops
-- 0.1.0 (its install script and its library), then
--   pg_dump --data-only --disable-triggers --no-owner --no-privileges
-- wrote the fixture. test/t/005_upgrade.pl loads the fixture into a 0.1.0
-- catalog, runs ALTER EXTENSION mlops UPDATE and checks the rules on it.
-- Roles it needs: mlops roles from create_roles(), and the logins below.
\set ON_ERROR_STOP 1
SELECT mlops.create_roles();
CREATE ROLE upg_writer LOGIN IN ROLE mlops_writer;
CREATE ROLE upg_approver1 LOGIN IN ROLE mlops_approver;
CREATE ROLE upg_approver2 LOGIN IN ROLE mlops_approver;
CREATE ROLE upg_admin LOGIN IN ROLE mlops_admin;

-- tracking: two experiments, finished, failed, running and nested runs
SET SESSION AUTHORIZATION upg_writer;
SELECT mlops.create_experiment('churn', '{"team": "growth"}');
CREATE TEMP TABLE ids (name text PRIMARY KEY, id uuid);
INSERT INTO ids SELECT 'r' || lr, mlops.start_run('churn', 'lr-' || lr,
        jsonb_build_object('lr', lr::text, 'depth', '6'), '{"git.sha": "abc123"}')
  FROM unnest(ARRAY['0.1', '0.01', '0.001']) AS lr;
SELECT mlops.log_metric(i.id, 'loss', 1.0 / (s + 1), s) FROM ids i, generate_series(0, 9) s;
SELECT mlops.log_metric(id, 'auc', CASE name WHEN 'r0.1' THEN 0.81 WHEN 'r0.01' THEN 0.88 ELSE 0.90 END) FROM ids;
SELECT mlops.log_metrics(id, '{"acc": 0.9, "f1": 0.7}'::jsonb, 10) FROM ids;
SELECT mlops.log_metric(id, 'nan_metric', 'NaN') FROM ids WHERE name = 'r0.1';
SELECT mlops.set_tag(id, 'stage', 'tuning') FROM ids;
SELECT mlops.log_artifact(id, 'model.pkl', 's3://bucket/' || id || '/model.pkl') FROM ids;
INSERT INTO ids VALUES ('child', mlops.start_run('churn', 'child', '{}', '{}', (SELECT id FROM ids WHERE name = 'r0.01')));
SELECT mlops.end_run(id) FROM ids WHERE name IN ('r0.1', 'r0.01', 'child');
SELECT mlops.end_run(id, 'FAILED') FROM ids WHERE name = 'r0.001';
SELECT mlops.start_run('fraud', 'still-running', '{"k": "5"}') IS NOT NULL AS running;

-- registry: a governed production stage, versions in production, staging,
-- archived and none, aliases with history
RESET SESSION AUTHORIZATION;
SELECT mlops.register_model('churn', 'churn classifier');
SELECT mlops.create_model_version('churn', id, 's3://bucket/' || id || '/model.pkl')
  FROM ids WHERE name IN ('r0.1', 'r0.01', 'r0.001') ORDER BY name DESC;
SET SESSION AUTHORIZATION upg_admin;
SELECT mlops.set_policy('churn', 'production', 2, 'mlops_approver', false,
                        '[{"metric": "auc", "op": ">=", "value": 0.8}]');
SET SESSION AUTHORIZATION upg_writer;
SELECT mlops.transition('churn', 1, 'staging');
SELECT mlops.request_transition('churn', 1, 'production', 'first model') AS req1 \gset
SET SESSION AUTHORIZATION upg_approver1;
SELECT mlops.approve(:req1, 'ok');
SET SESSION AUTHORIZATION upg_approver2;
SELECT mlops.approve(:req1, 'ok too');
SET SESSION AUTHORIZATION upg_writer;
SELECT mlops.transition('churn', 1, 'production', 'go');
SELECT mlops.transition('churn', 2, 'staging');
SELECT mlops.request_transition('churn', 2, 'production') AS req2 \gset
SET SESSION AUTHORIZATION upg_approver1;
SELECT mlops.approve(:req2);
SET SESSION AUTHORIZATION upg_approver2;
SELECT mlops.approve(:req2);
SET SESSION AUTHORIZATION upg_writer;
SELECT mlops.transition('churn', 2, 'production');
SELECT mlops.set_alias('churn', 'champion', 2);
SELECT mlops.set_alias('churn', 'challenger', 1);
SELECT mlops.set_alias('churn', 'challenger', 3);
SELECT mlops.request_transition('churn', 3, 'staging', 'left open') IS NOT NULL AS open_request;
RESET SESSION AUTHORIZATION;
SELECT mlops.verify_audit_chain() IS NULL AS chain_ok;
