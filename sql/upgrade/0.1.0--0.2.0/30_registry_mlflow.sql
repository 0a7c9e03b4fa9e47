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
COMMENT ON COLUMN mlops.models.last_updated_at IS 'last change of the model: description, tags, a new version, a stage move of a version (MLflow''s last_updated_timestamp)';

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

-- create_model_version takes MLflow's source, run link, signature and tags:
-- the old signature goes (a trailing parameter with a default would make
-- every old call ambiguous).
DROP FUNCTION mlops.create_model_version(text, uuid, text, text);

-- Registry tags, as MLflow's: string values, keys 1..250 characters without
-- control characters, values up to 8000 characters (as run tags). Returns
-- the object with every value as text (numbers and booleans as written).
CREATE FUNCTION mlops._registry_tags(what text, tags jsonb) RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    kv record;
    res jsonb := '{}';
BEGIN
    IF tags IS NULL THEN
        RETURN res;
    END IF;
    IF pg_catalog.jsonb_typeof(tags) OPERATOR(pg_catalog.<>) 'object' THEN
        RAISE EXCEPTION 'tags of % must be a JSON object, not %', what, pg_catalog.jsonb_typeof(tags)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass {"key": "value", ...}.';
    END IF;
    FOR kv IN SELECT j.key, j.value FROM pg_catalog.jsonb_each(tags) j ORDER BY j.key LOOP
        IF pg_catalog.jsonb_typeof(kv.value) OPERATOR(pg_catalog.=) 'null' THEN
            RAISE EXCEPTION 'value of tag "%" of % must not be null', kv.key, what
                USING ERRCODE = 'null_value_not_allowed';
        END IF;
        PERFORM mlops._check_registry_tag(what, kv.key, mlops._jsonb_text('tag', kv.key, kv.value));
        res := res OPERATOR(pg_catalog.||)
               pg_catalog.jsonb_build_object(kv.key, mlops._jsonb_text('tag', kv.key, kv.value));
    END LOOP;
    RETURN res;
END
$fn$;
COMMENT ON FUNCTION mlops._registry_tags(text, jsonb) IS 'internal: check model or version tags given as a JSON object; every value as text';

