-- mlops 0.1.0 -> 0.2.0, coming from MLflow (sql/mlops/30_registry.sql):
-- model and version tags, a version's source, run link and signature, last
-- update times. Columns are added in the order of the CREATE TABLE of a
-- fresh install.

ALTER TABLE mlops.models
    ADD COLUMN tags jsonb NOT NULL DEFAULT '{}'
        CONSTRAINT models_tags_object CHECK (pg_catalog.jsonb_typeof(tags) OPERATOR(pg_catalog.=) 'object'),
    ADD COLUMN last_updated_at timestamptz;
-- a model of 0.1.0 was last changed when it was created or got its latest version
UPDATE mlops.models m
   SET last_updated_at = GREATEST(m.created_at,
                                  (SELECT pg_catalog.max(v.created_at) FROM mlops.model_versions v
                                    WHERE v.model_id OPERATOR(pg_catalog.=) m.id));
ALTER TABLE mlops.models
    ALTER COLUMN last_updated_at SET DEFAULT pg_catalog.now(),
    ALTER COLUMN last_updated_at SET NOT NULL;
COMMENT ON COLUMN mlops.models.tags IS 'model tags, {"key": "value"} (mlops.set_model_tag(), mlops.delete_model_tag())';
COMMENT ON COLUMN mlops.models.last_updated_at IS 'last change of the model: description, tags, a new version (MLflow''s last_updated_timestamp)';

ALTER TABLE mlops.model_versions
    ADD COLUMN tags jsonb NOT NULL DEFAULT '{}'
        CONSTRAINT model_versions_tags_object
        CHECK (pg_catalog.jsonb_typeof(tags) OPERATOR(pg_catalog.=) 'object'),
    ADD COLUMN source text CONSTRAINT model_versions_source_length
        CHECK (pg_catalog.char_length(source) OPERATOR(pg_catalog.<=) 2048),
    ADD COLUMN run_link text CONSTRAINT model_versions_run_link_length
        CHECK (pg_catalog.char_length(run_link) OPERATOR(pg_catalog.<=) 2048),
    ADD COLUMN signature jsonb CONSTRAINT model_versions_signature_object
        CHECK (signature IS NULL OR pg_catalog.jsonb_typeof(signature) OPERATOR(pg_catalog.=) 'object'),
    ADD COLUMN last_updated_at timestamptz;
-- a version of 0.1.0 was last changed when it was created or moved stage
UPDATE mlops.model_versions SET last_updated_at = GREATEST(created_at, stage_changed_at);
ALTER TABLE mlops.model_versions
    ALTER COLUMN last_updated_at SET DEFAULT pg_catalog.now(),
    ALTER COLUMN last_updated_at SET NOT NULL;
COMMENT ON COLUMN mlops.model_versions.tags IS 'version tags, {"key": "value"} (mlops.set_model_version_tag(), mlops.delete_model_version_tag())';
COMMENT ON COLUMN mlops.model_versions.source IS 'where the model was logged from (MLflow''s source, e.g. runs:/<run>/model), fixed at creation; NULL when not given';
COMMENT ON COLUMN mlops.model_versions.run_link IS 'a link to the run that built the version (MLflow''s run_link), fixed at creation; NULL when not given';
COMMENT ON COLUMN mlops.model_versions.signature IS 'the model''s signature as MLflow records it ({"inputs": "<JSON text>", "outputs": "<JSON text>", ...}), fixed at creation; NULL when not given';
COMMENT ON COLUMN mlops.model_versions.last_updated_at IS 'last change of the version: description, tags, stage (MLflow''s last_updated_timestamp)';
