-- The params rule finds an existing param by one probe of the unique
-- (run_id, key) index per inserted row, whatever plan a session cached:
-- before, its cached SELECT (planned while mlops.params was small) filtered
-- the (key, value) index on run_id and a bulk INSERT ... SELECT was quadratic.
-- Counts index scans of this transaction (pg_stat_get_xact_numscans, after
-- pg_stat_force_next_flush() so that earlier pending counts are flushed).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS mlops;
RESET client_min_messages;
\set SHOW_CONTEXT never
SELECT mlops.create_experiment('params-lookup') > 0 AS created;
\set r '00000000-0000-0000-0000-0000000000a7'
INSERT INTO mlops.runs (id, experiment_id, name)
SELECT :'r', e.id, 'bulk' FROM mlops.experiments e WHERE e.name = 'params-lookup';
VACUUM mlops.params;
-- index scans of each index of mlops.params in this transaction
CREATE FUNCTION pg_temp.param_index_scans() RETURNS TABLE (index regclass, scans bigint)
LANGUAGE sql AS $$
SELECT i.indexrelid::regclass, pg_stat_get_xact_numscans(i.indexrelid)
  FROM pg_index i WHERE i.indrelid = 'mlops.params'::regclass ORDER BY 1::text $$;
SELECT pg_stat_force_next_flush();
BEGIN;
INSERT INTO mlops.params (run_id, key, value)
SELECT :'r', 'p' || g, 'v' || g FROM generate_series(1, 2000) g;
SELECT * FROM pg_temp.param_index_scans();
COMMIT;
-- the same rows again, skipped by ON CONFLICT, and a conflicting one: one
-- probe each by the rule (plus ON CONFLICT's own check of the same index)
SELECT pg_stat_force_next_flush();
BEGIN;
INSERT INTO mlops.params (run_id, key, value)
SELECT :'r', 'p' || g, 'v' || g FROM generate_series(1, 500) g
ON CONFLICT (run_id, key) DO NOTHING;
SELECT * FROM pg_temp.param_index_scans();
COMMIT;
INSERT INTO mlops.params (run_id, key, value) VALUES (:'r', 'p7', 'other');
-- the same row again without ON CONFLICT: a unique violation (23505)
INSERT INTO mlops.params (run_id, key, value) VALUES (:'r', 'p8', 'v8');
\echo :LAST_ERROR_SQLSTATE
-- a key twice in one statement: the second row sees the first
INSERT INTO mlops.params (run_id, key, value) VALUES (:'r', 'twice', 'a'), (:'r', 'twice', 'a')
ON CONFLICT (run_id, key) DO NOTHING;
INSERT INTO mlops.params (run_id, key, value) VALUES (:'r', 'twice2', 'a'), (:'r', 'twice2', 'b');
SELECT key, value FROM mlops.params WHERE run_id = :'r' AND key LIKE 'twice%' ORDER BY 1;
SELECT count(*) AS params_of_run FROM mlops.params WHERE run_id = :'r';
-- the lookup reveals no more than a SELECT would
CREATE ROLE regress_trk_param_nosel;
GRANT USAGE ON SCHEMA mlops TO regress_trk_param_nosel;
SET ROLE regress_trk_param_nosel;
SELECT mlops._param_value(:'r', 'p1');
RESET ROLE;
REVOKE USAGE ON SCHEMA mlops FROM regress_trk_param_nosel;
DROP ROLE regress_trk_param_nosel;
SELECT mlops._param_value(:'r', 'p1') AS p1, mlops._param_value(:'r', 'nope') AS nope;
-- values of up to 8000 characters that do not compress: stored, and found
-- by value (a btree on them could not hold an entry over 2704 bytes)
SELECT string_agg(md5(g::text), '') AS long6400 FROM generate_series(1, 200) g \gset
SELECT mlops.log_param(:'r', 'long', :'long6400');
SELECT mlops.log_param(:'r', 'longest', left(:'long6400' || :'long6400', 8000));
SELECT mlops.set_tag(:'r', 'mlflow.note.content', :'long6400');
SELECT key, length(value) FROM mlops.params WHERE run_id = :'r' AND key LIKE 'long%' ORDER BY 1;
SELECT key, length(value) FROM mlops.tags WHERE run_id = :'r' AND key = 'mlflow.note.content';
SET enable_seqscan = off;
SELECT count(*) AS found_by_value FROM mlops.params WHERE value = :'long6400';
RESET enable_seqscan;
-- an artifact path is indexed too: 1024 characters and at most 2048 bytes
SELECT mlops.log_artifact(:'r', 'models/' || repeat('表', 680), 's3://b/a') > 0 AS path_2047_bytes;
SELECT mlops.log_artifact(:'r', 'models/' || repeat('表', 900), 's3://b/b');
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY terse
INSERT INTO mlops.artifacts (run_id, path, uri) VALUES (:'r', repeat('表', 1000), 's3://b/c');
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS artifacts FROM mlops.artifacts WHERE run_id = :'r';
