-- Registry and governance (API.md -> Registry and governance).
-- Tables are plain and ORM-friendly; every rule lives in C triggers
-- (src/registry.c), so a direct INSERT/UPDATE/DELETE obeys the same rules as
-- the mlops.* functions, which are thin SECURITY INVOKER wrappers. Columns the
-- triggers own (actors, times, version numbers, request status) are filled by
-- them; a superuser inserting them explicitly (pg_restore) is taken verbatim.

-- ---------------------------------------------------------------- tables
-- Ids are GENERATED ALWAYS as in 20_tracking.sql, audit_log's excepted.

CREATE TABLE mlops.stages (
    id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL UNIQUE
                CHECK (name OPERATOR(pg_catalog.~) '^[a-z][a-z0-9_]{0,62}$'),
    exclusive   boolean NOT NULL DEFAULT false,
    description text,
    builtin     boolean NOT NULL DEFAULT false,
    added_by    name,
    UNIQUE (name, exclusive)
);
COMMENT ON TABLE mlops.stages IS 'lifecycle stages of model versions; an exclusive stage holds at most one version per model';

CREATE TABLE mlops.stage_transitions (
    id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    from_stage  text NOT NULL REFERENCES mlops.stages (name),
    to_stage    text NOT NULL REFERENCES mlops.stages (name),
    builtin     boolean NOT NULL DEFAULT false,
    added_by    name,
    UNIQUE (from_stage, to_stage),
    CHECK (from_stage OPERATOR(pg_catalog.<>) to_stage)
);
COMMENT ON TABLE mlops.stage_transitions IS 'the allowed stage moves (the state machine, as data)';

