-- The background worker's status (src/worker/worker.c): one row read from
-- shared memory. State 'not running' when no worker runs (mlops is not in
-- shared_preload_libraries, or the worker exited and waits for its restart).
CREATE FUNCTION mlops._worker_status(
    OUT pid integer,
    OUT state text,
    OUT started_at timestamptz,
    OUT last_tick_start timestamptz,
    OUT last_tick_end timestamptz,
    OUT last_result jsonb,
    OUT last_error text,
    OUT last_error_at timestamptz,
    OUT ticks bigint,
    OUT tick_errors bigint,
    OUT monitors_evaluated bigint,
    OUT jobs_queued bigint,
    OUT deliveries_delivered bigint,
    OUT delivery_failures bigint,
    OUT deliveries_dead bigint)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'mlops_worker_status'
    LANGUAGE C VOLATILE STRICT;
REVOKE ALL ON FUNCTION mlops._worker_status() FROM PUBLIC;
COMMENT ON FUNCTION mlops._worker_status() IS 'internal: the background worker''s status from shared memory (read it through mlops.worker_status)';

CREATE VIEW mlops.worker_status AS
SELECT s.pid, s.state, s.started_at, s.last_tick_start, s.last_tick_end, s.last_result,
       s.last_error, s.last_error_at, s.ticks, s.tick_errors, s.monitors_evaluated,
       s.jobs_queued, s.deliveries_delivered, s.delivery_failures, s.deliveries_dead
  FROM mlops._worker_status() s;
COMMENT ON VIEW mlops.worker_status IS 'the mlops scheduler: pid, state (starting, idle, running, standby, disabled, no extension, extension outdated, not running), its last tick and error, counters since it started (ticks, monitors, jobs, webhook deliveries)';
REVOKE ALL ON mlops.worker_status FROM PUBLIC;

-- a view's functions are checked against the reader, so mlops_reader needs both
INSERT INTO mlops.role_grants (role_name, privileges, object_kind, object_name) VALUES
    ('mlops_reader', 'EXECUTE', 'FUNCTION', 'mlops._worker_status()'),
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.worker_status');
