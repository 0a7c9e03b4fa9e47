-- mlops 0.1.0 -> 0.2.0, coming from MLflow (sql/mlops/2*_tracking*.sql):
-- lifecycle stages of experiments and runs, an experiment's last update
-- time, a run's artifact root. Columns are added in the order of the
-- CREATE TABLE of a fresh install.

ALTER TABLE mlops.experiments
    ADD COLUMN lifecycle_stage text NOT NULL DEFAULT 'active'
        CONSTRAINT experiments_lifecycle_stage_valid
        CHECK (lifecycle_stage OPERATOR(pg_catalog.=) ANY (ARRAY['active', 'deleted'])),
    ADD COLUMN last_update_time timestamptz,
    ADD COLUMN deleted_time timestamptz,
    ADD CONSTRAINT experiments_deleted_time_deleted
        CHECK (deleted_time IS NULL OR lifecycle_stage OPERATOR(pg_catalog.=) 'deleted');
-- an experiment of 0.1.0 was last changed, as far as anyone knows, when it was created
UPDATE mlops.experiments SET last_update_time = created_at;
ALTER TABLE mlops.experiments
    ALTER COLUMN last_update_time SET DEFAULT pg_catalog.now(),
    ALTER COLUMN last_update_time SET NOT NULL;
COMMENT ON COLUMN mlops.experiments.lifecycle_stage IS 'active, or deleted (mlops.delete_experiment(): hidden from searches, name still taken; mlops.restore_experiment() brings it back)';
COMMENT ON COLUMN mlops.experiments.last_update_time IS 'last change of the experiment itself (tags, lifecycle stage), as MLflow''s last_update_time';
COMMENT ON COLUMN mlops.experiments.deleted_time IS 'when the experiment was deleted; NULL while it is active';

ALTER TABLE mlops.runs
    ADD COLUMN lifecycle_stage text NOT NULL DEFAULT 'active'
        CONSTRAINT runs_lifecycle_stage_valid
        CHECK (lifecycle_stage OPERATOR(pg_catalog.=) ANY (ARRAY['active', 'deleted'])),
    ADD COLUMN deleted_time timestamptz,
    ADD COLUMN artifact_uri text CONSTRAINT runs_artifact_uri_length
        CHECK (pg_catalog.char_length(artifact_uri) OPERATOR(pg_catalog.<=) 2048
               AND artifact_uri OPERATOR(pg_catalog.<>) ''),
    ADD CONSTRAINT runs_deleted_time_deleted
        CHECK (deleted_time IS NULL OR lifecycle_stage OPERATOR(pg_catalog.=) 'deleted');
COMMENT ON COLUMN mlops.runs.lifecycle_stage IS 'active, or deleted (mlops.delete_run(): hidden from searches and views, no logging; mlops.restore_run() brings it back)';
COMMENT ON COLUMN mlops.runs.deleted_time IS 'when the run was deleted; NULL while it is active';
COMMENT ON COLUMN mlops.runs.artifact_uri IS 'root of the run''s artifact store (MLflow''s artifact_uri), 1..2048 characters; NULL when the run keeps no artifact root';

-- r.* of a BEGIN ATOMIC body is expanded when the function is created:
-- created again, it returns the new columns too
CREATE OR REPLACE FUNCTION mlops.runs_named(experiment text, run_name text) RETURNS SETOF mlops.runs
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    BEGIN ATOMIC
    SELECT r.* FROM mlops.runs r
     WHERE r.experiment_id OPERATOR(pg_catalog.=) mlops._experiment_id(experiment)
       AND r.name OPERATOR(pg_catalog.=) run_name
     ORDER BY r.start_time DESC, r.id DESC;
    END;

