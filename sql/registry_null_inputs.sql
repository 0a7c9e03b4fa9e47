-- Inputs the registry refuses with a clear error and nothing written:
-- a version's stage set to NULL by a plain UPDATE (before: a crash of the
-- server process, from any writer), set_policy with a NULL model (before:
-- the '*' policy for every model), and a gate value outside double
-- precision's range (before: accepted, then every governed move of the model
-- failed with an error that named no policy).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS mlops;
SELECT mlops.create_roles();
RESET client_min_messages;
\set SHOW_CONTEXT never
\pset null '<null>'
CREATE ROLE regress_rni_writer LOGIN IN ROLE mlops_writer;
SELECT mlops.create_experiment('regress_rni') > 0 AS created;
INSERT INTO mlops.runs (id, experiment_id, name, status)
SELECT '00000000-0000-0000-0000-0000000000d1', e.id, 'r', 'FINISHED' FROM mlops.experiments e WHERE e.name = 'regress_rni';
SELECT mlops.register_model('rni') > 0 AS registered;
SELECT mlops.create_model_version('rni', '00000000-0000-0000-0000-0000000000d1', 's3://rni/1') AS v1;
SELECT mlops.transition('rni', 1, 'staging');

-- a stage set to NULL, by a writer and by a superuser
SET ROLE regress_rni_writer;
UPDATE mlops.model_versions v SET stage = NULL
  FROM mlops.models m WHERE m.id = v.model_id AND m.name = 'rni' AND v.version = 1;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
UPDATE mlops.model_versions v SET stage = NULL
  FROM mlops.models m WHERE m.id = v.model_id AND m.name = 'rni' AND v.version = 1;
\echo :LAST_ERROR_SQLSTATE
SELECT v.version, v.stage, (SELECT count(*) FROM mlops.stage_history h WHERE h.model_version_id = v.id) AS history
  FROM mlops.model_versions v JOIN mlops.models m ON m.id = v.model_id WHERE m.name = 'rni';

-- set_policy with a NULL model
SELECT count(*) AS policies_before FROM mlops.policies \gset
SELECT mlops.set_policy(NULL, 'staging', 3);
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) = :policies_before AS no_policy_added FROM mlops.policies;
SELECT count(*) AS global_staging FROM mlops.policies WHERE model_id IS NULL AND to_stage = 'staging';

-- gate values outside double precision's range
SELECT mlops.set_policy('rni', 'production', 1, gates => '[{"metric": "auc", "op": ">=", "value": 1e400}]');
\echo :LAST_ERROR_SQLSTATE
SELECT mlops.set_policy('rni', 'production', 1, gates => '[{"metric": "auc", "op": ">=", "value": 0.5},
                                                          {"metric": "loss", "op": "<", "value": -1e-400}]');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO mlops.policies (model_id, to_stage, gates)
SELECT m.id, 'production', '[{"metric": "auc", "op": ">=", "value": -2e308}]' FROM mlops.models m WHERE m.name = 'rni';
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS rni_policies FROM mlops.policies p JOIN mlops.models m ON m.id = p.model_id WHERE m.name = 'rni';
-- a small and a large one in range are fine
SELECT mlops.set_policy('rni', 'production', 1, gates => '[{"metric": "auc", "op": ">=", "value": 1e-300},
                                                          {"metric": "loss", "op": "<", "value": 1.7e308}]');
SELECT jsonb_array_length(p.gates) AS gates FROM mlops.policies p JOIN mlops.models m ON m.id = p.model_id WHERE m.name = 'rni';

DELETE FROM mlops.policies p USING mlops.models m WHERE m.id = p.model_id AND m.name = 'rni';
DROP ROLE regress_rni_writer;
