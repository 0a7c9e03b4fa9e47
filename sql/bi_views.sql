-- Views for BI tools and DBAs: a small registry (two models, a direct and a
-- governed promotion with two approvals, a rejection, aliases, a superuser's
-- direct change, an imported version) and what every view shows of it; every
-- view and column is commented; only mlops_reader members read them.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS mlops CASCADE;  -- a fresh install: no rows from other test files
CREATE EXTENSION mlops;
RESET client_min_messages;
SELECT mlops.create_roles();
\set VERBOSITY default
\pset null '<null>'
SELECT setval('mlops.transition_requests_id_seq', 1000, false) IS NOT NULL AS ok;

CREATE ROLE regress_bi_writer LOGIN IN ROLE mlops_writer;
CREATE ROLE regress_bi_alice LOGIN IN ROLE mlops_approver;
CREATE ROLE regress_bi_bob LOGIN IN ROLE mlops_approver;
CREATE ROLE regress_bi_carol LOGIN IN ROLE mlops_approver;
CREATE ROLE regress_bi_admin LOGIN IN ROLE mlops_admin;
CREATE ROLE regress_bi_reader LOGIN IN ROLE mlops_reader;
CREATE ROLE regress_bi_outsider LOGIN;

-- runs: churn c1..c3 and a NaN run, fraud f1 (finished) and f2 (still running)
INSERT INTO mlops.experiments (name) VALUES ('bi_churn_exp'), ('bi_fraud_exp');
INSERT INTO mlops.runs (id, experiment_id, name, status)
SELECT r.id::uuid, e.id, r.name, 'RUNNING'
  FROM (VALUES ('00000000-0000-0000-0000-0000000b1001', 'bi_churn_exp', 'c1'),
               ('00000000-0000-0000-0000-0000000b1002', 'bi_churn_exp', 'c2'),
               ('00000000-0000-0000-0000-0000000b1003', 'bi_churn_exp', 'c3'),
               ('00000000-0000-0000-0000-0000000b1004', 'bi_churn_exp', 'c4-nan'),
               ('00000000-0000-0000-0000-0000000b2001', 'bi_fraud_exp', 'f1'),
               ('00000000-0000-0000-0000-0000000b2002', 'bi_fraud_exp', 'f2')) r(id, exp, name)
  JOIN mlops.experiments e ON e.name = r.exp;
INSERT INTO mlops.params (run_id, key, value) VALUES
    ('00000000-0000-0000-0000-0000000b1001', 'lr', '0.1'), ('00000000-0000-0000-0000-0000000b1001', 'depth', '4'),
    ('00000000-0000-0000-0000-0000000b1002', 'lr', '0.05'), ('00000000-0000-0000-0000-0000000b1002', 'depth', '6'),
    ('00000000-0000-0000-0000-0000000b1003', 'lr', '0.01'),
    ('00000000-0000-0000-0000-0000000b2001', 'trees', '300');
INSERT INTO mlops.metrics (run_id, key, step, value) VALUES
    ('00000000-0000-0000-0000-0000000b1001', 'auc', 0, 0.70), ('00000000-0000-0000-0000-0000000b1001', 'auc', 1, 0.81),
    ('00000000-0000-0000-0000-0000000b1001', 'f1', 1, 0.70),  ('00000000-0000-0000-0000-0000000b1001', 'logloss', 1, 0.45),
    ('00000000-0000-0000-0000-0000000b1002', 'auc', 1, 0.88), ('00000000-0000-0000-0000-0000000b1002', 'f1', 1, 0.74),
    ('00000000-0000-0000-0000-0000000b1002', 'logloss', 1, 0.40),
    ('00000000-0000-0000-0000-0000000b1003', 'auc', 1, 0.90), ('00000000-0000-0000-0000-0000000b1003', 'f1', 1, 0.75),
    ('00000000-0000-0000-0000-0000000b1003', 'logloss', 1, 0.38),
    ('00000000-0000-0000-0000-0000000b1004', 'auc', 1, 'NaN'),
    ('00000000-0000-0000-0000-0000000b2001', 'precision', 1, 0.95),
    ('00000000-0000-0000-0000-0000000b2002', 'precision', 1, 0.99);
