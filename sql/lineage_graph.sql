-- Lineage graph (API.md -> Lineage): edges from run inputs, model versions,
-- run parents and add_lineage; every bad input with SQLSTATE + message and
-- nothing written; cycles refused; traversal budgets and truncation; diamonds
-- visited once; impacted_models through two hops; reproduce.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS mlops CASCADE;  -- a fresh install: no rows from other test files
CREATE EXTENSION mlops;
RESET client_min_messages;
-- try(sql): run a statement, show "ok" or SQLSTATE: message (detail)
CREATE FUNCTION pg_temp.try(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; msg text; det text;
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
    RETURN st || ': ' || msg || CASE WHEN det <> '' THEN ' (' || det || ')' ELSE '' END;
END $$;
CREATE FUNCTION pg_temp.counts() RETURNS text LANGUAGE sql AS $$
SELECT format('nodes=%s edges=%s impact=%s', (SELECT count(*) FROM mlops.lineage_nodes),
              (SELECT count(*) FROM mlops.lineage_links), (SELECT count(*) FROM mlops.lineage_impact)) $$;
-- short names for the runs' uuids in results
CREATE FUNCTION pg_temp.k(key text) RETURNS text LANGUAGE sql AS $$
SELECT COALESCE((SELECT r.name FROM mlops.runs r WHERE r.id::text = key), key) $$;

SELECT mlops.create_experiment('lineage') > 0 AS created;
INSERT INTO mlops.runs (id, experiment_id, name)
SELECT ('00000000-0000-0000-0000-00000000000' || g)::uuid, e.id, 'r' || g
  FROM mlops.experiments e, generate_series(1, 9) g WHERE e.name = 'lineage';
\set r1 '00000000-0000-0000-0000-000000000001'
\set r2 '00000000-0000-0000-0000-000000000002'
\set r3 '00000000-0000-0000-0000-000000000003'
\set r4 '00000000-0000-0000-0000-000000000004'
\set r5 '00000000-0000-0000-0000-000000000005'
SELECT mlops.register_dataset_version('raw', 's3://raw/1', 'aa11', 1000) AS raw1,
       mlops.register_dataset_version('raw@eu', 's3://raw-eu/1') AS raw_eu1,
       mlops.register_dataset_version('feat', 's3://feat/1', 'bb22', 900) AS feat1,
       mlops.register_dataset_version('other', 's3://other/1') AS other1;
SELECT mlops.register_model('churn') > 0 AS registered;
SELECT pg_temp.counts();

-- hooks: a run input is dataset_version -> run (input), a model version is
-- run -> model_version (produced); plain INSERTs get the same edges
SELECT mlops.log_input(:'r1', 'raw', 1);
SELECT mlops.log_input(:'r1', 'raw@eu', 1, 'validation');
SELECT mlops.log_input(:'r1', 'raw', 1, 'test');             -- same edge again: no second one
INSERT INTO mlops.run_inputs (run_id, dataset, version) VALUES (:'r3', 'feat', 1);
SELECT mlops.add_lineage('run', :'r1', 'dataset_version', 'feat@1', 'output');
SELECT mlops.set_tag(:'r3', 'git_commit', '4f2c1e0');
SELECT mlops.set_tag(:'r3', 'team', 'risk');
SELECT mlops.log_params(:'r3', '{"lr": 0.1, "depth": 6}');
SELECT mlops.create_model_version('churn', :'r3', 's3://models/churn/1');
SELECT src_kind, pg_temp.k(src_key) AS src, dst_kind, pg_temp.k(dst_key) AS dst, relation,
       created_by = session_user AS by_session_user
  FROM mlops.lineage_edges ORDER BY id;
SELECT pg_temp.counts();

-- identical edges are no-ops; a repeated model version input too
SELECT mlops.add_lineage('run', :'r1', 'dataset_version', 'feat@1', 'output');
SELECT pg_temp.try($$SELECT mlops.add_lineage('RUN', '00000000-0000-0000-0000-000000000001', 'dataset_version', 'feat@1', 'output')$$) AS kinds_are_lower_case;
SELECT pg_temp.counts();
-- keys are canonical: an upper-case uuid and a version with a leading zero name the same nodes
SELECT mlops.add_lineage('run', upper(:'r1'), 'dataset_version', 'feat@01', 'output');
SELECT pg_temp.counts();

-- bad inputs: SQLSTATE, a message naming the object, nothing written
SELECT pg_temp.try($$SELECT mlops.add_lineage('table', 'x', 'run', '00000000-0000-0000-0000-000000000001', 'input')$$);
SELECT pg_temp.try($$SELECT mlops.add_lineage('run', '00000000-0000-0000-0000-0000000000ff', 'model_version', 'churn@1', 'produced')$$);
SELECT pg_temp.try($$SELECT mlops.add_lineage('run', 'not-a-uuid', 'model_version', 'churn@1', 'produced')$$);
SELECT pg_temp.try($$SELECT mlops.add_lineage('run', '00000000-0000-0000-0000-000000000001', 'model_version', 'churn@7', 'produced')$$);
SELECT pg_temp.try($$SELECT mlops.add_lineage('run', '00000000-0000-0000-0000-000000000001', 'model_version', 'nosuch@1', 'produced')$$);
SELECT pg_temp.try($$SELECT mlops.add_lineage('run', '00000000-0000-0000-0000-000000000001', 'model_version', 'churn', 'produced')$$);
SELECT pg_temp.try($$SELECT mlops.add_lineage('run', '00000000-0000-0000-0000-000000000001', 'model_version', 'churn@0', 'produced')$$);
SELECT pg_temp.try($$SELECT mlops.add_lineage('dataset_version', 'raw@9', 'run', '00000000-0000-0000-0000-000000000001', 'input')$$);
SELECT pg_temp.try($$SELECT mlops.add_lineage('dataset_version', 'nothing@1', 'run', '00000000-0000-0000-0000-000000000001', 'input')$$);
SELECT pg_temp.try($$SELECT mlops.add_lineage('job', 'job-1', 'run', '00000000-0000-0000-0000-000000000001', 'started')$$);
SELECT pg_temp.try($$SELECT mlops.add_lineage('run', '00000000-0000-0000-0000-000000000001', 'external', '', 'output')$$);
SELECT pg_temp.try($$SELECT mlops.add_lineage('run', '00000000-0000-0000-0000-000000000001', 'external', repeat('x', 2049), 'output')$$);
-- the limit is in bytes: 1500 characters of three bytes each are too long too
SELECT pg_temp.try($$SELECT mlops.add_lineage('run', '00000000-0000-0000-0000-000000000001', 'external', repeat('表', 1500), 'output')$$);
SELECT pg_temp.try($$SELECT mlops.add_lineage('run', '00000000-0000-0000-0000-000000000001', 'external', 's3://b/x', '')$$);
SELECT pg_temp.try($$SELECT mlops.add_lineage('run', '00000000-0000-0000-0000-000000000001', 'external', 's3://b/x', E'out\nput')$$);
SELECT pg_temp.try($$SELECT mlops.add_lineage('run', '00000000-0000-0000-0000-000000000001', 'external', 's3://b/x', repeat('r', 101))$$);
SELECT pg_temp.try($$SELECT mlops.add_lineage('run', '00000000-0000-0000-0000-000000000001', 'external', 's3://b/x', NULL)$$);
SELECT pg_temp.try($$SELECT mlops.add_lineage(NULL, '00000000-0000-0000-0000-000000000001', 'external', 's3://b/x', 'output')$$);
SELECT pg_temp.counts();

-- cycles: a self-loop, two nodes, and a longer cycle through committed edges
SELECT pg_temp.try($$SELECT mlops.add_lineage('run', '00000000-0000-0000-0000-000000000001', 'run', '00000000-0000-0000-0000-000000000001', 'loop')$$);
SELECT pg_temp.try($$SELECT mlops.add_lineage('external', 'pg/a', 'external', 'pg/a', 'loop')$$);
SELECT pg_temp.try($$SELECT mlops.add_lineage('dataset_version', 'feat@1', 'run', '00000000-0000-0000-0000-000000000001', 'input')$$);
SELECT pg_temp.try($$SELECT mlops.add_lineage('model_version', 'churn@1', 'dataset_version', 'raw@1', 'retrain')$$);
SELECT pg_temp.counts();
-- the same rules for a superuser's plain INSERT, also within one statement
SELECT pg_temp.try($$INSERT INTO mlops.lineage_nodes (kind, key) VALUES ('run', upper('00000000-0000-0000-0000-000000000004')),
                                                                   ('external', 'pg/a'), ('external', 'pg/b')$$);
SELECT kind, pg_temp.k(key), run_id IS NOT NULL AS has_run FROM mlops.lineage_nodes WHERE kind IN ('run', 'external') ORDER BY id;
SELECT pg_temp.try($$INSERT INTO mlops.lineage_nodes (kind, key) VALUES ('run', '00000000-0000-0000-0000-0000000000ff')$$);
SELECT pg_temp.try($$INSERT INTO mlops.lineage_nodes (kind, key) VALUES ('model', 'x')$$);
SELECT pg_temp.try($$INSERT INTO mlops.lineage_links (src_id, dst_id, relation)
    SELECT a.id, b.id, 'x' FROM mlops.lineage_nodes a, mlops.lineage_nodes b
     WHERE (a.key, b.key) IN (('pg/a', 'pg/b'), ('pg/b', 'pg/a'))$$);
SELECT pg_temp.try($$INSERT INTO mlops.lineage_links (src_id, dst_id, relation)
    SELECT a.id, a.id, 'x' FROM mlops.lineage_nodes a WHERE a.key = 'pg/a'$$);
SELECT pg_temp.try($$UPDATE mlops.lineage_links SET relation = 'changed'$$);
SELECT pg_temp.try($$UPDATE mlops.lineage_nodes SET key = 'pg/c' WHERE key = 'pg/b'$$);
SELECT pg_temp.counts();

-- traversal: each node once at its shortest depth, with the relation it was reached by
SELECT depth, kind, pg_temp.k(key) AS key, relation, truncated
  FROM mlops.lineage_downstream('dataset_version', 'raw@1');
SELECT depth, kind, pg_temp.k(key) AS key, relation, truncated
  FROM mlops.lineage_upstream('model_version', 'churn@1');
-- a diamond: raw@1 -> r1 -> {feat@1, ext x} -> r3; r3 is reached once, at depth 3
SELECT mlops.add_lineage('run', :'r1', 'external', 'pg/x', 'output');
SELECT mlops.add_lineage('external', 'pg/x', 'run', :'r3', 'input');
SELECT depth, kind, pg_temp.k(key) AS key, relation, truncated
  FROM mlops.lineage_downstream('dataset_version', 'raw@1');
-- budgets: the depth cut reports truncated on every row; an answer that ends
-- exactly at the depth limit is not truncated
SELECT depth, kind, pg_temp.k(key) AS key, relation, truncated
  FROM mlops.lineage_downstream('dataset_version', 'raw@1', max_depth => 2);
SELECT count(*), bool_and(NOT truncated) AS complete
  FROM mlops.lineage_downstream('dataset_version', 'raw@1', max_depth => 4);
SELECT depth, kind, pg_temp.k(key) AS key, relation, truncated
  FROM mlops.lineage_downstream('dataset_version', 'raw@1', max_nodes => 3);
SELECT count(*), bool_and(NOT truncated) AS complete
  FROM mlops.lineage_downstream('dataset_version', 'raw@1', max_nodes => 5);
SELECT pg_temp.try($$SELECT * FROM mlops.lineage_downstream('dataset_version', 'raw@1', max_depth => 0)$$);
SELECT pg_temp.try($$SELECT * FROM mlops.lineage_upstream('dataset_version', 'raw@1', max_nodes => -1)$$);
-- start nodes: unknown ones are errors; a known object without edges has an empty answer
SELECT pg_temp.try($$SELECT * FROM mlops.lineage_downstream('run', '00000000-0000-0000-0000-0000000000ff')$$);
SELECT pg_temp.try($$SELECT * FROM mlops.lineage_downstream('dataset_version', 'raw@5')$$);
SELECT pg_temp.try($$SELECT * FROM mlops.lineage_downstream('model_version', 'churn@2')$$);
SELECT pg_temp.try($$SELECT * FROM mlops.lineage_downstream('job', '00000000-0000-0000-0000-0000000000aa')$$);
SELECT pg_temp.try($$SELECT * FROM mlops.lineage_downstream('external', 'pg/none')$$);
SELECT pg_temp.try($$SELECT * FROM mlops.lineage_downstream('table', 'x')$$);
SELECT count(*) FROM mlops.lineage_downstream('run', :'r5');
SELECT count(*) FROM mlops.lineage_downstream('dataset_version', 'other@1');

-- impacted_models: from the projection, transitive (raw -> r1 -> feat -> r3 -> churn@1)
SELECT * FROM mlops.impacted_models('raw', 1);
SELECT * FROM mlops.impacted_models('feat', 1);
SELECT * FROM mlops.impacted_models('other', 1);
SELECT pg_temp.try($$SELECT * FROM mlops.impacted_models('raw', 9)$$);
-- a shorter path lowers the depth; an edge added to the middle extends every dataset upstream
SELECT mlops.add_lineage('dataset_version', 'raw@1', 'run', :'r3', 'input');
SELECT mlops.create_model_version('churn', :'r3', 's3://models/churn/2') AS v2;
SELECT * FROM mlops.impacted_models('raw', 1);
SELECT * FROM mlops.impacted_models('raw@eu', 1);
-- run parents: parent -> child; what the parent read reaches the child's model
SELECT mlops.log_input(:'r4', 'other', 1);
UPDATE mlops.runs SET parent_run_id = :'r4' WHERE id = :'r5';
SELECT mlops.create_model_version('churn', :'r5', 's3://models/churn/3') AS v3;
SELECT * FROM mlops.impacted_models('other', 1);
-- a new parent replaces the edge, and the projection follows
UPDATE mlops.runs SET parent_run_id = :'r2' WHERE id = :'r5';
SELECT src_kind, pg_temp.k(src_key) AS src, pg_temp.k(dst_key) AS dst, relation
  FROM mlops.lineage_edges WHERE relation = 'parent';
SELECT * FROM mlops.impacted_models('other', 1);
-- removing a version removes its node, its edges and its projection rows
SELECT mlops.transition('churn', 3, 'staging');
SELECT mlops.transition('churn', 2, 'staging');
SELECT mlops.transition('churn', 2, 'production');
SELECT * FROM mlops.impacted_models('raw', 1);
DELETE FROM mlops.model_versions v USING mlops.models m WHERE m.id = v.model_id AND m.name = 'churn' AND v.version = 3;
SELECT count(*) AS v3_nodes FROM mlops.lineage_nodes WHERE key = 'churn@3';
-- removing an edge in the middle: the projection upstream of it is computed again
DELETE FROM mlops.lineage_links l USING mlops.lineage_nodes s
 WHERE s.id = l.src_id AND s.key = 'raw@1' AND l.relation = 'input' AND l.dst_id = (SELECT id FROM mlops.lineage_nodes WHERE key = :'r3');
SELECT * FROM mlops.impacted_models('raw', 1);

-- BI views
SELECT dataset, version, fingerprint, row_count, runs_read, models_impacted, in_production
  FROM mlops.dataset_version_summary ORDER BY dataset, version;

-- reproduce: run, params, code-version tags, datasets with fingerprints, artifact, parents
SELECT jsonb_pretty(mlops.reproduce('churn', 1) - 'created_at'
                    || jsonb_build_object('run', (mlops.reproduce('churn', 1) -> 'run') - 'start_time'));
SELECT mlops.reproduce('churn', 2) -> 'parent_runs' AS no_parents;
SELECT mlops.start_run('lineage', 'child', parent_run => :'r3') AS child \gset
SELECT mlops.create_model_version('churn', :'child', 's3://models/churn/4') AS v4;
SELECT jsonb_path_query_array(mlops.reproduce('churn', 4), '$.parent_runs[*].name') AS parents,
       jsonb_path_query_array(mlops.reproduce('churn', 4), '$.datasets[*] ? (@.depth == 3).dataset') AS through_parent;
SELECT pg_temp.try($$SELECT mlops.reproduce('churn', 9)$$);
SELECT pg_temp.try($$SELECT mlops.reproduce('nosuch', 1)$$);
