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
        IF EXISTS (SELECT 1 FROM mlops.experiments e WHERE e.name OPERATOR(pg_catalog.=) create_experiment.name
                      AND e.lifecycle_stage OPERATOR(pg_catalog.=) 'deleted') THEN
            -- as MLflow: a deleted experiment's name is taken until it is restored or purged
            RAISE EXCEPTION 'experiment "%" already exists and is deleted', name
                USING ERRCODE = 'unique_violation',
                      HINT = 'Restore it with mlops.restore_experiment(), or pick another name.';
        END IF;
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
                                tags jsonb DEFAULT '{}', parent_run uuid DEFAULT NULL,
                                start_time timestamptz DEFAULT pg_catalog.now()) RETURNS uuid
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
    IF start_time IS NULL THEN
        RAISE EXCEPTION 'start_time of a run in experiment "%" must not be null', experiment
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Leave it out for now().';
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
    INSERT INTO mlops.runs (experiment_id, name, status, parent_run_id, start_time)
    VALUES (eid, run_name, 'RUNNING', parent_run, start_run.start_time)
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
COMMENT ON FUNCTION mlops.start_run(text, text, jsonb, jsonb, uuid, timestamptz) IS 'start a RUNNING run (creating the experiment if missing) with its params and tags, at start_time (default now); the tag mlflow.runName names the run; returns the run id';

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
    -- the path is indexed (unique per run), and an index entry holds at most 2704 bytes
    IF pg_catalog.octet_length(path) OPERATOR(pg_catalog.>) 2048 THEN
        RAISE EXCEPTION 'artifact path is too long (% bytes, at most 2048)', pg_catalog.octet_length(path)
            USING ERRCODE = 'string_data_right_truncation',
                  DETAIL = pg_catalog.format('It starts with %L.', pg_catalog.left(path, 40));
    END IF;
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

CREATE FUNCTION mlops.end_run(run uuid, status text DEFAULT 'FINISHED',
                              end_time timestamptz DEFAULT pg_catalog.now()) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    cur text;
    creator name;
    started timestamptz;
BEGIN
    IF run IS NULL OR status IS NULL OR end_time IS NULL THEN
        RAISE EXCEPTION '% must not be null',
                        CASE WHEN run IS NULL THEN 'run' WHEN status IS NULL THEN 'status' ELSE 'end_time' END
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT mlops._status_ended(status) THEN
        RAISE EXCEPTION 'invalid end status "%"', status
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'A run ends as FINISHED, FAILED or KILLED.';
    END IF;
    -- waits for transactions still logging into the run (they hold FOR SHARE)
    SELECT r.status, r.created_by, r.start_time INTO cur, creator, started FROM mlops.runs r
     WHERE r.id OPERATOR(pg_catalog.=) run FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'run % does not exist', run USING ERRCODE = 'undefined_object';
    END IF;
    -- also when there is nothing to change: only its writers end a run
    PERFORM mlops._run_write_check(run, creator);
    IF cur OPERATOR(pg_catalog.=) status THEN
        RETURN;                         -- already ended this way
    END IF;
    IF mlops._status_ended(cur) THEN
        RAISE EXCEPTION 'run % has already ended (status %)', run, cur
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF end_time OPERATOR(pg_catalog.<) started THEN
        RAISE EXCEPTION 'run % cannot end at % before it started at %', run, end_time, started
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Give an end_time at or after the run''s start_time.';
    END IF;
    UPDATE mlops.runs r SET status = end_run.status, end_time = end_run.end_time
     WHERE r.id OPERATOR(pg_catalog.=) run;
END
$fn$;
COMMENT ON FUNCTION mlops.end_run(uuid, text, timestamptz) IS 'end a run as FINISHED, FAILED or KILLED at end_time (default now, not before its start); nothing can be logged into it afterwards';

-- Soft delete, as MLflow: a deleted run keeps its data, disappears from
-- searches and views, takes no logging and no changes until restored. Only
-- its writers (creator, members of that role, mlops_admin) delete or restore
-- it (mlops._runs_rules). Deleting a deleted run, or restoring an active
-- one, changes nothing.
CREATE FUNCTION mlops._set_run_lifecycle(run uuid, stage text) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    cur text;
    creator name;
