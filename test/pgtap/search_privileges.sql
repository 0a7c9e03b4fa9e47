-- Search privileges (23_tracking_search.sql, 33_registry_search.sql): readers
-- (and so writers) run search_runs over experiment lists, search_experiments
-- and search_model_versions; PUBLIC cannot execute them; a search reads as
-- its caller, so a role without mlops_reader reads nothing.
BEGIN;
SELECT plan(22);

SELECT mlops.create_roles();
CREATE ROLE tap_srch_reader;   GRANT mlops_reader TO tap_srch_reader;
CREATE ROLE tap_srch_writer;   GRANT mlops_writer TO tap_srch_writer;
CREATE ROLE tap_srch_outsider;
GRANT USAGE ON SCHEMA mlops TO tap_srch_outsider;

-- ------------------------------------------------------------ function privileges
SELECT function_privs_are('mlops', f, args, 'public', ARRAY[]::text[], 'PUBLIC cannot execute mlops.' || f)
  FROM (VALUES ('search_runs', ARRAY['text[]', 'text', 'text', 'integer', 'text', 'text']),
               ('search_experiments', ARRAY['text', 'text', 'integer', 'text']),
               ('search_model_versions', ARRAY['text', 'text', 'integer'])) v(f, args);
SELECT function_privs_are('mlops', f, args, 'mlops_reader', ARRAY['EXECUTE'], 'readers execute mlops.' || f)
  FROM (VALUES ('search_runs', ARRAY['text[]', 'text', 'text', 'integer', 'text', 'text']),
               ('search_experiments', ARRAY['text', 'text', 'integer', 'text']),
               ('search_model_versions', ARRAY['text', 'text', 'integer'])) v(f, args);
SELECT is((SELECT count(*)::int FROM mlops.role_grants
            WHERE role_name = 'mlops_reader' AND privileges = 'EXECUTE' AND object_name IN
                  ('mlops.search_runs(text[], text, text, integer, text, text)',
                   'mlops.search_experiments(text, text, integer, text)',
                   'mlops.search_model_versions(text, text, integer)')), 3,
          'mlops.role_grants lists the search functions for readers');

-- ------------------------------------------------------------ something to find
SET ROLE tap_srch_writer;
CREATE TEMP TABLE srch_run AS SELECT mlops.start_run('tap-search', 'train', '{"lr": "0.1"}') AS id;
SELECT lives_ok($$SELECT mlops.log_metric((SELECT id FROM srch_run), 'acc', 0.9)$$, 'writer: log_metric');
SELECT lives_ok($$SELECT mlops.register_model('tap-search-model')$$, 'writer: register_model');
SELECT lives_ok($$SELECT mlops.create_model_version('tap-search-model', (SELECT id FROM srch_run), 's3://tap/m')$$,
    'writer: create_model_version');
SELECT is((SELECT count(*)::int FROM mlops.search_runs(ARRAY['tap-search'], 'metrics.acc > 0.5')), 1,
    'writer: search_runs over experiments');
RESET ROLE;

SET ROLE tap_srch_reader;
SELECT is((SELECT name FROM mlops.search_runs(ARRAY['tap-search'], 'params.lr = ''0.1''', 'start_time DESC', 10)), 'train',
    'reader: search_runs over experiments');
SELECT is((SELECT count(*)::int FROM mlops.search_runs(ARRAY['tap-search'], '', 'name', 1, NULL, 'all')), 1,
    'reader: search_runs with a view type');
SELECT is((SELECT count(*)::int FROM mlops.search_experiments('name = ''tap-search''')), 1, 'reader: search_experiments');
SELECT is((SELECT version FROM mlops.search_model_versions('name = ''tap-search-model''')), 1,
    'reader: search_model_versions');
SELECT lives_ok($$SELECT mlops._search_runs_sql('datasets.digest = ''01234567''')$$, 'reader: _search_runs_sql');
SELECT throws_ok($$UPDATE mlops.runs SET lifecycle_stage = 'deleted'$$, '42501', NULL, 'reader: cannot delete runs by hand');
RESET ROLE;

SET ROLE tap_srch_outsider;
SELECT throws_ok($$SELECT * FROM mlops.search_runs(ARRAY['tap-search'])$$, '42501', NULL,
    'outsider: cannot execute search_runs');
SELECT throws_ok($$SELECT * FROM mlops.search_experiments()$$, '42501', NULL, 'outsider: cannot execute search_experiments');
SELECT throws_ok($$SELECT * FROM mlops.search_model_versions()$$, '42501', NULL,
    'outsider: cannot execute search_model_versions');
SELECT throws_ok($$SELECT * FROM mlops.search_runs('tap-search')$$, '42501', NULL,
    'outsider: the text search_runs reads as its caller');
RESET ROLE;

-- a search reads as its caller: EXECUTE alone does not open the tables
GRANT EXECUTE ON FUNCTION mlops.search_experiments(text, text, integer, text) TO tap_srch_outsider;
SET ROLE tap_srch_outsider;
SELECT throws_ok($$SELECT * FROM mlops.search_experiments()$$, '42501', 'permission denied for table experiments',
    'outsider with EXECUTE: still no rows it may not read');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
