-- Tracking rules, enforced by triggers so that they hold for the mlops.*
-- functions and for plain INSERT/UPDATE/DELETE from an ORM or psql alike:
--   * only a run's creator writes to it or its rows (params, metrics, tags,
--     artifacts, inputs): the role in runs.created_by, a member of that role
--     (a team role), or a member of mlops_admin (superusers are members of
--     every role); 42501 otherwise. Checked against session_user, which is
--     what created_by records and what statements the extension runs as the
--     owner of its tables leave unchanged;
--   * nothing is logged into an unknown or ended run (params, metrics, tags,
--     artifacts, inputs): mlops._run_guard() (C) locks the run FOR SHARE, so
--     end_run() waits for loggers in flight and loggers wait for end_run();
--   * params are immutable: another value is refused (23505); the same value
--     again is a unique violation of (run_id, key) for a plain INSERT and
--     takes the ON CONFLICT clause of an INSERT that has one (log_param);
--   * run status is validated, end_time is set when a run ends, an ended run
--     stays ended; start_time is fixed once metrics are logged; created_by
--     defaults to session_user and may only name a role the session user
--     writes runs of (itself, a role it is a member of; any role for admins);
--   * latest_metrics follows every insert into metrics (highest step, then
--     latest ts, then the largest value, NaN ranking as 0 as in MLflow)
--     through mlops._metrics_latest() (C, one upsert per run/key);
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
COMMENT ON FUNCTION mlops._run_guard() IS 'internal trigger: refuse rows for unknown or ended runs and runs the session user may not write; locks the run FOR SHARE';

-- Who writes to a run (src/tracking/tracking.c, the guard's test): the role
-- in created_by, its members, members of mlops_admin.
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

CREATE FUNCTION mlops._run_cache_reset() RETURNS trigger
    AS 'MODULE_PATHNAME', 'mlops_run_cache_reset' LANGUAGE C;
COMMENT ON FUNCTION mlops._run_cache_reset() IS 'internal trigger: forget the backend''s cached open-run check when a run changes';

-- Writers cannot write latest_metrics directly: the trigger writes it as the
-- tables' owner (src/tracking/tracking.c, through common/spi_owner).
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

-- Run parents form no cycle. The ancestors of the new parent are walked up
-- (at most 10,000 of them); meeting the run itself is a cycle. A parent
-- change (UPDATE) first takes a transaction advisory lock in a statement
-- trigger, before any row is locked, so concurrent parent changes run one
-- after another in a fixed lock order and each sees what the previous one
-- committed; the walk also locks each ancestor FOR SHARE, so that under
-- REPEATABLE READ a parent changed after the snapshot is a serialization
-- failure instead of a cycle. An INSERT needs neither: no committed row can
-- point at a run that does not exist yet.
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

-- Statement trigger: one parent change at a time (see above).
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

-- Runs: who writes them, status, end_time, created_by, an ended run stays
-- ended, a deleted run stays as it is until restored (deleted_time follows
-- lifecycle_stage), start_time stays once metrics are logged. Changing start_time then
-- is 55000 (object_not_in_prerequisite_state), like the other changes a
-- run's state forbids: it is refused to admins too, so it is no privilege.
CREATE FUNCTION mlops._runs_rules() RETURNS trigger
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

CREATE TRIGGER runs_10_rules BEFORE INSERT OR UPDATE ON mlops.runs
    FOR EACH ROW EXECUTE FUNCTION mlops._runs_rules();
CREATE TRIGGER runs_00_cache_reset BEFORE UPDATE OR DELETE ON mlops.runs
    FOR EACH ROW EXECUTE FUNCTION mlops._run_cache_reset();
CREATE TRIGGER runs_05_parent_lock BEFORE UPDATE OF parent_run_id ON mlops.runs
    FOR EACH STATEMENT EXECUTE FUNCTION mlops._runs_parent_lock();

-- The value of a run's param or NULL, found by a probe of the unique
-- (run_id, key) index (src/tracking/params.c): the params rule runs once per
-- inserted row, and a cached plan could pick another index and make a bulk
-- INSERT quadratic. Checks the caller's SELECT privilege on mlops.params.
CREATE FUNCTION mlops._param_value(run uuid, key text) RETURNS text
    AS 'MODULE_PATHNAME', 'mlops_param_value' LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION mlops._param_value(uuid, text) IS 'internal: the value of a run''s param (NULL when unset), by the unique (run_id, key) index of mlops.params';

-- Params: immutable once set; keys without control characters. The same
-- value again goes on to the unique (run_id, key) index: a plain INSERT is
-- refused (23505, naming the run and key) instead of being dropped without a
-- row (an ORM's INSERT ... RETURNING would get none back), and an INSERT
-- with ON CONFLICT (log_param) takes its conflict action.
CREATE FUNCTION mlops._params_rules() RETURNS trigger
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

-- Tags: keys and values within the limits, keys without control characters.
CREATE FUNCTION mlops._tags_rules() RETURNS trigger
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
     ORDER BY m.run_id, m.key, m.step DESC, m.ts DESC,
              CASE WHEN m.value OPERATOR(pg_catalog.=) 'NaN'::pg_catalog.float8 THEN 0 ELSE m.value END DESC, m.id;
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
COMMENT ON TRIGGER runs_10_rules ON mlops.runs IS 'who writes a run, and the validation rules of this table';
COMMENT ON TRIGGER runs_00_cache_reset ON mlops.runs IS 'forget the backend-local open-run check before a run changes (BEFORE, so the rest of the statement checks the run again)';
COMMENT ON TRIGGER runs_05_parent_lock ON mlops.runs IS 'one change of run parents at a time, locked before any row (no cycle from concurrent changes)';
COMMENT ON TRIGGER metrics_10_guard ON mlops.metrics IS 'refuse rows for unknown or ended runs and runs the session user may not write (locks the run FOR SHARE)';
COMMENT ON TRIGGER metrics_20_no_update ON mlops.metrics IS 'metrics are append-only';
COMMENT ON TRIGGER metrics_30_latest ON mlops.metrics IS 'fold new points into latest_metrics';
COMMENT ON TRIGGER metrics_40_deleted ON mlops.metrics IS 'recompute latest_metrics after points are deleted';
COMMENT ON TRIGGER params_10_guard ON mlops.params IS 'refuse rows for unknown or ended runs and runs the session user may not write (locks the run FOR SHARE)';
COMMENT ON TRIGGER params_20_rules ON mlops.params IS 'validation rules of this table';
COMMENT ON TRIGGER tags_10_guard ON mlops.tags IS 'refuse rows for unknown or ended runs and runs the session user may not write (locks the run FOR SHARE)';
COMMENT ON TRIGGER tags_20_rules ON mlops.tags IS 'validation rules of this table';
COMMENT ON TRIGGER artifacts_10_guard ON mlops.artifacts IS 'refuse rows for unknown or ended runs and runs the session user may not write (locks the run FOR SHARE)';
COMMENT ON TRIGGER run_inputs_10_guard ON mlops.run_inputs IS 'refuse rows for unknown or ended runs and runs the session user may not write (locks the run FOR SHARE)';

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
