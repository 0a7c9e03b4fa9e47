-- Who may import an MLflow store: mlops_admin only (the import writes runs
-- and model versions in their stages on behalf of MLflow's authors). The
-- function is not SECURITY DEFINER: it checks the caller, then runs its own
-- statements as the extension owner through the owner-context path.
BEGIN;
SELECT plan(8);
SELECT mlops.create_roles();

SELECT function_privs_are('mlops', 'import_mlflow', ARRAY['text', 'text[]'],
    'public', ARRAY[]::text[], 'PUBLIC cannot execute import_mlflow');
SELECT function_privs_are('mlops', 'import_mlflow', ARRAY['text', 'text[]'],
    'mlops_reader', ARRAY[]::text[], 'readers cannot execute import_mlflow');
SELECT function_privs_are('mlops', 'import_mlflow', ARRAY['text', 'text[]'],
    'mlops_writer', ARRAY[]::text[], 'writers cannot execute import_mlflow');
SELECT function_privs_are('mlops', 'import_mlflow', ARRAY['text', 'text[]'],
    'mlops_approver', ARRAY[]::text[], 'approvers cannot execute import_mlflow');
SELECT function_privs_are('mlops', 'import_mlflow', ARRAY['text', 'text[]'],
    'mlops_admin', ARRAY['EXECUTE'], 'admins execute import_mlflow');
SELECT function_privs_are('mlops', '_mlflow_json', ARRAY['text'],
    'public', ARRAY[]::text[], 'PUBLIC cannot execute the internal _mlflow_json');
SELECT ok(NOT EXISTS (SELECT 1 FROM pg_proc WHERE oid = 'mlops.import_mlflow(text, text[])'::regprocedure
                                              AND prosecdef),
          'import_mlflow is not SECURITY DEFINER');

CREATE ROLE import_tap_writer LOGIN IN ROLE mlops_writer;
SET ROLE import_tap_writer;
SELECT throws_ok($$SELECT mlops.import_mlflow('public')$$, '42501', NULL, 'a writer cannot import');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
