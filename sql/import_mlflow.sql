-- mlops.import_mlflow(): an MLflow 2.x store (test/fixtures/mlflow_schema.sql,
-- MLflow's tables in schema mlflow_src) comes over with its experiments,
-- runs, params, tags, metric points (NaN, +-Infinity), datasets and inputs,
-- registered models, versions in their stages, aliases and tags. A second
-- import adds nothing, a later one only what is new; a schema that does not
-- look like MLflow's, an unknown experiment, a non-admin caller and a bad
-- row are refused with nothing written. The 100k-point run of the fixture
-- is imported by test/bench/import_mlflow.sh; here the long run has 3,000.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS mlops;
RESET client_min_messages;
SELECT mlops.create_roles();
\pset null '<null>'
SET TimeZone = 'UTC';
\getenv abs_srcdir PG_ABS_SRCDIR
\set fixture :abs_srcdir '/test/fixtures/mlflow_schema.sql'
\set mlflow_points 3000
\set ECHO none
\o /dev/null
\set mlflow_schema mlflow_src
\i :fixture
\set mlflow_schema mlflow_bad
\set mlflow_points 10
\i :fixture
\o
\set ECHO all

-- What mlops holds, table by table: nothing of it may change when an import fails.
CREATE FUNCTION pg_temp.held() RETURNS text LANGUAGE sql AS $$
    SELECT format('experiments %s, runs %s, params %s, tags %s, metrics %s, latest %s, datasets %s/%s, inputs %s, '
                  'models %s, versions %s, history %s, aliases %s, audit %s',
                  (SELECT count(*) FROM mlops.experiments), (SELECT count(*) FROM mlops.runs),
                  (SELECT count(*) FROM mlops.params), (SELECT count(*) FROM mlops.tags),
                  (SELECT count(*) FROM mlops.metrics), (SELECT count(*) FROM mlops.latest_metrics),
                  (SELECT count(*) FROM mlops.datasets), (SELECT count(*) FROM mlops.dataset_versions),
                  (SELECT count(*) FROM mlops.run_inputs), (SELECT count(*) FROM mlops.models),
                  (SELECT count(*) FROM mlops.model_versions), (SELECT count(*) FROM mlops.stage_history),
                  (SELECT count(*) FROM mlops.model_aliases), (SELECT count(*) FROM mlops.audit_log))
$$;
SELECT pg_temp.held() AS held_before \gset
-- mlops run id of the fixture's run n (MLflow's 32 hex digits as a uuid)
CREATE FUNCTION pg_temp.run(n integer) RETURNS uuid LANGUAGE sql
    RETURN mlflow_src.fixture_run_uuid(n)::uuid;

