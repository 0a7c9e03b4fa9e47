-- mlops demo, part 20: the governed model registry.
-- A model version comes from a tracked run; production needs an approval by
-- someone else and a metric gate; every step lands in a hash-chained audit log.
\echo
\echo '== 1. three tracked runs (the tracking API) and three people'
SELECT mlops.start_run('demo_registry', 'train-1', '{"max_depth": "4"}') AS run1 \gset
SELECT mlops.start_run('demo_registry', 'train-2', '{"max_depth": "6"}') AS run2 \gset
SELECT mlops.start_run('demo_registry', 'train-3', '{"max_depth": "8"}') AS run3 \gset
SELECT mlops.log_metric(:'run1', 'auc', 0.91, 10),
       mlops.log_metric(:'run2', 'auc', 0.93, 10),
       mlops.log_metric(:'run3', 'auc', 0.88, 10);
SELECT mlops.end_run(:'run1'), mlops.end_run(:'run2'), mlops.end_run(:'run3');
SELECT r.name AS run, mlops.run_metric(r.id, 'auc') AS auc
  FROM mlops.runs r JOIN mlops.experiments e ON e.id = r.experiment_id
 WHERE e.name = 'demo_registry' ORDER BY r.name;

-- alice trains models, bob reviews them, carol runs the platform
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'demo_alice') THEN
        CREATE ROLE demo_alice LOGIN IN ROLE mlops_writer;
        CREATE ROLE demo_bob   LOGIN IN ROLE mlops_approver;
        CREATE ROLE demo_carol LOGIN IN ROLE mlops_admin;
    END IF;
END
$$;

\echo
\echo '== 2. alice (writer) registers the model and version 1 from run train-1;'
\echo '       carol (admin): production needs 1 approval and auc >= 0.85, no worse than production'
SET ROLE demo_alice;
SELECT mlops.register_model('churn', 'predicts customer churn') AS model_id;
SELECT mlops.create_model_version('churn', :'run1', 's3://models/churn/1') AS version;
SELECT mlops.transition('churn', 1, 'staging', 'offline eval looks fine');
RESET ROLE;
SET ROLE demo_carol;
SELECT mlops.set_policy('churn', 'production', 1,
    gates => '[{"metric":"auc","op":">=","value":0.85},
               {"metric":"auc","op":">=","baseline":"production"}]');
RESET ROLE;

\echo
\echo '== 3. alice tries staging -> production directly: refused (no approved request)'
SET ROLE demo_alice;
\set ON_ERROR_STOP off
SELECT mlops.transition('churn', 1, 'production');
\echo '   ... and an ORM-style UPDATE meets the same trigger:'
UPDATE mlops.model_versions SET stage = 'production'
 WHERE version = 1 AND model_id = (SELECT id FROM mlops.models WHERE name = 'churn');
\set ON_ERROR_STOP on
SELECT mlops.request_transition('churn', 1, 'production', 'ready for traffic') AS req \gset
\echo '   alice cannot approve her own request:'
RESET ROLE;
-- (alice is not an approver at all; give her the role to show the self-approval rule)
GRANT mlops_approver TO demo_alice;
SET ROLE demo_alice;
\set ON_ERROR_STOP off
SELECT mlops.approve(:req);
\set ON_ERROR_STOP on
RESET ROLE;
REVOKE mlops_approver FROM demo_alice;

\echo
\echo '== 4. bob (approver) approves; alice promotes'
SET ROLE demo_bob;
SELECT mlops.approve(:req, 'metrics and lineage reviewed');
RESET ROLE;
SET ROLE demo_alice;
SELECT mlops.transition('churn', 1, 'production', 'first release');
SELECT mlops.set_alias('churn', 'champion', 1);
RESET ROLE;
SELECT pg_sleep(0.05);
SELECT now() AS v1_era \gset
SELECT pg_sleep(0.05);

\echo
\echo '== 5. version 2 (auc 0.93 vs 0.91 in production) goes the same way and archives version 1'
SET ROLE demo_alice;
SELECT mlops.create_model_version('churn', :'run2', 's3://models/churn/2') AS version;
SELECT mlops.transition('churn', 2, 'staging');
SELECT mlops.request_transition('churn', 2, 'production', 'retrained on March data') AS req2 \gset
RESET ROLE;
SET ROLE demo_bob;
SELECT mlops.approve(:req2);
RESET ROLE;
SET ROLE demo_alice;
SELECT mlops.transition('churn', 2, 'production');
SELECT mlops.set_alias('churn', 'champion', 2);
RESET ROLE;
SELECT version, stage, run_id, created_by, stage_changed_at IS NOT NULL AS moved
  FROM mlops.model_versions WHERE model_id = (SELECT id FROM mlops.models WHERE name = 'churn') ORDER BY version;

\echo
\echo '== 6. version 3 (auc 0.88): approved, but the baseline gate refuses it (0.88 < 0.93 in production)'
SET ROLE demo_alice;
SELECT mlops.create_model_version('churn', :'run3', 's3://models/churn/3') AS version;
SELECT mlops.transition('churn', 3, 'staging');
SELECT mlops.request_transition('churn', 3, 'production') AS req3 \gset
RESET ROLE;
SET ROLE demo_bob;
SELECT mlops.approve(:req3);
RESET ROLE;
SET ROLE demo_alice;
\set ON_ERROR_STOP off
SELECT mlops.transition('churn', 3, 'production');
\set ON_ERROR_STOP on
RESET ROLE;
SELECT version, stage FROM mlops.model_versions
 WHERE model_id = (SELECT id FROM mlops.models WHERE name = 'churn') ORDER BY version;

\echo
\echo '== 7. the audit trail: who did what (actor = session_user, the role in current_user)'
SELECT id, to_char(at, 'HH24:MI:SS.MS') AS at, actor, detail->>'current_user' AS role, action, entity,
       concat_ws('  ', (detail->>'from') || ' -> ' || (detail->>'to'), detail->>'comment', detail->>'gates') AS note
  FROM mlops.audit_log WHERE entity LIKE 'model:churn%' OR entity LIKE 'policy:churn%' ORDER BY id;
SELECT mlops.verify_audit_chain() AS first_broken_audit_row;
-- an anchor to keep outside the database (cron: psql -XAt -c "SELECT id || ' ' || hash FROM mlops.audit_head()");
-- a later check against it also catches a superuser who deleted the newest rows
SELECT id AS anchor_id, hash AS anchor_hash FROM mlops.audit_head() \gset
SELECT mlops.verify_audit_chain(:anchor_id, :'anchor_hash') AS first_broken_with_anchor;

\echo
\echo '== 8. time travel: what was production, and what did @champion mean, back then?'
SELECT mlops.production_version('churn', :'v1_era') AS production_then,
       mlops.production_version('churn') AS production_now,
       mlops.model_version_by_alias('churn', 'champion', :'v1_era') AS champion_then,
       mlops.model_version_by_alias('churn', 'champion') AS champion_now;
