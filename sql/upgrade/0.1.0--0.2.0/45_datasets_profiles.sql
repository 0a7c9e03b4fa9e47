-- mlops 0.1.0 -> 0.2.0, dataset snapshots (sql/mlops/45_datasets_profiles.sql): new in 0.2.0.
-- verify_dataset_version and the column profiles of a snapshot. After
-- 41_sketch.sql: a profile keeps its sketch and histogram as mlops.qsketch
-- and mlops.histogram values, so that a monitor can take a dataset version
-- as its drift reference.
--
-- One scan of the source (src/datasets/fingerprint.c) gives the fingerprint,
-- the row count, the column schema and every column's profile. The source
-- is read as the caller: its SELECT privileges and row-level security
-- apply, so a snapshot and a verification cover the rows the caller may read.
-- A snapshot's uri is postgresql:///<database>?table=<schema>.<table>; the
-- version records the relation (schema-qualified, as text) and the columns
-- read, which verify_dataset_version() reads again.

CREATE TABLE mlops.dataset_column_profiles (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dataset_version_id bigint NOT NULL REFERENCES mlops.dataset_versions (id),
    ordinal            integer NOT NULL CHECK (ordinal OPERATOR(pg_catalog.>=) 1),
    column_name        text NOT NULL,
    type               text NOT NULL,
    null_count         bigint NOT NULL CHECK (null_count OPERATOR(pg_catalog.>=) 0),
    distinct_estimate  bigint CHECK (distinct_estimate OPERATOR(pg_catalog.>=) 0),
    sketch             mlops.qsketch,
    histogram          mlops.histogram,
    top_values         jsonb,
    UNIQUE (dataset_version_id, ordinal)
);
COMMENT ON TABLE mlops.dataset_column_profiles IS 'per-column profiles of a dataset snapshot: nulls, distinct estimate, and a qsketch and 20-bin histogram (numbers) or the 20 most frequent values (text); immutable';
COMMENT ON COLUMN mlops.dataset_column_profiles.histogram IS 'edges at the sketch''s quantiles 1/20, 2/20, ... (equal ones merged), counts from the sketch''s ranks';
COMMENT ON COLUMN mlops.dataset_column_profiles.top_values IS '[{"value": ..., "count": n}] most frequent first; counts are exact for columns with at most 256 distinct values, lower bounds otherwise';
SELECT pg_catalog.pg_extension_config_dump('mlops.dataset_column_profiles', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.dataset_column_profiles_id_seq', '');

CREATE FUNCTION mlops._dataset_profiles_rules() RETURNS trigger
    AS 'MODULE_PATHNAME', 'mlops_dataset_profiles_rules' LANGUAGE C;
COMMENT ON FUNCTION mlops._dataset_profiles_rules() IS 'internal trigger: ids generated; column profiles are immutable';
CREATE TRIGGER dataset_column_profiles_10_rules BEFORE INSERT OR UPDATE OR DELETE ON mlops.dataset_column_profiles
    FOR EACH ROW EXECUTE FUNCTION mlops._dataset_profiles_rules();
COMMENT ON TRIGGER dataset_column_profiles_10_rules ON mlops.dataset_column_profiles IS 'ids generated; profiles are immutable like their version';

CREATE FUNCTION mlops.table_fingerprint(source regclass, columns text[] DEFAULT NULL) RETURNS text
    AS 'MODULE_PATHNAME', 'mlops_table_fingerprint' LANGUAGE C STABLE;
COMMENT ON FUNCTION mlops.table_fingerprint(regclass, text[]) IS 'order-independent content fingerprint of the rows the caller can read (32 hex digits: XXH3-128 per row, summed mod 2^128); columns default to all, in order';

-- One row per column of the scan (src/datasets/fingerprint.c).
CREATE TYPE mlops.dataset_column_scan AS (
    ordinal           integer,
    column_name       text,
    type              text,
    null_count        bigint,
    distinct_estimate bigint,
    sketch            mlops.qsketch,
    histogram         mlops.histogram,
    top_values        jsonb,
    relation          text,
    fingerprint       text,
    row_count         bigint
);
COMMENT ON TYPE mlops.dataset_column_scan IS 'internal: a column of one snapshot scan, with the relation''s fingerprint and row count';

CREATE FUNCTION mlops._snapshot_scan(source regclass, columns text[]) RETURNS SETOF mlops.dataset_column_scan
    AS 'MODULE_PATHNAME', 'mlops_snapshot_scan' LANGUAGE C;
COMMENT ON FUNCTION mlops._snapshot_scan(regclass, text[]) IS 'internal: read a relation once as the caller: fingerprint, row count and a profile per column';

CREATE FUNCTION mlops.snapshot_table(dataset text, source regclass, columns text[] DEFAULT NULL) RETURNS integer
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    scan mlops.dataset_column_scan[];
    did bigint;
    latest record;
    vid bigint;
    v integer;
BEGIN
    PERFORM mlops._check_text('dataset name', dataset, 250);
    IF source IS NULL THEN
        RAISE EXCEPTION 'source of dataset "%" must not be null', dataset USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT pg_catalog.array_agg(s ORDER BY s.ordinal) INTO scan FROM mlops._snapshot_scan(source, columns) s;
    IF scan IS NULL THEN
        RAISE EXCEPTION 'relation % has no columns to snapshot into dataset "%"', source, dataset
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    did := mlops._dataset_id(dataset);
    -- one snapshot of a dataset at a time compares with the latest version
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('mlops.snapshot_table', did));
    SELECT dv.version, dv.fingerprint INTO latest FROM mlops.dataset_versions dv
     WHERE dv.dataset_id OPERATOR(pg_catalog.=) did ORDER BY dv.version DESC LIMIT 1;
    IF latest.fingerprint OPERATOR(pg_catalog.=) scan[1].fingerprint THEN
        RETURN latest.version;          -- the same content as the latest version
    END IF;
    INSERT INTO mlops.dataset_versions AS dv
           (dataset_id, uri, fingerprint, row_count, schema, profile, source_relation, source_columns)
    SELECT did,
           pg_catalog.format('postgresql:///%s?table=%s', pg_catalog.current_database(), scan[1].relation),
           scan[1].fingerprint, scan[1].row_count,
           (SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('name', c.column_name, 'type', c.type,
                                                                    'ordinal', c.ordinal) ORDER BY c.ordinal)
              FROM pg_catalog.unnest(scan) c),
           pg_catalog.jsonb_build_object('row_count', scan[1].row_count, 'columns',
               (SELECT pg_catalog.jsonb_object_agg(c.column_name, pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
                           'type', c.type, 'null_count', c.null_count, 'distinct_estimate', c.distinct_estimate,
                           'min', mlops.quantile(c.sketch, 0), 'p05', mlops.quantile(c.sketch, 0.05),
                           'p25', mlops.quantile(c.sketch, 0.25), 'p50', mlops.quantile(c.sketch, 0.5),
                           'p75', mlops.quantile(c.sketch, 0.75), 'p95', mlops.quantile(c.sketch, 0.95),
                           'max', mlops.quantile(c.sketch, 1), 'top_values', c.top_values)))
                  FROM pg_catalog.unnest(scan) c)),
           scan[1].relation,
           (SELECT pg_catalog.array_agg(c.column_name ORDER BY c.ordinal) FROM pg_catalog.unnest(scan) c)
    RETURNING dv.id, dv.version INTO vid, v;
    INSERT INTO mlops.dataset_column_profiles
           (dataset_version_id, ordinal, column_name, type, null_count, distinct_estimate, sketch, histogram, top_values)
    SELECT vid, c.ordinal, c.column_name, c.type, c.null_count, c.distinct_estimate, c.sketch, c.histogram, c.top_values
      FROM pg_catalog.unnest(scan) c;
    RETURN v;
