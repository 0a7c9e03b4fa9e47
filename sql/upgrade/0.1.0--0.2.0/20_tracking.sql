-- mlops 0.1.0 -> 0.2.0, tracking (sql/mlops/2*_tracking*.sql): turns a 0.1.0
-- catalog into what the 0.2.0 install script creates.

-- The params rule finds an existing param by a probe of the unique
-- (run_id, key) index instead of a cached plan steered by enable_seqscan = off,
-- and leaves a row with the same value to the unique index (a plain INSERT
-- gets 23505 instead of no row; ON CONFLICT applies).
CREATE FUNCTION mlops._param_value(run uuid, key text) RETURNS text
    AS 'MODULE_PATHNAME', 'mlops_param_value' LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION mlops._param_value(uuid, text) IS 'internal: the value of a run''s param (NULL when unset), by the unique (run_id, key) index of mlops.params';

CREATE OR REPLACE FUNCTION mlops._params_rules() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    old_value text;
BEGIN
    IF mlops._restoring() THEN
        RETURN NEW;
    END IF;
    PERFORM mlops._check_text('param key', NEW.key, 250);
    IF NEW.key OPERATOR(pg_catalog.~) '[\x01-\x1f\x7f]' THEN
        RAISE EXCEPTION 'param key % contains a control character', pg_catalog.to_json(NEW.key)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Keys may not contain control characters such as newlines or tabs.';
    END IF;
    PERFORM mlops._check_text(pg_catalog.format('value of param "%s"', NEW.key), NEW.value, 8000, true);
    IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN
        IF (NEW.run_id, NEW.key) IS DISTINCT FROM (OLD.run_id, OLD.key) THEN
            RAISE EXCEPTION 'param "%" of run % cannot be moved or renamed', OLD.key, OLD.run_id
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = 'Params are immutable once set.';
        END IF;
        old_value := OLD.value;
    ELSE
        old_value := mlops._param_value(NEW.run_id, NEW.key);
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

-- Param and tag keys refuse control characters.
CREATE OR REPLACE FUNCTION mlops._tags_rules() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF mlops._restoring() THEN
        RETURN NEW;
    END IF;
    PERFORM mlops._check_text('tag key', NEW.key, 250);
    IF NEW.key OPERATOR(pg_catalog.~) '[\x01-\x1f\x7f]' THEN
        RAISE EXCEPTION 'tag key % contains a control character', pg_catalog.to_json(NEW.key)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Keys may not contain control characters such as newlines or tabs.';
    END IF;
    PERFORM mlops._check_text(pg_catalog.format('value of tag "%s"', NEW.key), NEW.value, 8000, true);
    RETURN NEW;
END
$fn$;
COMMENT ON FUNCTION mlops._tags_rules() IS 'internal trigger: tag key and value limits';

-- Run parents form no cycle (also under concurrent parent changes).
CREATE FUNCTION mlops._check_run_ancestry(run uuid, parent uuid, lock_rows boolean) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    cur uuid := parent;
    steps integer := 0;
BEGIN
    WHILE cur IS NOT NULL LOOP
        IF cur OPERATOR(pg_catalog.=) run THEN
            RAISE EXCEPTION 'run % cannot have parent %: the parent descends from it', run, parent
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Run parents form a tree; choose a parent outside this run''s descendants.';
        END IF;
        steps := steps OPERATOR(pg_catalog.+) 1;
        IF steps OPERATOR(pg_catalog.>) 10000 THEN
            RAISE EXCEPTION 'run % has more than 10000 ancestors', parent
                USING ERRCODE = 'program_limit_exceeded';
        END IF;
        IF lock_rows THEN
            SELECT r.parent_run_id INTO cur FROM mlops.runs r WHERE r.id OPERATOR(pg_catalog.=) cur FOR SHARE OF r;
        ELSE
            SELECT r.parent_run_id INTO cur FROM mlops.runs r WHERE r.id OPERATOR(pg_catalog.=) cur;
        END IF;
    END LOOP;
END
$fn$;
COMMENT ON FUNCTION mlops._check_run_ancestry(uuid, uuid, boolean) IS 'internal: refuse a parent that descends from the run (a cycle of run parents)';

CREATE FUNCTION mlops._runs_parent_lock() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF NOT mlops._restoring() THEN
        PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('mlops.run_parents'));
    END IF;
    RETURN NULL;
END
$fn$;
COMMENT ON FUNCTION mlops._runs_parent_lock() IS 'internal trigger: serialize changes of run parents (transaction advisory lock)';

CREATE OR REPLACE FUNCTION mlops._runs_rules() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF mlops._restoring() THEN
        RETURN NEW;
    END IF;
    IF TG_OP OPERATOR(pg_catalog.=) 'INSERT' THEN
        NEW.created_by := COALESCE(NEW.created_by, SESSION_USER);
        PERFORM mlops._run_creator_check(NEW.id, NEW.created_by);
    ELSE
        PERFORM mlops._run_write_check(OLD.id, OLD.created_by);
        IF NEW.created_by IS DISTINCT FROM OLD.created_by THEN
            PERFORM mlops._run_creator_check(OLD.id, NEW.created_by);
        END IF;
    END IF;
    IF NOT (NEW.status OPERATOR(pg_catalog.=) ANY
            (ARRAY['SCHEDULED', 'RUNNING', 'FINISHED', 'FAILED', 'KILLED'])) THEN
        RAISE EXCEPTION 'invalid run status "%"', NEW.status
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use SCHEDULED, RUNNING, FINISHED, FAILED or KILLED.';
    END IF;
    IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN
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
        IF NEW.start_time IS DISTINCT FROM OLD.start_time AND mlops._run_has_metrics(OLD.id) THEN
            RAISE EXCEPTION 'start_time of run % cannot change: metrics were logged into it', OLD.id
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = pg_catalog.format('start_time %s, new start_time %s.', OLD.start_time, NEW.start_time),
                      HINT = 'A run''s start is fixed once it has metric points.';
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
    IF NEW.parent_run_id IS NOT NULL AND (TG_OP OPERATOR(pg_catalog.=) 'INSERT'
       OR NEW.parent_run_id IS DISTINCT FROM OLD.parent_run_id) THEN
        PERFORM mlops._check_run_ancestry(NEW.id, NEW.parent_run_id, TG_OP OPERATOR(pg_catalog.=) 'UPDATE');
    END IF;
    RETURN NEW;
