-- mlops 0.1.0 -> 0.2.0, the background worker's status (sql/mlops/60_worker.sql):
-- new in 0.2.0, the same objects as a fresh install.

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
    OUT deliveries_dead bigint,
    OUT launcher_pid integer,
    OUT restarts bigint,
    OUT last_exit_at timestamptz,
    OUT last_exit text,
    OUT next_start_at timestamptz)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'mlops_worker_status'
    LANGUAGE C VOLATILE STRICT;
REVOKE ALL ON FUNCTION mlops._worker_status() FROM PUBLIC;
COMMENT ON FUNCTION mlops._worker_status() IS 'internal: the background worker''s status from shared memory (read it through mlops.worker_status)';

CREATE VIEW mlops.worker_status AS
SELECT s.pid, s.state, s.started_at, s.last_tick_start, s.last_tick_end, s.last_result,
       s.last_error, s.last_error_at, s.ticks, s.tick_errors, s.monitors_evaluated,
       s.jobs_queued, s.deliveries_delivered, s.delivery_failures, s.deliveries_dead,
       s.launcher_pid, s.restarts, s.last_exit_at, s.last_exit, s.next_start_at
  FROM mlops._worker_status() s;
COMMENT ON VIEW mlops.worker_status IS 'the mlops scheduler: pid, state (starting, idle, running, standby, disabled, no extension, extension outdated, no database, not running), its last tick and error, counters since it started (ticks, monitors, jobs, webhook deliveries), and the launcher that starts it (restarts after failures, the last failure, the next start)';
COMMENT ON COLUMN mlops.worker_status.pid IS 'process id of the mlops scheduler (NULL when not running)';
COMMENT ON COLUMN mlops.worker_status.state IS 'starting, idle, running, standby, disabled, no extension, extension outdated, no database (mlops.database is missing or refuses connections) or not running';
COMMENT ON COLUMN mlops.worker_status.started_at IS 'when the worker last started';
COMMENT ON COLUMN mlops.worker_status.last_tick_start IS 'when its last mlops.tick() began';
COMMENT ON COLUMN mlops.worker_status.last_tick_end IS 'when its last mlops.tick() ended';
COMMENT ON COLUMN mlops.worker_status.last_result IS 'what the last mlops.tick() returned';
COMMENT ON COLUMN mlops.worker_status.last_error IS 'the last error of a tick or a delivery round';
COMMENT ON COLUMN mlops.worker_status.last_error_at IS 'when last_error happened';
COMMENT ON COLUMN mlops.worker_status.ticks IS 'ticks since the worker started';
COMMENT ON COLUMN mlops.worker_status.tick_errors IS 'ticks that failed since the worker started';
COMMENT ON COLUMN mlops.worker_status.monitors_evaluated IS 'monitors evaluated by its ticks since it started';
COMMENT ON COLUMN mlops.worker_status.jobs_queued IS 'jobs its ticks queued since it started';
COMMENT ON COLUMN mlops.worker_status.deliveries_delivered IS 'webhook deliveries answered 2xx since it started';
COMMENT ON COLUMN mlops.worker_status.delivery_failures IS 'failed webhook attempts since it started';
COMMENT ON COLUMN mlops.worker_status.deliveries_dead IS 'webhook deliveries that went dead since it started';
COMMENT ON COLUMN mlops.worker_status.launcher_pid IS 'process id of the mlops launcher, which starts the scheduler (NULL on a standby or when not running)';
COMMENT ON COLUMN mlops.worker_status.restarts IS 'times the launcher started the scheduler again after it failed, since the server started';
COMMENT ON COLUMN mlops.worker_status.last_exit_at IS 'when the scheduler last failed (exited without the launcher asking)';
COMMENT ON COLUMN mlops.worker_status.last_exit IS 'why the scheduler last failed: its last fatal error, or its exit code';
COMMENT ON COLUMN mlops.worker_status.next_start_at IS 'when the launcher starts the failed scheduler again (1 s, 2 s, 4 s ... at most 60 s after a failure; NULL when none is due)';
REVOKE ALL ON mlops.worker_status FROM PUBLIC;

-- a view's functions are checked against the reader, so mlops_reader needs both
INSERT INTO mlops.role_grants (role_name, privileges, object_kind, object_name) VALUES
    ('mlops_reader', 'EXECUTE', 'FUNCTION', 'mlops._worker_status()'),
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.worker_status');

SELECT mlops._apply_grants();