BEGIN
    IF run IS NULL THEN
        RAISE EXCEPTION 'run must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- waits for transactions still logging into the run (they hold FOR SHARE)
    SELECT r.lifecycle_stage, r.created_by INTO cur, creator FROM mlops.runs r
     WHERE r.id OPERATOR(pg_catalog.=) run FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'run % does not exist', run USING ERRCODE = 'undefined_object';
    END IF;
    PERFORM mlops._run_write_check(run, creator);
    IF cur OPERATOR(pg_catalog.<>) stage THEN
        UPDATE mlops.runs r SET lifecycle_stage = stage WHERE r.id OPERATOR(pg_catalog.=) run;
    END IF;
END
$fn$;
COMMENT ON FUNCTION mlops._set_run_lifecycle(uuid, text) IS 'internal: mark a run active or deleted (its writers only)';

CREATE FUNCTION mlops.delete_run(run uuid) RETURNS void
    LANGUAGE sql
    SET search_path = pg_catalog, pg_temp
    BEGIN ATOMIC
        SELECT mlops._set_run_lifecycle(run, 'deleted');
    END;
COMMENT ON FUNCTION mlops.delete_run(uuid) IS 'soft-delete a run (MLflow delete_run): hidden from searches and views, read-only, restorable';

CREATE FUNCTION mlops.restore_run(run uuid) RETURNS void
    LANGUAGE sql
    SET search_path = pg_catalog, pg_temp
    BEGIN ATOMIC
        SELECT mlops._set_run_lifecycle(run, 'active');
    END;
COMMENT ON FUNCTION mlops.restore_run(uuid) IS 'restore a deleted run (MLflow restore_run)';

-- A deleted experiment keeps its runs with their own lifecycle stage: they
-- count as deleted (searches, views, no logging) while the experiment is,
-- and come back as they were when it is restored.
CREATE FUNCTION mlops._set_experiment_lifecycle(experiment text, stage text) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    eid bigint := mlops._experiment_id(experiment);
    cur text;
BEGIN
    -- one lifecycle change of an experiment at a time
    SELECT e.lifecycle_stage INTO cur FROM mlops.experiments e
     WHERE e.id OPERATOR(pg_catalog.=) eid FOR UPDATE;
    IF cur OPERATOR(pg_catalog.<>) stage THEN
        UPDATE mlops.experiments e SET lifecycle_stage = stage WHERE e.id OPERATOR(pg_catalog.=) eid;
    END IF;
END
$fn$;
COMMENT ON FUNCTION mlops._set_experiment_lifecycle(text, text) IS 'internal: mark an experiment active or deleted (its creator and admins only)';

CREATE FUNCTION mlops.delete_experiment(name text) RETURNS void
    LANGUAGE sql
    SET search_path = pg_catalog, pg_temp
    BEGIN ATOMIC
        SELECT mlops._set_experiment_lifecycle(name, 'deleted');
    END;
COMMENT ON FUNCTION mlops.delete_experiment(text) IS 'soft-delete an experiment (MLflow delete_experiment): it and its runs are hidden and read-only, its name stays taken; restorable';

CREATE FUNCTION mlops.restore_experiment(name text) RETURNS void
    LANGUAGE sql
    SET search_path = pg_catalog, pg_temp
    BEGIN ATOMIC
        SELECT mlops._set_experiment_lifecycle(name, 'active');
    END;
COMMENT ON FUNCTION mlops.restore_experiment(text) IS 'restore a deleted experiment; its runs come back with their own lifecycle stage';

CREATE FUNCTION mlops.set_experiment_tag(experiment text, key text, value text) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    eid bigint := mlops._experiment_id(experiment);
BEGIN
    PERFORM mlops._check_text('experiment tag key', key, 250);
    IF key OPERATOR(pg_catalog.~) '[\x01-\x1f\x7f]' THEN
        RAISE EXCEPTION 'tag key % of experiment "%" contains a control character', pg_catalog.to_json(key), experiment
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Keys may not contain control characters such as newlines or tabs.';
    END IF;
    PERFORM mlops._check_text(pg_catalog.format('value of tag "%s" of experiment "%s"', key, experiment), value, 8000, true);
    UPDATE mlops.experiments e
       SET tags = e.tags OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(set_experiment_tag.key, set_experiment_tag.value)
     WHERE e.id OPERATOR(pg_catalog.=) eid
       AND e.tags OPERATOR(pg_catalog.->>) set_experiment_tag.key IS DISTINCT FROM set_experiment_tag.value;
END
$fn$;
COMMENT ON FUNCTION mlops.set_experiment_tag(text, text, text) IS 'set or overwrite a tag of an active experiment (in experiments.tags)';

