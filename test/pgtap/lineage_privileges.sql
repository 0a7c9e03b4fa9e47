-- Lineage privileges (36_lineage.sql): readers read and traverse the graph
-- but cannot add to it; writers add edges through add_lineage() and the
-- hooks, never by writing the tables; PUBLIC gets nothing.
BEGIN;
SELECT plan(24);

SELECT mlops.create_roles();
CREATE ROLE tap_lin_reader;   GRANT mlops_reader TO tap_lin_reader;
CREATE ROLE tap_lin_writer;   GRANT mlops_writer TO tap_lin_writer;
CREATE ROLE tap_lin_outsider;

-- ------------------------------------------------------------ shape
SELECT col_is_pk('mlops', t, 'id', 'mlops.' || t || ' has a single-column primary key')
  FROM unnest(ARRAY['lineage_nodes', 'lineage_links', 'lineage_impact']) t;
SELECT ok((SELECT count(*) FROM pg_extension e, unnest(e.extconfig) c
            WHERE e.extname = 'mlops' AND c::regclass::text IN
                  ('mlops.lineage_nodes', 'mlops.lineage_links', 'mlops.lineage_impact')) = 3,
          'pg_dump keeps the lineage tables');

-- ------------------------------------------------------------ table privileges
SELECT table_privs_are('mlops', t, 'mlops_reader', ARRAY['SELECT'], 'readers only read mlops.' || t)
  FROM unnest(ARRAY['lineage_nodes', 'lineage_links', 'lineage_impact', 'lineage_edges', 'dataset_version_summary']) t;
SELECT table_privs_are('mlops', t, 'mlops_writer', ARRAY['SELECT'], 'writers do not write mlops.' || t || ' directly')
  FROM unnest(ARRAY['lineage_nodes', 'lineage_links', 'lineage_impact']) t;
SELECT function_privs_are('mlops', 'add_lineage', ARRAY['text', 'text', 'text', 'text', 'text'], 'public',
    ARRAY[]::text[], 'PUBLIC cannot execute add_lineage');
SELECT function_privs_are('mlops', 'add_lineage', ARRAY['text', 'text', 'text', 'text', 'text'], 'mlops_reader',
    ARRAY[]::text[], 'readers cannot execute add_lineage');

-- ------------------------------------------------------------ a graph to read
SELECT mlops.register_dataset_version('tap_lin_data', 's3://tap/1');
SET ROLE tap_lin_writer;
CREATE TEMP TABLE lin_run AS SELECT mlops.start_run('tap-lineage', 'train') AS id;
SELECT lives_ok($$SELECT mlops.log_input((SELECT id FROM lin_run), 'tap_lin_data', 1)$$,
    'writer: log_input adds the input edge');
SELECT lives_ok($$SELECT mlops.add_lineage('run', (SELECT id::text FROM lin_run), 'external', 'tap/out', 'output')$$,
    'writer: add_lineage');
SELECT throws_ok($$INSERT INTO mlops.lineage_links (src_id, dst_id, relation) SELECT id, id, 'x' FROM mlops.lineage_nodes LIMIT 1$$,
    '42501', NULL, 'writer: no plain INSERT into the edges');
SELECT throws_ok($$DELETE FROM mlops.lineage_links$$, '42501', NULL, 'writer: no DELETE of edges');
RESET ROLE;
SELECT is((SELECT count(*) FROM mlops.lineage_edges WHERE dst_key = 'tap/out' OR src_key = 'tap_lin_data@1'), 2::bigint,
    'the writer''s edges are there');

SET ROLE tap_lin_reader;
SELECT is((SELECT count(*) FROM mlops.lineage_downstream('dataset_version', 'tap_lin_data@1')), 2::bigint,
    'reader: traverses downstream');
SELECT is((SELECT count(*) FROM mlops.lineage_upstream('external', 'tap/out')), 2::bigint, 'reader: traverses upstream');
SELECT lives_ok($$SELECT * FROM mlops.impacted_models('tap_lin_data', 1)$$, 'reader: impacted_models');
SELECT throws_ok($$SELECT mlops.add_lineage('external', 'tap/a', 'external', 'tap/b', 'x')$$, '42501',
    'permission denied for function add_lineage', 'reader: cannot add edges');
RESET ROLE;

SET ROLE tap_lin_outsider;
SELECT throws_ok($$SELECT * FROM mlops.lineage_downstream('external', 'tap/out')$$, '42501', NULL,
    'a role without mlops_reader cannot traverse');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