UPDATE mlops.runs SET status = 'FINISHED' WHERE name IN ('c1', 'c2', 'c4-nan', 'f1');
UPDATE mlops.runs SET status = 'FAILED' WHERE name = 'c3';

-- metric_history answers a Grafana time-series panel as it is: time, series, value
SELECT series, value, time = ts AS time_is_ts
  FROM mlops.metric_history WHERE experiment = 'bi_churn_exp' AND key = 'auc' ORDER BY series, step;

-- --------------------------------------------------------- the registry
SET SESSION AUTHORIZATION regress_bi_writer;
SELECT mlops.register_model('bi_churn', 'predicts churn') > 0 AS registered;
SELECT mlops.register_model('bi_fraud') > 0 AS registered;
SELECT mlops.create_model_version('bi_churn', '00000000-0000-0000-0000-0000000b1001', 's3://bi/churn/1');
SELECT mlops.create_model_version('bi_churn', '00000000-0000-0000-0000-0000000b1002', 's3://bi/churn/2', 'deeper trees');
SELECT mlops.create_model_version('bi_churn', '00000000-0000-0000-0000-0000000b1003', 's3://bi/churn/3');
SELECT mlops.create_model_version('bi_churn', '00000000-0000-0000-0000-0000000b1001', 's3://bi/churn/4');
SELECT mlops.create_model_version('bi_fraud', '00000000-0000-0000-0000-0000000b2001', 's3://bi/fraud/1');
-- no policy yet: version 1 goes to production directly
SELECT mlops.transition('bi_churn', 1, 'staging');
SELECT mlops.transition('bi_churn', 1, 'production', 'first model');
SELECT mlops.transition('bi_churn', 2, 'staging');
SELECT mlops.transition('bi_churn', 3, 'staging');
SELECT mlops.transition('bi_churn', 4, 'staging');
RESET SESSION AUTHORIZATION;

SET SESSION AUTHORIZATION regress_bi_admin;
SELECT mlops.set_policy('bi_churn', 'production', 2, gates =>
  '[{"metric":"auc","op":">=","value":0.8}, {"metric":"auc","op":">=","baseline":"production"}, {"metric":"f1","op":">=","value":0.6}]');
RESET SESSION AUTHORIZATION;

-- version 2: a request refused, then a request approved twice and the promotion
SET SESSION AUTHORIZATION regress_bi_writer;
SELECT mlops.request_transition('bi_churn', 2, 'production', 'better auc');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_bi_carol;
SELECT mlops.reject(1000, 'wait for the holdout');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_bi_writer;
SELECT mlops.request_transition('bi_churn', 2, 'production', 'holdout done');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_bi_alice;
SELECT mlops.approve(1001, 'looks good');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_bi_bob;
SELECT mlops.approve(1001);
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_bi_writer;
SELECT mlops.transition('bi_churn', 2, 'production', 'ship it');
SELECT mlops.set_alias('bi_churn', 'champion', 2);
SELECT mlops.set_alias('bi_churn', 'challenger', 3);
SELECT mlops.set_alias('bi_churn', 'baseline', 2);
-- two requests stay open: version 3 (its run FAILED) with one approval,
-- version 4 (auc below production's) with none
SELECT mlops.request_transition('bi_churn', 3, 'production');
SELECT mlops.request_transition('bi_churn', 4, 'production');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_bi_alice;
SELECT mlops.approve(1002);
RESET SESSION AUTHORIZATION;

-- a superuser moves bi_fraud where no policy applies
SELECT mlops.transition('bi_fraud', 1, 'staging');
SELECT mlops.transition('bi_fraud', 1, 'production');
-- an imported version: rows written verbatim, as pg_restore or an import would
INSERT INTO mlops.model_versions (model_id, version, run_id, artifact_uri, stage, stage_exclusive,
                                  created_by, created_at, stage_changed_at)
SELECT id, 2, '00000000-0000-0000-0000-0000000b2001', 's3://legacy/fraud/2', 'staging', false,
       'regress_bi_legacy', '2020-01-01 00:00:00+00', '2020-02-01 00:00:00+00'
  FROM mlops.models WHERE name = 'bi_fraud';
INSERT INTO mlops.stage_history (model_version_id, model_id, stage, valid_from, valid_to)
SELECT v.id, v.model_id, s.stage, s.f::timestamptz, s.t::timestamptz
  FROM mlops.model_versions v JOIN mlops.models m ON m.id = v.model_id,
       (VALUES ('none', '2020-01-01 00:00:00+00', '2020-02-01 00:00:00+00'),
               ('staging', '2020-02-01 00:00:00+00', NULL)) s(stage, f, t)
 WHERE m.name = 'bi_fraud' AND v.version = 2;

-- ------------------------------------------------------------ the views
-- model_registry: churn's metric columns default to its gate metrics (auc,
-- f1), fraud's are set by an admin
SET SESSION AUTHORIZATION regress_bi_admin;
INSERT INTO mlops.model_metric_columns (model_id, position, metric)
SELECT id, 1, 'precision' FROM mlops.models WHERE name = 'bi_fraud';
RESET SESSION AUTHORIZATION;
SELECT model, version, stage, aliases, description, created_by, stage_changed_by, run_name, run_status, experiment,
       metric_1_name, metric_1_value, metric_2_name, metric_2_value, metric_3_name, metric_3_value,
       request_id, approved_by, approved_at IS NOT NULL AS approved_at_set, artifact_uri
  FROM mlops.model_registry ORDER BY model, version;