CREATE TABLE mlops.models (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL UNIQUE CHECK (name OPERATOR(pg_catalog.<>) '' AND name OPERATOR(pg_catalog.<>) '*')
                 -- at most 200 characters: NOTIFY payloads carry it (src/registry/core.c)
                 CHECK (pg_catalog.char_length(name) OPERATOR(pg_catalog.<=) 200),
    description  text,
    created_by   name NOT NULL,
    created_at   timestamptz NOT NULL,
    last_version integer NOT NULL DEFAULT 0 CHECK (last_version OPERATOR(pg_catalog.>=) 0),
    tags         jsonb NOT NULL DEFAULT '{}'
                 CONSTRAINT models_tags_object CHECK (pg_catalog.jsonb_typeof(tags) OPERATOR(pg_catalog.=) 'object'),
    last_updated_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE mlops.models IS 'registered models; last_version is the row-locked version counter';
COMMENT ON COLUMN mlops.models.tags IS 'model tags, {"key": "value"} (mlops.set_model_tag(), mlops.delete_model_tag())';
COMMENT ON COLUMN mlops.models.last_updated_at IS 'last change of the model: description, tags, a new version, a stage move of a version (MLflow''s last_updated_timestamp)';

CREATE TABLE mlops.model_versions (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    model_id         bigint NOT NULL REFERENCES mlops.models (id),
    version          integer NOT NULL CHECK (version OPERATOR(pg_catalog.>=) 1),
    run_id           uuid NOT NULL REFERENCES mlops.runs (id),
    artifact_uri     text NOT NULL,
    stage            text NOT NULL DEFAULT 'none',
    stage_exclusive  boolean NOT NULL DEFAULT false,
    description      text,
    created_by       name NOT NULL,
    created_at       timestamptz NOT NULL,
    stage_changed_at timestamptz NOT NULL,
    tags             jsonb NOT NULL DEFAULT '{}'
                     CONSTRAINT model_versions_tags_object
                     CHECK (pg_catalog.jsonb_typeof(tags) OPERATOR(pg_catalog.=) 'object'),
    source           text CONSTRAINT model_versions_source_length
                     CHECK (pg_catalog.char_length(source) OPERATOR(pg_catalog.<=) 2048),
    run_link         text CONSTRAINT model_versions_run_link_length
                     CHECK (pg_catalog.char_length(run_link) OPERATOR(pg_catalog.<=) 2048),
    signature        jsonb CONSTRAINT model_versions_signature_object
                     CHECK (signature IS NULL OR pg_catalog.jsonb_typeof(signature) OPERATOR(pg_catalog.=) 'object'),
    last_updated_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    UNIQUE (model_id, version),
    -- keeps stage_exclusive equal to the stage's flag, also when an admin flips it
    FOREIGN KEY (stage, stage_exclusive) REFERENCES mlops.stages (name, exclusive) ON UPDATE CASCADE
);
CREATE INDEX model_versions_run_idx ON mlops.model_versions (run_id);
-- The constraint behind "one version per model in an exclusive stage".
CREATE UNIQUE INDEX model_versions_exclusive_stage_idx
    ON mlops.model_versions (model_id, stage) WHERE stage_exclusive;
COMMENT ON TABLE mlops.model_versions IS 'model versions: numbered 1, 2, ... per model, built by a run, in one stage';
COMMENT ON COLUMN mlops.model_versions.tags IS 'version tags, {"key": "value"} (mlops.set_model_version_tag(), mlops.delete_model_version_tag())';
COMMENT ON COLUMN mlops.model_versions.source IS 'where the model was logged from (MLflow''s source, e.g. runs:/<run>/model), fixed at creation; NULL when not given';
COMMENT ON COLUMN mlops.model_versions.run_link IS 'a link to the run that built the version (MLflow''s run_link), fixed at creation; NULL when not given';
COMMENT ON COLUMN mlops.model_versions.signature IS 'the model''s signature as MLflow records it ({"inputs": "<JSON text>", "outputs": "<JSON text>", ...}), fixed at creation; NULL when not given';
COMMENT ON COLUMN mlops.model_versions.last_updated_at IS 'last change of the version: description, tags, stage (MLflow''s last_updated_timestamp)';
COMMENT ON INDEX mlops.model_versions_exclusive_stage_idx IS 'at most one version per model in each exclusive stage, at every instant';

CREATE TABLE mlops.stage_history (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    model_version_id bigint NOT NULL,
    model_id         bigint NOT NULL,
    stage            text NOT NULL,
    valid_from       timestamptz NOT NULL,
    valid_to         timestamptz,
    CHECK (valid_to IS NULL OR valid_to OPERATOR(pg_catalog.>=) valid_from)
);
CREATE INDEX stage_history_model_stage_idx ON mlops.stage_history (model_id, stage, valid_from);
CREATE UNIQUE INDEX stage_history_current_idx ON mlops.stage_history (model_version_id) WHERE valid_to IS NULL;
CREATE INDEX stage_history_model_time_idx ON mlops.stage_history (model_id, valid_from);
COMMENT ON INDEX mlops.stage_history_model_time_idx IS 'a model''s latest stage move, read by every move (its time is never before it): one index probe however long the history';
COMMENT ON TABLE mlops.stage_history IS 'which stage each version was in, and when (written by the registry triggers)';

CREATE TABLE mlops.transition_requests (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    model_version_id  bigint NOT NULL REFERENCES mlops.model_versions (id),
    from_stage        text REFERENCES mlops.stages (name),
    to_stage          text NOT NULL REFERENCES mlops.stages (name),
    status            text NOT NULL DEFAULT 'open'
                      CHECK (status OPERATOR(pg_catalog.=) ANY (ARRAY['open', 'rejected', 'consumed', 'cancelled'])),
    comment           text,
    requested_by      name,
    requested_session name,
    requested_at      timestamptz,
    closed_by         name,
    closed_at         timestamptz,
    -- who asked, by role oid (names above are for display): approvals are
    -- matched against these, so a re-created role of the same name is another role
    requested_by_id      regrole,
    requested_session_id regrole
);
CREATE UNIQUE INDEX transition_requests_open_idx
    ON mlops.transition_requests (model_version_id, to_stage) WHERE status OPERATOR(pg_catalog.=) 'open';
COMMENT ON TABLE mlops.transition_requests IS 'requests to move a model version to a stage; consumed by the transition they allow';

CREATE TABLE mlops.approvals (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id       bigint NOT NULL REFERENCES mlops.transition_requests (id),
    decision         text NOT NULL DEFAULT 'approve'
                     CHECK (decision OPERATOR(pg_catalog.=) ANY (ARRAY['approve', 'reject'])),
    approver         name,
    approver_session name,
    comment          text,
    at               timestamptz,
    -- the approver by role oid (names above are for display)
    approver_id         regrole,
    approver_session_id regrole,
    UNIQUE (request_id, approver_id),
    -- one decision per login: SET ROLE does not make another approver
    UNIQUE (request_id, approver_session_id)
);
COMMENT ON TABLE mlops.approvals IS 'approvals and rejections of transition requests, one per login (session_user) and request; approvals count once per login';

CREATE TABLE mlops.policies (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    model_id            bigint REFERENCES mlops.models (id),
    to_stage            text NOT NULL REFERENCES mlops.stages (name),
    min_approvals       integer NOT NULL DEFAULT 1 CHECK (min_approvals OPERATOR(pg_catalog.>=) 1),
    approver_role       regrole NOT NULL,
    allow_self_approval boolean NOT NULL DEFAULT false,
    gates               jsonb NOT NULL DEFAULT '[]',
    updated_by          name,
    updated_at          timestamptz,
    UNIQUE NULLS NOT DISTINCT (model_id, to_stage)
);
COMMENT ON TABLE mlops.policies IS 'approval policies per model (model_id NULL = every model, ''*'') and target stage';

CREATE TABLE mlops.model_aliases (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    model_id         bigint NOT NULL REFERENCES mlops.models (id),
    alias            text NOT NULL CHECK (alias OPERATOR(pg_catalog.~) '^[A-Za-z][A-Za-z0-9_.-]{0,62}$'),
    model_version_id bigint NOT NULL REFERENCES mlops.model_versions (id),
    valid_from       timestamptz,
    valid_to         timestamptz,
    set_by           name,
    closed_by        name,
    CHECK (valid_to IS NULL OR valid_to OPERATOR(pg_catalog.>=) valid_from)
);
CREATE UNIQUE INDEX model_aliases_current_idx
    ON mlops.model_aliases (model_id, alias) WHERE valid_to IS NULL;
CREATE INDEX model_aliases_history_idx ON mlops.model_aliases (model_id, alias, valid_from);
COMMENT ON TABLE mlops.model_aliases IS 'aliases with history: a row per assignment, valid from valid_from until valid_to (NULL = current)';

CREATE TABLE mlops.audit_log (
    -- BY DEFAULT: the registry inserts rows under pending ids and sets each
    -- one's id from audit_log_id_seq at commit (src/audit/audit.c), an UPDATE
    -- that ALWAYS refuses; only the registry and superusers insert rows
    id        bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    at        timestamptz NOT NULL,
    actor     name NOT NULL,
    action    text NOT NULL,
    entity    text NOT NULL,
    detail    jsonb NOT NULL DEFAULT '{}',
    prev_hash text,
    hash      text NOT NULL UNIQUE
);
COMMENT ON TABLE mlops.audit_log IS 'append-only, SHA-256 hash-chained log of every registry change; actor is session_user';

CREATE TABLE mlops.audit_chain_head (
    id int PRIMARY KEY CHECK (id = 1)
);
COMMENT ON TABLE mlops.audit_chain_head IS 'the audit chain''s head lock: one row, locked by each transaction while it chains its audit rows at commit';
INSERT INTO mlops.audit_chain_head (id) VALUES (1);

-- ------------------------------------------------------------ defaults

INSERT INTO mlops.stages (name, exclusive, description, builtin) VALUES
    ('none',       false, 'newly registered, not in use', true),
    ('staging',    false, 'under evaluation', true),
    ('production', true,  'serving; one version per model', true),
    ('archived',   false, 'retired', true);
INSERT INTO mlops.stage_transitions (from_stage, to_stage, builtin) VALUES
    ('none', 'staging', true), ('none', 'archived', true),
    ('staging', 'production', true), ('staging', 'archived', true), ('staging', 'none', true),
    ('production', 'archived', true), ('production', 'staging', true),
    ('archived', 'staging', true), ('archived', 'production', true);

-- --------------------------------------------------- triggers (C, registry.c)

CREATE FUNCTION mlops._models_guard() RETURNS trigger
    AS 'MODULE_PATHNAME', 'mlops_models_guard' LANGUAGE C;
COMMENT ON FUNCTION mlops._models_guard() IS 'internal trigger: fills and protects models rows, audits registrations';
CREATE FUNCTION mlops._model_versions_guard() RETURNS trigger
    AS 'MODULE_PATHNAME', 'mlops_model_versions_guard' LANGUAGE C;
COMMENT ON FUNCTION mlops._model_versions_guard() IS 'internal trigger: version numbering, the stage machine, approvals, gates, exclusive stages';
CREATE FUNCTION mlops._requests_guard() RETURNS trigger
    AS 'MODULE_PATHNAME', 'mlops_requests_guard' LANGUAGE C;
COMMENT ON FUNCTION mlops._requests_guard() IS 'internal trigger: validates and audits transition requests';
CREATE FUNCTION mlops._approvals_guard() RETURNS trigger
    AS 'MODULE_PATHNAME', 'mlops_approvals_guard' LANGUAGE C;
COMMENT ON FUNCTION mlops._approvals_guard() IS 'internal trigger: approver membership, self-approval, open requests; audits decisions';
CREATE FUNCTION mlops._aliases_guard() RETURNS trigger
    AS 'MODULE_PATHNAME', 'mlops_aliases_guard' LANGUAGE C;
COMMENT ON FUNCTION mlops._aliases_guard() IS 'internal trigger: alias history (a DELETE closes the current assignment), audit and NOTIFY';
CREATE FUNCTION mlops._config_guard() RETURNS trigger
    AS 'MODULE_PATHNAME', 'mlops_config_guard' LANGUAGE C;
COMMENT ON FUNCTION mlops._config_guard() IS 'internal trigger: validates and audits stages, stage transitions and policies';
CREATE FUNCTION mlops._audit_guard() RETURNS trigger
    AS 'MODULE_PATHNAME', 'mlops_audit_guard' LANGUAGE C;
COMMENT ON FUNCTION mlops._audit_guard() IS 'internal trigger: audit_log is append-only for every role but a superuser';

CREATE TRIGGER models_guard BEFORE INSERT OR UPDATE ON mlops.models
    FOR EACH ROW EXECUTE FUNCTION mlops._models_guard();
CREATE TRIGGER model_versions_guard BEFORE INSERT OR UPDATE OR DELETE ON mlops.model_versions
    FOR EACH ROW EXECUTE FUNCTION mlops._model_versions_guard();
CREATE TRIGGER transition_requests_guard BEFORE INSERT OR UPDATE OR DELETE ON mlops.transition_requests
    FOR EACH ROW EXECUTE FUNCTION mlops._requests_guard();
CREATE TRIGGER approvals_guard BEFORE INSERT OR UPDATE OR DELETE ON mlops.approvals
    FOR EACH ROW EXECUTE FUNCTION mlops._approvals_guard();
CREATE TRIGGER model_aliases_guard BEFORE INSERT OR UPDATE OR DELETE ON mlops.model_aliases
    FOR EACH ROW EXECUTE FUNCTION mlops._aliases_guard();
CREATE TRIGGER stages_guard BEFORE INSERT OR UPDATE OR DELETE ON mlops.stages
    FOR EACH ROW EXECUTE FUNCTION mlops._config_guard('stage');
CREATE TRIGGER stage_transitions_guard BEFORE INSERT OR UPDATE OR DELETE ON mlops.stage_transitions
    FOR EACH ROW EXECUTE FUNCTION mlops._config_guard('stage_transition');
CREATE TRIGGER policies_guard BEFORE INSERT OR UPDATE OR DELETE ON mlops.policies
    FOR EACH ROW EXECUTE FUNCTION mlops._config_guard('policy');
CREATE TRIGGER audit_log_guard BEFORE INSERT OR UPDATE OR DELETE ON mlops.audit_log
    FOR EACH ROW EXECUTE FUNCTION mlops._audit_guard();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON mlops.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION mlops._audit_guard();
CREATE TRIGGER stage_history_no_truncate BEFORE TRUNCATE ON mlops.stage_history
    FOR EACH STATEMENT EXECUTE FUNCTION mlops._audit_guard();

COMMENT ON TRIGGER models_guard ON mlops.models IS 'fills created_by/at; only the description of a model may change (audited)';
COMMENT ON TRIGGER model_versions_guard ON mlops.model_versions IS 'version numbers, immutable artifact_uri, audited descriptions, the stage machine, policies, approvals, gates, exclusive stages, history, audit, NOTIFY';
COMMENT ON TRIGGER transition_requests_guard ON mlops.transition_requests IS 'validates and audits transition requests; no direct changes';
COMMENT ON TRIGGER approvals_guard ON mlops.approvals IS 'open request, approver role, no self-approval, one decision per login (session_user); audit';
COMMENT ON TRIGGER model_aliases_guard ON mlops.model_aliases IS 'alias history: a new assignment or a DELETE closes the current one; audit, NOTIFY';
COMMENT ON TRIGGER stages_guard ON mlops.stages IS 'built-in stages stay, no renames; audit';
COMMENT ON TRIGGER stage_transitions_guard ON mlops.stage_transitions IS 'built-in moves stay; audit';
COMMENT ON TRIGGER policies_guard ON mlops.policies IS 'min_approvals >= 1, gates validated; audit with before/after';
COMMENT ON TRIGGER audit_log_guard ON mlops.audit_log IS 'rows come from the registry only; UPDATE and DELETE for superusers only';
COMMENT ON TRIGGER audit_log_no_truncate ON mlops.audit_log IS 'TRUNCATE for superusers only';
COMMENT ON TRIGGER stage_history_no_truncate ON mlops.stage_history IS 'TRUNCATE for superusers only';
COMMENT ON INDEX mlops.transition_requests_open_idx IS 'one open request per version and target stage';
COMMENT ON INDEX mlops.model_aliases_current_idx IS 'one current assignment per alias';

-- ----------------------------------------------------------- C helpers

CREATE FUNCTION mlops._prepare_transition(version_id bigint, comment text) RETURNS void
    AS 'MODULE_PATHNAME', 'mlops_prepare_transition' LANGUAGE C;
REVOKE ALL ON FUNCTION mlops._prepare_transition(bigint, text) FROM PUBLIC;
COMMENT ON FUNCTION mlops._prepare_transition(bigint, text) IS 'internal: lock the model of a version and note the comment of the coming transition';

CREATE FUNCTION mlops.verify_audit_chain() RETURNS bigint
    AS 'MODULE_PATHNAME', 'mlops_verify_audit_chain' LANGUAGE C STABLE;
COMMENT ON FUNCTION mlops.verify_audit_chain() IS 'id of the first audit_log row whose hash or link to its predecessor is wrong, or NULL when the chain is intact';

-- Anchors against tail truncation: verify_audit_chain() checks that every row
-- links to its predecessor, which a superuser who deletes the newest rows (or
-- rewrites and re-chains rows) does not break. A DBA therefore stores the
-- chain's head outside the database from time to time, e.g. from cron:
--   psql -XAt -c "SELECT id || ' ' || hash FROM mlops.audit_head()" >> anchors.log
-- shipped to append-only storage (WORM bucket, another host, a ticket), and
-- later checks the chain against a stored anchor:
--   SELECT mlops.verify_audit_chain(<id>, '<hash>');
-- which is NULL only when the row with that id is still reached by the intact
-- chain and still has that hash.
CREATE FUNCTION mlops.audit_head(OUT id bigint, OUT hash text) RETURNS record
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    BEGIN ATOMIC
        SELECT a.id, a.hash FROM mlops.audit_log a
         WHERE a.id OPERATOR(pg_catalog.>) 0 ORDER BY a.id DESC LIMIT 1;
    END;
COMMENT ON FUNCTION mlops.audit_head() IS 'id and hash of the newest audit_log row: an anchor to store outside the database';

CREATE FUNCTION mlops.verify_audit_chain(expected_head_id bigint, expected_head_hash text) RETURNS bigint
    AS 'MODULE_PATHNAME', 'mlops_verify_audit_chain_anchor' LANGUAGE C STABLE;
COMMENT ON FUNCTION mlops.verify_audit_chain(bigint, text) IS 'as verify_audit_chain(), and the anchor''s id when the chain no longer reaches that row with that hash (rows removed or rewritten up to a stored anchor)';

CREATE FUNCTION mlops.audit_row_hash(id bigint, at timestamptz, actor name, action text, entity text,
                                     detail jsonb, prev_hash text) RETURNS text
    AS 'MODULE_PATHNAME', 'mlops_audit_row_hash' LANGUAGE C IMMUTABLE;
COMMENT ON FUNCTION mlops.audit_row_hash(bigint, timestamptz, name, text, text, jsonb, text) IS 'SHA-256 (hex) of the canonical serialization of an audit_log row, as chained by the registry';

-- ---------------------------------------------------- SQL-level functions

-- The id of a model by name, or an error naming it.
CREATE FUNCTION mlops._model_id(model text) RETURNS bigint
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    mid bigint;
BEGIN
    IF model IS NULL THEN
        RAISE EXCEPTION 'a model name must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT m.id INTO mid FROM mlops.models m WHERE m.name OPERATOR(pg_catalog.=) model;
    IF mid IS NULL THEN
        RAISE EXCEPTION 'model "%" does not exist', model
            USING ERRCODE = 'undefined_object', HINT = 'Register it with mlops.register_model().';
    END IF;
    RETURN mid;
END
$fn$;
COMMENT ON FUNCTION mlops._model_id(text) IS 'internal: id of the named model, or an error';

-- The id of a model version, or an error naming it.
CREATE FUNCTION mlops._version_id(model text, version integer) RETURNS bigint
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    vid bigint;
BEGIN
    SELECT v.id INTO vid FROM mlops.models m
      JOIN mlops.model_versions v ON v.model_id OPERATOR(pg_catalog.=) m.id
     WHERE m.name OPERATOR(pg_catalog.=) model
       AND v.version OPERATOR(pg_catalog.=) _version_id.version;
    IF vid IS NULL THEN
        PERFORM mlops._model_id(model);  -- names a missing model first
        RAISE EXCEPTION 'version % of model "%" does not exist', version, model
            USING ERRCODE = 'undefined_object', HINT = 'Create it with mlops.create_model_version().';
    END IF;
    RETURN vid;
END
$fn$;
COMMENT ON FUNCTION mlops._version_id(text, integer) IS 'internal: id of a model version, or an error';

-- An error unless the stage exists.
CREATE FUNCTION mlops._check_stage(stage text) RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM mlops.stages s WHERE s.name OPERATOR(pg_catalog.=) stage) THEN
        RAISE EXCEPTION 'stage "%" does not exist', stage
            USING ERRCODE = 'undefined_object', HINT = 'The stages are listed in mlops.stages.';
    END IF;