CREATE FUNCTION mlops.delete_tag(run uuid, key text) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    stage text;
BEGIN
    IF run IS NULL OR key IS NULL THEN
        RAISE EXCEPTION '% must not be null', CASE WHEN run IS NULL THEN 'run' ELSE 'key' END
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT r.lifecycle_stage INTO stage FROM mlops.runs r WHERE r.id OPERATOR(pg_catalog.=) run;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'run % does not exist', run USING ERRCODE = 'undefined_object';
    END IF;
    IF stage OPERATOR(pg_catalog.=) 'deleted' THEN
        RAISE EXCEPTION 'run % is deleted: cannot delete its tag "%"', run, key
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Restore it with mlops.restore_run() first.';
    END IF;
    -- the guard on mlops.tags refuses ended runs and other writers' runs
    DELETE FROM mlops.tags t
     WHERE t.run_id OPERATOR(pg_catalog.=) delete_tag.run AND t.key OPERATOR(pg_catalog.=) delete_tag.key;
    IF NOT FOUND THEN
        -- as MLflow: deleting a tag the run does not have is an error
        RAISE EXCEPTION 'tag "%" of run % does not exist', key, run
            USING ERRCODE = 'undefined_object';
    END IF;
END
$fn$;
COMMENT ON FUNCTION mlops.delete_tag(uuid, text) IS 'delete a tag of an open run (an error when the run has no such tag)';

CREATE FUNCTION mlops.rename_run(run uuid, name text) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
BEGIN
    IF run IS NULL THEN
        RAISE EXCEPTION 'run must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM mlops._check_text(pg_catalog.format('new name of run %s', run), name, 250);
    IF NOT EXISTS (SELECT 1 FROM mlops.runs r WHERE r.id OPERATOR(pg_catalog.=) run) THEN
        RAISE EXCEPTION 'run % does not exist', run USING ERRCODE = 'undefined_object';
    END IF;
    -- mlops._runs_rules checks the writer and a deleted run; the tag
    -- mlflow.runName follows (also on an ended run, whose name may change)
    UPDATE mlops.runs r SET name = rename_run.name
     WHERE r.id OPERATOR(pg_catalog.=) run AND r.name IS DISTINCT FROM rename_run.name;
END
$fn$;
COMMENT ON FUNCTION mlops.rename_run(uuid, text) IS 'rename a run (open or ended); its tag mlflow.runName follows';

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
REVOKE ALL ON FUNCTION mlops.start_run(text, text, jsonb, jsonb, uuid, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION mlops.log_param(uuid, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION mlops.log_params(uuid, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION mlops.log_metric(uuid, text, double precision, bigint, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION mlops.log_metrics(uuid, jsonb, bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION mlops.log_metrics(uuid, text[], double precision[], bigint[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION mlops.set_tag(uuid, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION mlops.log_artifact(uuid, text, text, text, bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION mlops.log_input(uuid, text, integer, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION mlops.end_run(uuid, text, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION mlops._set_run_lifecycle(uuid, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION mlops.delete_run(uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION mlops.restore_run(uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION mlops._set_experiment_lifecycle(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION mlops.delete_experiment(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION mlops.restore_experiment(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION mlops.set_experiment_tag(text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION mlops.delete_tag(uuid, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION mlops.rename_run(uuid, text) FROM PUBLIC;

INSERT INTO mlops.role_grants (role_name, privileges, object_kind, object_name) VALUES
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops.create_experiment(text, jsonb)'),
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops.start_run(text, text, jsonb, jsonb, uuid, timestamptz)'),
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops.log_param(uuid, text, text)'),
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops.log_params(uuid, jsonb)'),
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops.log_metric(uuid, text, double precision, bigint, timestamptz)'),
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops.log_metrics(uuid, jsonb, bigint)'),
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops.log_metrics(uuid, text[], double precision[], bigint[])'),
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops.set_tag(uuid, text, text)'),
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops.log_artifact(uuid, text, text, text, bigint)'),
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops.log_input(uuid, text, integer, text)'),
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops.end_run(uuid, text, timestamptz)'),
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops._set_run_lifecycle(uuid, text)'),
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops.delete_run(uuid)'),
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops.restore_run(uuid)'),
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops._set_experiment_lifecycle(text, text)'),
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops.delete_experiment(text)'),
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops.restore_experiment(text)'),
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops.set_experiment_tag(text, text, text)'),
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops.delete_tag(uuid, text)'),
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops.rename_run(uuid, text)');
