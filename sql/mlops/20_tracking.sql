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
--
-- Ids are GENERATED ALWAYS: an INSERT or UPDATE that names an id is refused
-- instead of taking an id the sequence hands out later, which would make
-- other users' inserts fail. COPY and INSERT ... OVERRIDING SYSTEM VALUE
-- take given ids (pg_restore keeps the dumped ones that way); for every role
-- but a superuser the tables' triggers refuse an id the sequence has not
-- handed out (sql/mlops/29_row_ids.sql).

CREATE TABLE mlops.experiments (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL UNIQUE
                CONSTRAINT experiments_name_length CHECK (pg_catalog.char_length(name) OPERATOR(pg_catalog.<=) 500
                                                          AND name OPERATOR(pg_catalog.<>) ''),
    tags        jsonb NOT NULL DEFAULT '{}'
                CONSTRAINT experiments_tags_object CHECK (pg_catalog.jsonb_typeof(tags) OPERATOR(pg_catalog.=) 'object'),
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by  name NOT NULL DEFAULT SESSION_USER,
    -- MLflow's soft delete: a deleted experiment keeps its name (and its
    -- runs) until it is restored or purged
    lifecycle_stage  text NOT NULL DEFAULT 'active'
                     CONSTRAINT experiments_lifecycle_stage_valid
                     CHECK (lifecycle_stage OPERATOR(pg_catalog.=) ANY (ARRAY['active', 'deleted'])),
    last_update_time timestamptz NOT NULL DEFAULT pg_catalog.now(),
    deleted_time     timestamptz,
    CONSTRAINT experiments_deleted_time_deleted
        CHECK (deleted_time IS NULL OR lifecycle_stage OPERATOR(pg_catalog.=) 'deleted')
);
COMMENT ON TABLE mlops.experiments IS 'experiments: named groups of runs (names unique, 1..500 characters)';
COMMENT ON COLUMN mlops.experiments.lifecycle_stage IS 'active, or deleted (mlops.delete_experiment(): hidden from searches, name still taken; mlops.restore_experiment() brings it back)';
COMMENT ON COLUMN mlops.experiments.last_update_time IS 'last change of the experiment itself (tags, lifecycle stage), as MLflow''s last_update_time';
COMMENT ON COLUMN mlops.experiments.deleted_time IS 'when the experiment was deleted; NULL while it is active';

CREATE TABLE mlops.runs (
    -- not an identity: clients choose run ids (MLflow-style imports), and a
    -- chosen uuid cannot be one that gen_random_uuid() draws later
    id             uuid PRIMARY KEY DEFAULT pg_catalog.gen_random_uuid(),
    experiment_id  bigint NOT NULL REFERENCES mlops.experiments (id),
    name           text CONSTRAINT runs_name_length CHECK (pg_catalog.char_length(name) OPERATOR(pg_catalog.<=) 250),
    status         text NOT NULL DEFAULT 'RUNNING'
                   CHECK (status OPERATOR(pg_catalog.=) ANY
                          (ARRAY['SCHEDULED', 'RUNNING', 'FINISHED', 'FAILED', 'KILLED'])),
    start_time     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    end_time       timestamptz,
    created_by     name NOT NULL DEFAULT SESSION_USER,
    parent_run_id  uuid REFERENCES mlops.runs (id),
    lifecycle_stage text NOT NULL DEFAULT 'active'
                    CONSTRAINT runs_lifecycle_stage_valid
                    CHECK (lifecycle_stage OPERATOR(pg_catalog.=) ANY (ARRAY['active', 'deleted'])),
    deleted_time    timestamptz,
    artifact_uri    text CONSTRAINT runs_artifact_uri_length
                    CHECK (pg_catalog.char_length(artifact_uri) OPERATOR(pg_catalog.<=) 2048
                           AND artifact_uri OPERATOR(pg_catalog.<>) ''),
    CONSTRAINT runs_deleted_time_deleted
        CHECK (deleted_time IS NULL OR lifecycle_stage OPERATOR(pg_catalog.=) 'deleted')
);
CREATE INDEX runs_experiment_start_idx ON mlops.runs (experiment_id, start_time);
CREATE INDEX runs_experiment_name_idx ON mlops.runs (experiment_id, name);
CREATE INDEX runs_parent_idx ON mlops.runs (parent_run_id) WHERE parent_run_id IS NOT NULL;
COMMENT ON TABLE mlops.runs IS 'runs: one training or evaluation execution; status SCHEDULED, RUNNING, FINISHED, FAILED or KILLED';
COMMENT ON COLUMN mlops.runs.lifecycle_stage IS 'active, or deleted (mlops.delete_run(): hidden from searches and views, no logging; mlops.restore_run() brings it back)';
COMMENT ON COLUMN mlops.runs.deleted_time IS 'when the run was deleted; NULL while it is active';
COMMENT ON COLUMN mlops.runs.artifact_uri IS 'root of the run''s artifact store (MLflow''s artifact_uri), 1..2048 characters; NULL when the run keeps no artifact root';