SELECT model, version, created_at, stage_changed_at FROM mlops.model_registry WHERE created_by = 'regress_bi_legacy';
-- the times come from the tables
SELECT bool_and(r.created_at = v.created_at AND r.stage_changed_at = v.stage_changed_at) AS times_match
  FROM mlops.model_registry r JOIN mlops.models m ON m.name = r.model
  JOIN mlops.model_versions v ON v.model_id = m.id AND v.version = r.version;

-- stage_history_readable: every stay, how it began and who was involved
SELECT model, version, from_stage, to_stage, left_at IS NULL AS current, changed_by, changed_by_role,
       change_kind, governed, request_id, requested_by, approved_by, approvals, gates_checked,
       replaced_by_version, comment
  FROM mlops.stage_history_readable ORDER BY model, version, changed_at;
-- the stays chain up: each begins when the previous one of its version ended
SELECT count(*) AS broken_links
  FROM mlops.stage_history_readable s
 WHERE s.from_stage IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM mlops.stage_history_readable p
                    WHERE p.model = s.model AND p.version = s.version
                      AND p.to_stage = s.from_stage AND p.left_at = s.changed_at);
-- audit_id points at the change's audit row
SELECT s.model, s.version, s.to_stage, a.action, a.to_stage AS audited_to
  FROM mlops.stage_history_readable s JOIN mlops.audit_trail a ON a.chain_position = s.audit_id
 WHERE s.model = 'bi_churn' AND s.version = 1 ORDER BY s.changed_at;

-- production_models: one row per model in production
SELECT model, version, since = (SELECT stage_changed_at FROM mlops.model_registry r
                                 WHERE r.model = p.model AND r.version = p.version) AS since_matches,
       promoted_by, change_kind, governed, request_id, requested_by, approved_by, approvals, gates_checked,
       metric_1_name, metric_1_value, metric_2_name, metric_2_value, run_name, experiment, artifact_uri,
       previous_version, previous_until IS NOT NULL AS previous_until_set
  FROM mlops.production_models p ORDER BY model;

-- pending_requests: approvals so far and needed, gates that would fail now
SELECT request_id, model, version, from_stage, to_stage, requested_by, comment, run_status,
       approvals, approvals_needed, approver_role, approved_by, gates, failing_gates, ready
  FROM mlops.pending_requests ORDER BY request_id;
-- an approval by a role outside the approver role does not count
SET SESSION AUTHORIZATION regress_bi_admin;
SELECT mlops.set_policy('bi_churn', 'production', 2, approver_role => 'regress_bi_bob', gates =>
  '[{"metric":"auc","op":">=","value":0.8}, {"metric":"auc","op":">=","baseline":"production"}, {"metric":"f1","op":">=","value":0.6}]');
RESET SESSION AUTHORIZATION;
SELECT request_id, approvals, approvals_needed, approver_role, approved_by FROM mlops.pending_requests ORDER BY request_id;
SET SESSION AUTHORIZATION regress_bi_admin;
SELECT mlops.set_policy('bi_churn', 'production', 2, gates =>
  '[{"metric":"auc","op":">=","value":0.8}, {"metric":"auc","op":">=","baseline":"production"}, {"metric":"f1","op":">=","value":0.6}]');
