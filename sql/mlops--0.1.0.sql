-- mlops 0.1.0 install script: released, frozen (later versions change it through upgrade scripts)
\echo Use "CREATE EXTENSION mlops" to load this file. \quit

-- ---- sql/mlops/00_schema.sql
-- Schema, module functions and the settings view.
-- Rules (DESIGN.md): qualify everything, no CREATE OR REPLACE / IF NOT EXISTS,
-- SQL and plpgsql functions pin search_path.

-- A schema named mlops that is not ours must make the install fail, untouched.
DO $squat$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_namespace
               WHERE nspname OPERATOR(pg_catalog.=) 'mlops') THEN
        RAISE EXCEPTION 'schema "mlops" already exists and does not belong to extension mlops'
            USING ERRCODE = 'duplicate_schema',
                  HINT = 'Rename or drop the existing schema "mlops", then run CREATE EXTENSION mlops again.';
    END IF;
END
$squat$;

CREATE SCHEMA mlops;
COMMENT ON SCHEMA mlops IS 'mlops: experiment tracking, model registry, lineage, drift statistics and retraining';
REVOKE ALL ON SCHEMA mlops FROM PUBLIC;

CREATE FUNCTION mlops.version() RETURNS text
    AS 'MODULE_PATHNAME', 'mlops_version'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.version() IS 'version of the loaded mlops C library';

CREATE FUNCTION mlops.is_preloaded() RETURNS boolean
    AS 'MODULE_PATHNAME', 'mlops_is_preloaded'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.is_preloaded() IS 'whether mlops was loaded through shared_preload_libraries (needed by the scheduler)';

-- Every mlops.* setting, and whether it has any effect in this server.
CREATE VIEW mlops.settings AS
SELECT s.name,
       s.setting,
       s.unit,
       s.context,
       s.short_desc AS description,
       CASE WHEN mlops.is_preloaded() THEN 'active'
            ELSE 'inactive: the scheduler needs shared_preload_libraries = ''mlops'''
       END AS status
  FROM pg_catalog.pg_settings s
 WHERE s.name OPERATOR(pg_catalog.~~) 'mlops.%'
   -- evaluated before the scan: loads the library, so its settings exist
   AND mlops.is_preloaded() IS NOT NULL;
COMMENT ON VIEW mlops.settings IS 'the mlops.* server settings; status says whether the scheduler that reads them can run';

-- ---- sql/mlops/10_roles.sql
-- Roles (API.md -> Roles). The group roles are cluster-wide, so they are not
-- created by CREATE EXTENSION: mlops.create_roles() creates them, and the
-- privileges each one gets are data in mlops.role_grants, which every concern's
-- script fills for its own objects. CREATE EXTENSION applies the grants too
-- when the roles already exist (a second database in the same cluster).

CREATE TABLE mlops.role_grants (
    id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    role_name   name NOT NULL CHECK (role_name OPERATOR(pg_catalog.=) ANY
                    (ARRAY['mlops_reader', 'mlops_writer', 'mlops_approver', 'mlops_admin']::name[])),
    privileges  text NOT NULL CHECK (privileges OPERATOR(pg_catalog.~) '^[A-Z, ]+$'),
    object_kind text NOT NULL CHECK (object_kind OPERATOR(pg_catalog.=) ANY
                    (ARRAY['SCHEMA', 'TABLE', 'SEQUENCE', 'FUNCTION'])),
    object_name text NOT NULL,
    UNIQUE (role_name, object_kind, object_name)
);
COMMENT ON TABLE mlops.role_grants IS 'privileges mlops.create_roles() grants to each mlops_* role; filled by the extension script';
REVOKE ALL ON mlops.role_grants FROM PUBLIC;

-- Apply mlops.role_grants for every role that exists.
CREATE FUNCTION mlops._apply_grants() RETURNS integer
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    g record;
    target text;
    n integer := 0;
BEGIN
    FOR g IN SELECT rg.role_name, rg.privileges, rg.object_kind, rg.object_name
               FROM mlops.role_grants rg
               JOIN pg_catalog.pg_roles r ON r.rolname OPERATOR(pg_catalog.=) rg.role_name
              ORDER BY rg.id
    LOOP
        -- Resolve the name through the catalogs so only real objects are granted.
        target := CASE
            WHEN g.object_kind OPERATOR(pg_catalog.=) 'SCHEMA'
                THEN pg_catalog.quote_ident(g.object_name::regnamespace::text)
            WHEN g.object_kind OPERATOR(pg_catalog.=) 'FUNCTION'
                THEN g.object_name::regprocedure::text
            ELSE g.object_name::regclass::text
        END;
        EXECUTE pg_catalog.format('GRANT %s ON %s %s TO %I',
                                  g.privileges, g.object_kind, target, g.role_name);
        n := n OPERATOR(pg_catalog.+) 1;
    END LOOP;
    RETURN n;
END
$fn$;
REVOKE ALL ON FUNCTION mlops._apply_grants() FROM PUBLIC;
COMMENT ON FUNCTION mlops._apply_grants() IS 'internal: grant mlops.role_grants to the mlops_* roles that exist';

-- Grant role "member" membership in "grp" unless it already has it.
CREATE FUNCTION mlops._grant_membership(grp_role name, member_role name) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_auth_members m
                    WHERE m.roleid OPERATOR(pg_catalog.=) grp_role::regrole
                      AND m.member OPERATOR(pg_catalog.=) member_role::regrole) THEN
        EXECUTE pg_catalog.format('GRANT %I TO %I', grp_role, member_role);
    END IF;
END
$fn$;
REVOKE ALL ON FUNCTION mlops._grant_membership(name, name) FROM PUBLIC;
COMMENT ON FUNCTION mlops._grant_membership(name, name) IS 'internal: idempotent GRANT grp_role TO member_role';

CREATE FUNCTION mlops.create_roles() RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    r name;
BEGIN
    -- Serialise concurrent callers: the second one sees the first one's roles.
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('mlops.create_roles'));
    FOREACH r IN ARRAY ARRAY['mlops_reader', 'mlops_writer', 'mlops_approver', 'mlops_admin']::name[]
    LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) r) THEN
            EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r);
        END IF;
    END LOOP;
    PERFORM mlops._grant_membership('mlops_reader', 'mlops_writer');
    PERFORM mlops._grant_membership('mlops_reader', 'mlops_approver');
    PERFORM mlops._grant_membership('mlops_writer', 'mlops_admin');
    PERFORM mlops._grant_membership('mlops_approver', 'mlops_admin');
    PERFORM mlops._apply_grants();
END
$fn$;
REVOKE ALL ON FUNCTION mlops.create_roles() FROM PUBLIC;
COMMENT ON FUNCTION mlops.create_roles() IS 'create the NOLOGIN roles mlops_reader, mlops_writer, mlops_approver, mlops_admin (if missing) and grant their privileges';

INSERT INTO mlops.role_grants (role_name, privileges, object_kind, object_name) VALUES
    ('mlops_reader', 'USAGE',   'SCHEMA',   'mlops'),
    ('mlops_reader', 'SELECT',  'TABLE',    'mlops.role_grants'),
    ('mlops_reader', 'SELECT',  'TABLE',    'mlops.settings');

