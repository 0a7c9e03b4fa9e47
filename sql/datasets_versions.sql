-- Dataset versions (API.md -> Datasets): register_dataset_version, the
-- numbering and immutability rules for function and plain-SQL writers alike,
-- run inputs as references, and every bad input with SQLSTATE + message.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS mlops CASCADE;  -- a fresh install: no rows from other test files
CREATE EXTENSION mlops;
RESET client_min_messages;
SELECT mlops.create_roles();
-- try(sql): run a statement, show "ok" or SQLSTATE: message (detail)
CREATE FUNCTION pg_temp.try(sql text, with_detail boolean DEFAULT true) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; msg text; det text;
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
    RETURN st || ': ' || msg || CASE WHEN det <> '' AND with_detail THEN ' (' || det || ')' ELSE '' END;
END $$;
CREATE FUNCTION pg_temp.counts() RETURNS text LANGUAGE sql AS $$
SELECT format('datasets=%s versions=%s inputs=%s counters=%s',
    (SELECT count(*) FROM mlops.datasets), (SELECT count(*) FROM mlops.dataset_versions),
    (SELECT count(*) FROM mlops.run_inputs),
    (SELECT string_agg(left(name, 8) || ':' || last_version, ',' ORDER BY name) FROM mlops.datasets)) $$;

-- versions 1, 2, ... per dataset, created on first use; fingerprints lowercased
SELECT mlops.register_dataset_version('iris', 's3://data/iris/v1.csv', 'ABCDEF0123456789', 150,
                                      '[{"name": "sepal_length", "type": "float8"}]') AS v1;
SELECT mlops.register_dataset_version('iris', 's3://data/iris/v2.csv') AS v2;
SELECT mlops.register_dataset_version('wine', 's3://data/wine.csv', NULL, 0, '{"quality": "int"}') AS wine_v1;
SELECT d.name, v.version, v.uri, v.fingerprint, v.row_count, v.schema,
       v.created_by = session_user AS by_session_user
  FROM mlops.dataset_versions v JOIN mlops.datasets d ON d.id = v.dataset_id ORDER BY d.name, v.version;
SELECT name, last_version, created_by = session_user AS by_session_user FROM mlops.datasets ORDER BY name;
SELECT pg_temp.counts();

-- bad inputs: SQLSTATE, a message naming the dataset, nothing written
SELECT pg_temp.try($$SELECT mlops.register_dataset_version(NULL, 's3://x')$$);
SELECT pg_temp.try($$SELECT mlops.register_dataset_version('', 's3://x')$$);
SELECT pg_temp.try($$SELECT mlops.register_dataset_version(repeat('d', 251), 's3://x')$$);
SELECT pg_temp.try($$SELECT mlops.register_dataset_version('iris', NULL)$$);
SELECT pg_temp.try($$SELECT mlops.register_dataset_version('iris', '')$$);
SELECT pg_temp.try($$SELECT mlops.register_dataset_version('iris', repeat('u', 2049))$$);
SELECT pg_temp.try($$SELECT mlops.register_dataset_version('iris', 's3://x', 'not-hex')$$);
SELECT pg_temp.try($$SELECT mlops.register_dataset_version('iris', 's3://x', '')$$);
SELECT pg_temp.try($$SELECT mlops.register_dataset_version('iris', 's3://x', repeat('a', 129))$$);
SELECT pg_temp.try($$SELECT mlops.register_dataset_version('iris', 's3://x', NULL, -1)$$);
SELECT pg_temp.try($$SELECT mlops.register_dataset_version('iris', 's3://x', NULL, NULL, '"text"')$$);
SELECT pg_temp.try($$SELECT mlops.register_dataset_version('new-one', 's3://x', NULL, -5)$$);
SELECT pg_temp.counts();
-- the limits hold: 250 characters and 2048 are fine
SELECT mlops.register_dataset_version(repeat('d', 250), repeat('u', 2048), repeat('F', 128)) AS long_names;
SELECT pg_temp.counts();