RESET SESSION AUTHORIZATION;
-- ready agrees with the registry: a second approval makes request 1002 ready,
-- and the move it allows is made
SET SESSION AUTHORIZATION regress_bi_bob;
SELECT mlops.approve(1002);
RESET SESSION AUTHORIZATION;
SELECT request_id, approvals, failing_gates, ready FROM mlops.pending_requests ORDER BY request_id;
SET SESSION AUTHORIZATION regress_bi_writer;
SELECT mlops.transition('bi_churn', 3, 'production');
SELECT mlops.transition('bi_churn', 4, 'production');     -- not ready: refused
\echo '   sqlstate' :SQLSTATE
RESET SESSION AUTHORIZATION;
SELECT version, stage FROM mlops.model_registry WHERE model = 'bi_churn' ORDER BY version;

-- audit_trail: the audit log flattened
SELECT chain_position, actor, actor_role, action, object_kind, object_name, model, version, alias,
       from_stage, to_stage, request_id, change_kind, governed, comment
  FROM mlops.audit_trail ORDER BY chain_position;
SELECT bool_and(t.hash = a.hash AND t.at = a.at AND t.entity = a.entity AND t.detail = a.detail) AS same_rows,
       count(*) = (SELECT count(*) FROM mlops.audit_log) AS every_row
  FROM mlops.audit_trail t JOIN mlops.audit_log a ON a.id = t.chain_position;
-- inside the writing transaction its own rows are pending (negative), and the
-- views still find the audit row of a move
BEGIN;
SET SESSION AUTHORIZATION regress_bi_writer;
SELECT mlops.transition('bi_churn', 4, 'archived');
SELECT stage, stage_changed_by FROM mlops.model_registry WHERE model = 'bi_churn' AND version = 4;
SELECT chain_position < 0 AS pending, action, change_kind, governed
  FROM mlops.audit_trail WHERE action = 'stage.change' AND model = 'bi_churn' AND version = 4 ORDER BY at;
SELECT to_stage, changed_by, change_kind FROM mlops.stage_history_readable
 WHERE model = 'bi_churn' AND version = 4 ORDER BY changed_at;
ROLLBACK;

-- a row written around the registry with malformed numbers still reads
-- (NULLs), and the chain names it
BEGIN;
INSERT INTO mlops.audit_log (at, actor, action, entity, detail, hash)
VALUES (now(), 'regress_bi_writer', 'stage.change', 'model:bi_churn@x',
        '{"model": "bi_churn", "version": "x", "request": 1.5, "approvals": "two", "to": "staging"}', 'bogus');
SELECT action, model, version, request_id, change_kind, governed FROM mlops.audit_trail WHERE entity = 'model:bi_churn@x';
SELECT count(*) AS history_rows FROM mlops.stage_history_readable;
SELECT mlops.verify_audit_chain() = (SELECT id FROM mlops.audit_log WHERE entity = 'model:bi_churn@x') AS chain_names_it;
ROLLBACK;

-- audit_actor_summary: per login and month
SELECT month = date_trunc('month', now())::date AS this_month, actor, actions, requests, approvals, rejections,
       promotions, stage_changes, ungoverned_stage_changes, config_changes, first_at <= last_at AS ordered
  FROM mlops.audit_actor_summary ORDER BY actor;

-- experiment_leaderboard: logloss (lower is better) by setting, auc and f1
-- (gated from below) by default; the FAILED run and the NaN value do not count
SET SESSION AUTHORIZATION regress_bi_admin;
INSERT INTO mlops.leaderboard_metrics (metric, direction) VALUES ('logloss', 'min'), ('precision', 'max');
RESET SESSION AUTHORIZATION;
SELECT experiment, metric, direction, value, run_name, runs_compared, created_by, params
  FROM mlops.experiment_leaderboard ORDER BY experiment, metric;
-- a setting overrides the gates' direction
SET SESSION AUTHORIZATION regress_bi_admin;
INSERT INTO mlops.leaderboard_metrics (metric, direction) VALUES ('f1', 'min');
RESET SESSION AUTHORIZATION;
SELECT experiment, metric, direction, value, run_name FROM mlops.experiment_leaderboard
 WHERE metric = 'f1' ORDER BY experiment;

