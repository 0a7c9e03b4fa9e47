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