-- versions are immutable: UPDATE and DELETE refused, 55000 naming dataset@version
SELECT pg_temp.try($$UPDATE mlops.dataset_versions SET uri = 's3://moved' WHERE version = 1$$);
SELECT pg_temp.try($$UPDATE mlops.dataset_versions SET fingerprint = NULL$$);
SELECT pg_temp.try($$DELETE FROM mlops.dataset_versions WHERE version = 2$$);
-- a dataset's name, creator and counter only change through mlops; its description may
SELECT pg_temp.try($$UPDATE mlops.datasets SET last_version = 1 WHERE name = 'iris'$$);
SELECT pg_temp.try($$UPDATE mlops.datasets SET name = 'iris2' WHERE name = 'iris'$$);
SELECT pg_temp.try($$UPDATE mlops.datasets SET created_by = 'someone' WHERE name = 'iris'$$);
SELECT pg_temp.try($$UPDATE mlops.datasets SET description = 'Fisher''s iris' WHERE name = 'iris'$$);
SELECT name, description, last_version FROM mlops.datasets WHERE name = 'iris';

-- plain INSERTs (an ORM) get the same rules: the next number, session_user, now()
CREATE ROLE regress_ds_writer LOGIN IN ROLE mlops_writer;
CREATE ROLE regress_ds_reader LOGIN IN ROLE mlops_reader;
SET SESSION AUTHORIZATION regress_ds_writer;
INSERT INTO mlops.dataset_versions (dataset_id, uri, fingerprint, created_by, created_at)
SELECT id, 's3://orm', 'AB', 'postgres', '2000-01-01' FROM mlops.datasets WHERE name = 'iris'
RETURNING version, fingerprint, created_by, created_at = now() AS at_now;
INSERT INTO mlops.datasets (name, created_by, last_version) VALUES ('orm-set', 'postgres', 42)
RETURNING name, created_by, last_version;
SELECT pg_temp.try($$INSERT INTO mlops.dataset_versions (dataset_id, version, uri)
                     SELECT id, 9, 's3://x' FROM mlops.datasets WHERE name = 'iris'$$);
SELECT pg_temp.try($$INSERT INTO mlops.dataset_versions (dataset_id, version, uri)
                     SELECT id, 4, 's3://x' FROM mlops.datasets WHERE name = 'iris'$$);
SELECT pg_temp.try($$INSERT INTO mlops.dataset_versions (dataset_id, uri) VALUES (999999, 's3://x')$$);
SELECT pg_temp.try($$INSERT INTO mlops.dataset_versions (dataset_id, uri, fingerprint)
                     SELECT id, 's3://x', 'xyz' FROM mlops.datasets WHERE name = 'iris'$$, false);
-- ids are generated: one beyond the sequence is refused (428C9)
SELECT pg_temp.try(format('INSERT INTO mlops.dataset_versions (id, dataset_id, uri) OVERRIDING SYSTEM VALUE VALUES (%s, %s, %L)',
    (SELECT max(id) + 100 FROM mlops.dataset_versions), (SELECT id FROM mlops.datasets WHERE name = 'iris'), 's3://x'));
SELECT pg_temp.try(format('INSERT INTO mlops.datasets (id, name) OVERRIDING SYSTEM VALUE VALUES (%s, %L)',
    (SELECT max(id) + 100 FROM mlops.datasets), 'planted'));
