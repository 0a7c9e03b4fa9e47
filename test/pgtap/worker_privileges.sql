-- Privilege contract and shape of the background worker's status
-- (src/worker, 60_worker.sql): readers read mlops.worker_status, PUBLIC
-- gets nothing, and the status is always one row.
BEGIN;
SELECT plan(10);

SELECT mlops.create_roles();
CREATE ROLE tap_wk_reader;   GRANT mlops_reader TO tap_wk_reader;
CREATE ROLE tap_wk_outsider;

SELECT has_view('mlops', 'worker_status', 'view mlops.worker_status exists');
SELECT columns_are('mlops', 'worker_status',
    ARRAY['pid', 'state', 'started_at', 'last_tick_start', 'last_tick_end', 'last_result', 'last_error',
          'last_error_at', 'ticks', 'tick_errors', 'monitors_evaluated', 'jobs_queued',
          'deliveries_delivered', 'delivery_failures', 'deliveries_dead',
          'launcher_pid', 'restarts', 'last_exit_at', 'last_exit', 'next_start_at'],
    'worker_status columns');
SELECT col_type_is('mlops', 'worker_status', 'last_result', 'jsonb', 'last_result is jsonb');
SELECT table_privs_are('mlops', 'worker_status', 'public', ARRAY[]::text[], 'PUBLIC has no privilege on worker_status');
SELECT table_privs_are('mlops', 'worker_status', 'mlops_reader', ARRAY['SELECT'], 'readers read worker_status');
SELECT function_privs_are('mlops', '_worker_status', ARRAY[]::text[], 'public', ARRAY[]::text[],
    'PUBLIC cannot call the status function');

SET LOCAL ROLE tap_wk_reader;
SELECT is((SELECT count(*) FROM mlops.worker_status), 1::bigint, 'a reader sees one row');
SELECT ok((SELECT state IN ('starting', 'idle', 'running', 'standby', 'disabled', 'no extension',
                            'extension outdated', 'no database', 'not running') FROM mlops.worker_status),
          'the state is one of the documented ones');
RESET ROLE;

SET LOCAL ROLE tap_wk_outsider;
SELECT throws_ok('SELECT * FROM mlops.worker_status', '42501', NULL, 'an outsider cannot read worker_status');
SELECT throws_ok('SELECT * FROM mlops._worker_status()', '42501', NULL, 'nor call the status function');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