-- 1. bad sources: errors name the schema, table or column; nothing is written
\set VERBOSITY default
\set SHOW_CONTEXT never
SELECT mlops.import_mlflow('no_such_schema');
\echo :LAST_ERROR_SQLSTATE
SELECT mlops.import_mlflow(NULL);
\echo :LAST_ERROR_SQLSTATE
-- the import reads as the extension owner: a view (whose functions would run
-- with the owner's rights) or a column of a user-defined type is refused
-- before anything of the source is read
ALTER TABLE mlflow_bad.experiment_tags RENAME TO experiment_tags_t;
CREATE FUNCTION mlflow_bad.spy() RETURNS integer LANGUAGE plpgsql
AS $$ BEGIN RAISE NOTICE 'view code ran as %', current_user; RETURN 0; END $$;
CREATE VIEW mlflow_bad.experiment_tags AS
SELECT experiment_id + mlflow_bad.spy() AS experiment_id, key, value FROM mlflow_bad.experiment_tags_t;
SELECT mlops.import_mlflow('mlflow_bad');
\echo :LAST_ERROR_SQLSTATE
DROP VIEW mlflow_bad.experiment_tags;
ALTER TABLE mlflow_bad.experiment_tags_t RENAME TO experiment_tags;
CREATE DOMAIN mlflow_bad.tag_text AS text;
ALTER TABLE mlflow_bad.experiment_tags ALTER COLUMN value TYPE mlflow_bad.tag_text;
SELECT mlops.import_mlflow('mlflow_bad');
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE mlflow_bad.experiment_tags ALTER COLUMN value TYPE text;
DROP TABLE mlflow_bad.registered_model_aliases;
SELECT mlops.import_mlflow('mlflow_bad');
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE mlflow_bad.runs DROP COLUMN lifecycle_stage;
SELECT mlops.import_mlflow('mlflow_bad');
\echo :LAST_ERROR_SQLSTATE
SELECT mlops.import_mlflow('mlflow_src', ARRAY['churn', 'no-such-experiment']);
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY sqlstate
SELECT pg_temp.held() = :'held_before' AS nothing_written;

-- 2. only admins import: a writer lacks EXECUTE, and even with it the
-- function refuses; an admin needs SELECT on the MLflow tables
CREATE ROLE regress_import_writer LOGIN IN ROLE mlops_writer;
CREATE ROLE regress_import_admin LOGIN IN ROLE mlops_admin;
\set VERBOSITY default
SET SESSION AUTHORIZATION regress_import_writer;
SELECT mlops.import_mlflow('mlflow_src');
\echo :LAST_ERROR_SQLSTATE
RESET SESSION AUTHORIZATION;
GRANT EXECUTE ON FUNCTION mlops.import_mlflow(text, text[]) TO regress_import_writer;
SET SESSION AUTHORIZATION regress_import_writer;
SELECT mlops.import_mlflow('mlflow_src');
\echo :LAST_ERROR_SQLSTATE
RESET SESSION AUTHORIZATION;
REVOKE EXECUTE ON FUNCTION mlops.import_mlflow(text, text[]) FROM regress_import_writer;
SET SESSION AUTHORIZATION regress_import_admin;
SELECT mlops.import_mlflow('mlflow_src');
\echo :LAST_ERROR_SQLSTATE
RESET SESSION AUTHORIZATION;
\set VERBOSITY sqlstate
SELECT pg_temp.held() = :'held_before' AS nothing_written;

-- 3. one experiment first (by name), then everything; the MLflow user
-- carol is a role here, so her runs keep her as creator
CREATE ROLE carol;
SELECT jsonb_pretty(mlops.import_mlflow('mlflow_src', ARRAY['churn']));
SELECT e.name, r.name AS run, r.created_by FROM mlops.runs r JOIN mlops.experiments e ON e.id = r.experiment_id
 WHERE r.id IN (pg_temp.run(8), pg_temp.run(9)) ORDER BY r.name;
SELECT jsonb_pretty(mlops.import_mlflow('mlflow_src'));

-- 4. experiments: tags, lifecycle stage, times (epoch ms -> timestamptz)
SELECT e.name, e.tags, e.lifecycle_stage, e.created_at, e.last_update_time, e.deleted_time
  FROM mlops.experiments e JOIN mlflow_src.experiments s ON s.name = e.name ORDER BY s.experiment_id;

-- 5. runs: ids, names, times exactly as MLflow's milliseconds, status,
-- lifecycle, artifact_uri, parents from mlflow.parentRunId
SELECT r.name, r.status, r.start_time, r.end_time, r.lifecycle_stage, r.deleted_time,
       (SELECT p.name FROM mlops.runs p WHERE p.id = r.parent_run_id) AS parent
  FROM mlops.runs r JOIN mlflow_src.runs s ON s.run_uuid::uuid = r.id ORDER BY s.start_time;
SELECT count(*) AS runs_with_exact_times FROM mlops.runs r JOIN mlflow_src.runs s ON s.run_uuid::uuid = r.id
 WHERE (extract(epoch FROM r.start_time) * 1000)::bigint = s.start_time
   AND (s.end_time IS NULL OR (extract(epoch FROM r.end_time) * 1000)::bigint = s.end_time);
SELECT r.artifact_uri = 'mlflow-artifacts:/1/' || mlflow_src.fixture_run_uuid(5) || '/artifacts' AS artifact_uri_kept
  FROM mlops.runs r WHERE r.id = pg_temp.run(5);

-- 6. params and tags
SELECT r.name, p.key, p.value FROM mlops.params p JOIN mlops.runs r ON r.id = p.run_id
 WHERE r.id IN (pg_temp.run(5), pg_temp.run(9)) ORDER BY r.name, p.key;
SELECT t.key, t.value FROM mlops.tags t WHERE t.run_id = pg_temp.run(2) ORDER BY t.key;

-- 7. metric points: every one, NaN (is_nan in MLflow) and +-Infinity as
-- given, timestamps to the millisecond; latest values from the points
SELECT (SELECT count(*) FROM mlops.metrics m JOIN mlflow_src.runs s ON s.run_uuid::uuid = m.run_id)
     = (SELECT count(*) FROM mlflow_src.metrics) AS every_point;
SELECT m.key, m.step, m.value, m.ts FROM mlops.metrics m
 WHERE m.run_id = pg_temp.run(4) AND m.step >= 4 ORDER BY m.key, m.step;
SELECT count(*) AS points_equal FROM mlops.metrics m JOIN mlflow_src.metrics s
    ON s.run_uuid::uuid = m.run_id AND s.key = m.key AND s.step = m.step
   AND s.timestamp = (extract(epoch FROM m.ts) * 1000)::bigint
   AND (CASE WHEN s.is_nan THEN 'NaN' ELSE s.value END) = m.value;
SELECT l.key, l.step, l.value FROM mlops.latest_metrics l WHERE l.run_id = pg_temp.run(5) ORDER BY l.key;

-- 8. datasets: a version per (name, digest), the digest as fingerprint;
-- inputs with their context (training when MLflow has none)
SELECT d.name, v.version, v.fingerprint, v.uri, v.row_count, v.schema IS NOT NULL AS has_schema
  FROM mlops.dataset_versions v JOIN mlops.datasets d ON d.id = v.dataset_id
 WHERE d.name IN ('transactions', 'holdout', 'customers') ORDER BY d.name, v.version;
SELECT r.name, i.dataset, i.version, i.context FROM mlops.run_inputs i JOIN mlops.runs r ON r.id = i.run_id
 WHERE i.dataset IN ('transactions', 'holdout', 'customers') ORDER BY r.name, i.dataset;

-- 9. registry: models with tags, versions with MLflow's numbers in their
-- stages (None/Staging/Production/Archived), tags, source, run_link; the
-- stage history reconstructed from MLflow's times; aliases
SELECT m.name, m.description, m.tags, m.last_version FROM mlops.models m
 WHERE m.name IN ('fraud-model', 'churn-model') ORDER BY m.name;
SELECT m.name, v.version, v.stage, v.tags, v.artifact_uri = s.source AND v.source = s.source AS source_kept,
       v.run_link, v.run_id = s.run_id::uuid AS run_kept, v.created_at, v.description
  FROM mlops.model_versions v JOIN mlops.models m ON m.id = v.model_id
  JOIN mlflow_src.model_versions s ON s.name = m.name AND s.version = v.version
 WHERE m.name IN ('fraud-model', 'churn-model') ORDER BY m.name, v.version;
SELECT v.version, h.stage, h.valid_from, h.valid_to FROM mlops.stage_history h
  JOIN mlops.model_versions v ON v.id = h.model_version_id JOIN mlops.models m ON m.id = v.model_id
 WHERE m.name = 'fraud-model' ORDER BY v.version, h.valid_from;
SELECT mlops.production_version('fraud-model') AS production_now,
       mlops.production_version('fraud-model', '2023-11-15 06:00:00+00') AS production_before_promotion;
SELECT m.name, a.alias, v.version, a.set_by FROM mlops.model_aliases a
  JOIN mlops.models m ON m.id = a.model_id JOIN mlops.model_versions v ON v.id = a.model_version_id
 WHERE m.name IN ('fraud-model', 'churn-model') ORDER BY m.name, a.alias;
SELECT mlops.model_version_by_alias('fraud-model', 'champion') AS champion;

-- 10. a second import adds nothing
SELECT pg_temp.held() AS held_imported \gset
SELECT mlops.import_mlflow('mlflow_src') - 'model_versions_skipped' AS second_import;
SELECT pg_temp.held() = regexp_replace(:'held_imported', 'audit \d+', 'audit ' ||
       (SELECT count(*) FROM mlops.audit_log)) AS only_an_audit_row_added;

-- 11. the import's trust ends with its own statements: outside an import,
-- an imported (ended) run takes no new points, and a user trigger that an
-- import reaches cannot write into an ended run either
SELECT pg_temp.held() AS held_imported \gset
\set VERBOSITY default
INSERT INTO mlops.metrics (run_id, key, value) VALUES (pg_temp.run(5), 'loss', 0.1);
\echo :LAST_ERROR_SQLSTATE
CREATE FUNCTION public.regress_import_sneak() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO mlops.params (run_id, key, value) VALUES (NEW.run_id, 'sneaked', 'x');
    RETURN NEW;
END $$;
CREATE TRIGGER regress_import_sneak AFTER INSERT ON mlops.tags
    FOR EACH ROW EXECUTE FUNCTION public.regress_import_sneak();
INSERT INTO mlflow_src.tags VALUES ('note', 'later', mlflow_src.fixture_run_uuid(2));
SELECT mlops.import_mlflow('mlflow_src');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.held() = :'held_imported' AS nothing_written;
DROP TRIGGER regress_import_sneak ON mlops.tags;
DROP FUNCTION public.regress_import_sneak();
DELETE FROM mlflow_src.tags WHERE key = 'note';

-- 12. all or nothing: a bad metric key in a new run fails the whole call
INSERT INTO mlflow_src.runs (run_uuid, name, user_id, status, start_time, end_time, lifecycle_stage, experiment_id)
VALUES (mlflow_src.fixture_run_uuid(11), 'bad-keys', 'bob', 'FINISHED', 1700100000000, 1700100060000, 'active', 1);
INSERT INTO mlflow_src.metrics VALUES (E'loss\tval', 0.5, 1700100001000, mlflow_src.fixture_run_uuid(11), 0, false);
SELECT mlops.import_mlflow('mlflow_src');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.held() = :'held_imported' AS nothing_written;
DELETE FROM mlflow_src.metrics WHERE run_uuid = mlflow_src.fixture_run_uuid(11);
DELETE FROM mlflow_src.runs WHERE run_uuid = mlflow_src.fixture_run_uuid(11);
\set VERBOSITY sqlstate

-- 13. a later import, by an admin who may read the MLflow tables, adds
-- only what is new: a run, the points an open run gained (NaN and
-- Infinity among them), a version. MLflow moved Production from version 2
-- to a new version 5; mlops leaves version 2 where it is (stages of held
-- versions change only through transitions), so version 5 lands in archived
-- and the result says so. The alias MLflow moved stays where it was too.
GRANT USAGE ON SCHEMA mlflow_src TO regress_import_admin;
GRANT SELECT ON ALL TABLES IN SCHEMA mlflow_src TO regress_import_admin;
INSERT INTO mlflow_src.runs (run_uuid, name, user_id, status, start_time, end_time, lifecycle_stage, artifact_uri, experiment_id)
VALUES (mlflow_src.fixture_run_uuid(12), 'retrain', 'bob', 'FINISHED', 1700200000000, 1700200600000, 'active', NULL, 1);
INSERT INTO mlflow_src.params VALUES ('lr', '0.002', mlflow_src.fixture_run_uuid(12));
INSERT INTO mlflow_src.metrics
SELECT 'loss', 0.5 / (s + 1), 1700200000000 + s * 1000, mlflow_src.fixture_run_uuid(12), s, false FROM generate_series(0, 9) s;
INSERT INTO mlflow_src.metrics VALUES
    ('loss', 0.25, 1700300000000, mlflow_src.fixture_run_uuid(7), 5, false),
    ('loss', 0, 1700300001000, mlflow_src.fixture_run_uuid(7), 6, true),
    ('loss', 'Infinity', 1700300002000, mlflow_src.fixture_run_uuid(7), 7, false);
UPDATE mlflow_src.model_versions SET current_stage = 'Archived', last_updated_time = 1700250000000
 WHERE name = 'fraud-model' AND version = 2;
INSERT INTO mlflow_src.model_versions (name, version, creation_time, last_updated_time, user_id, current_stage,
                                       source, run_id, status)
VALUES ('fraud-model', 5, 1700240000000, 1700250000000, 'bob', 'Production',
        'mlflow-artifacts:/1/' || mlflow_src.fixture_run_uuid(12) || '/artifacts/model', mlflow_src.fixture_run_uuid(12), 'READY');
UPDATE mlflow_src.registered_model_aliases SET version = 5 WHERE name = 'fraud-model' AND alias = 'champion';
-- meanwhile churn-model got versions 2 and 3 in mlops, and version 3 of
-- another run in MLflow: that one is left out, and the result says why
SELECT mlops.create_model_version('churn-model', pg_temp.run(8), 's3://native/churn/' || g) FROM generate_series(2, 3) g;
INSERT INTO mlflow_src.model_versions (name, version, creation_time, last_updated_time, user_id, current_stage,
                                       source, run_id, status)
VALUES ('churn-model', 3, 1700240000000, 1700240000000, 'carol', 'None', 's3://ml-bucket/churn/3',
        mlflow_src.fixture_run_uuid(9), 'READY');
-- churn-model's native version 2 was in production for a while (now), and
-- MLflow has a version 4 in Production since 2023: its production interval
-- starts after mlops' own latest move, so the intervals do not overlap
SELECT mlops.transition('churn-model', 2, s) FROM unnest(ARRAY['staging', 'production', 'archived']) s;
INSERT INTO mlflow_src.model_versions (name, version, creation_time, last_updated_time, user_id, current_stage,
                                       source, run_id, status)
VALUES ('churn-model', 4, 1700240000000, 1700245000000, 'carol', 'Production', 's3://ml-bucket/churn/4',
        mlflow_src.fixture_run_uuid(9), 'READY');
SET SESSION AUTHORIZATION regress_import_admin;
SELECT jsonb_pretty(mlops.import_mlflow('mlflow_src'));
RESET SESSION AUTHORIZATION;
SELECT count(*) AS overlapping_production
  FROM mlops.stage_history a JOIN mlops.stage_history b
    ON a.model_id = b.model_id AND a.id < b.id AND a.stage = 'production' AND b.stage = 'production'
   AND tstzrange(a.valid_from, a.valid_to) && tstzrange(b.valid_from, b.valid_to)
  JOIN mlops.models m ON m.id = a.model_id WHERE m.name = 'churn-model';
SELECT mlops.production_version('churn-model') AS churn_production_now,
       mlops.production_version('churn-model', '2024-01-01 00:00:00+00') AS churn_production_2024;
SELECT m.key, m.step, m.value FROM mlops.metrics m WHERE m.run_id = pg_temp.run(7) AND m.step >= 4 ORDER BY m.step, m.value;
SELECT r.name, r.created_by, (SELECT count(*) FROM mlops.metrics m WHERE m.run_id = r.id) AS points
  FROM mlops.runs r WHERE r.id = pg_temp.run(12);
SELECT v.version, v.stage, v.created_by FROM mlops.model_versions v JOIN mlops.models m ON m.id = v.model_id
 WHERE m.name = 'fraud-model' ORDER BY v.version;
SELECT mlops.model_version_by_alias('fraud-model', 'champion') AS champion_unchanged;

-- 14. the audit log shows the imports: models, versions (stage as
-- imported, not an approved transition) and aliases, a summary per call
SELECT a.actor, a.action, a.entity, a.detail->>'stage' AS stage, a.detail->>'mlflow_stage' AS mlflow_stage,
       a.detail->>'instead_of' AS instead_of
  FROM mlops.audit_log a WHERE a.action IN ('model.import', 'version.import', 'alias.import') ORDER BY a.id;
SELECT a.actor, a.entity, a.detail->'runs' AS runs, a.detail->'metrics' AS metrics,
       a.detail->'model_versions' AS versions
  FROM mlops.audit_log a WHERE a.action = 'mlflow.import' ORDER BY a.id;
SELECT count(*) AS approvals_or_transitions FROM mlops.audit_log a
 WHERE a.entity LIKE 'model:fraud-model%' AND a.action NOT LIKE '%.import';
-- the BI history tells imported stays from governed moves
SELECT version, from_stage, to_stage, change_kind, governed, changed_by
  FROM mlops.stage_history_readable WHERE model = 'fraud-model' ORDER BY version, changed_at;
SELECT mlops.verify_audit_chain() AS first_broken_row;

SET client_min_messages = warning;
DROP SCHEMA mlflow_src CASCADE;
DROP SCHEMA mlflow_bad CASCADE;
RESET client_min_messages;
DROP OWNED BY regress_import_admin;
DROP ROLE regress_import_writer, regress_import_admin, carol;