-- ---- sql/mlops/20_tracking.sql
-- Tracking (API.md -> Tracking): experiments, runs, params, tags, metrics,
-- latest_metrics, artifacts and run inputs. Rules live in 21_tracking_rules.sql,
-- functions in 22_tracking_api.sql, search in 23_tracking_search.sql, views
-- in 24_tracking_views.sql.
--
-- Limits (named CHECK constraints; the functions check them first and raise
-- 22001 with a message naming the run and key):
--   experiment name 1..500 characters, run name <= 250, param/tag/metric key
--   1..250, param/tag value <= 8000 (MLflow's limits), artifact path 1..1024,
--   artifact uri 1..2048, dataset name 1..250, input context 1..100.

CREATE TABLE mlops.experiments (
    id          bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    name        text NOT NULL UNIQUE
                CONSTRAINT experiments_name_length CHECK (pg_catalog.char_length(name) OPERATOR(pg_catalog.<=) 500
                                                          AND name OPERATOR(pg_catalog.<>) ''),
    tags        jsonb NOT NULL DEFAULT '{}'
                CONSTRAINT experiments_tags_object CHECK (pg_catalog.jsonb_typeof(tags) OPERATOR(pg_catalog.=) 'object'),
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by  name NOT NULL DEFAULT SESSION_USER
);
COMMENT ON TABLE mlops.experiments IS 'experiments: named groups of runs (names unique, 1..500 characters)';

CREATE TABLE mlops.runs (
    id             uuid PRIMARY KEY DEFAULT pg_catalog.gen_random_uuid(),
    experiment_id  bigint NOT NULL REFERENCES mlops.experiments (id),
    name           text CONSTRAINT runs_name_length CHECK (pg_catalog.char_length(name) OPERATOR(pg_catalog.<=) 250),
    status         text NOT NULL DEFAULT 'RUNNING'
                   CHECK (status OPERATOR(pg_catalog.=) ANY
                          (ARRAY['SCHEDULED', 'RUNNING', 'FINISHED', 'FAILED', 'KILLED'])),
    start_time     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    end_time       timestamptz,
    created_by     name NOT NULL DEFAULT SESSION_USER,
    parent_run_id  uuid REFERENCES mlops.runs (id)
);
CREATE INDEX runs_experiment_start_idx ON mlops.runs (experiment_id, start_time);
CREATE INDEX runs_experiment_name_idx ON mlops.runs (experiment_id, name);
CREATE INDEX runs_parent_idx ON mlops.runs (parent_run_id) WHERE parent_run_id IS NOT NULL;
COMMENT ON TABLE mlops.runs IS 'runs: one training or evaluation execution; status SCHEDULED, RUNNING, FINISHED, FAILED or KILLED';

CREATE TABLE mlops.params (
    id      bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    run_id  uuid NOT NULL REFERENCES mlops.runs (id) ON DELETE CASCADE,
    key     text NOT NULL CONSTRAINT params_key_length
            CHECK (pg_catalog.char_length(key) OPERATOR(pg_catalog.<=) 250 AND key OPERATOR(pg_catalog.<>) ''),
    value   text NOT NULL CONSTRAINT params_value_length
            CHECK (pg_catalog.char_length(value) OPERATOR(pg_catalog.<=) 8000),
    UNIQUE (run_id, key)
);
CREATE INDEX params_key_value_idx ON mlops.params (key, value);
COMMENT ON TABLE mlops.params IS 'run parameters; immutable once set (key 1..250 characters, value <= 8000)';

CREATE TABLE mlops.tags (
    id      bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    run_id  uuid NOT NULL REFERENCES mlops.runs (id) ON DELETE CASCADE,
    key     text NOT NULL CONSTRAINT tags_key_length
            CHECK (pg_catalog.char_length(key) OPERATOR(pg_catalog.<=) 250 AND key OPERATOR(pg_catalog.<>) ''),
    value   text NOT NULL CONSTRAINT tags_value_length
            CHECK (pg_catalog.char_length(value) OPERATOR(pg_catalog.<=) 8000),
    UNIQUE (run_id, key)
);
CREATE INDEX tags_key_value_idx ON mlops.tags (key, value);
COMMENT ON TABLE mlops.tags IS 'run tags; may be overwritten while the run is open (key 1..250 characters, value <= 8000)';

CREATE TABLE mlops.metrics (
    id      bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    run_id  uuid NOT NULL REFERENCES mlops.runs (id) ON DELETE CASCADE,
    key     text NOT NULL CONSTRAINT metrics_key_length
            CHECK (pg_catalog.char_length(key) OPERATOR(pg_catalog.<=) 250 AND key OPERATOR(pg_catalog.<>) ''),
    step    bigint NOT NULL DEFAULT 0,
    ts      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    value   double precision NOT NULL
);
CREATE INDEX metrics_run_key_step_idx ON mlops.metrics (run_id, key, step);
COMMENT ON TABLE mlops.metrics IS 'metric history: every logged point (append-only; NaN and +-Infinity kept as given)';

CREATE TABLE mlops.latest_metrics (
    id      bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    run_id  uuid NOT NULL REFERENCES mlops.runs (id) ON DELETE CASCADE,
    key     text NOT NULL,
    step    bigint NOT NULL,
    ts      timestamptz NOT NULL,
    value   double precision NOT NULL,
    UNIQUE (run_id, key)
);
COMMENT ON TABLE mlops.latest_metrics IS 'the latest value per (run, key): highest step, then latest ts; maintained by a trigger on mlops.metrics';

CREATE TABLE mlops.artifacts (
    id          bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    run_id      uuid NOT NULL REFERENCES mlops.runs (id) ON DELETE CASCADE,
    path        text NOT NULL CONSTRAINT artifacts_path_length
                CHECK (pg_catalog.char_length(path) OPERATOR(pg_catalog.<=) 1024 AND path OPERATOR(pg_catalog.<>) ''),
    uri         text NOT NULL CONSTRAINT artifacts_uri_length
                CHECK (pg_catalog.char_length(uri) OPERATOR(pg_catalog.<=) 2048 AND uri OPERATOR(pg_catalog.<>) ''),
    sha256      text CONSTRAINT artifacts_sha256_hex CHECK (sha256 OPERATOR(pg_catalog.~) '^[0-9a-f]{64}$'),
    size_bytes  bigint CONSTRAINT artifacts_size_nonnegative CHECK (size_bytes OPERATOR(pg_catalog.>=) 0),
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by  name NOT NULL DEFAULT SESSION_USER,
    UNIQUE (run_id, path)
);
COMMENT ON TABLE mlops.artifacts IS 'artifact references of a run (the bytes live elsewhere, at uri); one row per path';

CREATE TABLE mlops.run_inputs (
    id          bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    run_id      uuid NOT NULL REFERENCES mlops.runs (id) ON DELETE CASCADE,
    dataset     text NOT NULL CONSTRAINT run_inputs_dataset_length
                CHECK (pg_catalog.char_length(dataset) OPERATOR(pg_catalog.<=) 250 AND dataset OPERATOR(pg_catalog.<>) ''),
    version     integer NOT NULL CONSTRAINT run_inputs_version_positive CHECK (version OPERATOR(pg_catalog.>=) 1),
    context     text NOT NULL DEFAULT 'training' CONSTRAINT run_inputs_context_length
                CHECK (pg_catalog.char_length(context) OPERATOR(pg_catalog.<=) 100 AND context OPERATOR(pg_catalog.<>) ''),
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by  name NOT NULL DEFAULT SESSION_USER,
    UNIQUE (run_id, dataset, version, context)
);
CREATE INDEX run_inputs_dataset_idx ON mlops.run_inputs (dataset, version);
COMMENT ON TABLE mlops.run_inputs IS 'dataset versions a run read (name + version; the foreign key to mlops.dataset_versions and the lineage edge come with the Datasets capability)';

-- The latest value of a run's metric, or NULL (used by registry gates too).
CREATE FUNCTION mlops.run_metric(run uuid, key text) RETURNS double precision
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
    RETURN (SELECT lm.value FROM mlops.latest_metrics lm
             WHERE lm.run_id OPERATOR(pg_catalog.=) run_metric.run
               AND lm.key OPERATOR(pg_catalog.=) run_metric.key);
COMMENT ON FUNCTION mlops.run_metric(uuid, text) IS 'latest value of metric key in a run, or NULL';

SELECT pg_catalog.pg_extension_config_dump('mlops.experiments', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.runs', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.params', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.tags', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.metrics', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.latest_metrics', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.artifacts', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.run_inputs', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.experiments_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.params_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.tags_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.metrics_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.latest_metrics_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.artifacts_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.run_inputs_id_seq', '');

-- Writers write through the functions or directly; latest_metrics is written
-- only by the trigger on mlops.metrics (not SECURITY DEFINER: the C code switches
-- to the tables' owner around its own statements), metrics are append-only.
INSERT INTO mlops.role_grants (role_name, privileges, object_kind, object_name) VALUES
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.experiments'),
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.runs'),
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.params'),
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.tags'),
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.metrics'),
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.latest_metrics'),
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.artifacts'),
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.run_inputs'),
    ('mlops_writer', 'INSERT, UPDATE', 'TABLE', 'mlops.experiments'),
    ('mlops_writer', 'INSERT, UPDATE', 'TABLE', 'mlops.runs'),
    ('mlops_writer', 'INSERT, UPDATE', 'TABLE', 'mlops.params'),
    ('mlops_writer', 'INSERT, UPDATE, DELETE', 'TABLE', 'mlops.tags'),
    ('mlops_writer', 'INSERT', 'TABLE', 'mlops.metrics'),
    ('mlops_writer', 'INSERT', 'TABLE', 'mlops.artifacts'),
    ('mlops_writer', 'INSERT', 'TABLE', 'mlops.run_inputs'),
    ('mlops_writer', 'USAGE', 'SEQUENCE', 'mlops.experiments_id_seq'),
    ('mlops_writer', 'USAGE', 'SEQUENCE', 'mlops.params_id_seq'),
    ('mlops_writer', 'USAGE', 'SEQUENCE', 'mlops.tags_id_seq'),
    ('mlops_writer', 'USAGE', 'SEQUENCE', 'mlops.metrics_id_seq'),
    ('mlops_writer', 'USAGE', 'SEQUENCE', 'mlops.artifacts_id_seq'),
    ('mlops_writer', 'USAGE', 'SEQUENCE', 'mlops.run_inputs_id_seq'),
    ('mlops_reader', 'SELECT', 'SEQUENCE', 'mlops.experiments_id_seq'),
    ('mlops_reader', 'SELECT', 'SEQUENCE', 'mlops.params_id_seq'),
    ('mlops_reader', 'SELECT', 'SEQUENCE', 'mlops.tags_id_seq'),
    ('mlops_reader', 'SELECT', 'SEQUENCE', 'mlops.metrics_id_seq'),
    ('mlops_reader', 'SELECT', 'SEQUENCE', 'mlops.latest_metrics_id_seq'),
    ('mlops_reader', 'SELECT', 'SEQUENCE', 'mlops.artifacts_id_seq'),
    ('mlops_reader', 'SELECT', 'SEQUENCE', 'mlops.run_inputs_id_seq');

-- ---- sql/mlops/21_tracking_rules.sql
-- Tracking rules, enforced by triggers so that they hold for the mlops.*
-- functions and for plain INSERT/UPDATE/DELETE from an ORM or psql alike:
--   * nothing is logged into an unknown or ended run (params, metrics, tags,
--     artifacts, inputs): mlops._run_guard() (C) locks the run FOR SHARE, so
--     end_run() waits for loggers in flight and loggers wait for end_run();
--   * params are immutable (the same value again is a no-op);
--   * run status is validated, end_time is set when a run ends, an ended run
--     stays ended; created_by is session_user whatever the client sends;
--   * latest_metrics follows every insert into metrics (highest step, then
--     latest ts) through mlops._metrics_latest() (C, one upsert per run/key);
--     metrics are append-only.
-- Loading a dump: in a superuser session with row_security = off (what
-- pg_dump and pg_restore scripts set) the triggers keep rows as dumped, so
-- ended runs, their points, created_by and latest_metrics restore unchanged.
-- Triggers do not fire at all with session_replication_role = replica
-- (logical replication).

CREATE FUNCTION mlops._restoring() RETURNS boolean
    AS 'MODULE_PATHNAME', 'mlops_restoring' LANGUAGE C STABLE;
COMMENT ON FUNCTION mlops._restoring() IS 'internal: whether this session loads a dump (superuser session with row_security = off)';

CREATE FUNCTION mlops._run_guard() RETURNS trigger
    AS 'MODULE_PATHNAME', 'mlops_run_guard' LANGUAGE C;
COMMENT ON FUNCTION mlops._run_guard() IS 'internal trigger: refuse rows for unknown or ended runs; locks the run FOR SHARE';

CREATE FUNCTION mlops._run_cache_reset() RETURNS trigger
    AS 'MODULE_PATHNAME', 'mlops_run_cache_reset' LANGUAGE C;
COMMENT ON FUNCTION mlops._run_cache_reset() IS 'internal trigger: forget the backend''s cached open-run check when a run changes';

-- Writers cannot write latest_metrics directly: the trigger writes it as the
-- tables' owner (src/tracking.c switches user around its own statements).
CREATE FUNCTION mlops._metrics_latest() RETURNS trigger
    AS 'MODULE_PATHNAME', 'mlops_metrics_latest' LANGUAGE C;
REVOKE ALL ON FUNCTION mlops._metrics_latest() FROM PUBLIC;
COMMENT ON FUNCTION mlops._metrics_latest() IS 'internal trigger: fold inserted metric points into mlops.latest_metrics';

-- Whether a run status is terminal.
CREATE FUNCTION mlops._status_ended(status text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
    RETURN status OPERATOR(pg_catalog.=) ANY (ARRAY['FINISHED', 'FAILED', 'KILLED']);
COMMENT ON FUNCTION mlops._status_ended(text) IS 'internal: whether a run status is FINISHED, FAILED or KILLED';

-- Refuse a NULL, empty or over-long text; what names it in the message.
CREATE FUNCTION mlops._check_text(what text, val text, max_chars integer, allow_empty boolean DEFAULT false)
    RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF val IS NULL THEN
        RAISE EXCEPTION '% must not be null', what USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT allow_empty AND val OPERATOR(pg_catalog.=) '' THEN
        RAISE EXCEPTION '% must not be empty', what USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF pg_catalog.char_length(val) OPERATOR(pg_catalog.>) max_chars THEN
        RAISE EXCEPTION '% is too long (% characters, at most %)', what, pg_catalog.char_length(val), max_chars
            USING ERRCODE = 'string_data_right_truncation',
                  DETAIL = pg_catalog.format('It starts with %L.', pg_catalog.left(val, 40));
    END IF;
END
$fn$;
COMMENT ON FUNCTION mlops._check_text(text, text, integer, boolean) IS 'internal: refuse a NULL, empty or over-long text with a message naming it';

-- created_by is session_user on insert and never changes.
CREATE FUNCTION mlops._stamp_created_by() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF mlops._restoring() THEN
        RETURN NEW;
    END IF;
    IF TG_OP OPERATOR(pg_catalog.=) 'INSERT' THEN
        NEW.created_by := SESSION_USER;
    ELSE
        NEW.created_by := OLD.created_by;
    END IF;
    RETURN NEW;
END
$fn$;
COMMENT ON FUNCTION mlops._stamp_created_by() IS 'internal trigger: created_by = session_user, whatever the client sent';

CREATE TRIGGER experiments_10_created_by BEFORE INSERT OR UPDATE ON mlops.experiments
    FOR EACH ROW EXECUTE FUNCTION mlops._stamp_created_by();
CREATE TRIGGER artifacts_20_created_by BEFORE INSERT OR UPDATE ON mlops.artifacts
    FOR EACH ROW EXECUTE FUNCTION mlops._stamp_created_by();
CREATE TRIGGER run_inputs_20_created_by BEFORE INSERT OR UPDATE ON mlops.run_inputs
    FOR EACH ROW EXECUTE FUNCTION mlops._stamp_created_by();

-- Runs: status, end_time, created_by, and an ended run stays ended.
CREATE FUNCTION mlops._runs_rules() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF mlops._restoring() THEN
        RETURN NEW;
    END IF;
    IF NOT (NEW.status OPERATOR(pg_catalog.=) ANY
            (ARRAY['SCHEDULED', 'RUNNING', 'FINISHED', 'FAILED', 'KILLED'])) THEN
        RAISE EXCEPTION 'invalid run status "%"', NEW.status
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use SCHEDULED, RUNNING, FINISHED, FAILED or KILLED.';
    END IF;
    IF TG_OP OPERATOR(pg_catalog.=) 'INSERT' THEN
        NEW.created_by := SESSION_USER;
    ELSE
        NEW.created_by := OLD.created_by;
        IF NEW.id OPERATOR(pg_catalog.<>) OLD.id
           OR NEW.experiment_id OPERATOR(pg_catalog.<>) OLD.experiment_id THEN
            RAISE EXCEPTION 'the id and experiment of run % cannot change', OLD.id
                USING ERRCODE = 'object_not_in_prerequisite_state';
        END IF;
        IF mlops._status_ended(OLD.status)
           AND (NEW.status, NEW.start_time, NEW.end_time, NEW.parent_run_id)
               IS DISTINCT FROM (OLD.status, OLD.start_time, OLD.end_time, OLD.parent_run_id) THEN
            RAISE EXCEPTION 'run % has ended (status %): it cannot change', OLD.id, OLD.status
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = 'An ended run is read-only; start a new run with mlops.start_run().';
        END IF;
    END IF;
    IF mlops._status_ended(NEW.status) THEN
        NEW.end_time := COALESCE(NEW.end_time, pg_catalog.now());
        IF NEW.end_time OPERATOR(pg_catalog.<) NEW.start_time THEN
            RAISE EXCEPTION 'run % cannot end before it started', NEW.id
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = pg_catalog.format('start_time %s, end_time %s.', NEW.start_time, NEW.end_time);
        END IF;
    ELSIF NEW.end_time IS NOT NULL THEN
        RAISE EXCEPTION 'run % has an end_time but status %', NEW.id, NEW.status
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'end_time is set when the status becomes FINISHED, FAILED or KILLED.';
    END IF;
    IF NEW.parent_run_id OPERATOR(pg_catalog.=) NEW.id THEN
        RAISE EXCEPTION 'run % cannot be its own parent', NEW.id USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN NEW;
END
$fn$;
COMMENT ON FUNCTION mlops._runs_rules() IS 'internal trigger: run status, end_time and created_by rules';

CREATE TRIGGER runs_10_rules BEFORE INSERT OR UPDATE ON mlops.runs
    FOR EACH ROW EXECUTE FUNCTION mlops._runs_rules();
CREATE TRIGGER runs_00_cache_reset BEFORE UPDATE OR DELETE ON mlops.runs
    FOR EACH ROW EXECUTE FUNCTION mlops._run_cache_reset();

-- Params: immutable once set; the same value again is a no-op.
-- enable_seqscan = off: the lookup below is planned once per session and the
-- plan is cached; planned while params is (nearly) empty, a sequential scan
-- would be kept for a bulk INSERT of 500k rows and make it quadratic.
CREATE FUNCTION mlops._params_rules() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    SET enable_seqscan = off
AS $fn$
DECLARE
    old_value text;
BEGIN
    IF mlops._restoring() THEN
        RETURN NEW;
    END IF;
    PERFORM mlops._check_text('param key', NEW.key, 250);
    PERFORM mlops._check_text(pg_catalog.format('value of param "%s"', NEW.key), NEW.value, 8000, true);
    IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN
        IF (NEW.run_id, NEW.key) IS DISTINCT FROM (OLD.run_id, OLD.key) THEN
            RAISE EXCEPTION 'param "%" of run % cannot be moved or renamed', OLD.key, OLD.run_id
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = 'Params are immutable once set.';
        END IF;
        old_value := OLD.value;
    ELSE
        SELECT p.value INTO old_value FROM mlops.params p
         WHERE p.run_id OPERATOR(pg_catalog.=) NEW.run_id AND p.key OPERATOR(pg_catalog.=) NEW.key;
        IF FOUND AND old_value OPERATOR(pg_catalog.=) NEW.value THEN
            RETURN NULL;                -- already set to this value
        END IF;
    END IF;
    IF old_value OPERATOR(pg_catalog.<>) NEW.value THEN
        RAISE EXCEPTION 'param "%" of run % is already set to "%"', NEW.key, NEW.run_id, old_value
            USING ERRCODE = 'unique_violation',
                  DETAIL = pg_catalog.format('The new value %L differs; params are immutable once set.', NEW.value),
                  HINT = 'Start a new run for another value, or use a tag for something that changes.';
    END IF;
    RETURN NEW;
END
$fn$;
COMMENT ON FUNCTION mlops._params_rules() IS 'internal trigger: params are immutable once set';

-- Tags: keys and values within the limits.
CREATE FUNCTION mlops._tags_rules() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF mlops._restoring() THEN
        RETURN NEW;
    END IF;
    PERFORM mlops._check_text('tag key', NEW.key, 250);
    PERFORM mlops._check_text(pg_catalog.format('value of tag "%s"', NEW.key), NEW.value, 8000, true);
    RETURN NEW;
END
$fn$;
COMMENT ON FUNCTION mlops._tags_rules() IS 'internal trigger: tag key and value limits';

-- Metrics are append-only.
CREATE FUNCTION mlops._metrics_no_update() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    RAISE EXCEPTION 'metrics are append-only'
        USING ERRCODE = 'object_not_in_prerequisite_state',
              HINT = 'Log a new point with mlops.log_metric() (a higher step, or the same step later, becomes the latest value).';
END
$fn$;
COMMENT ON FUNCTION mlops._metrics_no_update() IS 'internal trigger: refuse UPDATE on mlops.metrics';

-- After deleting metric points (admin clean-up or a deleted run), recompute
-- the latest value of the affected (run, key) pairs from what remains.
CREATE FUNCTION mlops._metrics_deleted() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF mlops._restoring() THEN
        RETURN NULL;
    END IF;
    DELETE FROM mlops.latest_metrics lm
     USING (SELECT DISTINCT o.run_id, o.key FROM old_rows o) d
     WHERE lm.run_id OPERATOR(pg_catalog.=) d.run_id AND lm.key OPERATOR(pg_catalog.=) d.key;
    INSERT INTO mlops.latest_metrics (run_id, key, step, ts, value)
    SELECT DISTINCT ON (m.run_id, m.key) m.run_id, m.key, m.step, m.ts, m.value
      FROM mlops.metrics m
      JOIN (SELECT DISTINCT o.run_id, o.key FROM old_rows o) d
        ON m.run_id OPERATOR(pg_catalog.=) d.run_id AND m.key OPERATOR(pg_catalog.=) d.key
     ORDER BY m.run_id, m.key, m.step DESC, m.ts DESC, m.id DESC;
    RETURN NULL;
END
$fn$;
COMMENT ON FUNCTION mlops._metrics_deleted() IS 'internal trigger: recompute latest_metrics after metric points are deleted';

CREATE TRIGGER metrics_10_guard BEFORE INSERT ON mlops.metrics
    FOR EACH ROW EXECUTE FUNCTION mlops._run_guard();
CREATE TRIGGER metrics_20_no_update BEFORE UPDATE ON mlops.metrics
    FOR EACH STATEMENT EXECUTE FUNCTION mlops._metrics_no_update();
CREATE TRIGGER metrics_30_latest AFTER INSERT ON mlops.metrics
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION mlops._metrics_latest();
CREATE TRIGGER metrics_40_deleted AFTER DELETE ON mlops.metrics
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION mlops._metrics_deleted();

CREATE TRIGGER params_10_guard BEFORE INSERT OR UPDATE OR DELETE ON mlops.params
    FOR EACH ROW EXECUTE FUNCTION mlops._run_guard();
CREATE TRIGGER params_20_rules BEFORE INSERT OR UPDATE ON mlops.params
    FOR EACH ROW EXECUTE FUNCTION mlops._params_rules();
CREATE TRIGGER tags_10_guard BEFORE INSERT OR UPDATE OR DELETE ON mlops.tags
    FOR EACH ROW EXECUTE FUNCTION mlops._run_guard();
CREATE TRIGGER tags_20_rules BEFORE INSERT OR UPDATE ON mlops.tags
    FOR EACH ROW EXECUTE FUNCTION mlops._tags_rules();
CREATE TRIGGER artifacts_10_guard BEFORE INSERT OR UPDATE OR DELETE ON mlops.artifacts
    FOR EACH ROW EXECUTE FUNCTION mlops._run_guard();
CREATE TRIGGER run_inputs_10_guard BEFORE INSERT OR UPDATE OR DELETE ON mlops.run_inputs
    FOR EACH ROW EXECUTE FUNCTION mlops._run_guard();

COMMENT ON TRIGGER experiments_10_created_by ON mlops.experiments IS 'created_by = session_user whatever the client sends';
COMMENT ON TRIGGER artifacts_20_created_by ON mlops.artifacts IS 'created_by = session_user whatever the client sends';
COMMENT ON TRIGGER run_inputs_20_created_by ON mlops.run_inputs IS 'created_by = session_user whatever the client sends';
COMMENT ON TRIGGER runs_10_rules ON mlops.runs IS 'validation rules of this table';
COMMENT ON TRIGGER runs_00_cache_reset ON mlops.runs IS 'forget the backend-local open-run check before a run changes (BEFORE, so the rest of the statement checks the run again)';
COMMENT ON TRIGGER metrics_10_guard ON mlops.metrics IS 'refuse rows for unknown or ended runs (locks the run FOR SHARE)';
COMMENT ON TRIGGER metrics_20_no_update ON mlops.metrics IS 'metrics are append-only';
COMMENT ON TRIGGER metrics_30_latest ON mlops.metrics IS 'fold new points into latest_metrics';
COMMENT ON TRIGGER metrics_40_deleted ON mlops.metrics IS 'recompute latest_metrics after points are deleted';
COMMENT ON TRIGGER params_10_guard ON mlops.params IS 'refuse rows for unknown or ended runs (locks the run FOR SHARE)';
COMMENT ON TRIGGER params_20_rules ON mlops.params IS 'validation rules of this table';
COMMENT ON TRIGGER tags_10_guard ON mlops.tags IS 'refuse rows for unknown or ended runs (locks the run FOR SHARE)';
COMMENT ON TRIGGER tags_20_rules ON mlops.tags IS 'validation rules of this table';
COMMENT ON TRIGGER artifacts_10_guard ON mlops.artifacts IS 'refuse rows for unknown or ended runs (locks the run FOR SHARE)';
COMMENT ON TRIGGER run_inputs_10_guard ON mlops.run_inputs IS 'refuse rows for unknown or ended runs (locks the run FOR SHARE)';

-- ---- sql/mlops/22_tracking_api.sql
-- Tracking functions (API.md -> Tracking). SECURITY INVOKER: the caller's
-- table privileges apply and the triggers in 21_tracking_rules.sql enforce
-- the rules. log_metric / log_metrics are C (src/tracking.c).

-- The id of an experiment by name, or a clear error.
CREATE FUNCTION mlops._experiment_id(experiment text) RETURNS bigint
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    eid bigint;
BEGIN
    IF experiment IS NULL THEN
        RAISE EXCEPTION 'experiment must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT e.id INTO eid FROM mlops.experiments e WHERE e.name OPERATOR(pg_catalog.=) experiment;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'experiment "%" does not exist', experiment
            USING ERRCODE = 'undefined_object',
                  HINT = 'Create it with mlops.create_experiment() or mlops.start_run().';
    END IF;
    RETURN eid;
END
$fn$;
COMMENT ON FUNCTION mlops._experiment_id(text) IS 'internal: id of the named experiment, or an error';

-- Refuse a tags/params argument that is not a JSON object.
CREATE FUNCTION mlops._check_object(what text, val jsonb) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF val IS NOT NULL AND pg_catalog.jsonb_typeof(val) OPERATOR(pg_catalog.<>) 'object' THEN
        RAISE EXCEPTION '% must be a JSON object, not %', what, pg_catalog.jsonb_typeof(val)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass {"key": "value", ...}.';
    END IF;
END
$fn$;
COMMENT ON FUNCTION mlops._check_object(text, jsonb) IS 'internal: refuse a JSON argument that is not an object';

-- The text of a jsonb value for params and tags: strings unquoted, null refused.
CREATE FUNCTION mlops._jsonb_text(what text, key text, val jsonb) RETURNS text
    LANGUAGE plpgsql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF pg_catalog.jsonb_typeof(val) OPERATOR(pg_catalog.=) 'null' THEN
        RAISE EXCEPTION 'value of % "%" must not be null', what, key USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF pg_catalog.jsonb_typeof(val) OPERATOR(pg_catalog.=) 'string' THEN
        RETURN val OPERATOR(pg_catalog.#>>) '{}';
    END IF;
    RETURN val::text;
END
$fn$;
COMMENT ON FUNCTION mlops._jsonb_text(text, text, jsonb) IS 'internal: text of a JSON value (strings unquoted)';

CREATE FUNCTION mlops.create_experiment(name text, tags jsonb DEFAULT '{}') RETURNS bigint
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    eid bigint;
BEGIN
    PERFORM mlops._check_text('experiment name', name, 500);
    PERFORM mlops._check_object('experiment tags', tags);
    INSERT INTO mlops.experiments AS e (name, tags)
    VALUES (create_experiment.name, COALESCE(create_experiment.tags, '{}'))
    ON CONFLICT ON CONSTRAINT experiments_name_key DO NOTHING
    RETURNING e.id INTO eid;
    IF eid IS NULL THEN
        RAISE EXCEPTION 'experiment "%" already exists', name
            USING ERRCODE = 'unique_violation',
                  HINT = 'Pick another name; mlops.start_run() reuses an existing experiment.';
    END IF;
    RETURN eid;
END
$fn$;
COMMENT ON FUNCTION mlops.create_experiment(text, jsonb) IS 'create an experiment (names are unique); returns its id';

CREATE FUNCTION mlops.log_param(run uuid, key text, value text) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    stored text;
BEGIN
    IF run IS NULL THEN
        RAISE EXCEPTION 'run must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM mlops._check_text('param key', key, 250);
    PERFORM mlops._check_text(pg_catalog.format('value of param "%s"', key), value, 8000, true);
    INSERT INTO mlops.params AS p (run_id, key, value)
    VALUES (log_param.run, log_param.key, log_param.value)
    ON CONFLICT (run_id, key) DO NOTHING;
    -- a concurrent transaction may have set it first: compare with what won
    SELECT p.value INTO stored FROM mlops.params p
     WHERE p.run_id OPERATOR(pg_catalog.=) log_param.run AND p.key OPERATOR(pg_catalog.=) log_param.key;
    IF stored OPERATOR(pg_catalog.<>) value THEN
        RAISE EXCEPTION 'param "%" of run % is already set to "%"', key, run, stored
            USING ERRCODE = 'unique_violation',
                  DETAIL = pg_catalog.format('The new value %L differs; params are immutable once set.', value),
                  HINT = 'Start a new run for another value, or use a tag for something that changes.';
    END IF;
END
$fn$;
COMMENT ON FUNCTION mlops.log_param(uuid, text, text) IS 'set a param of a run; the same value again is fine, another value is an error';

CREATE FUNCTION mlops.log_params(run uuid, params jsonb) RETURNS integer
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    kv record;
    n integer := 0;
BEGIN
    IF params IS NULL THEN
        RAISE EXCEPTION 'params must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM mlops._check_object('params', params);
    FOR kv IN SELECT j.key, j.value FROM pg_catalog.jsonb_each(params) j ORDER BY j.key LOOP
        PERFORM mlops.log_param(run, kv.key, mlops._jsonb_text('param', kv.key, kv.value));
        n := n OPERATOR(pg_catalog.+) 1;
    END LOOP;
    RETURN n;
END
$fn$;
COMMENT ON FUNCTION mlops.log_params(uuid, jsonb) IS 'set several params of a run at once (all or nothing); returns how many were given';

CREATE FUNCTION mlops.set_tag(run uuid, key text, value text) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
BEGIN
    IF run IS NULL THEN
        RAISE EXCEPTION 'run must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM mlops._check_text('tag key', key, 250);
    PERFORM mlops._check_text(pg_catalog.format('value of tag "%s"', key), value, 8000, true);
    INSERT INTO mlops.tags AS t (run_id, key, value)
    VALUES (set_tag.run, set_tag.key, set_tag.value)
    ON CONFLICT (run_id, key) DO UPDATE SET value = EXCLUDED.value
     WHERE t.value OPERATOR(pg_catalog.<>) EXCLUDED.value;
END
$fn$;
COMMENT ON FUNCTION mlops.set_tag(uuid, text, text) IS 'set or overwrite a tag of an open run';

CREATE FUNCTION mlops.start_run(experiment text, run_name text DEFAULT NULL, params jsonb DEFAULT '{}',
                                tags jsonb DEFAULT '{}', parent_run uuid DEFAULT NULL) RETURNS uuid
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    eid bigint;
    rid uuid;
    kv record;
BEGIN
    PERFORM mlops._check_text('experiment name', experiment, 500);
    IF run_name IS NOT NULL THEN
        PERFORM mlops._check_text('run name', run_name, 250);
    END IF;
    PERFORM mlops._check_object('params', params);
    PERFORM mlops._check_object('tags', tags);
    IF parent_run IS NOT NULL AND NOT EXISTS
       (SELECT 1 FROM mlops.runs r WHERE r.id OPERATOR(pg_catalog.=) parent_run) THEN
        RAISE EXCEPTION 'parent run % does not exist', parent_run USING ERRCODE = 'undefined_object';
    END IF;
    -- creates the experiment if missing; safe against a concurrent creator
    INSERT INTO mlops.experiments (name) VALUES (experiment)
    ON CONFLICT ON CONSTRAINT experiments_name_key DO NOTHING;
    SELECT e.id INTO STRICT eid FROM mlops.experiments e WHERE e.name OPERATOR(pg_catalog.=) experiment;
    INSERT INTO mlops.runs (experiment_id, name, status, parent_run_id)
    VALUES (eid, run_name, 'RUNNING', parent_run)
    RETURNING id INTO rid;
    IF params IS NOT NULL THEN
        PERFORM mlops.log_params(rid, params);
    END IF;
    FOR kv IN SELECT j.key, j.value FROM pg_catalog.jsonb_each(COALESCE(tags, '{}')) j ORDER BY j.key LOOP
        PERFORM mlops.set_tag(rid, kv.key, mlops._jsonb_text('tag', kv.key, kv.value));
    END LOOP;
    RETURN rid;
END
$fn$;
COMMENT ON FUNCTION mlops.start_run(text, text, jsonb, jsonb, uuid) IS 'start a RUNNING run (creating the experiment if missing) with its params and tags; returns the run id';

CREATE FUNCTION mlops.log_metric(run uuid, key text, value double precision, step bigint DEFAULT 0,
                                 ts timestamptz DEFAULT pg_catalog.now()) RETURNS void
    AS 'MODULE_PATHNAME', 'mlops_log_metric' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION mlops.log_metric(uuid, text, double precision, bigint, timestamptz) IS 'log one metric point (NaN and +-Infinity stored as given)';

CREATE FUNCTION mlops.log_metrics(run uuid, metrics jsonb, step bigint DEFAULT 0) RETURNS integer
    AS 'MODULE_PATHNAME', 'mlops_log_metrics_jsonb' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION mlops.log_metrics(uuid, jsonb, bigint) IS 'log several metrics at one step from {"key": number, ...} (strings "NaN", "Infinity", "-Infinity" allowed); all or nothing';

CREATE FUNCTION mlops.log_metrics(run uuid, keys text[], vals double precision[], steps bigint[] DEFAULT NULL)
    RETURNS integer
    AS 'MODULE_PATHNAME', 'mlops_log_metrics_arrays' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION mlops.log_metrics(uuid, text[], double precision[], bigint[]) IS 'bulk-log metric points from parallel arrays (steps default 0) in one statement; all or nothing, no item cap';

CREATE FUNCTION mlops.log_artifact(run uuid, path text, uri text, sha256 text DEFAULT NULL,
                                   size_bytes bigint DEFAULT NULL) RETURNS bigint
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    aid bigint;
    a mlops.artifacts;
    digest text := pg_catalog.lower(sha256);
BEGIN
    IF run IS NULL THEN
        RAISE EXCEPTION 'run must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM mlops._check_text('artifact path', path, 1024);
    PERFORM mlops._check_text(pg_catalog.format('uri of artifact "%s"', path), uri, 2048);
    IF digest IS NOT NULL AND digest OPERATOR(pg_catalog.!~) '^[0-9a-f]{64}$' THEN
        RAISE EXCEPTION 'sha256 of artifact "%" must be 64 hexadecimal digits', path
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF size_bytes OPERATOR(pg_catalog.<) 0 THEN
        RAISE EXCEPTION 'size_bytes of artifact "%" must not be negative', path
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO mlops.artifacts AS t (run_id, path, uri, sha256, size_bytes)
    VALUES (log_artifact.run, log_artifact.path, log_artifact.uri, digest, log_artifact.size_bytes)
    ON CONFLICT (run_id, path) DO NOTHING
    RETURNING t.id INTO aid;
    IF aid IS NULL THEN
        SELECT * INTO a FROM mlops.artifacts t
         WHERE t.run_id OPERATOR(pg_catalog.=) log_artifact.run AND t.path OPERATOR(pg_catalog.=) log_artifact.path;
        IF (a.uri, a.sha256, a.size_bytes) IS DISTINCT FROM (uri, digest, size_bytes) THEN
            RAISE EXCEPTION 'artifact "%" of run % is already logged at "%"', path, run, a.uri
                USING ERRCODE = 'unique_violation',
                      HINT = 'Artifact references are immutable; log it under another path.';
        END IF;
        aid := a.id;
    END IF;
    RETURN aid;
END
$fn$;
COMMENT ON FUNCTION mlops.log_artifact(uuid, text, text, text, bigint) IS 'record a reference to an artifact of a run (not its bytes); the same reference again returns its id';

CREATE FUNCTION mlops.log_input(run uuid, dataset text, version integer, context text DEFAULT 'training')
    RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
BEGIN
    IF run IS NULL OR version IS NULL THEN
        RAISE EXCEPTION '% must not be null', CASE WHEN run IS NULL THEN 'run' ELSE 'version' END
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM mlops._check_text('dataset name', dataset, 250);
    PERFORM mlops._check_text('input context', context, 100);
    IF version OPERATOR(pg_catalog.<) 1 THEN
        RAISE EXCEPTION 'version of dataset "%" must be 1 or more, not %', dataset, version
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO mlops.run_inputs (run_id, dataset, version, context)
    VALUES (run, dataset, version, context)
    ON CONFLICT (run_id, dataset, version, context) DO NOTHING;
END
$fn$;
COMMENT ON FUNCTION mlops.log_input(uuid, text, integer, text) IS 'record that a run read a dataset version (name + version; a lineage edge)';

CREATE FUNCTION mlops.end_run(run uuid, status text DEFAULT 'FINISHED') RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    cur text;
BEGIN
    IF run IS NULL OR status IS NULL THEN
        RAISE EXCEPTION '% must not be null', CASE WHEN run IS NULL THEN 'run' ELSE 'status' END
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT mlops._status_ended(status) THEN
        RAISE EXCEPTION 'invalid end status "%"', status
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'A run ends as FINISHED, FAILED or KILLED.';
    END IF;
    -- waits for transactions still logging into the run (they hold FOR SHARE)
    SELECT r.status INTO cur FROM mlops.runs r WHERE r.id OPERATOR(pg_catalog.=) run FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'run % does not exist', run USING ERRCODE = 'undefined_object';
    END IF;
    IF cur OPERATOR(pg_catalog.=) status THEN
        RETURN;                         -- already ended this way
    END IF;
    IF mlops._status_ended(cur) THEN
        RAISE EXCEPTION 'run % has already ended (status %)', run, cur
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    UPDATE mlops.runs r SET status = end_run.status WHERE r.id OPERATOR(pg_catalog.=) run;
END
$fn$;
COMMENT ON FUNCTION mlops.end_run(uuid, text) IS 'end a run as FINISHED, FAILED or KILLED (sets end_time); nothing can be logged into it afterwards';

CREATE FUNCTION mlops.get_run(experiment text, run_name text) RETURNS uuid
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    eid bigint := mlops._experiment_id(experiment);
    rid uuid;
BEGIN
    SELECT r.id INTO rid FROM mlops.runs r
     WHERE r.experiment_id OPERATOR(pg_catalog.=) eid AND r.name OPERATOR(pg_catalog.=) run_name
     ORDER BY r.start_time DESC, r.id DESC LIMIT 1;
    IF rid IS NULL THEN
        RAISE EXCEPTION 'run "%" does not exist in experiment "%"', run_name, experiment
            USING ERRCODE = 'undefined_object';
    END IF;
    RETURN rid;
END
$fn$;
COMMENT ON FUNCTION mlops.get_run(text, text) IS 'id of the run with this name in an experiment (the most recently started one when names repeat)';

CREATE FUNCTION mlops.runs_named(experiment text, run_name text) RETURNS SETOF mlops.runs
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    BEGIN ATOMIC
    SELECT r.* FROM mlops.runs r
     WHERE r.experiment_id OPERATOR(pg_catalog.=) mlops._experiment_id(experiment)
       AND r.name OPERATOR(pg_catalog.=) run_name
     ORDER BY r.start_time DESC, r.id DESC;
    END;
COMMENT ON FUNCTION mlops.runs_named(text, text) IS 'every run with this name in an experiment, newest first';

-- Writers track; everyone else is refused even before the table privileges.
REVOKE ALL ON FUNCTION mlops.create_experiment(text, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION mlops.start_run(text, text, jsonb, jsonb, uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION mlops.log_param(uuid, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION mlops.log_params(uuid, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION mlops.log_metric(uuid, text, double precision, bigint, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION mlops.log_metrics(uuid, jsonb, bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION mlops.log_metrics(uuid, text[], double precision[], bigint[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION mlops.set_tag(uuid, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION mlops.log_artifact(uuid, text, text, text, bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION mlops.log_input(uuid, text, integer, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION mlops.end_run(uuid, text) FROM PUBLIC;

INSERT INTO mlops.role_grants (role_name, privileges, object_kind, object_name) VALUES
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops.create_experiment(text, jsonb)'),
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops.start_run(text, text, jsonb, jsonb, uuid)'),
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops.log_param(uuid, text, text)'),
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops.log_params(uuid, jsonb)'),
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops.log_metric(uuid, text, double precision, bigint, timestamptz)'),
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops.log_metrics(uuid, jsonb, bigint)'),
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops.log_metrics(uuid, text[], double precision[], bigint[])'),
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops.set_tag(uuid, text, text)'),
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops.log_artifact(uuid, text, text, text, bigint)'),
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops.log_input(uuid, text, integer, text)'),
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops.end_run(uuid, text)');

-- ---- sql/mlops/23_tracking_search.sql
-- search_runs (API.md -> Tracking): the MLflow filter grammar, parsed in C
-- (src/search.c) into a query whose keys and values are bound parameters.

CREATE FUNCTION mlops.search_runs(experiment text, filter text DEFAULT '',
                                  order_by text DEFAULT 'start_time DESC',
                                  max_results integer DEFAULT 1000)
    RETURNS SETOF mlops.runs
    AS 'MODULE_PATHNAME', 'mlops_search_runs' LANGUAGE C STABLE;
COMMENT ON FUNCTION mlops.search_runs(text, text, text, integer) IS
    'runs of an experiment (NULL: all experiments) matching an MLflow-style filter such as metrics.acc > 0.9 AND params.lr = ''0.01'' (with OR, parentheses, IN, LIKE, ILIKE); metric filters and ordering use the latest value';

CREATE FUNCTION mlops._search_runs_sql(filter text, order_by text DEFAULT 'start_time DESC') RETURNS text
    AS 'MODULE_PATHNAME', 'mlops_search_runs_sql' LANGUAGE C STABLE;
COMMENT ON FUNCTION mlops._search_runs_sql(text, text) IS 'internal: the WHERE/ORDER BY text search_runs generates for a filter (values appear as $n parameters)';
REVOKE ALL ON FUNCTION mlops._search_runs_sql(text, text) FROM PUBLIC;
INSERT INTO mlops.role_grants (role_name, privileges, object_kind, object_name) VALUES
    ('mlops_reader', 'EXECUTE', 'FUNCTION', 'mlops._search_runs_sql(text, text)');

-- ---- sql/mlops/24_tracking_views.sql
-- BI views over tracking (API.md -> Tracking): column names an analyst reads
-- without knowing the schema. NaN/Infinity metrics appear in the metrics
-- jsonb as the strings "NaN", "Infinity", "-Infinity" (JSON has no such numbers).

CREATE VIEW mlops.run_summary AS
SELECT e.name                                  AS experiment,
       r.id                                    AS run_id,
       r.name                                  AS run_name,
       r.status,
       r.start_time,
       r.end_time,
       r.end_time OPERATOR(pg_catalog.-) r.start_time AS duration,
       r.created_by                            AS user_name,
       r.parent_run_id,
       COALESCE((SELECT pg_catalog.jsonb_object_agg(p.key, p.value) FROM mlops.params p
                  WHERE p.run_id OPERATOR(pg_catalog.=) r.id), '{}') AS params,
       COALESCE((SELECT pg_catalog.jsonb_object_agg(m.key, m.value) FROM mlops.latest_metrics m
                  WHERE m.run_id OPERATOR(pg_catalog.=) r.id), '{}') AS metrics,
       COALESCE((SELECT pg_catalog.jsonb_object_agg(t.key, t.value) FROM mlops.tags t
                  WHERE t.run_id OPERATOR(pg_catalog.=) r.id), '{}') AS tags
  FROM mlops.runs r
  JOIN mlops.experiments e ON e.id OPERATOR(pg_catalog.=) r.experiment_id;
COMMENT ON VIEW mlops.run_summary IS 'a row per run: experiment, run name, status, start/end, user, params, latest metrics and tags as jsonb';

CREATE VIEW mlops.metric_history AS
SELECT e.name   AS experiment,
       m.run_id,
       r.name   AS run_name,
       m.key,
       m.step,
       m.ts,
       m.value
  FROM mlops.metrics m
  JOIN mlops.runs r ON r.id OPERATOR(pg_catalog.=) m.run_id
  JOIN mlops.experiments e ON e.id OPERATOR(pg_catalog.=) r.experiment_id;
COMMENT ON VIEW mlops.metric_history IS 'every logged metric point with its experiment and run name (for charts)';

INSERT INTO mlops.role_grants (role_name, privileges, object_kind, object_name) VALUES
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.run_summary'),
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.metric_history');

-- ---- sql/mlops/30_registry.sql
-- Registry and governance (API.md -> Registry and governance).
-- Tables are plain and ORM-friendly; every rule lives in C triggers
-- (src/registry.c), so a direct INSERT/UPDATE/DELETE obeys the same rules as
-- the mlops.* functions, which are thin SECURITY INVOKER wrappers. Columns the
-- triggers own (actors, times, version numbers, request status) are filled by
-- them; a superuser inserting them explicitly (pg_restore) is taken verbatim.

-- ---------------------------------------------------------------- tables

CREATE TABLE mlops.stages (
    id          integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
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
    id          integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    from_stage  text NOT NULL REFERENCES mlops.stages (name),
    to_stage    text NOT NULL REFERENCES mlops.stages (name),
    builtin     boolean NOT NULL DEFAULT false,
    added_by    name,
    UNIQUE (from_stage, to_stage),
    CHECK (from_stage OPERATOR(pg_catalog.<>) to_stage)
);
COMMENT ON TABLE mlops.stage_transitions IS 'the allowed stage moves (the state machine, as data)';

CREATE TABLE mlops.models (
    id           bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    name         text NOT NULL UNIQUE CHECK (name OPERATOR(pg_catalog.<>) '' AND name OPERATOR(pg_catalog.<>) '*')
                 -- at most 200 characters: NOTIFY payloads carry it (src/registry.c)
                 CHECK (pg_catalog.char_length(name) OPERATOR(pg_catalog.<=) 200),
    description  text,
    created_by   name NOT NULL,
    created_at   timestamptz NOT NULL,
    last_version integer NOT NULL DEFAULT 0 CHECK (last_version OPERATOR(pg_catalog.>=) 0)
);
COMMENT ON TABLE mlops.models IS 'registered models; last_version is the row-locked version counter';

CREATE TABLE mlops.model_versions (
    id               bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
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
    UNIQUE (model_id, version),
    -- keeps stage_exclusive equal to the stage's flag, also when an admin flips it
    FOREIGN KEY (stage, stage_exclusive) REFERENCES mlops.stages (name, exclusive) ON UPDATE CASCADE
);
CREATE INDEX model_versions_run_idx ON mlops.model_versions (run_id);
-- The constraint behind "one version per model in an exclusive stage".
CREATE UNIQUE INDEX model_versions_exclusive_stage_idx
    ON mlops.model_versions (model_id, stage) WHERE stage_exclusive;
COMMENT ON TABLE mlops.model_versions IS 'model versions: numbered 1, 2, ... per model, built by a run, in one stage';
COMMENT ON INDEX mlops.model_versions_exclusive_stage_idx IS 'at most one version per model in each exclusive stage, at every instant';

CREATE TABLE mlops.stage_history (
    id               bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    model_version_id bigint NOT NULL,
    model_id         bigint NOT NULL,
    stage            text NOT NULL,
    valid_from       timestamptz NOT NULL,
    valid_to         timestamptz,
    CHECK (valid_to IS NULL OR valid_to OPERATOR(pg_catalog.>=) valid_from)
);
CREATE INDEX stage_history_model_stage_idx ON mlops.stage_history (model_id, stage, valid_from);
CREATE UNIQUE INDEX stage_history_current_idx ON mlops.stage_history (model_version_id) WHERE valid_to IS NULL;
COMMENT ON TABLE mlops.stage_history IS 'which stage each version was in, and when (written by the registry triggers)';

CREATE TABLE mlops.transition_requests (
    id                bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
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
    closed_at         timestamptz
);
CREATE UNIQUE INDEX transition_requests_open_idx
    ON mlops.transition_requests (model_version_id, to_stage) WHERE status OPERATOR(pg_catalog.=) 'open';
COMMENT ON TABLE mlops.transition_requests IS 'requests to move a model version to a stage; consumed by the transition they allow';

CREATE TABLE mlops.approvals (
    id               bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    request_id       bigint NOT NULL REFERENCES mlops.transition_requests (id),
    decision         text NOT NULL DEFAULT 'approve'
                     CHECK (decision OPERATOR(pg_catalog.=) ANY (ARRAY['approve', 'reject'])),
    approver         name,
    approver_session name,
    comment          text,
    at               timestamptz,
    UNIQUE (request_id, approver),
    -- one decision per login: SET ROLE does not make another approver
    UNIQUE (request_id, approver_session)
);
COMMENT ON TABLE mlops.approvals IS 'approvals and rejections of transition requests, one per login (session_user) and request; approvals count once per login';

CREATE TABLE mlops.policies (
    id                  bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
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
    id               bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
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
    SELECT v.id INTO vid FROM mlops.model_versions v
     WHERE v.model_id OPERATOR(pg_catalog.=) mlops._model_id(model)
       AND v.version OPERATOR(pg_catalog.=) _version_id.version;
    IF vid IS NULL THEN
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

CREATE FUNCTION mlops.create_model_version(model text, run uuid, artifact_uri text,
                                           description text DEFAULT NULL) RETURNS integer
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    mid bigint := mlops._model_id(model);
    v integer;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM mlops.runs r WHERE r.id OPERATOR(pg_catalog.=) run) THEN
        RAISE EXCEPTION 'run % does not exist', run
            USING ERRCODE = 'undefined_object', HINT = 'A model version is built by a tracked run (mlops.runs).';
    END IF;
    INSERT INTO mlops.model_versions (model_id, run_id, artifact_uri, description)
    VALUES (mid, run, artifact_uri, description)
    RETURNING version INTO v;
    RETURN v;
END
$fn$;
COMMENT ON FUNCTION mlops.create_model_version(text, uuid, text, text) IS 'create the next version (1, 2, ...) of a model from a run, in stage none';

CREATE FUNCTION mlops.request_transition(model text, version integer, to_stage text,
                                         comment text DEFAULT NULL) RETURNS bigint
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    vid bigint := mlops._version_id(model, version);
    rid bigint;
BEGIN
    PERFORM mlops._check_stage(to_stage);
    INSERT INTO mlops.transition_requests (model_version_id, to_stage, comment)
    VALUES (vid, to_stage, comment)
    RETURNING id INTO rid;
    RETURN rid;
END
$fn$;
COMMENT ON FUNCTION mlops.request_transition(text, integer, text, text) IS 'ask for a stage transition of a model version; returns the request id';

CREATE FUNCTION mlops.approve(request bigint, comment text DEFAULT NULL) RETURNS void
    LANGUAGE sql
    SET search_path = pg_catalog, pg_temp
    BEGIN ATOMIC
        INSERT INTO mlops.approvals (request_id, decision, comment) VALUES (request, 'approve', comment);
    END;
COMMENT ON FUNCTION mlops.approve(bigint, text) IS 'approve a transition request as the current role';

CREATE FUNCTION mlops.reject(request bigint, comment text DEFAULT NULL) RETURNS void
    LANGUAGE sql
    SET search_path = pg_catalog, pg_temp
    BEGIN ATOMIC
        INSERT INTO mlops.approvals (request_id, decision, comment) VALUES (request, 'reject', comment);
    END;
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
    PERFORM mlops._check_stage(to_stage);
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
    IF model OPERATOR(pg_catalog.<>) '*' THEN
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

CREATE FUNCTION mlops.model_version_by_alias(model text, alias text,
                                             as_of timestamptz DEFAULT pg_catalog.now()) RETURNS integer
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    BEGIN ATOMIC
        SELECT v.version
          FROM mlops.model_aliases a
          JOIN mlops.model_versions v ON v.id OPERATOR(pg_catalog.=) a.model_version_id
         WHERE a.model_id OPERATOR(pg_catalog.=) mlops._model_id(model)
           AND a.alias OPERATOR(pg_catalog.=) model_version_by_alias.alias
           AND a.valid_from OPERATOR(pg_catalog.<=) as_of
           AND (a.valid_to IS NULL OR a.valid_to OPERATOR(pg_catalog.>) as_of)
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
         WHERE h.model_id OPERATOR(pg_catalog.=) mlops._model_id(model)
           AND h.stage OPERATOR(pg_catalog.=) 'production'
           AND h.valid_from OPERATOR(pg_catalog.<=) as_of
           AND (h.valid_to IS NULL OR h.valid_to OPERATOR(pg_catalog.>) as_of)
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

-- ---- sql/mlops/40_drift.sql
-- Drift statistics (API.md -> Drift statistics): exact two-sample statistics
-- in C. Every aggregate collects both samples in an internal state that
-- combines, serializes and deserializes, so all of them are parallel safe.

CREATE TYPE mlops.drift_result AS (
    statistic double precision,
    pvalue    double precision,
    n_ref     bigint,
    n_cur     bigint
);
COMMENT ON TYPE mlops.drift_result IS 'result of a two-sample drift test: statistic, p-value and the sample sizes';

-- Transition machinery shared by the exact aggregates.
CREATE FUNCTION mlops._drift_accum(internal, double precision, boolean) RETURNS internal
    LANGUAGE c PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_drift_accum';
COMMENT ON FUNCTION mlops._drift_accum(internal, double precision, boolean) IS 'internal: drift aggregate transition (value, is_reference)';
CREATE FUNCTION mlops._drift_accum(internal, double precision, boolean, integer) RETURNS internal
    LANGUAGE c PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_drift_accum_bins';
COMMENT ON FUNCTION mlops._drift_accum(internal, double precision, boolean, integer) IS 'internal: drift aggregate transition (value, is_reference, bins)';
CREATE FUNCTION mlops._drift_accum(internal, double precision, boolean, text) RETURNS internal
    LANGUAGE c PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_drift_accum_alt';
COMMENT ON FUNCTION mlops._drift_accum(internal, double precision, boolean, text) IS 'internal: drift aggregate transition (value, is_reference, alternative)';
CREATE FUNCTION mlops._drift_combine(internal, internal) RETURNS internal
    LANGUAGE c PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_drift_combine';
COMMENT ON FUNCTION mlops._drift_combine(internal, internal) IS 'internal: merge two partial drift aggregate states';
CREATE FUNCTION mlops._drift_serialize(internal) RETURNS bytea
    LANGUAGE c STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_drift_serialize';
COMMENT ON FUNCTION mlops._drift_serialize(internal) IS 'internal: serialize a drift aggregate state';
CREATE FUNCTION mlops._drift_deserialize(bytea, internal) RETURNS internal
    LANGUAGE c STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_drift_deserialize';
COMMENT ON FUNCTION mlops._drift_deserialize(bytea, internal) IS 'internal: deserialize a drift aggregate state (checks every length)';

-- Kolmogorov-Smirnov
CREATE FUNCTION mlops.ks_2samp(ref double precision[], cur double precision[],
                               alternative text DEFAULT 'two-sided')
    RETURNS mlops.drift_result
    LANGUAGE c STRICT IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_ks_2samp';
COMMENT ON FUNCTION mlops.ks_2samp(double precision[], double precision[], text) IS
    'two-sample Kolmogorov-Smirnov test as scipy.stats.ks_2samp(method=''auto''): exact p for max(n) <= 10000, else the Kolmogorov distribution at n_e = round(mn/(m+n)); alternative two-sided, greater or less';

CREATE FUNCTION mlops._ks_final(internal) RETURNS mlops.drift_result
    LANGUAGE c PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_ks_final';
COMMENT ON FUNCTION mlops._ks_final(internal) IS 'internal: final function of mlops.ks_test';

CREATE AGGREGATE mlops.ks_test(value double precision, is_reference boolean) (
    SFUNC = mlops._drift_accum, STYPE = internal, SSPACE = 16384,
    FINALFUNC = mlops._ks_final,
    COMBINEFUNC = mlops._drift_combine,
    SERIALFUNC = mlops._drift_serialize, DESERIALFUNC = mlops._drift_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.ks_test(double precision, boolean) IS
    'two-sample Kolmogorov-Smirnov test over rows (is_reference true = reference sample), two-sided, as mlops.ks_2samp';

CREATE AGGREGATE mlops.ks_test(value double precision, is_reference boolean, alternative text) (
    SFUNC = mlops._drift_accum, STYPE = internal, SSPACE = 16384,
    FINALFUNC = mlops._ks_final,
    COMBINEFUNC = mlops._drift_combine,
    SERIALFUNC = mlops._drift_serialize, DESERIALFUNC = mlops._drift_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.ks_test(double precision, boolean, text) IS
    'two-sample Kolmogorov-Smirnov test over rows with an alternative (two-sided, greater, less), as mlops.ks_2samp';

CREATE FUNCTION mlops._kolmogn_sf(n bigint, x double precision) RETURNS double precision
    LANGUAGE c STRICT IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_kolmogn_sf';
COMMENT ON FUNCTION mlops._kolmogn_sf(bigint, double precision) IS
    'internal: survival function P(D_n >= x) of the one-sample two-sided Kolmogorov statistic (as scipy.stats.kstwo.sf)';

-- Population stability index
CREATE FUNCTION mlops.psi(ref double precision[], cur double precision[], bins integer DEFAULT 10)
    RETURNS double precision
    LANGUAGE c STRICT IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_psi_arrays';
COMMENT ON FUNCTION mlops.psi(double precision[], double precision[], integer) IS
    'population stability index on the reference''s quantiles at k/bins (linear interpolation, a value equal to an edge goes up, open end bins, NaN its own bin); empty share -> 1e-4 (or min_nonzero*1e-6)';

CREATE FUNCTION mlops._psi_final(internal) RETURNS double precision
    LANGUAGE c PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_psi_final';
COMMENT ON FUNCTION mlops._psi_final(internal) IS 'internal: final function of mlops.psi aggregates';

CREATE AGGREGATE mlops.psi(value double precision, is_reference boolean) (
    SFUNC = mlops._drift_accum, STYPE = internal, SSPACE = 16384,
    FINALFUNC = mlops._psi_final,
    COMBINEFUNC = mlops._drift_combine,
    SERIALFUNC = mlops._drift_serialize, DESERIALFUNC = mlops._drift_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.psi(double precision, boolean) IS
    'population stability index over rows on 10 reference-quantile bins, as mlops.psi(float8[], float8[])';

CREATE AGGREGATE mlops.psi(value double precision, is_reference boolean, bins integer) (
    SFUNC = mlops._drift_accum, STYPE = internal, SSPACE = 16384,
    FINALFUNC = mlops._psi_final,
    COMBINEFUNC = mlops._drift_combine,
    SERIALFUNC = mlops._drift_serialize, DESERIALFUNC = mlops._drift_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.psi(double precision, boolean, integer) IS
    'population stability index over rows on bins reference-quantile bins, as mlops.psi(float8[], float8[], int)';

CREATE FUNCTION mlops.psi_threshold(n_ref bigint, n_cur bigint, bins integer DEFAULT 10,
                                    alpha double precision DEFAULT 0.05)
    RETURNS double precision
    LANGUAGE c STRICT IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_psi_threshold';
COMMENT ON FUNCTION mlops.psi_threshold(bigint, bigint, integer, double precision) IS
    'chi-square-calibrated critical PSI: chi2.ppf(1 - alpha, bins - 1) * (1/n_ref + 1/n_cur)';

CREATE FUNCTION mlops._chi2_ppf(p double precision, df double precision) RETURNS double precision
    LANGUAGE c STRICT IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_chi2_ppf';
COMMENT ON FUNCTION mlops._chi2_ppf(double precision, double precision) IS 'internal: chi-square quantile (as scipy.stats.chi2.ppf)';
CREATE FUNCTION mlops._chi2_sf(x double precision, df double precision) RETURNS double precision
    LANGUAGE c STRICT IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_chi2_sf';
COMMENT ON FUNCTION mlops._chi2_sf(double precision, double precision) IS 'internal: chi-square survival function (as scipy.stats.chi2.sf)';

-- Distances between numeric samples
CREATE FUNCTION mlops._wasserstein_final(internal) RETURNS double precision
    LANGUAGE c PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_wasserstein_final';
COMMENT ON FUNCTION mlops._wasserstein_final(internal) IS 'internal: final function of mlops.wasserstein';
CREATE FUNCTION mlops._jensen_shannon_final(internal) RETURNS double precision
    LANGUAGE c PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_jensen_shannon_final';
COMMENT ON FUNCTION mlops._jensen_shannon_final(internal) IS 'internal: final function of mlops.jensen_shannon';
CREATE FUNCTION mlops._hellinger_final(internal) RETURNS double precision
    LANGUAGE c PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_hellinger_final';
COMMENT ON FUNCTION mlops._hellinger_final(internal) IS 'internal: final function of mlops.hellinger';

CREATE AGGREGATE mlops.wasserstein(value double precision, is_reference boolean) (
    SFUNC = mlops._drift_accum, STYPE = internal, SSPACE = 16384,
    FINALFUNC = mlops._wasserstein_final,
    COMBINEFUNC = mlops._drift_combine,
    SERIALFUNC = mlops._drift_serialize, DESERIALFUNC = mlops._drift_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.wasserstein(double precision, boolean) IS
    'exact Wasserstein-1 (earth mover''s) distance between the reference and current samples, as scipy.stats.wasserstein_distance';

CREATE AGGREGATE mlops.jensen_shannon(value double precision, is_reference boolean) (
    SFUNC = mlops._drift_accum, STYPE = internal, SSPACE = 16384,
    FINALFUNC = mlops._jensen_shannon_final,
    COMBINEFUNC = mlops._drift_combine,
    SERIALFUNC = mlops._drift_serialize, DESERIALFUNC = mlops._drift_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.jensen_shannon(double precision, boolean) IS
    'Jensen-Shannon distance (natural log) on 10 reference-quantile bins, as scipy.spatial.distance.jensenshannon';
CREATE AGGREGATE mlops.jensen_shannon(value double precision, is_reference boolean, bins integer) (
    SFUNC = mlops._drift_accum, STYPE = internal, SSPACE = 16384,
    FINALFUNC = mlops._jensen_shannon_final,
    COMBINEFUNC = mlops._drift_combine,
    SERIALFUNC = mlops._drift_serialize, DESERIALFUNC = mlops._drift_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.jensen_shannon(double precision, boolean, integer) IS
    'Jensen-Shannon distance (natural log) on bins reference-quantile bins';

CREATE AGGREGATE mlops.hellinger(value double precision, is_reference boolean) (
    SFUNC = mlops._drift_accum, STYPE = internal, SSPACE = 16384,
    FINALFUNC = mlops._hellinger_final,
    COMBINEFUNC = mlops._drift_combine,
    SERIALFUNC = mlops._drift_serialize, DESERIALFUNC = mlops._drift_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.hellinger(double precision, boolean) IS
    'Hellinger distance ||sqrt(p) - sqrt(q)|| / sqrt(2) on 10 reference-quantile bins';
CREATE AGGREGATE mlops.hellinger(value double precision, is_reference boolean, bins integer) (
    SFUNC = mlops._drift_accum, STYPE = internal, SSPACE = 16384,
    FINALFUNC = mlops._hellinger_final,
    COMBINEFUNC = mlops._drift_combine,
    SERIALFUNC = mlops._drift_serialize, DESERIALFUNC = mlops._drift_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.hellinger(double precision, boolean, integer) IS
    'Hellinger distance on bins reference-quantile bins';

-- Categorical drift
CREATE FUNCTION mlops._cat_accum(internal, text, boolean) RETURNS internal
    LANGUAGE c PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_cat_accum';
COMMENT ON FUNCTION mlops._cat_accum(internal, text, boolean) IS 'internal: categorical drift transition (value, is_reference)';
CREATE FUNCTION mlops._cat_combine(internal, internal) RETURNS internal
    LANGUAGE c PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_cat_combine';
COMMENT ON FUNCTION mlops._cat_combine(internal, internal) IS 'internal: merge two partial categorical drift states';
CREATE FUNCTION mlops._cat_serialize(internal) RETURNS bytea
    LANGUAGE c STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_cat_serialize';
COMMENT ON FUNCTION mlops._cat_serialize(internal) IS 'internal: serialize a categorical drift state';
CREATE FUNCTION mlops._cat_deserialize(bytea, internal) RETURNS internal
    LANGUAGE c STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_cat_deserialize';
COMMENT ON FUNCTION mlops._cat_deserialize(bytea, internal) IS 'internal: deserialize a categorical drift state (checks every length)';
CREATE FUNCTION mlops._psi_categorical_final(internal) RETURNS double precision
    LANGUAGE c PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_psi_categorical_final';
COMMENT ON FUNCTION mlops._psi_categorical_final(internal) IS 'internal: final function of mlops.psi_categorical';
CREATE FUNCTION mlops._chi2_test_final(internal) RETURNS mlops.drift_result
    LANGUAGE c PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_chi2_test_final';
COMMENT ON FUNCTION mlops._chi2_test_final(internal) IS 'internal: final function of mlops.chi2_test';

CREATE AGGREGATE mlops.psi_categorical(value text, is_reference boolean) (
    SFUNC = mlops._cat_accum, STYPE = internal, SSPACE = 4096,
    FINALFUNC = mlops._psi_categorical_final,
    COMBINEFUNC = mlops._cat_combine,
    SERIALFUNC = mlops._cat_serialize, DESERIALFUNC = mlops._cat_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.psi_categorical(text, boolean) IS
    'population stability index over categories (one bin per category seen in either sample, same empty-share fill as psi)';

CREATE AGGREGATE mlops.chi2_test(value text, is_reference boolean) (
    SFUNC = mlops._cat_accum, STYPE = internal, SSPACE = 4096,
    FINALFUNC = mlops._chi2_test_final,
    COMBINEFUNC = mlops._cat_combine,
    SERIALFUNC = mlops._cat_serialize, DESERIALFUNC = mlops._cat_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.chi2_test(text, boolean) IS
    'chi-square test of homogeneity of categories between reference and current (scipy.stats.chi2_contingency without correction), p from the chi-square distribution with K-1 degrees of freedom';

-- Decoders of serialized aggregate states, with the deserializers' checks (for tests).
CREATE FUNCTION mlops._drift_state_info(state bytea) RETURNS text
    LANGUAGE c STRICT IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_drift_state_info';
COMMENT ON FUNCTION mlops._drift_state_info(bytea) IS 'internal: decode a serialized numeric drift state as _drift_deserialize does and describe it';
CREATE FUNCTION mlops._cat_state_info(state bytea) RETURNS text
    LANGUAGE c STRICT IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_cat_state_info';
COMMENT ON FUNCTION mlops._cat_state_info(bytea) IS 'internal: decode a serialized categorical drift state as _cat_deserialize does and describe it';
CREATE FUNCTION mlops._drift_state_encode(param integer, ref double precision[], cur double precision[]) RETURNS bytea
    LANGUAGE c STRICT IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_drift_state_encode';
COMMENT ON FUNCTION mlops._drift_state_encode(integer, double precision[], double precision[]) IS 'internal: the serialized numeric drift state of two samples (for tests)';
-- Functions that decode caller-supplied bytes: nobody but a superuser calls them
-- directly (the aggregates call their deserializers with the owner's rights).
REVOKE EXECUTE ON FUNCTION mlops._drift_deserialize(bytea, internal) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION mlops._cat_deserialize(bytea, internal) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION mlops._drift_state_info(bytea) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION mlops._cat_state_info(bytea) FROM PUBLIC;

-- ---- sql/mlops/41_sketch.sql
-- Sketch types for drift (API.md -> Drift statistics): mlops.histogram
-- (fixed edges, exact integer counts, slides over window frames) and
-- mlops.qsketch (a KLL quantile sketch with a rank-error bound). Both are
-- mergeable, parallel safe and meant to be stored: a reference profile is
-- computed once and every later window is compared with it.

-- ---- mlops.histogram ------------------------------------------------------
CREATE TYPE mlops.histogram;

CREATE FUNCTION mlops.histogram_in(cstring) RETURNS mlops.histogram
    AS 'MODULE_PATHNAME', 'mlops_histogram_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.histogram_in(cstring) IS 'input function of mlops.histogram: {"edges": [...], "counts": [...], "nan": n}';
CREATE FUNCTION mlops.histogram_out(mlops.histogram) RETURNS cstring
    AS 'MODULE_PATHNAME', 'mlops_histogram_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.histogram_out(mlops.histogram) IS 'output function of mlops.histogram (valid JSON)';
CREATE FUNCTION mlops.histogram_recv(internal) RETURNS mlops.histogram
    AS 'MODULE_PATHNAME', 'mlops_histogram_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.histogram_recv(internal) IS 'binary input function of mlops.histogram (validated)';
CREATE FUNCTION mlops.histogram_send(mlops.histogram) RETURNS bytea
    AS 'MODULE_PATHNAME', 'mlops_histogram_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.histogram_send(mlops.histogram) IS 'binary output function of mlops.histogram';

CREATE TYPE mlops.histogram (
    INPUT = mlops.histogram_in,
    OUTPUT = mlops.histogram_out,
    RECEIVE = mlops.histogram_recv,
    SEND = mlops.histogram_send,
    INTERNALLENGTH = VARIABLE,
    STORAGE = extended
);
COMMENT ON TYPE mlops.histogram IS 'fixed-edge histogram: edges (strictly increasing), exact counts of the bins below, between and above them (a value equal to an edge falls in the upper bin) and a NaN bin';

-- aggregate support (internal state)
CREATE FUNCTION mlops.histogram_trans(internal, double precision, double precision[]) RETURNS internal
    AS 'MODULE_PATHNAME', 'mlops_histogram_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.histogram_trans(internal, double precision, double precision[]) IS 'internal: transition function of mlops.histogram(float8, float8[])';
CREATE FUNCTION mlops.histogram_inv(internal, double precision, double precision[]) RETURNS internal
    AS 'MODULE_PATHNAME', 'mlops_histogram_inv' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.histogram_inv(internal, double precision, double precision[]) IS 'internal: exact inverse transition of mlops.histogram(float8, float8[]) for sliding window frames';
CREATE FUNCTION mlops.histogram_merge_trans(internal, mlops.histogram) RETURNS internal
    AS 'MODULE_PATHNAME', 'mlops_histogram_merge_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.histogram_merge_trans(internal, mlops.histogram) IS 'internal: transition function of mlops.merge(histogram)';
CREATE FUNCTION mlops.histogram_combine(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'mlops_histogram_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.histogram_combine(internal, internal) IS 'internal: combine function of the histogram aggregates';
CREATE FUNCTION mlops.histogram_serial(internal) RETURNS bytea
    AS 'MODULE_PATHNAME', 'mlops_histogram_serial' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.histogram_serial(internal) IS 'internal: serialization function of the histogram aggregates';
CREATE FUNCTION mlops.histogram_deserial(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'mlops_histogram_deserial' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.histogram_deserial(bytea, internal) IS 'internal: deserialization function of the histogram aggregates';
CREATE FUNCTION mlops.histogram_final(internal) RETURNS mlops.histogram
    AS 'MODULE_PATHNAME', 'mlops_histogram_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.histogram_final(internal) IS 'internal: final function of the histogram aggregates';

CREATE AGGREGATE mlops.histogram(value double precision, edges double precision[]) (
    SFUNC = mlops.histogram_trans,
    STYPE = internal,
    FINALFUNC = mlops.histogram_final,
    COMBINEFUNC = mlops.histogram_combine,
    SERIALFUNC = mlops.histogram_serial,
    DESERIALFUNC = mlops.histogram_deserial,
    MSFUNC = mlops.histogram_trans,
    MINVFUNC = mlops.histogram_inv,
    MSTYPE = internal,
    MFINALFUNC = mlops.histogram_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.histogram(double precision, double precision[]) IS 'histogram of value over fixed edges (the same on every row); NULL values skipped, NaN counted in its own bin; NULL for no values; slides over window frames with an exact inverse';

CREATE AGGREGATE mlops.merge(mlops.histogram) (
    SFUNC = mlops.histogram_merge_trans,
    STYPE = internal,
    FINALFUNC = mlops.histogram_final,
    COMBINEFUNC = mlops.histogram_combine,
    SERIALFUNC = mlops.histogram_serial,
    DESERIALFUNC = mlops.histogram_deserial,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.merge(mlops.histogram) IS 'sum of histograms with identical edges (an error otherwise); NULLs skipped';

CREATE FUNCTION mlops.psi(reference mlops.histogram, current mlops.histogram) RETURNS double precision
    AS 'MODULE_PATHNAME', 'mlops_histogram_psi' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.psi(mlops.histogram, mlops.histogram) IS 'population stability index between two histograms with the same edges (empty-bin fill as mlops.psi); the NaN bin counts when either side has NaN';
CREATE FUNCTION mlops.edges(mlops.histogram) RETURNS double precision[]
    AS 'MODULE_PATHNAME', 'mlops_histogram_edges' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.edges(mlops.histogram) IS 'the bin edges of a histogram';
CREATE FUNCTION mlops.counts(mlops.histogram) RETURNS bigint[]
    AS 'MODULE_PATHNAME', 'mlops_histogram_counts' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.counts(mlops.histogram) IS 'counts of the regular bins, low to high: below the first edge, between edges, at or above the last edge (one more than the edges)';
CREATE FUNCTION mlops.nan_count(mlops.histogram) RETURNS bigint
    AS 'MODULE_PATHNAME', 'mlops_histogram_nan_count' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.nan_count(mlops.histogram) IS 'count of NaN values in a histogram';
CREATE FUNCTION mlops.total(mlops.histogram) RETURNS bigint
    AS 'MODULE_PATHNAME', 'mlops_histogram_total' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.total(mlops.histogram) IS 'count of all values in a histogram, NaN included';

-- ---- mlops.qsketch --------------------------------------------------------
CREATE TYPE mlops.qsketch;

CREATE FUNCTION mlops.qsketch_in(cstring) RETURNS mlops.qsketch
    AS 'MODULE_PATHNAME', 'mlops_qsketch_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.qsketch_in(cstring) IS 'input function of mlops.qsketch (validated)';
CREATE FUNCTION mlops.qsketch_out(mlops.qsketch) RETURNS cstring
    AS 'MODULE_PATHNAME', 'mlops_qsketch_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.qsketch_out(mlops.qsketch) IS 'output function of mlops.qsketch';
CREATE FUNCTION mlops.qsketch_recv(internal) RETURNS mlops.qsketch
    AS 'MODULE_PATHNAME', 'mlops_qsketch_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.qsketch_recv(internal) IS 'binary input function of mlops.qsketch (every field and count validated)';
CREATE FUNCTION mlops.qsketch_send(mlops.qsketch) RETURNS bytea
    AS 'MODULE_PATHNAME', 'mlops_qsketch_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.qsketch_send(mlops.qsketch) IS 'binary output function of mlops.qsketch';

CREATE TYPE mlops.qsketch (
    INPUT = mlops.qsketch_in,
    OUTPUT = mlops.qsketch_out,
    RECEIVE = mlops.qsketch_recv,
    SEND = mlops.qsketch_send,
    INTERNALLENGTH = VARIABLE,
    STORAGE = extended
);
COMMENT ON TYPE mlops.qsketch IS 'mergeable KLL quantile sketch of float8 values (default k = 512: rank error about 0.5%, at most 16 kB); NaN counted apart';

CREATE FUNCTION mlops.qsketch_agg_trans(internal, double precision) RETURNS internal
    AS 'MODULE_PATHNAME', 'mlops_qsketch_agg_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.qsketch_agg_trans(internal, double precision) IS 'internal: transition function of mlops.qsketch_agg(float8)';
CREATE FUNCTION mlops.qsketch_agg_trans(internal, double precision, integer) RETURNS internal
    AS 'MODULE_PATHNAME', 'mlops_qsketch_agg_trans_k' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.qsketch_agg_trans(internal, double precision, integer) IS 'internal: transition function of mlops.qsketch_agg(float8, int)';
CREATE FUNCTION mlops.qsketch_merge_trans(internal, mlops.qsketch) RETURNS internal
    AS 'MODULE_PATHNAME', 'mlops_qsketch_merge_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.qsketch_merge_trans(internal, mlops.qsketch) IS 'internal: transition function of mlops.merge(qsketch)';
CREATE FUNCTION mlops.qsketch_combine(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'mlops_qsketch_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.qsketch_combine(internal, internal) IS 'internal: combine function of the qsketch aggregates';
CREATE FUNCTION mlops.qsketch_serial(internal) RETURNS bytea
    AS 'MODULE_PATHNAME', 'mlops_qsketch_serial' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.qsketch_serial(internal) IS 'internal: serialization function of the qsketch aggregates';
CREATE FUNCTION mlops.qsketch_deserial(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'mlops_qsketch_deserial' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.qsketch_deserial(bytea, internal) IS 'internal: deserialization function of the qsketch aggregates';
CREATE FUNCTION mlops.qsketch_final(internal) RETURNS mlops.qsketch
    AS 'MODULE_PATHNAME', 'mlops_qsketch_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.qsketch_final(internal) IS 'internal: final function of the qsketch aggregates';

CREATE AGGREGATE mlops.qsketch_agg(value double precision) (
    SFUNC = mlops.qsketch_agg_trans,
    STYPE = internal,
    FINALFUNC = mlops.qsketch_final,
    COMBINEFUNC = mlops.qsketch_combine,
    SERIALFUNC = mlops.qsketch_serial,
    DESERIALFUNC = mlops.qsketch_deserial,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.qsketch_agg(double precision) IS 'quantile sketch (k = 512) of value; NULLs skipped, NaN counted apart, NULL for no values';
CREATE AGGREGATE mlops.qsketch_agg(value double precision, k integer) (
    SFUNC = mlops.qsketch_agg_trans,
    STYPE = internal,
    FINALFUNC = mlops.qsketch_final,
    COMBINEFUNC = mlops.qsketch_combine,
    SERIALFUNC = mlops.qsketch_serial,
    DESERIALFUNC = mlops.qsketch_deserial,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.qsketch_agg(double precision, integer) IS 'quantile sketch of value with top capacity k (16 to 16384; error about 2.5/k)';
CREATE AGGREGATE mlops.merge(mlops.qsketch) (
    SFUNC = mlops.qsketch_merge_trans,
    STYPE = internal,
    FINALFUNC = mlops.qsketch_final,
    COMBINEFUNC = mlops.qsketch_combine,
    SERIALFUNC = mlops.qsketch_serial,
    DESERIALFUNC = mlops.qsketch_deserial,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.merge(mlops.qsketch) IS 'merge of quantile sketches (the smaller k wins); NULLs skipped';

CREATE FUNCTION mlops.quantile(sketch mlops.qsketch, q double precision) RETURNS double precision
    AS 'MODULE_PATHNAME', 'mlops_qsketch_quantile' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.quantile(mlops.qsketch, double precision) IS 'estimated percentile_disc(q) of the non-NaN values (exact while the sketch is exact; q = 0 and 1 give the exact min and max)';
CREATE FUNCTION mlops.cdf(sketch mlops.qsketch, x double precision) RETURNS double precision
    AS 'MODULE_PATHNAME', 'mlops_qsketch_cdf' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.cdf(mlops.qsketch, double precision) IS 'estimated share of the non-NaN values <= x';
CREATE FUNCTION mlops.rank_error(sketch mlops.qsketch) RETURNS double precision
    AS 'MODULE_PATHNAME', 'mlops_qsketch_rank_error' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.rank_error(mlops.qsketch) IS 'bound on |cdf error| of one query holding with probability >= 99% (0 for an exact sketch), from the sketch''s own compaction record';
CREATE FUNCTION mlops.ks(a mlops.qsketch, b mlops.qsketch,
                         OUT statistic double precision, OUT lower double precision, OUT upper double precision)
    AS 'MODULE_PATHNAME', 'mlops_qsketch_ks' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.ks(mlops.qsketch, mlops.qsketch) IS 'two-sample KS statistic of two sketches and an interval [lower, upper] that holds the exact D of the raw values (with probability >= 1 - 1e-6; always when the sketches are exact)';
CREATE FUNCTION mlops.psi(reference mlops.qsketch, current mlops.qsketch, bins integer DEFAULT 10) RETURNS double precision
    AS 'MODULE_PATHNAME', 'mlops_qsketch_psi' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.psi(mlops.qsketch, mlops.qsketch, integer) IS 'population stability index on bins cut at the reference sketch''s quantiles (2 to 10000 bins; a NaN bin when either side has NaN)';
CREATE FUNCTION mlops.quantile_edges(sketch mlops.qsketch, bins integer DEFAULT 10) RETURNS double precision[]
    AS 'MODULE_PATHNAME', 'mlops_qsketch_quantile_edges' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.quantile_edges(mlops.qsketch, integer) IS 'the sketch''s quantiles at 1/bins .. (bins-1)/bins without duplicates: edges for mlops.histogram()';
CREATE FUNCTION mlops.total(mlops.qsketch) RETURNS bigint
    AS 'MODULE_PATHNAME', 'mlops_qsketch_total' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.total(mlops.qsketch) IS 'count of all values summarised by a sketch, NaN included';
CREATE FUNCTION mlops.nan_count(mlops.qsketch) RETURNS bigint
    AS 'MODULE_PATHNAME', 'mlops_qsketch_nan_count' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.nan_count(mlops.qsketch) IS 'count of NaN values in a sketch (kept outside the quantile summary)';

-- ---- sql/mlops/99_finish.sql
-- Last part of the install script: roles created earlier (for example by
-- mlops.create_roles() in another database of this cluster) get their grants.
SELECT mlops._apply_grants();