END
$fn$;
COMMENT ON FUNCTION mlops.snapshot_table(text, regclass, text[]) IS 'record the rows of a table the caller can read as a new version of a dataset (fingerprint, row count, schema, column profiles); the same fingerprint as the latest version returns that version';

CREATE FUNCTION mlops.verify_dataset_version(dataset text, version integer) RETURNS boolean
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    vid bigint := mlops._dataset_version_id(dataset, version);
    rel text;
    cols text[];
    fp text;
    relid regclass;
BEGIN
    SELECT dv.source_relation, dv.source_columns, dv.fingerprint INTO rel, cols, fp
      FROM mlops.dataset_versions dv WHERE dv.id OPERATOR(pg_catalog.=) vid;
    IF rel IS NULL OR fp IS NULL THEN
        RAISE EXCEPTION 'version % of dataset "%" has no % to verify', version, dataset,
                        CASE WHEN rel IS NULL THEN 'source table' ELSE 'fingerprint' END
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Only versions made by mlops.snapshot_table() record their source; compare a registered fingerprint with mlops.table_fingerprint().';
    END IF;
    relid := pg_catalog.to_regclass(rel);
    IF relid IS NULL THEN
        RAISE EXCEPTION 'relation % of version % of dataset "%" does not exist', rel, version, dataset
            USING ERRCODE = 'undefined_table',
                  HINT = 'The snapshot''s source table was dropped or renamed; its content cannot be checked.';
    END IF;
    RETURN mlops.table_fingerprint(relid, cols) OPERATOR(pg_catalog.=) fp;
END
$fn$;
COMMENT ON FUNCTION mlops.verify_dataset_version(text, integer) IS 'read a snapshot''s source table again and compare its fingerprint with the version''s';

REVOKE ALL ON FUNCTION mlops.table_fingerprint(regclass, text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION mlops._snapshot_scan(regclass, text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION mlops.snapshot_table(text, regclass, text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION mlops.verify_dataset_version(text, integer) FROM PUBLIC;

INSERT INTO mlops.role_grants (role_name, privileges, object_kind, object_name) VALUES
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.dataset_column_profiles'),
    ('mlops_reader', 'SELECT', 'SEQUENCE', 'mlops.dataset_column_profiles_id_seq'),
    ('mlops_writer', 'INSERT', 'TABLE', 'mlops.dataset_column_profiles'),
    ('mlops_writer', 'USAGE', 'SEQUENCE', 'mlops.dataset_column_profiles_id_seq'),
    ('mlops_reader', 'EXECUTE', 'FUNCTION', 'mlops.table_fingerprint(regclass, text[])'),
    ('mlops_reader', 'EXECUTE', 'FUNCTION', 'mlops.verify_dataset_version(text, integer)'),
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops._snapshot_scan(regclass, text[])'),
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops.snapshot_table(text, regclass, text[])');