END
$fn$;
COMMENT ON FUNCTION mlops._check_stage(text) IS 'internal: error unless the stage exists';

CREATE FUNCTION mlops.register_model(name text, description text DEFAULT NULL) RETURNS bigint
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    mid bigint;
BEGIN
    IF EXISTS (SELECT 1 FROM mlops.models m WHERE m.name OPERATOR(pg_catalog.=) register_model.name) THEN
        RAISE EXCEPTION 'model "%" already exists', name
            USING ERRCODE = 'unique_violation';
    END IF;
    INSERT INTO mlops.models (name, description) VALUES (name, description) RETURNING id INTO mid;
    RETURN mid;
END
$fn$;
COMMENT ON FUNCTION mlops.register_model(text, text) IS 'register a model; returns its id';

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

CREATE FUNCTION mlops.request_transition(model text, version integer, to_stage text,
                                         comment text DEFAULT NULL) RETURNS bigint
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    vid bigint := mlops._version_id(model, version);
    rid bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM mlops.stages s WHERE s.name OPERATOR(pg_catalog.=) to_stage) THEN
        RAISE EXCEPTION 'stage "%" does not exist', to_stage
            USING ERRCODE = 'undefined_object', HINT = 'The stages are listed in mlops.stages.';
    END IF;
    INSERT INTO mlops.transition_requests (model_version_id, to_stage, comment)
    VALUES (vid, to_stage, comment)
    RETURNING id INTO rid;
    RETURN rid;