-- A deleted run stays as it is until restored; a deleted experiment takes
-- no new active runs.
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
        -- a deleted experiment takes no new active runs (an import may add deleted ones)
        IF NEW.lifecycle_stage OPERATOR(pg_catalog.=) 'active' AND EXISTS
           (SELECT 1 FROM mlops.experiments e WHERE e.id OPERATOR(pg_catalog.=) NEW.experiment_id
               AND e.lifecycle_stage OPERATOR(pg_catalog.=) 'deleted') THEN
            RAISE EXCEPTION 'experiment "%" is deleted: it takes no new runs',
                            (SELECT e.name FROM mlops.experiments e WHERE e.id OPERATOR(pg_catalog.=) NEW.experiment_id)
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = 'Restore it with mlops.restore_experiment(), or use another experiment.';
        END IF;
    ELSE
        PERFORM mlops._run_write_check(OLD.id, OLD.created_by);
        IF NEW.created_by IS DISTINCT FROM OLD.created_by THEN
            PERFORM mlops._run_creator_check(OLD.id, NEW.created_by);
        END IF;
        -- a deleted run is read-only until restored (MLflow: "must be active")
        IF OLD.lifecycle_stage OPERATOR(pg_catalog.=) 'deleted' AND NEW.lifecycle_stage OPERATOR(pg_catalog.=) 'deleted'
           AND (NEW.name, NEW.status, NEW.start_time, NEW.end_time, NEW.parent_run_id, NEW.artifact_uri,
                NEW.created_by, NEW.deleted_time)
               IS DISTINCT FROM (OLD.name, OLD.status, OLD.start_time, OLD.end_time, OLD.parent_run_id,
                                 OLD.artifact_uri, OLD.created_by, OLD.deleted_time) THEN
            RAISE EXCEPTION 'run % is deleted: it cannot change', OLD.id
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = 'Restore it with mlops.restore_run() first.';
        END IF;
        IF NEW.lifecycle_stage IS DISTINCT FROM OLD.lifecycle_stage THEN
            NEW.deleted_time := CASE WHEN NEW.lifecycle_stage OPERATOR(pg_catalog.=) 'deleted'
                                     THEN COALESCE(NEW.deleted_time, pg_catalog.now()) END;
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
COMMENT ON FUNCTION mlops._runs_rules() IS 'internal trigger: run writers, status, end_time, start_time, created_by and lifecycle rules';


-- Coming from MLflow: an experiment's lifecycle and last update time, and
-- the tag mlflow.runName that mirrors a run's name.

-- Experiments: deleted_time follows lifecycle_stage, last_update_time
-- follows every change; a deleted experiment keeps its name and tags until
-- restored. Deleting or restoring is for the experiment's creator (members
-- of that role) and mlops_admin; its name and tags stay open to writers as
-- before.
CREATE FUNCTION mlops._experiments_lifecycle() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF mlops._restoring() THEN
        RETURN NEW;
    END IF;
    IF OLD.lifecycle_stage OPERATOR(pg_catalog.=) 'deleted' AND NEW.lifecycle_stage OPERATOR(pg_catalog.=) 'deleted'
       AND (NEW.name, NEW.tags, NEW.deleted_time) IS DISTINCT FROM (OLD.name, OLD.tags, OLD.deleted_time) THEN
        RAISE EXCEPTION 'experiment "%" is deleted: it cannot change', OLD.name
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Restore it with mlops.restore_experiment() first.';
    END IF;
    IF NEW.lifecycle_stage IS DISTINCT FROM OLD.lifecycle_stage THEN
        IF OLD.created_by OPERATOR(pg_catalog.<>) SESSION_USER
           AND NOT (pg_catalog.to_regrole('mlops_admin') IS NOT NULL
                    AND pg_catalog.pg_has_role(SESSION_USER, 'mlops_admin', 'MEMBER'))
           AND NOT (pg_catalog.to_regrole(OLD.created_by::text) IS NOT NULL
                    AND pg_catalog.pg_has_role(SESSION_USER, OLD.created_by, 'MEMBER')) THEN
            RAISE EXCEPTION 'role "%" cannot % experiment "%"', SESSION_USER,
                            CASE WHEN NEW.lifecycle_stage OPERATOR(pg_catalog.=) 'deleted' THEN 'delete' ELSE 'restore' END,
                            OLD.name
                USING ERRCODE = 'insufficient_privilege',
                      DETAIL = pg_catalog.format('Experiment "%s" was created by role "%s".', OLD.name, OLD.created_by),
                      HINT = 'Only the experiment''s creator, members of that role and members of mlops_admin delete or restore it.';
        END IF;
        NEW.deleted_time := CASE WHEN NEW.lifecycle_stage OPERATOR(pg_catalog.=) 'deleted'
                                 THEN COALESCE(NEW.deleted_time, pg_catalog.now()) END;
    END IF;
    IF (NEW.name, NEW.tags, NEW.lifecycle_stage) IS DISTINCT FROM (OLD.name, OLD.tags, OLD.lifecycle_stage)
       AND NEW.last_update_time IS NOT DISTINCT FROM OLD.last_update_time THEN
        NEW.last_update_time := pg_catalog.now();
    END IF;
    RETURN NEW;
END
$fn$;
COMMENT ON FUNCTION mlops._experiments_lifecycle() IS 'internal trigger: who deletes or restores an experiment, deleted_time and last_update_time, a deleted experiment stays as it is';