END
$fn$;
COMMENT ON FUNCTION mlops._runs_rules() IS 'internal trigger: run writers, status, end_time, start_time and created_by rules';

CREATE TRIGGER runs_05_parent_lock BEFORE UPDATE OF parent_run_id ON mlops.runs
    FOR EACH STATEMENT EXECUTE FUNCTION mlops._runs_parent_lock();
COMMENT ON TRIGGER runs_05_parent_lock ON mlops.runs IS 'one change of run parents at a time, locked before any row (no cycle from concurrent changes)';

-- Only a run's creator writes to it (mlops._runs_rules above; the guard,
-- log_metric and log_metrics in src/tracking/tracking.c): the role in
-- created_by, its members, members of mlops_admin. start_time is fixed once
-- metrics are logged.
CREATE FUNCTION mlops._run_write_check(run uuid, created_by name) RETURNS void
    AS 'MODULE_PATHNAME', 'mlops_run_write_check' LANGUAGE C;
COMMENT ON FUNCTION mlops._run_write_check(uuid, name) IS 'internal: refuse (42501) a change of a run the session user may not write';

CREATE FUNCTION mlops._run_creator_check(run uuid, created_by name) RETURNS void
    AS 'MODULE_PATHNAME', 'mlops_run_creator_check' LANGUAGE C STRICT;
COMMENT ON FUNCTION mlops._run_creator_check(uuid, name) IS 'internal: refuse a created_by other than the session user or a role it writes runs of';

-- Read as the owner with the latest snapshot, so that a point committed
-- after a REPEATABLE READ snapshot counts too; the caller needs SELECT on
-- mlops.metrics.
CREATE FUNCTION mlops._run_has_metrics(run uuid) RETURNS boolean
    AS 'MODULE_PATHNAME', 'mlops_run_has_metrics' LANGUAGE C STRICT;
COMMENT ON FUNCTION mlops._run_has_metrics(uuid) IS 'internal: whether metric points were logged into the run';
COMMENT ON FUNCTION mlops._run_guard() IS 'internal trigger: refuse rows for unknown or ended runs and runs the session user may not write; locks the run FOR SHARE';

CREATE OR REPLACE FUNCTION mlops.end_run(run uuid, status text DEFAULT 'FINISHED') RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    cur text;
    creator name;
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
    SELECT r.status, r.created_by INTO cur, creator FROM mlops.runs r
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
    UPDATE mlops.runs r SET status = end_run.status WHERE r.id OPERATOR(pg_catalog.=) run;
END
$fn$;

COMMENT ON TRIGGER metrics_10_guard ON mlops.metrics IS 'refuse rows for unknown or ended runs and runs the session user may not write (locks the run FOR SHARE)';
COMMENT ON TRIGGER params_10_guard ON mlops.params IS 'refuse rows for unknown or ended runs and runs the session user may not write (locks the run FOR SHARE)';
COMMENT ON TRIGGER tags_10_guard ON mlops.tags IS 'refuse rows for unknown or ended runs and runs the session user may not write (locks the run FOR SHARE)';
COMMENT ON TRIGGER artifacts_10_guard ON mlops.artifacts IS 'refuse rows for unknown or ended runs and runs the session user may not write (locks the run FOR SHARE)';
COMMENT ON TRIGGER run_inputs_10_guard ON mlops.run_inputs IS 'refuse rows for unknown or ended runs and runs the session user may not write (locks the run FOR SHARE)';
COMMENT ON TRIGGER runs_10_rules ON mlops.runs IS 'who writes a run, and the validation rules of this table';

-- A param or tag value may have 8000 characters, but a btree entry holds at
-- most 2704 bytes: an incompressible value of more than about 2.7 kB could not
-- be stored. Equality lookups by value go through hash indexes instead.
DROP INDEX mlops.params_key_value_idx;
CREATE INDEX params_value_idx ON mlops.params USING hash (value);
COMMENT ON INDEX mlops.params_value_idx IS 'runs by param value (equality); a hash index, since a btree entry holds at most 2704 bytes and a value may have 8000 characters';
DROP INDEX mlops.tags_key_value_idx;
CREATE INDEX tags_value_idx ON mlops.tags USING hash (value);
COMMENT ON INDEX mlops.tags_value_idx IS 'runs by tag value (equality); a hash index, since a btree entry holds at most 2704 bytes and a value may have 8000 characters';

-- An artifact path of up to 1024 characters could exceed what its unique
-- index holds (2704 bytes) with multi-byte characters: at most 2048 bytes too.
ALTER TABLE mlops.artifacts DROP CONSTRAINT artifacts_path_length;
ALTER TABLE mlops.artifacts ADD CONSTRAINT artifacts_path_length
    CHECK (pg_catalog.char_length(path) OPERATOR(pg_catalog.<=) 1024 AND path OPERATOR(pg_catalog.<>) ''
           AND pg_catalog.octet_length(path) OPERATOR(pg_catalog.<=) 2048);
CREATE OR REPLACE FUNCTION mlops.log_artifact(run uuid, path text, uri text, sha256 text DEFAULT NULL,
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