CREATE FUNCTION mlops._check_registry_tag(what text, key text, value text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    PERFORM mlops._check_text(pg_catalog.format('tag key of %s', what), key, 250);
    IF key OPERATOR(pg_catalog.~) '[\x01-\x1f\x7f]' THEN
        RAISE EXCEPTION 'tag key % of % contains a control character', pg_catalog.to_json(key), what
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Keys may not contain control characters such as newlines or tabs.';
    END IF;
    PERFORM mlops._check_text(pg_catalog.format('value of tag "%s" of %s', key, what), value, 8000, true);
END
$fn$;
COMMENT ON FUNCTION mlops._check_registry_tag(text, text, text) IS 'internal: refuse a registry tag key or value outside the limits, naming the model or version';

CREATE FUNCTION mlops.create_model_version(model text, run uuid, artifact_uri text,
                                           description text DEFAULT NULL, source text DEFAULT NULL,
                                           run_link text DEFAULT NULL, signature jsonb DEFAULT NULL,
                                           tags jsonb DEFAULT '{}') RETURNS integer
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    mid bigint := mlops._model_id(model);
    v integer;
    checked jsonb := mlops._registry_tags(pg_catalog.format('a new version of model "%s"', model), tags);
BEGIN
    IF NOT EXISTS (SELECT 1 FROM mlops.runs r WHERE r.id OPERATOR(pg_catalog.=) run) THEN
        RAISE EXCEPTION 'run % does not exist', run
            USING ERRCODE = 'undefined_object', HINT = 'A model version is built by a tracked run (mlops.runs).';
    END IF;
    IF signature IS NOT NULL AND pg_catalog.jsonb_typeof(signature) OPERATOR(pg_catalog.<>) 'object' THEN
        RAISE EXCEPTION 'signature of a new version of model "%" must be a JSON object, not %',
                        model, pg_catalog.jsonb_typeof(signature)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass the signature as MLflow records it: {"inputs": "...", "outputs": "..."}.';
    END IF;
    IF pg_catalog.char_length(source) OPERATOR(pg_catalog.>) 2048
       OR pg_catalog.char_length(run_link) OPERATOR(pg_catalog.>) 2048 THEN
        RAISE EXCEPTION '% of a new version of model "%" is too long (% characters, at most 2048)',
                        CASE WHEN pg_catalog.char_length(source) OPERATOR(pg_catalog.>) 2048 THEN 'source' ELSE 'run_link' END,
                        model,
                        GREATEST(pg_catalog.char_length(source), pg_catalog.char_length(run_link))
            USING ERRCODE = 'string_data_right_truncation';
    END IF;
    INSERT INTO mlops.model_versions (model_id, run_id, artifact_uri, description, source, run_link, signature, tags)
    VALUES (mid, run, artifact_uri, description, source, run_link, signature, checked)
    RETURNING version INTO v;
    RETURN v;
END
$fn$;
COMMENT ON FUNCTION mlops.create_model_version(text, uuid, text, text, text, text, jsonb, jsonb) IS 'create the next version (1, 2, ...) of a model from a run, in stage none, with MLflow''s source, run link, signature and tags';

-- Model and version tags (MLflow's set_registered_model_tag and friends).
-- Writers tag models and versions (UPDATE on the tables, as for
-- descriptions); the registry triggers keep everything else fixed and move
-- last_updated_at.
CREATE FUNCTION mlops.set_model_tag(model text, key text, value text) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    mid bigint := mlops._model_id(model);
BEGIN
    PERFORM mlops._check_registry_tag(pg_catalog.format('model "%s"', model), key, value);
    UPDATE mlops.models m
       SET tags = m.tags OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(set_model_tag.key, set_model_tag.value)
     WHERE m.id OPERATOR(pg_catalog.=) mid
       AND m.tags OPERATOR(pg_catalog.->>) set_model_tag.key IS DISTINCT FROM set_model_tag.value;
END
$fn$;
COMMENT ON FUNCTION mlops.set_model_tag(text, text, text) IS 'set or overwrite a tag of a registered model';

CREATE FUNCTION mlops.delete_model_tag(model text, key text) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    mid bigint := mlops._model_id(model);
BEGIN
    IF key IS NULL THEN
        RAISE EXCEPTION 'tag key of model "%" must not be null', model USING ERRCODE = 'null_value_not_allowed';
    END IF;
    UPDATE mlops.models m SET tags = m.tags OPERATOR(pg_catalog.-) delete_model_tag.key
     WHERE m.id OPERATOR(pg_catalog.=) mid AND m.tags OPERATOR(pg_catalog.?) delete_model_tag.key;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'tag "%" of model "%" does not exist', key, model USING ERRCODE = 'undefined_object';
    END IF;
END
$fn$;
COMMENT ON FUNCTION mlops.delete_model_tag(text, text) IS 'delete a tag of a registered model (an error when it has no such tag)';

CREATE FUNCTION mlops.set_model_version_tag(model text, version integer, key text, value text) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    vid bigint := mlops._version_id(model, version);
BEGIN
    PERFORM mlops._check_registry_tag(pg_catalog.format('version %s of model "%s"', version, model), key, value);
    UPDATE mlops.model_versions v
       SET tags = v.tags OPERATOR(pg_catalog.||)
                  pg_catalog.jsonb_build_object(set_model_version_tag.key, set_model_version_tag.value)
     WHERE v.id OPERATOR(pg_catalog.=) vid
       AND v.tags OPERATOR(pg_catalog.->>) set_model_version_tag.key IS DISTINCT FROM set_model_version_tag.value;
END
$fn$;
COMMENT ON FUNCTION mlops.set_model_version_tag(text, integer, text, text) IS 'set or overwrite a tag of a model version';

CREATE FUNCTION mlops.delete_model_version_tag(model text, version integer, key text) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    vid bigint := mlops._version_id(model, version);
BEGIN
    IF key IS NULL THEN
        RAISE EXCEPTION 'tag key of version % of model "%" must not be null', version, model
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    UPDATE mlops.model_versions v SET tags = v.tags OPERATOR(pg_catalog.-) delete_model_version_tag.key
     WHERE v.id OPERATOR(pg_catalog.=) vid AND v.tags OPERATOR(pg_catalog.?) delete_model_version_tag.key;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'tag "%" of version % of model "%" does not exist', key, version, model
            USING ERRCODE = 'undefined_object';
    END IF;
END
$fn$;
COMMENT ON FUNCTION mlops.delete_model_version_tag(text, integer, text) IS 'delete a tag of a model version (an error when it has no such tag)';