CREATE TRIGGER experiments_20_lifecycle BEFORE UPDATE ON mlops.experiments
    FOR EACH ROW EXECUTE FUNCTION mlops._experiments_lifecycle();
COMMENT ON TRIGGER experiments_20_lifecycle ON mlops.experiments IS 'who deletes or restores an experiment; deleted_time and last_update_time; a deleted experiment is read-only';

-- A run's name and its tag mlflow.runName stay equal (as in MLflow): a
-- renamed run gets the tag, the tag renames the run. Each side writes only
-- when the other differs, so the pair settles after one round. A run's
-- name is written to the tag only on a change: a run started with a name
-- gets the tag when it is renamed or tagged.
CREATE FUNCTION mlops._run_name_to_tag() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF mlops._restoring() THEN
        RETURN NULL;
    END IF;
    IF NEW.name IS NULL THEN
        DELETE FROM mlops.tags t
         WHERE t.run_id OPERATOR(pg_catalog.=) NEW.id AND t.key OPERATOR(pg_catalog.=) 'mlflow.runName';
    ELSE
        INSERT INTO mlops.tags AS t (run_id, key, value) VALUES (NEW.id, 'mlflow.runName', NEW.name)
        ON CONFLICT (run_id, key) DO UPDATE SET value = EXCLUDED.value
         WHERE t.value OPERATOR(pg_catalog.<>) EXCLUDED.value;
    END IF;
    RETURN NULL;
END
$fn$;
COMMENT ON FUNCTION mlops._run_name_to_tag() IS 'internal trigger: a renamed run''s tag mlflow.runName follows its name';

CREATE FUNCTION mlops._run_name_from_tag() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF mlops._restoring() THEN
        RETURN NULL;
    END IF;
    PERFORM mlops._check_text('run name', NEW.value, 250);
    UPDATE mlops.runs r SET name = NEW.value
     WHERE r.id OPERATOR(pg_catalog.=) NEW.run_id AND r.name IS DISTINCT FROM NEW.value;
    RETURN NULL;
END
$fn$;
COMMENT ON FUNCTION mlops._run_name_from_tag() IS 'internal trigger: the tag mlflow.runName renames its run';

CREATE TRIGGER runs_50_name_tag AFTER UPDATE OF name ON mlops.runs
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION mlops._run_name_to_tag();
CREATE TRIGGER tags_50_run_name AFTER INSERT OR UPDATE ON mlops.tags
    FOR EACH ROW WHEN (NEW.key OPERATOR(pg_catalog.=) 'mlflow.runName')
    EXECUTE FUNCTION mlops._run_name_from_tag();
COMMENT ON TRIGGER runs_50_name_tag ON mlops.runs IS 'a renamed run''s tag mlflow.runName follows its name';
COMMENT ON TRIGGER tags_50_run_name ON mlops.tags IS 'the tag mlflow.runName renames its run';

-- A deleted experiment's name stays taken.
CREATE OR REPLACE FUNCTION mlops.create_experiment(name text, tags jsonb DEFAULT '{}') RETURNS bigint
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

-- start_run and end_run take a start and an end time: the old signatures go
-- (a trailing parameter with a default would make every old call ambiguous).
DROP FUNCTION mlops.start_run(text, text, jsonb, jsonb, uuid);
DROP FUNCTION mlops.end_run(uuid, text);
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

REVOKE ALL ON FUNCTION mlops.start_run(text, text, jsonb, jsonb, uuid, timestamptz) FROM PUBLIC;
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
UPDATE mlops.role_grants SET object_name = 'mlops.start_run(text, text, jsonb, jsonb, uuid, timestamptz)'
 WHERE object_name OPERATOR(pg_catalog.=) 'mlops.start_run(text, text, jsonb, jsonb, uuid)';
UPDATE mlops.role_grants SET object_name = 'mlops.end_run(uuid, text, timestamptz)'
 WHERE object_name OPERATOR(pg_catalog.=) 'mlops.end_run(uuid, text)';
INSERT INTO mlops.role_grants (role_name, privileges, object_kind, object_name) VALUES
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops._set_run_lifecycle(uuid, text)'),
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops.delete_run(uuid)'),
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops.restore_run(uuid)'),
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops._set_experiment_lifecycle(text, text)'),
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops.delete_experiment(text)'),
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops.restore_experiment(text)'),
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops.set_experiment_tag(text, text, text)'),
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops.delete_tag(uuid, text)'),
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops.rename_run(uuid, text)');
-- Roles that exist already (create_roles() ran on 0.1.0) get the new grants.
SELECT mlops._apply_grants();