END
$fn$;
COMMENT ON FUNCTION mlops.request_transition(text, integer, text, text) IS 'ask for a stage transition of a model version; returns the request id';

-- An approver needs INSERT on mlops.approvals (granted to mlops_approver);
-- without it, say which role is missing rather than "permission denied for
-- table approvals".
CREATE FUNCTION mlops._decide(request bigint, decision text, comment text) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF NOT pg_catalog.has_table_privilege('mlops.approvals', 'INSERT') THEN
        RAISE EXCEPTION 'role "%" cannot % transition request %: it is not a member of role "mlops_approver"',
                        current_user, decision, request
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'An administrator grants it with: GRANT mlops_approver TO ' || pg_catalog.quote_ident(current_user::text) || ';';
    END IF;
    INSERT INTO mlops.approvals (request_id, decision, comment) VALUES (request, decision, comment);
END
$fn$;
COMMENT ON FUNCTION mlops._decide(bigint, text, text) IS 'internal: record an approval or rejection, or name the role the caller lacks';

CREATE FUNCTION mlops.approve(request bigint, comment text DEFAULT NULL) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    PERFORM mlops._decide(request, 'approve', comment);
END
$fn$;
COMMENT ON FUNCTION mlops.approve(bigint, text) IS 'approve a transition request as the current role';

