-- Datasets privileges (API.md -> Roles): writers register and snapshot,
-- readers read, fingerprint and verify, others nothing.
BEGIN;
SELECT plan(27);

SELECT lives_ok('SELECT mlops.create_roles()', 'roles exist');
CREATE ROLE ds_writer LOGIN IN ROLE mlops_writer;
CREATE ROLE ds_reader LOGIN IN ROLE mlops_reader;
CREATE ROLE ds_outsider LOGIN;
CREATE TABLE public.ds_src (id integer, v text);
INSERT INTO public.ds_src VALUES (1, 'a'), (2, 'b');
GRANT SELECT ON public.ds_src TO ds_writer, ds_reader, ds_outsider;

-- who may execute what
SELECT function_privs_are('mlops', f, args, 'public', ARRAY[]::text[], 'PUBLIC cannot execute mlops.' || f)
  FROM (VALUES ('register_dataset_version', ARRAY['text', 'text', 'text', 'bigint', 'jsonb']),
               ('snapshot_table', ARRAY['text', 'regclass', 'text[]']),
               ('verify_dataset_version', ARRAY['text', 'integer']),
               ('table_fingerprint', ARRAY['regclass', 'text[]'])) v(f, args);
SELECT function_privs_are('mlops', 'register_dataset_version', ARRAY['text', 'text', 'text', 'bigint', 'jsonb'],
    'mlops_writer', ARRAY['EXECUTE'], 'writers register dataset versions');
SELECT function_privs_are('mlops', 'snapshot_table', ARRAY['text', 'regclass', 'text[]'],
    'mlops_writer', ARRAY['EXECUTE'], 'writers snapshot tables');
SELECT function_privs_are('mlops', 'verify_dataset_version', ARRAY['text', 'integer'],
    'mlops_reader', ARRAY['EXECUTE'], 'readers verify dataset versions');
SELECT function_privs_are('mlops', 'table_fingerprint', ARRAY['regclass', 'text[]'],
    'mlops_reader', ARRAY['EXECUTE'], 'readers fingerprint tables');
SELECT table_privs_are('mlops', 'datasets', 'mlops_reader', ARRAY['SELECT'], 'readers only read datasets');
SELECT table_privs_are('mlops', 'dataset_versions', 'mlops_reader', ARRAY['SELECT'], 'readers only read dataset versions');
SELECT table_privs_are('mlops', 'dataset_column_profiles', 'mlops_reader', ARRAY['SELECT'], 'readers only read profiles');
SELECT table_privs_are('mlops', 'dataset_versions', 'mlops_writer', ARRAY['INSERT', 'SELECT'],
    'writers add versions, never change them');
SELECT table_privs_are('mlops', 'datasets', 'mlops_writer', ARRAY['INSERT', 'SELECT'],
    'writers add datasets; the counter moves as the owner');

-- a writer registers and snapshots, through the functions and plain SQL
SET ROLE ds_writer;
SELECT is(mlops.register_dataset_version('tap_ds', 's3://tap/1'), 1, 'writer: register_dataset_version');
SELECT is(mlops.snapshot_table('tap_ds', 'public.ds_src'), 2, 'writer: snapshot_table');
SELECT ok(mlops.verify_dataset_version('tap_ds', 2), 'writer: verify_dataset_version');
SELECT lives_ok($$INSERT INTO mlops.dataset_versions (dataset_id, uri) SELECT id, 's3://orm' FROM mlops.datasets WHERE name = 'tap_ds'$$,
    'writer: a plain INSERT of a version');
SELECT throws_ok($$UPDATE mlops.datasets SET last_version = 0$$, '42501', NULL, 'writer: no UPDATE of the counter');
SELECT throws_ok($$DELETE FROM mlops.dataset_versions$$, '42501', NULL, 'writer: no DELETE of versions');
RESET ROLE;

-- a reader reads, fingerprints and verifies, but registers nothing
SET ROLE ds_reader;
SELECT is((SELECT count(*)::int FROM mlops.dataset_versions), 3, 'reader: sees the versions');
SELECT is((SELECT count(*)::int FROM mlops.dataset_column_profiles), 2, 'reader: sees the profiles');
SELECT is(mlops.table_fingerprint('public.ds_src'),
          (SELECT fingerprint FROM mlops.dataset_versions WHERE version = 2), 'reader: table_fingerprint');
SELECT ok(mlops.verify_dataset_version('tap_ds', 2), 'reader: verify_dataset_version');
SELECT throws_ok($$SELECT mlops.register_dataset_version('tap_ds', 's3://r')$$, '42501', NULL, 'reader: no register_dataset_version');
SELECT throws_ok($$SELECT mlops.snapshot_table('tap_ds', 'public.ds_src')$$, '42501', NULL, 'reader: no snapshot_table');
RESET ROLE;

-- others: nothing at all
SET ROLE ds_outsider;
SELECT throws_ok($$SELECT mlops.table_fingerprint('public.ds_src')$$, '42501', NULL, 'outsider: no table_fingerprint');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
