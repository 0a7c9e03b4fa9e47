-- Who may read a drift report: mlops_reader and up. The page is read with
-- the caller's privileges, so a role that cannot read the monitor tables gets
-- no page even when it may execute the function.
BEGIN;
SELECT plan(8);
SELECT mlops.create_roles();
DO $$ BEGIN PERFORM mlops.register_model('report_tap_model'); END $$;
INSERT INTO mlops.monitors (name, model_id, source, value_column, time_column, method, threshold, window_size, owner)
SELECT 'report_tap', id, 'public.report_tap', 'v', 'ts', 'psi', 0.2, '1 hour', current_user
  FROM mlops.models WHERE name = 'report_tap_model';
INSERT INTO mlops.drift_results (monitor_id, window_start, window_end, statistic, n_ref, n_cur, threshold, breached)
SELECT id, '2026-05-01 00:00+00', '2026-05-01 01:00+00', 0.3, 100, 100, 0.2, true FROM mlops.monitors WHERE name = 'report_tap';
CREATE ROLE report_tap_reader LOGIN IN ROLE mlops_reader;
CREATE ROLE report_tap_outsider LOGIN;

SELECT function_privs_are('mlops', 'drift_report', ARRAY['text', 'timestamp with time zone', 'timestamp with time zone'],
    'public', ARRAY[]::text[], 'PUBLIC cannot execute drift_report');
SELECT function_privs_are('mlops', 'drift_report', ARRAY['text', 'timestamp with time zone', 'timestamp with time zone'],
    'mlops_reader', ARRAY['EXECUTE'], 'readers execute drift_report');
SELECT ok(NOT EXISTS (SELECT 1 FROM pg_proc WHERE oid = 'mlops.drift_report(text, timestamptz, timestamptz)'::regprocedure
                                              AND prosecdef),
          'drift_report runs as its caller (not SECURITY DEFINER)');

SET ROLE report_tap_reader;
SELECT ok(mlops.drift_report('report_tap', NULL, NULL) LIKE '<!DOCTYPE html>%class="pt breach"%',
          'a reader gets the page with the breach');
RESET ROLE;

SET ROLE report_tap_outsider;
SELECT throws_ok($$SELECT mlops.drift_report('report_tap')$$, '42501', NULL, 'a role without mlops_reader gets no page');
RESET ROLE;

-- EXECUTE alone is not enough: the tables are read as the caller
GRANT USAGE ON SCHEMA mlops TO report_tap_outsider;
GRANT EXECUTE ON FUNCTION mlops.drift_report(text, timestamptz, timestamptz) TO report_tap_outsider;
SET ROLE report_tap_outsider;
SELECT throws_ok($$SELECT mlops.drift_report('report_tap')$$, '42501', 'permission denied for table monitors',
                 'a role that cannot read the monitors gets no page through the function');
RESET ROLE;
GRANT SELECT ON mlops.monitors, mlops.models TO report_tap_outsider;
SET ROLE report_tap_outsider;
SELECT throws_ok($$SELECT mlops.drift_report('report_tap')$$, '42501', 'permission denied for table drift_results',
                 'nor one that can read the monitors but not their windows');
RESET ROLE;
GRANT SELECT ON mlops.drift_results TO report_tap_outsider;
SET ROLE report_tap_outsider;
SELECT throws_like($$SELECT mlops.drift_report('report_tap')$$, 'permission denied for % job%',
                   'nor one that cannot read the model''s jobs');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
