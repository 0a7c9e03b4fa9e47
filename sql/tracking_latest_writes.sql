-- log_metric writes mlops.latest_metrics only for a point later than the
-- key's row (higher step, then later ts, then larger value): an earlier or
-- equal point is stored in metrics and leaves the row, and the id sequence
-- of latest_metrics, untouched. The same in READ COMMITTED (the run locked
-- by primary-key probes) and REPEATABLE READ (one SQL statement), and a run
-- that cannot be logged into is refused before anything is written.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS mlops;
RESET client_min_messages;
SET TimeZone = 'UTC';
\set SHOW_CONTEXT never
-- try(sql): run a statement, show "ok" or SQLSTATE: message
CREATE FUNCTION pg_temp.try(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; msg text;
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
    RETURN st || ': ' || msg;
END $$;
INSERT INTO mlops.experiments (name) VALUES ('latest-writes');
INSERT INTO mlops.runs (id, experiment_id, name)
SELECT '00000000-0000-4000-8000-0000000001a1', id, 'r' FROM mlops.experiments WHERE name = 'latest-writes';
SELECT mlops.log_metric('00000000-0000-4000-8000-0000000001a1', 'loss', 0.5, 10, '2026-01-01 00:00:10');
SELECT last_value AS seq0 FROM mlops.latest_metrics_id_seq \gset
-- earlier steps, an earlier ts at the same step, a smaller value at the same
-- step and ts, the same point again: all stored, none moves the row
SELECT mlops.log_metric('00000000-0000-4000-8000-0000000001a1', 'loss', v, s, ts::timestamptz)
  FROM (VALUES (0.9, 1, '2026-01-01 00:00:01'), (0.8, 5, '2026-01-01 00:00:05'),
               (0.7, 10, '2026-01-01 00:00:09'), (0.4, 10, '2026-01-01 00:00:10'),
               (0.5, 10, '2026-01-01 00:00:10')) AS p(v, s, ts);
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT mlops.log_metric('00000000-0000-4000-8000-0000000001a1', 'loss', 0.6, 2, '2026-01-01 00:00:02');
COMMIT;
SELECT last_value = :seq0 AS sequence_untouched FROM mlops.latest_metrics_id_seq;
SELECT key, step, ts, value FROM mlops.latest_metrics WHERE run_id = '00000000-0000-4000-8000-0000000001a1';
-- a later point moves the row (in both isolation levels), a new key adds one
SELECT mlops.log_metric('00000000-0000-4000-8000-0000000001a1', 'loss', 0.3, 11, '2026-01-01 00:00:11');
SELECT mlops.log_metric('00000000-0000-4000-8000-0000000001a1', 'loss', 0.2, 11, '2026-01-01 00:00:12');
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT mlops.log_metric('00000000-0000-4000-8000-0000000001a1', 'loss', 0.25, 11, '2026-01-01 00:00:12');
COMMIT;
SELECT last_value = :seq0 AS sequence_untouched FROM mlops.latest_metrics_id_seq;
SELECT mlops.log_metric('00000000-0000-4000-8000-0000000001a1', 'acc', 0.1, 0, '2026-01-01 00:00:00');
SELECT last_value = :seq0 + 1 AS one_new_row FROM mlops.latest_metrics_id_seq;
SELECT key, step, ts, value FROM mlops.latest_metrics WHERE run_id = '00000000-0000-4000-8000-0000000001a1' ORDER BY key;
SELECT count(*) AS points FROM mlops.metrics WHERE run_id = '00000000-0000-4000-8000-0000000001a1';
-- refused runs, in both isolation levels: nothing written
SELECT pg_temp.try($$SELECT mlops.log_metric('00000000-0000-4000-8000-0000000001a2', 'loss', 1)$$) AS unknown_run;
SELECT mlops.delete_experiment('latest-writes');
SELECT pg_temp.try($$SELECT mlops.log_metric('00000000-0000-4000-8000-0000000001a1', 'loss', 1, 99)$$) AS experiment_deleted;
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT pg_temp.try($$SELECT mlops.log_metric('00000000-0000-4000-8000-0000000001a1', 'loss', 1, 99)$$) AS experiment_deleted_rr;
COMMIT;
SELECT mlops.restore_experiment('latest-writes');
SELECT mlops.end_run('00000000-0000-4000-8000-0000000001a1');
SELECT pg_temp.try($$SELECT mlops.log_metric('00000000-0000-4000-8000-0000000001a1', 'loss', 1, 99)$$) AS run_ended;
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT pg_temp.try($$SELECT mlops.log_metric('00000000-0000-4000-8000-0000000001a1', 'loss', 1, 99)$$) AS run_ended_rr;
COMMIT;
SELECT count(*) AS points, max(step) AS max_step FROM mlops.metrics WHERE run_id = '00000000-0000-4000-8000-0000000001a1';
SELECT key, step FROM mlops.latest_metrics WHERE run_id = '00000000-0000-4000-8000-0000000001a1' ORDER BY key;
DELETE FROM mlops.runs WHERE id = '00000000-0000-4000-8000-0000000001a1';
DELETE FROM mlops.experiments WHERE name = 'latest-writes';
