-- Content fingerprints and snapshots (API.md -> Datasets): table_fingerprint,
-- snapshot_table and verify_dataset_version; order independence, multiset
-- semantics, every common type, row-level security, and every bad input
-- with SQLSTATE + message and nothing written.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS mlops CASCADE;  -- a fresh install: no rows from other test files
CREATE EXTENSION mlops;
RESET client_min_messages;
SELECT mlops.create_roles();
CREATE FUNCTION pg_temp.try(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; msg text;
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
    RETURN st || ': ' || msg;
END $$;
CREATE FUNCTION pg_temp.counts() RETURNS text LANGUAGE sql AS $$
SELECT format('datasets=%s versions=%s profiles=%s', (SELECT count(*) FROM mlops.datasets),
    (SELECT count(*) FROM mlops.dataset_versions), (SELECT count(*) FROM mlops.dataset_column_profiles)) $$;
CREATE SCHEMA fp;
CREATE TYPE fp.mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN fp.positive AS integer CHECK (VALUE > 0);
CREATE TYPE fp.pair AS (x integer, y text);

-- the same rows in any order: the same 32 hex digits
CREATE TABLE fp.a (id integer, name text, score float8);
CREATE TABLE fp.b (id integer, name text, score float8);
INSERT INTO fp.a SELECT g, 'n' || g, g / 7.0 FROM generate_series(1, 1000) g;
INSERT INTO fp.b SELECT g, 'n' || g, g / 7.0 FROM generate_series(1, 1000) g ORDER BY random();
SELECT mlops.table_fingerprint('fp.a') AS fingerprint_a, mlops.table_fingerprint('fp.a') = mlops.table_fingerprint('fp.b') AS order_independent,
       mlops.table_fingerprint('fp.a') ~ '^[0-9a-f]{32}$' AS hex32;
-- an empty table sums nothing
CREATE TABLE fp.empty (id integer);
SELECT mlops.table_fingerprint('fp.empty');
-- a changed cell changes it; changing it back restores it
UPDATE fp.b SET name = 'N500' WHERE id = 500;
SELECT mlops.table_fingerprint('fp.a') = mlops.table_fingerprint('fp.b') AS equal_after_change;
UPDATE fp.b SET name = 'n500' WHERE id = 500;
SELECT mlops.table_fingerprint('fp.a') = mlops.table_fingerprint('fp.b') AS equal_after_undo;
-- a subset of columns, in the order given
SELECT mlops.table_fingerprint('fp.a', '{id,name}') = mlops.table_fingerprint('fp.b', '{id,name}') AS same_columns,
       mlops.table_fingerprint('fp.a', '{id,name}') = mlops.table_fingerprint('fp.a') AS subset_differs,
       mlops.table_fingerprint('fp.a', '{id,name}') = mlops.table_fingerprint('fp.a', '{name,id}') AS order_of_columns;

-- multiset: a duplicate row counts (XOR of the row hashes would cancel it)
CREATE TABLE fp.one (v text);
CREATE TABLE fp.three (v text);
INSERT INTO fp.one VALUES ('y');
INSERT INTO fp.three VALUES ('x'), ('x'), ('y');
SELECT mlops.table_fingerprint('fp.one') = mlops.table_fingerprint('fp.three') AS dup_pair_cancels,
       (SELECT bit_xor(hash_record_extended(t, 0)) FROM fp.one t) = (SELECT bit_xor(hash_record_extended(t, 0)) FROM fp.three t) AS xor_cancels;
DELETE FROM fp.three WHERE ctid = (SELECT min(ctid) FROM fp.three WHERE v = 'x');
INSERT INTO fp.one VALUES ('x');
SELECT mlops.table_fingerprint('fp.one') = mlops.table_fingerprint('fp.three') AS same_multiset;
INSERT INTO fp.three VALUES ('y');
SELECT mlops.table_fingerprint('fp.one') = mlops.table_fingerprint('fp.three') AS added_duplicate_equal;

-- NULL, the empty string and a missing column are three different rows
CREATE TABLE fp.n1 (a integer, b text);
CREATE TABLE fp.n2 (a integer, b text);
CREATE TABLE fp.n3 (a integer);
INSERT INTO fp.n1 VALUES (1, NULL);
INSERT INTO fp.n2 VALUES (1, '');
INSERT INTO fp.n3 VALUES (1);
SELECT count(DISTINCT f) AS distinct_fingerprints
  FROM (VALUES (mlops.table_fingerprint('fp.n1')), (mlops.table_fingerprint('fp.n2')), (mlops.table_fingerprint('fp.n3'))) v(f);
-- values do not run into each other: ('ab', 'c') is not ('a', 'bc')
CREATE TABLE fp.s1 (x text, y text);
CREATE TABLE fp.s2 (x text, y text);
INSERT INTO fp.s1 VALUES ('ab', 'c');
INSERT INTO fp.s2 VALUES ('a', 'bc');
SELECT mlops.table_fingerprint('fp.s1') = mlops.table_fingerprint('fp.s2') AS concatenation_collides;
-- the type counts: 1::integer is not 1::bigint
CREATE TABLE fp.i4 (v integer);
CREATE TABLE fp.i8 (v bigint);
INSERT INTO fp.i4 VALUES (1);
INSERT INTO fp.i8 VALUES (1);
SELECT mlops.table_fingerprint('fp.i4') = mlops.table_fingerprint('fp.i8') AS int4_is_int8;

-- every common type: one changed cell changes the fingerprint
CREATE TABLE fp.types (
    i integer, b bigint, n numeric, f float8, t text, ok boolean, d date, ts timestamptz,
    j jsonb, u uuid, arr integer[], tarr text[], m fp.mood, marr fp.mood[], dom fp.positive, pr fp.pair,
    bt bytea, iv interval, vc varchar(10), ch char(3), r int4range, nm name);
INSERT INTO fp.types VALUES
    (1, 10000000000, 1.50, 0.25, 'text', true, '2024-02-29', '2024-01-01 12:00+00',
     '{"a": [1, 2]}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{1,2,3}', '{x,NULL}', 'ok', '{sad,happy}', 5, '(1,"p")',
     '\x0102', '1 day 2 hours', 'vc', 'ch', '[1,5)', 'nm'),
    (2, -1, -0.001, 'NaN', '', false, '1999-12-31', '1999-12-31 23:59:59.999999+00',
     '[]', '00000000-0000-0000-0000-000000000000', '{}', '{}', 'sad', '{}', 1, '(,)',
     '\x', '-1 month', '', '', 'empty', '');
CREATE TABLE fp.types_copy AS SELECT * FROM fp.types;
SELECT mlops.table_fingerprint('fp.types') = mlops.table_fingerprint('fp.types_copy') AS copy_equal;
-- changes(col, val): whether setting one cell of a copy changes the fingerprint
CREATE FUNCTION pg_temp.changes(col text, val text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE changed boolean;
BEGIN
    CREATE TEMP TABLE one_cell AS SELECT * FROM fp.types;
    EXECUTE format('UPDATE one_cell SET %I = %s WHERE i = 1', col, val);
    changed := mlops.table_fingerprint('pg_temp.one_cell') <> mlops.table_fingerprint('fp.types');
    DROP TABLE one_cell;
    RETURN format('%s: changed %s', col, changed);
END $$;
SELECT pg_temp.changes(c, v) FROM (VALUES
    ('i', '3'), ('i', 'NULL'), ('b', '10000000001'), ('n', '1.5'), ('f', '-0.25'), ('t', '''Text'''), ('ok', 'NULL'),
    ('d', '''2024-03-01'''), ('ts', '''2024-01-01 12:00:00.000001+00'''), ('j', '''{"a": [2, 1]}'''),
    ('u', '''a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12'''), ('arr', '''{1,2}'''), ('tarr', '''{x,""}'''),
    ('m', '''happy'''), ('marr', '''{happy,sad}'''), ('dom', '6'), ('pr', '''(1,q)'''), ('bt', '''\x0103'''),
    ('iv', '''1 day 3 hours'''), ('vc', '''vd'''), ('ch', '''cx'''), ('r', '''[1,6)'''), ('nm', '''nn''')) v(c, v);
-- numeric scale is content (1.50 is not 1.5); -0 is not 0; every NaN is the same NaN
CREATE TABLE fp.f1 (v float8);
CREATE TABLE fp.f2 (v float8);
INSERT INTO fp.f1 VALUES ('NaN'), (0);
INSERT INTO fp.f2 VALUES ('Infinity'::float8 - 'Infinity'::float8), ('-0');
SELECT mlops.table_fingerprint('fp.f1') = mlops.table_fingerprint('fp.f2') AS nan_and_minus_zero_equal;
UPDATE fp.f2 SET v = 0 WHERE v = 0;
SELECT mlops.table_fingerprint('fp.f1') = mlops.table_fingerprint('fp.f2') AS nans_equal;
-- the session's TimeZone and DateStyle do not matter (values, not their text)
SELECT mlops.table_fingerprint('fp.types') AS utc \gset
SET TimeZone = 'Asia/Tokyo';
SET DateStyle = 'SQL, DMY';
SELECT mlops.table_fingerprint('fp.types') = :'utc' AS same_in_tokyo;
RESET TimeZone;
RESET DateStyle;
-- a view reads the same rows
CREATE VIEW fp.types_view AS SELECT * FROM fp.types;
SELECT mlops.table_fingerprint('fp.types_view') = :'utc' AS view_equal;

-- bad inputs: SQLSTATE and a message naming the relation and column
\set VERBOSITY sqlstate
SELECT mlops.table_fingerprint('fp.nonexistent');
\set VERBOSITY default
SELECT pg_temp.try($$SELECT mlops.table_fingerprint('fp.nonexistent')$$);
SELECT pg_temp.try($$SELECT mlops.table_fingerprint('fp.a', '{id,nope}')$$);
SELECT pg_temp.try($$SELECT mlops.table_fingerprint('fp.a', '{id,id}')$$);
SELECT pg_temp.try($$SELECT mlops.table_fingerprint('fp.a', '{}')$$);
SELECT pg_temp.try($$SELECT mlops.table_fingerprint('fp.a', ARRAY['id', NULL])$$);
CREATE SEQUENCE fp.seq;
SELECT pg_temp.try($$SELECT mlops.table_fingerprint('fp.seq')$$);
SELECT mlops.table_fingerprint(NULL) IS NULL AS null_source;

-- privileges: the caller's SELECT on the table and columns
CREATE ROLE regress_fp_reader LOGIN IN ROLE mlops_reader;
CREATE ROLE regress_fp_writer LOGIN IN ROLE mlops_writer;
GRANT USAGE ON SCHEMA fp TO regress_fp_reader, regress_fp_writer;
GRANT SELECT (id, name) ON fp.a TO regress_fp_reader, regress_fp_writer;
SELECT mlops.table_fingerprint('fp.a', '{id,name}') AS a_id_name \gset
SET SESSION AUTHORIZATION regress_fp_reader;
SELECT mlops.table_fingerprint('fp.a', '{id,name}') = :'a_id_name' AS reader_reads_granted_columns;
SELECT pg_temp.try($$SELECT mlops.table_fingerprint('fp.a')$$);
SELECT pg_temp.try($$SELECT mlops.table_fingerprint('fp.b')$$);
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_fp_writer;
SELECT pg_temp.try($$SELECT mlops.snapshot_table('forbidden', 'fp.b')$$);
RESET SESSION AUTHORIZATION;
SELECT pg_temp.counts();

-- row-level security: only the rows the caller can read count
CREATE TABLE fp.secure (owner name, v integer);
INSERT INTO fp.secure SELECT CASE WHEN g % 2 = 0 THEN 'regress_fp_writer' ELSE 'someone' END, g FROM generate_series(1, 10) g;
ALTER TABLE fp.secure ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON fp.secure FOR SELECT USING (owner = current_user);
GRANT SELECT ON fp.secure TO regress_fp_writer;
CREATE TABLE fp.secure_mine AS SELECT * FROM fp.secure WHERE owner = 'regress_fp_writer';
SET SESSION AUTHORIZATION regress_fp_writer;
SELECT mlops.snapshot_table('secure', 'fp.secure') AS secure_v1;
RESET SESSION AUTHORIZATION;
SELECT v.row_count, v.fingerprint = mlops.table_fingerprint('fp.secure_mine') AS only_visible_rows,
       v.fingerprint = mlops.table_fingerprint('fp.secure') AS all_rows
  FROM mlops.dataset_versions v JOIN mlops.datasets d ON d.id = v.dataset_id WHERE d.name = 'secure';

-- snapshot_table: fingerprint, row count, schema, profiles; one version per content
SELECT mlops.snapshot_table('types', 'fp.types') AS v1;
SELECT mlops.snapshot_table('types', 'fp.types') AS same_content_same_version;
SELECT mlops.snapshot_table('types', 'fp.types_view') AS a_view_of_the_same_rows;
SELECT v.version, v.uri, v.fingerprint = :'utc' AS fingerprint_matches, v.row_count, v.source_relation,
       v.source_columns, v.created_by = session_user AS by_session_user
  FROM mlops.dataset_versions v JOIN mlops.datasets d ON d.id = v.dataset_id WHERE d.name = 'types';
SELECT jsonb_path_query_array(v.schema, '$[*].type') AS types
  FROM mlops.dataset_versions v JOIN mlops.datasets d ON d.id = v.dataset_id WHERE d.name = 'types';
SELECT p.ordinal, p.column_name, p.type, p.null_count, p.distinct_estimate, p.sketch IS NOT NULL AS sketch,
       p.histogram IS NOT NULL AS histogram, p.top_values
  FROM mlops.dataset_column_profiles p JOIN mlops.dataset_versions v ON v.id = p.dataset_version_id
  JOIN mlops.datasets d ON d.id = v.dataset_id WHERE d.name = 'types' ORDER BY p.ordinal;
-- numbers: a sketch and a 20-bin histogram a drift monitor can use as reference
CREATE TABLE fp.nums (x float8, label text);
INSERT INTO fp.nums SELECT g, CASE WHEN g % 10 = 0 THEN 'ten' WHEN g % 2 = 0 THEN 'even' ELSE 'odd' END
  FROM generate_series(1, 10000) g;
INSERT INTO fp.nums VALUES (NULL, NULL), ('NaN', 'nan');
SELECT mlops.snapshot_table('nums', 'fp.nums') AS nums_v1;
SELECT p.column_name, p.null_count,
       CASE WHEN p.column_name = 'x' THEN (p.distinct_estimate BETWEEN 9800 AND 10200)::text
            ELSE p.distinct_estimate::text END AS distinct_estimate,
       abs(mlops.quantile(p.sketch, 0.5) - 5000) < 100 AS median_close,
       mlops.total(p.histogram) AS hist_total, array_length(mlops.counts(p.histogram), 1) AS bins,
       mlops.nan_count(p.histogram) AS nan_bin, p.top_values
  FROM mlops.dataset_column_profiles p JOIN mlops.dataset_versions v ON v.id = p.dataset_version_id
  JOIN mlops.datasets d ON d.id = v.dataset_id WHERE d.name = 'nums' ORDER BY p.ordinal;
SELECT v.profile -> 'columns' -> 'x' ->> 'min' AS min, v.profile -> 'columns' -> 'x' ->> 'max' AS max,
       v.profile -> 'columns' -> 'label' -> 'top_values' -> 0 AS top_label, v.profile ->> 'row_count' AS row_count
  FROM mlops.dataset_versions v JOIN mlops.datasets d ON d.id = v.dataset_id WHERE d.name = 'nums';
-- a reference histogram for PSI: the same data gives PSI 0 against it
SELECT round(mlops.psi(p.histogram, (SELECT mlops.histogram(x, mlops.edges(p.histogram)) FROM fp.nums))::numeric, 3) AS psi_same
  FROM mlops.dataset_column_profiles p JOIN mlops.dataset_versions v ON v.id = p.dataset_version_id
  JOIN mlops.datasets d ON d.id = v.dataset_id WHERE d.name = 'nums' AND p.column_name = 'x';
SELECT pg_temp.counts();

-- bad snapshots write nothing
SELECT pg_temp.try($$SELECT mlops.snapshot_table('bad', 'fp.a', '{zz}')$$);
SELECT pg_temp.try($$SELECT mlops.snapshot_table('', 'fp.a')$$);
SELECT pg_temp.try($$SELECT mlops.snapshot_table('bad', NULL)$$);
SELECT pg_temp.try($$SELECT mlops.snapshot_table('bad', 'fp.missing')$$);
CREATE TABLE fp.nocols ();
SELECT pg_temp.try($$SELECT mlops.snapshot_table('bad', 'fp.nocols')$$);
SELECT pg_temp.counts();

-- verify_dataset_version: true for an unchanged source, false after a change
SELECT mlops.verify_dataset_version('types', 1) AS unchanged;
UPDATE fp.types SET t = 'changed' WHERE i = 1;
SELECT mlops.verify_dataset_version('types', 1) AS after_change;
SELECT mlops.snapshot_table('types', 'fp.types') AS v2;
SELECT mlops.verify_dataset_version('types', 2) AS v2_verifies;
-- a new column does not count: the version's columns are read again
ALTER TABLE fp.types ADD COLUMN extra integer DEFAULT 7;
SELECT mlops.verify_dataset_version('types', 2) AS with_new_column;
SELECT mlops.register_dataset_version('registered', 's3://r', repeat('ab', 16));
SELECT pg_temp.try($$SELECT mlops.verify_dataset_version('registered', 1)$$);
SELECT pg_temp.try($$SELECT mlops.verify_dataset_version('types', 9)$$);
SELECT pg_temp.try($$SELECT mlops.verify_dataset_version('nothing', 1)$$);
ALTER TABLE fp.types DROP COLUMN t CASCADE;
SELECT pg_temp.try($$SELECT mlops.verify_dataset_version('types', 2)$$);
DROP TABLE fp.a;
SELECT mlops.snapshot_table('gone', 'fp.b') AS gone_v1;
DROP TABLE fp.b;
SELECT pg_temp.try($$SELECT mlops.verify_dataset_version('gone', 1)$$);
-- profiles are immutable
SELECT pg_temp.try($$UPDATE mlops.dataset_column_profiles SET null_count = 0 WHERE column_name = 'label'$$);
SELECT pg_temp.try($$DELETE FROM mlops.dataset_column_profiles WHERE column_name = 'label'$$);
-- and none is added to an existing version, by a writer or a superuser
SET SESSION AUTHORIZATION regress_fp_writer;
SELECT pg_temp.try($$INSERT INTO mlops.dataset_column_profiles (dataset_version_id, ordinal, column_name, type, null_count)
                     SELECT v.id, 99, 'extra', 'text', 0 FROM mlops.dataset_versions v
                       JOIN mlops.datasets d ON d.id = v.dataset_id WHERE d.name = 'types' AND v.version = 1$$);
RESET SESSION AUTHORIZATION;
SELECT pg_temp.try($$INSERT INTO mlops.dataset_column_profiles (dataset_version_id, ordinal, column_name, type, null_count)
                     SELECT v.id, 99, 'extra', 'text', 0 FROM mlops.dataset_versions v
                       JOIN mlops.datasets d ON d.id = v.dataset_id WHERE d.name = 'types' AND v.version = 1$$);
SELECT count(*) AS extra_profiles FROM mlops.dataset_column_profiles WHERE column_name = 'extra';
-- a client that creates a version may add its profiles in the same transaction
BEGIN;
SELECT mlops.register_dataset_version('by_hand', 's3://by-hand/v1') AS by_hand_v1;
INSERT INTO mlops.dataset_column_profiles (dataset_version_id, ordinal, column_name, type, null_count)
SELECT v.id, 1, 'x', 'integer', 0 FROM mlops.dataset_versions v
  JOIN mlops.datasets d ON d.id = v.dataset_id WHERE d.name = 'by_hand' AND v.version = 1;
COMMIT;
SELECT p.column_name, p.null_count FROM mlops.dataset_column_profiles p JOIN mlops.dataset_versions v ON v.id = p.dataset_version_id
  JOIN mlops.datasets d ON d.id = v.dataset_id WHERE d.name = 'by_hand';

SET client_min_messages = warning;
DROP SCHEMA fp CASCADE;
RESET client_min_messages;
DROP OWNED BY regress_fp_reader, regress_fp_writer;
DROP ROLE regress_fp_reader;
DROP ROLE regress_fp_writer;