-- --------------------------------------------------------- bad settings
\set VERBOSITY verbose
SET SESSION AUTHORIZATION regress_bi_admin;
INSERT INTO mlops.model_metric_columns (model_id, position, metric)
SELECT id, 4, 'auc' FROM mlops.models WHERE name = 'bi_churn';
INSERT INTO mlops.model_metric_columns (model_id, position, metric)
SELECT id, 1, '' FROM mlops.models WHERE name = 'bi_churn';
INSERT INTO mlops.model_metric_columns (model_id, position, metric) VALUES (424242, 1, 'auc');
INSERT INTO mlops.model_metric_columns (model_id, position, metric)
SELECT id, 1, 'recall' FROM mlops.models WHERE name = 'bi_fraud';
INSERT INTO mlops.leaderboard_metrics (metric, direction) VALUES ('auc', 'up');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_bi_writer;
INSERT INTO mlops.leaderboard_metrics (metric, direction) VALUES ('auc', 'max');
INSERT INTO mlops.model_metric_columns (model_id, position, metric)
SELECT id, 2, 'auc' FROM mlops.models WHERE name = 'bi_fraud';
RESET SESSION AUTHORIZATION;
\set VERBOSITY default
-- nothing was written
SELECT m.name, c.position, c.metric FROM mlops.model_metric_columns c JOIN mlops.models m ON m.id = c.model_id;
SELECT metric, direction FROM mlops.leaderboard_metrics ORDER BY metric;

-- ----------------------------------------------- comments and privileges
-- every view of the schema and every column of it has a comment
SELECT c.oid::regclass AS view_without_comment FROM pg_class c
 WHERE c.relnamespace = 'mlops'::regnamespace AND c.relkind = 'v' AND obj_description(c.oid, 'pg_class') IS NULL;
SELECT c.oid::regclass AS view, a.attname AS column_without_comment
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE c.relnamespace = 'mlops'::regnamespace AND c.relkind = 'v' AND col_description(c.oid, a.attnum) IS NULL;
-- no column a BI tool cannot show: no arrays, composites or oid types
SELECT c.oid::regclass AS view, a.attname, format_type(a.atttypid, a.atttypmod) AS type
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  JOIN pg_type t ON t.oid = a.atttypid
 WHERE c.relnamespace = 'mlops'::regnamespace AND c.relkind = 'v'
   AND (t.typcategory IN ('A', 'C') OR t.typname IN ('regrole', 'regclass', 'oid'))
 ORDER BY 1, 2;
SELECT c.relname AS view, count(*) AS columns
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE c.relnamespace = 'mlops'::regnamespace AND c.relkind = 'v' GROUP BY c.relname ORDER BY c.relname;

-- a reader reads every view; a login without mlops_reader reads none
SET SESSION AUTHORIZATION regress_bi_reader;
SELECT (SELECT count(*) FROM mlops.model_registry) AS versions,
       (SELECT count(*) FROM mlops.production_models) AS in_production,
       (SELECT count(*) FROM mlops.pending_requests) AS pending,
       (SELECT count(*) > 0 FROM mlops.stage_history_readable) AS history,
       (SELECT count(*) > 0 FROM mlops.audit_trail) AS trail,
       (SELECT count(*) > 0 FROM mlops.audit_actor_summary) AS summary,
       (SELECT count(*) > 0 FROM mlops.experiment_leaderboard) AS leaderboard;
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_bi_outsider;
\set VERBOSITY sqlstate
SELECT count(*) FROM mlops.model_registry;
SELECT count(*) FROM mlops.production_models;
SELECT count(*) FROM mlops.pending_requests;
SELECT count(*) FROM mlops.stage_history_readable;
SELECT count(*) FROM mlops.audit_trail;
SELECT count(*) FROM mlops.audit_actor_summary;
SELECT count(*) FROM mlops.experiment_leaderboard;
\set VERBOSITY default
SELECT count(*) FROM mlops.audit_trail;
RESET SESSION AUTHORIZATION;

-- clean up: the next test file starts without this registry
SET client_min_messages = warning;
DROP EXTENSION mlops CASCADE;
RESET client_min_messages;
DROP ROLE regress_bi_writer, regress_bi_alice, regress_bi_bob, regress_bi_carol, regress_bi_admin,
          regress_bi_reader, regress_bi_outsider;