CREATE FUNCTION mlops.reject(request bigint, comment text DEFAULT NULL) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    PERFORM mlops._decide(request, 'reject', comment);
END
$fn$;
COMMENT ON FUNCTION mlops.reject(bigint, text) IS 'reject (close) a transition request as the current role';

CREATE FUNCTION mlops.transition(model text, version integer, to_stage text,
                                 comment text DEFAULT NULL) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    vid bigint := mlops._version_id(model, version);
    cur text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM mlops.stages s WHERE s.name OPERATOR(pg_catalog.=) to_stage) THEN
        RAISE EXCEPTION 'stage "%" does not exist', to_stage
            USING ERRCODE = 'undefined_object', HINT = 'The stages are listed in mlops.stages.';
    END IF;
    PERFORM mlops._prepare_transition(vid, comment);
    SELECT v.stage INTO cur FROM mlops.model_versions v WHERE v.id OPERATOR(pg_catalog.=) vid;
    IF cur OPERATOR(pg_catalog.=) to_stage THEN
        RAISE EXCEPTION 'version % of model "%" is already in stage "%"', version, model, to_stage
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    UPDATE mlops.model_versions SET stage = to_stage WHERE id OPERATOR(pg_catalog.=) vid;
END
$fn$;
COMMENT ON FUNCTION mlops.transition(text, integer, text, text) IS 'move a model version to a stage; the registry triggers enforce the state machine, approvals and gates';

