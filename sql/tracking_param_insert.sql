-- Params inserted the way an ORM does (INSERT ... RETURNING id): a param
-- identical to an existing one is a unique violation (23505) naming the run
-- and key, never an INSERT that silently returns no row; another value is
-- the params rule's own 23505; ON CONFLICT applies as written, so an upsert
-- returns the existing row's id. log_param keeps accepting the same value.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS mlops;
RESET client_min_messages;
\set SHOW_CONTEXT never
\set VERBOSITY default
INSERT INTO mlops.experiments (name) VALUES ('param-insert');
\set r '00000000-0000-4000-8000-00000000e001'
INSERT INTO mlops.runs (id, experiment_id, name)
SELECT :'r', id, 'orm' FROM mlops.experiments WHERE name = 'param-insert';
INSERT INTO mlops.params (run_id, key, value) VALUES (:'r', 'lr', '0.1') RETURNING id AS lr_id \gset
SELECT id = :lr_id AS stored FROM mlops.params WHERE run_id = :'r' AND key = 'lr';
-- the same param again: refused, with the run and the key
INSERT INTO mlops.params (run_id, key, value) VALUES (:'r', 'lr', '0.1') RETURNING id;
\echo :LAST_ERROR_SQLSTATE
-- another value: the params rule's message
INSERT INTO mlops.params (run_id, key, value) VALUES (:'r', 'lr', '0.2') RETURNING id;
\echo :LAST_ERROR_SQLSTATE
-- a key twice in one statement
INSERT INTO mlops.params (run_id, key, value) VALUES (:'r', 'opt', 'adam'), (:'r', 'opt', 'adam') RETURNING id;
\echo :LAST_ERROR_SQLSTATE
-- an upsert returns the existing row's id; DO NOTHING returns no row, as in PostgreSQL
INSERT INTO mlops.params AS p (run_id, key, value) VALUES (:'r', 'lr', '0.1')
ON CONFLICT (run_id, key) DO UPDATE SET value = EXCLUDED.value RETURNING p.id = :lr_id AS existing_id;
INSERT INTO mlops.params (run_id, key, value) VALUES (:'r', 'lr', '0.1')
ON CONFLICT (run_id, key) DO NOTHING RETURNING id;
-- an upsert to another value is still refused
INSERT INTO mlops.params AS p (run_id, key, value) VALUES (:'r', 'lr', '0.3')
ON CONFLICT (run_id, key) DO UPDATE SET value = EXCLUDED.value RETURNING p.id;
\echo :LAST_ERROR_SQLSTATE
-- the function: the same value again is fine, another is refused
SELECT mlops.log_param(:'r', 'lr', '0.1');
SELECT mlops.log_param(:'r', 'lr', '0.4');
\echo :LAST_ERROR_SQLSTATE
-- nothing was half-written
SELECT key, value, id = :lr_id AS original_row FROM mlops.params WHERE run_id = :'r' ORDER BY key;
DELETE FROM mlops.runs WHERE id = :'r';
DELETE FROM mlops.experiments WHERE name = 'param-insert';