CREATE TABLE mlops.params (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id  uuid NOT NULL REFERENCES mlops.runs (id) ON DELETE CASCADE,
    key     text NOT NULL CONSTRAINT params_key_length
            CHECK (pg_catalog.char_length(key) OPERATOR(pg_catalog.<=) 250 AND key OPERATOR(pg_catalog.<>) ''),
    value   text NOT NULL CONSTRAINT params_value_length
            CHECK (pg_catalog.char_length(value) OPERATOR(pg_catalog.<=) 8000),
    UNIQUE (run_id, key)
);
CREATE INDEX params_value_idx ON mlops.params USING hash (value);
COMMENT ON INDEX mlops.params_value_idx IS 'runs by param value (equality); a hash index, since a btree entry holds at most 2704 bytes and a value may have 8000 characters';
COMMENT ON TABLE mlops.params IS 'run parameters; immutable once set (key 1..250 characters, value <= 8000)';

CREATE TABLE mlops.tags (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id  uuid NOT NULL REFERENCES mlops.runs (id) ON DELETE CASCADE,
    key     text NOT NULL CONSTRAINT tags_key_length
            CHECK (pg_catalog.char_length(key) OPERATOR(pg_catalog.<=) 250 AND key OPERATOR(pg_catalog.<>) ''),
    value   text NOT NULL CONSTRAINT tags_value_length
            CHECK (pg_catalog.char_length(value) OPERATOR(pg_catalog.<=) 8000),
    UNIQUE (run_id, key)
);
CREATE INDEX tags_value_idx ON mlops.tags USING hash (value);
COMMENT ON INDEX mlops.tags_value_idx IS 'runs by tag value (equality); a hash index, since a btree entry holds at most 2704 bytes and a value may have 8000 characters';
COMMENT ON TABLE mlops.tags IS 'run tags; may be overwritten while the run is open (key 1..250 characters, value <= 8000)';

CREATE TABLE mlops.metrics (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id  uuid NOT NULL REFERENCES mlops.runs (id) ON DELETE CASCADE,
    key     text NOT NULL,
    step    bigint NOT NULL,
    ts      timestamptz NOT NULL,
    value   double precision NOT NULL,
    UNIQUE (run_id, key)
);
COMMENT ON TABLE mlops.latest_metrics IS 'the latest value per (run, key): highest step, then latest ts, then the largest value (NaN as 0, as MLflow); maintained by a trigger on mlops.metrics';

CREATE TABLE mlops.artifacts (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id      uuid NOT NULL REFERENCES mlops.runs (id) ON DELETE CASCADE,
    path        text NOT NULL CONSTRAINT artifacts_path_length
                CHECK (pg_catalog.char_length(path) OPERATOR(pg_catalog.<=) 1024 AND path OPERATOR(pg_catalog.<>) ''
                       AND pg_catalog.octet_length(path) OPERATOR(pg_catalog.<=) 2048),
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
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