CREATE FUNCTION mlops.set_policy(model text, to_stage text, min_approvals integer DEFAULT 1,
                                 approver_role regrole DEFAULT 'mlops_approver'::text::regrole,
                                 allow_self_approval boolean DEFAULT false,
                                 gates jsonb DEFAULT '[]') RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    mid bigint;
BEGIN
    IF model IS DISTINCT FROM '*' THEN
        mid := mlops._model_id(model);
    END IF;
    PERFORM mlops._check_stage(to_stage);
    UPDATE mlops.policies p
       SET min_approvals = set_policy.min_approvals, approver_role = set_policy.approver_role,
           allow_self_approval = set_policy.allow_self_approval, gates = set_policy.gates
     WHERE (p.model_id OPERATOR(pg_catalog.=) mid OR (p.model_id IS NULL AND mid IS NULL)) AND p.to_stage OPERATOR(pg_catalog.=) set_policy.to_stage;
    IF NOT FOUND THEN
        INSERT INTO mlops.policies (model_id, to_stage, min_approvals, approver_role, allow_self_approval, gates)
        VALUES (mid, to_stage, min_approvals, approver_role, allow_self_approval, gates);
    END IF;
END
$fn$;
COMMENT ON FUNCTION mlops.set_policy(text, text, integer, regrole, boolean, jsonb) IS 'create or replace the approval policy for a model (or ''*'') and target stage';