-- writers cannot change versions or counters
SELECT pg_temp.try($$UPDATE mlops.datasets SET last_version = 0$$);
SELECT pg_temp.try($$DELETE FROM mlops.dataset_versions$$);
RESET SESSION AUTHORIZATION;
SELECT pg_temp.counts();
-- readers read, but register nothing
SET SESSION AUTHORIZATION regress_ds_reader;
SELECT count(*) AS reader_sees FROM mlops.dataset_versions;
SELECT pg_temp.try($$SELECT mlops.register_dataset_version('iris', 's3://reader')$$);
SELECT pg_temp.try($$INSERT INTO mlops.dataset_versions (dataset_id, uri) SELECT id, 's3://r' FROM mlops.datasets WHERE name = 'iris'$$);
RESET SESSION AUTHORIZATION;
SELECT pg_temp.counts();

-- _dataset_version_id: the id, or 42704 naming the version with a hint
SELECT mlops._dataset_version_id('iris', 2) = v.id AS id_of_iris_2
  FROM mlops.dataset_versions v JOIN mlops.datasets d ON d.id = v.dataset_id WHERE d.name = 'iris' AND v.version = 2;
\set VERBOSITY verbose
\set SHOW_CONTEXT never
SELECT mlops._dataset_version_id('iris', 9);
SELECT mlops._dataset_version_id('nothing', 1);
SELECT mlops._dataset_version_id('orm-set', 1);
\set VERBOSITY default
SELECT pg_temp.try($$SELECT mlops._dataset_version_id(NULL, 1)$$);
SELECT pg_temp.try($$SELECT mlops._dataset_version_id('iris', NULL)$$);

-- run inputs reference the version they name: log_input and plain INSERTs alike
SELECT mlops.start_run('ds-exp', 'r1') AS r \gset
SELECT mlops.log_input(:'r', 'iris', 2);
SELECT mlops.log_input(:'r', 'wine', 1, 'evaluation');
SELECT pg_temp.try(format('SELECT mlops.log_input(%L, %L, 7)', :'r', 'iris'));
SELECT pg_temp.try(format('SELECT mlops.log_input(%L, %L, 1)', :'r', 'unknown-ds'));
SELECT pg_temp.try(format('INSERT INTO mlops.run_inputs (run_id, dataset, version) VALUES (%L, %L, 5)', :'r', 'wine'));
-- an ORM may name the version by id alone, or by both when they agree
SELECT pg_temp.try(format('INSERT INTO mlops.run_inputs (run_id, dataset_version_id, context) VALUES (%L, %s, %L)',
    :'r', mlops._dataset_version_id('iris', 1), 'test'));
SELECT pg_temp.try(format('INSERT INTO mlops.run_inputs (run_id, dataset, version, dataset_version_id, context) VALUES (%L, %L, 1, %s, %L)',
    :'r', 'iris', mlops._dataset_version_id('iris', 1), 'validation'));
SELECT pg_temp.try(format('INSERT INTO mlops.run_inputs (run_id, dataset, version, dataset_version_id) VALUES (%L, %L, 1, %s)',
    :'r', 'iris', mlops._dataset_version_id('wine', 1)));
SELECT pg_temp.try(format('INSERT INTO mlops.run_inputs (run_id, dataset_version_id) VALUES (%L, 999999)', :'r'));
SELECT i.dataset, i.version, i.context, d.name || '@' || v.version AS references
  FROM mlops.run_inputs i JOIN mlops.dataset_versions v ON v.id = i.dataset_version_id
  JOIN mlops.datasets d ON d.id = v.dataset_id ORDER BY i.dataset, i.version, i.context;
-- moving an input to another version follows it (superuser UPDATE)
UPDATE mlops.run_inputs SET version = 3 WHERE dataset = 'iris' AND context = 'training';
SELECT i.version, v.version AS referenced FROM mlops.run_inputs i JOIN mlops.dataset_versions v ON v.id = i.dataset_version_id
 WHERE i.dataset = 'iris' AND i.context = 'training';
SELECT pg_temp.counts();
-- a version runs read cannot be deleted either
SELECT pg_temp.try($$DELETE FROM mlops.dataset_versions WHERE version = 3$$);

DROP ROLE regress_ds_writer;
DROP ROLE regress_ds_reader;