CREATE FUNCTION mlops.set_alias(model text, alias text, version integer) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    INSERT INTO mlops.model_aliases (model_id, alias, model_version_id)
    VALUES (mlops._model_id(model), alias, mlops._version_id(model, version));
END
$fn$;
COMMENT ON FUNCTION mlops.set_alias(text, text, integer) IS 'point an alias of a model at a version (the previous assignment is kept in history)';

CREATE FUNCTION mlops.delete_alias(model text, alias text) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    mid bigint := mlops._model_id(model);
BEGIN
    IF NOT EXISTS (SELECT 1 FROM mlops.model_aliases a
                    WHERE a.model_id OPERATOR(pg_catalog.=) mid
                      AND a.alias OPERATOR(pg_catalog.=) delete_alias.alias AND a.valid_to IS NULL) THEN
        RAISE EXCEPTION 'alias "%" of model "%" does not exist', alias, model
            USING ERRCODE = 'undefined_object';
    END IF;
    -- the trigger turns the DELETE into closing the current assignment
    DELETE FROM mlops.model_aliases a
     WHERE a.model_id OPERATOR(pg_catalog.=) mid
       AND a.alias OPERATOR(pg_catalog.=) delete_alias.alias AND a.valid_to IS NULL;
END
$fn$;
COMMENT ON FUNCTION mlops.delete_alias(text, text) IS 'remove an alias from now on (its history stays)';

-- Changes are stamped with the clock when they are made under the model's
-- lock (not the transaction's start), so "as of now()" means "as of this
-- moment": an as_of at or after the transaction's start is read at the
-- current clock, which sees the transaction's own changes and every change
-- its snapshot sees. A change becomes visible at commit, slightly after its
-- stamp; a reader asking about that window gets the new state a moment early.
CREATE FUNCTION mlops._as_of(as_of timestamptz) RETURNS timestamptz
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
    RETURN CASE WHEN as_of OPERATOR(pg_catalog.>=) pg_catalog.now()
                THEN GREATEST(as_of, pg_catalog.clock_timestamp()) ELSE as_of END;
COMMENT ON FUNCTION mlops._as_of(timestamptz) IS 'internal: the time an as_of argument is read at (now() and later: the current clock)';

CREATE FUNCTION mlops.model_version_by_alias(model text, alias text,
                                             as_of timestamptz DEFAULT pg_catalog.now()) RETURNS integer
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    BEGIN ATOMIC
        SELECT v.version
          FROM mlops.model_aliases a
          JOIN mlops.model_versions v ON v.id OPERATOR(pg_catalog.=) a.model_version_id
         CROSS JOIN mlops._as_of(as_of) t(at)
         WHERE a.model_id OPERATOR(pg_catalog.=) mlops._model_id(model)
           AND a.alias OPERATOR(pg_catalog.=) model_version_by_alias.alias
           AND a.valid_from OPERATOR(pg_catalog.<=) t.at
           AND (a.valid_to IS NULL OR a.valid_to OPERATOR(pg_catalog.>) t.at)
         ORDER BY a.valid_from DESC, a.id DESC
         LIMIT 1;
    END;
COMMENT ON FUNCTION mlops.model_version_by_alias(text, text, timestamptz) IS 'the version an alias pointed at, at time as_of (default now), or NULL';

CREATE FUNCTION mlops.production_version(model text, as_of timestamptz DEFAULT pg_catalog.now()) RETURNS integer
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    BEGIN ATOMIC
        SELECT v.version
          FROM mlops.stage_history h
          JOIN mlops.model_versions v ON v.id OPERATOR(pg_catalog.=) h.model_version_id
         CROSS JOIN mlops._as_of(as_of) t(at)
         WHERE h.model_id OPERATOR(pg_catalog.=) mlops._model_id(model)
           AND h.stage OPERATOR(pg_catalog.=) 'production'
           AND h.valid_from OPERATOR(pg_catalog.<=) t.at
           AND (h.valid_to IS NULL OR h.valid_to OPERATOR(pg_catalog.>) t.at)
         ORDER BY h.valid_from DESC, h.id DESC
         LIMIT 1;
    END;
COMMENT ON FUNCTION mlops.production_version(text, timestamptz) IS 'the version of a model that was in production at time as_of (default now), or NULL';

-- ------------------------------------------------------ dump and grants

SELECT pg_catalog.pg_extension_config_dump('mlops.stages', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('mlops.stage_transitions', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('mlops.models', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.model_versions', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.stage_history', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.transition_requests', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.approvals', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.policies', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.model_aliases', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.audit_log', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.stages_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.stage_transitions_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.models_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.model_versions_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.stage_history_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.transition_requests_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.approvals_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.policies_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.model_aliases_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.audit_log_id_seq', '');

INSERT INTO mlops.role_grants (role_name, privileges, object_kind, object_name) VALUES
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.stages'),
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.stage_transitions'),
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.models'),
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.model_versions'),
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.stage_history'),
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.transition_requests'),
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.approvals'),
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.policies'),
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.model_aliases'),
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.audit_log'),
    ('mlops_reader', 'SELECT', 'SEQUENCE', 'mlops.stages_id_seq'),
    ('mlops_reader', 'SELECT', 'SEQUENCE', 'mlops.stage_transitions_id_seq'),
    ('mlops_reader', 'SELECT', 'SEQUENCE', 'mlops.models_id_seq'),
    ('mlops_reader', 'SELECT', 'SEQUENCE', 'mlops.model_versions_id_seq'),
    ('mlops_reader', 'SELECT', 'SEQUENCE', 'mlops.stage_history_id_seq'),
    ('mlops_reader', 'SELECT', 'SEQUENCE', 'mlops.transition_requests_id_seq'),
    ('mlops_reader', 'SELECT', 'SEQUENCE', 'mlops.approvals_id_seq'),
    ('mlops_reader', 'SELECT', 'SEQUENCE', 'mlops.policies_id_seq'),
    ('mlops_reader', 'SELECT', 'SEQUENCE', 'mlops.model_aliases_id_seq'),
    ('mlops_reader', 'SELECT', 'SEQUENCE', 'mlops.audit_log_id_seq'),
    ('mlops_writer', 'INSERT, UPDATE', 'TABLE', 'mlops.models'),
    ('mlops_writer', 'INSERT, UPDATE', 'TABLE', 'mlops.model_versions'),
    ('mlops_writer', 'INSERT', 'TABLE', 'mlops.transition_requests'),
    ('mlops_writer', 'INSERT, DELETE', 'TABLE', 'mlops.model_aliases'),
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops._prepare_transition(bigint, text)'),
    ('mlops_approver', 'INSERT', 'TABLE', 'mlops.approvals'),
    ('mlops_admin', 'INSERT, UPDATE, DELETE', 'TABLE', 'mlops.stages'),
    ('mlops_admin', 'INSERT, UPDATE, DELETE', 'TABLE', 'mlops.stage_transitions'),
    ('mlops_admin', 'INSERT, UPDATE, DELETE', 'TABLE', 'mlops.policies'),
    ('mlops_admin', 'DELETE', 'TABLE', 'mlops.model_versions');
