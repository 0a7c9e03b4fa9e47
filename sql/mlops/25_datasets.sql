-- Datasets (API.md -> Datasets): datasets, their immutable numbered versions,
-- content fingerprints and column profiles.
--
-- Rules, enforced by triggers so that they hold for the mlops.* functions
-- and for plain INSERT/UPDATE/DELETE from an ORM or psql alike
-- (src/datasets/dataset.c):
--   * versions are numbered 1, 2, ... per dataset from the row-locked counter
--     mlops.datasets.last_version (no gaps or duplicates under concurrent
--     writers; a given version other than the next one is refused, 428C9);
--   * a version is immutable: UPDATE and DELETE are refused (55000);
--   * created_by is session_user and created_at now(), whatever the client
--     sends; ids come from the identity sequences (src/common/row_ids.c);
--   * mlops.run_inputs rows reference the version they name
--     (dataset_version_id, resolved from dataset and version; 42704 for a
--     version that does not exist).
-- Loading a dump (a superuser session with row_security = off, see
-- 21_tracking_rules.sql) keeps rows as dumped.
--
-- Limits: dataset name 1..250 characters (as mlops.run_inputs.dataset),
-- uri 1..2048, fingerprint 1..128 lowercase hex digits (mlops' own
-- fingerprints are 32; an external one may be a SHA-256 or an MD5).
--
-- source_relation and source_columns say where mlops.snapshot_table() read a
-- version: the schema-qualified, quoted relation name as text (an oid or
-- regclass would not survive pg_dump/restore) and the column list.

CREATE TABLE mlops.datasets (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text NOT NULL UNIQUE
                  CONSTRAINT datasets_name_length CHECK (pg_catalog.char_length(name) OPERATOR(pg_catalog.<=) 250
                                                         AND name OPERATOR(pg_catalog.<>) ''),
    description   text,
    created_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by    name NOT NULL DEFAULT SESSION_USER,
    last_version  integer NOT NULL DEFAULT 0
                  CONSTRAINT datasets_last_version_nonnegative CHECK (last_version OPERATOR(pg_catalog.>=) 0)
);
COMMENT ON TABLE mlops.datasets IS 'datasets (names unique, 1..250 characters); last_version is the row-locked version counter';

CREATE TABLE mlops.dataset_versions (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dataset_id      bigint NOT NULL REFERENCES mlops.datasets (id),
    version         integer NOT NULL CONSTRAINT dataset_versions_version_positive CHECK (version OPERATOR(pg_catalog.>=) 1),
    uri             text CONSTRAINT dataset_versions_uri_length
                    CHECK (pg_catalog.char_length(uri) OPERATOR(pg_catalog.<=) 2048 AND uri OPERATOR(pg_catalog.<>) ''),
    fingerprint     text CONSTRAINT dataset_versions_fingerprint_hex
                    CHECK (fingerprint OPERATOR(pg_catalog.~) '^[0-9a-f]{1,128}$'),
    row_count       bigint CONSTRAINT dataset_versions_row_count_nonnegative CHECK (row_count OPERATOR(pg_catalog.>=) 0),
    schema          jsonb CONSTRAINT dataset_versions_schema_json
                    CHECK (pg_catalog.jsonb_typeof(schema) OPERATOR(pg_catalog.=) ANY (ARRAY['object', 'array'])),
    profile         jsonb,
    source_relation text,
    source_columns  text[],
    created_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by      name NOT NULL DEFAULT SESSION_USER,
    UNIQUE (dataset_id, version)
);
COMMENT ON TABLE mlops.dataset_versions IS 'dataset versions: numbered 1, 2, ... per dataset, immutable; fingerprint, row count, schema and profile of the content';
COMMENT ON COLUMN mlops.dataset_versions.uri IS 'where the data lives (postgresql:///<database>?table=<schema>.<table> for snapshots); NULL for versions 0.1.0 recorded by name only';
COMMENT ON COLUMN mlops.dataset_versions.fingerprint IS 'content fingerprint, lowercase hex (mlops.table_fingerprint(): 32 digits, order-independent)';
COMMENT ON COLUMN mlops.dataset_versions.source_relation IS 'the relation a snapshot read, schema-qualified and quoted (text, so that it survives dump and restore)';
COMMENT ON COLUMN mlops.dataset_versions.source_columns IS 'the columns a snapshot read, in order';

SELECT pg_catalog.pg_extension_config_dump('mlops.datasets', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.dataset_versions', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.datasets_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.dataset_versions_id_seq', '');

-- mlops.run_inputs references the dataset version it names.
ALTER TABLE mlops.run_inputs ADD COLUMN dataset_version_id bigint NOT NULL REFERENCES mlops.dataset_versions (id);
CREATE INDEX run_inputs_dataset_version_idx ON mlops.run_inputs (dataset_version_id);
COMMENT ON TABLE mlops.run_inputs IS 'dataset versions a run read (name + version, and the mlops.dataset_versions row they name)';
COMMENT ON COLUMN mlops.run_inputs.dataset_version_id IS 'the version read: set from dataset and version by a trigger';

-- ---------------------------------------------------------------- rules

CREATE FUNCTION mlops._datasets_rules() RETURNS trigger
    AS 'MODULE_PATHNAME', 'mlops_datasets_rules' LANGUAGE C;
COMMENT ON FUNCTION mlops._datasets_rules() IS 'internal trigger: created_by, created_at and the version counter of mlops.datasets';

CREATE FUNCTION mlops._dataset_versions_rules() RETURNS trigger
    AS 'MODULE_PATHNAME', 'mlops_dataset_versions_rules' LANGUAGE C;
COMMENT ON FUNCTION mlops._dataset_versions_rules() IS 'internal trigger: number new dataset versions from the row-locked counter; versions are immutable';

CREATE TRIGGER datasets_10_rules BEFORE INSERT OR UPDATE ON mlops.datasets
    FOR EACH ROW EXECUTE FUNCTION mlops._datasets_rules();
CREATE TRIGGER dataset_versions_10_rules BEFORE INSERT OR UPDATE OR DELETE ON mlops.dataset_versions
    FOR EACH ROW EXECUTE FUNCTION mlops._dataset_versions_rules();
COMMENT ON TRIGGER datasets_10_rules ON mlops.datasets IS 'ids generated, created_by = session_user, created_at = now(); the name and the counter only change through mlops';
COMMENT ON TRIGGER dataset_versions_10_rules ON mlops.dataset_versions IS 'ids generated, version from the row-locked counter, created_by = session_user; versions are immutable';

-- The id of a dataset version, or 42704 naming it.
CREATE FUNCTION mlops._dataset_version_id(dataset text, version integer) RETURNS bigint
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    vid bigint;
    last integer;
BEGIN
    IF dataset IS NULL OR version IS NULL THEN
        RAISE EXCEPTION '% must not be null', CASE WHEN dataset IS NULL THEN 'dataset' ELSE 'version' END
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT v.id INTO vid
      FROM mlops.datasets d JOIN mlops.dataset_versions v ON v.dataset_id OPERATOR(pg_catalog.=) d.id
     WHERE d.name OPERATOR(pg_catalog.=) dataset AND v.version OPERATOR(pg_catalog.=) _dataset_version_id.version;
    IF FOUND THEN
        RETURN vid;
    END IF;
    SELECT d.last_version INTO last FROM mlops.datasets d WHERE d.name OPERATOR(pg_catalog.=) dataset;
    RAISE EXCEPTION 'version % of dataset "%" does not exist', version, dataset
        USING ERRCODE = 'undefined_object',
              DETAIL = CASE WHEN last IS NULL THEN pg_catalog.format('There is no dataset named "%s".', dataset)
                            WHEN last OPERATOR(pg_catalog.=) 0 THEN pg_catalog.format('Dataset "%s" has no versions.', dataset)
                            ELSE pg_catalog.format('The latest version of dataset "%s" is %s.', dataset, last) END,
              HINT = 'Register it with mlops.register_dataset_version() or snapshot a table with mlops.snapshot_table().';
END
$fn$;
COMMENT ON FUNCTION mlops._dataset_version_id(text, integer) IS 'internal: id of version N of a dataset, or an error (42704) naming it';

-- run_inputs.dataset_version_id follows (dataset, version). An ORM may give
-- the id alone; the name and version are then filled from it.
CREATE FUNCTION mlops._run_inputs_dataset_version() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    vid bigint;
BEGIN
    IF mlops._restoring() THEN
        RETURN NEW;
    END IF;
    IF NEW.dataset IS NULL AND NEW.version IS NULL AND NEW.dataset_version_id IS NOT NULL THEN
        SELECT d.name, v.version INTO NEW.dataset, NEW.version
          FROM mlops.dataset_versions v JOIN mlops.datasets d ON d.id OPERATOR(pg_catalog.=) v.dataset_id
         WHERE v.id OPERATOR(pg_catalog.=) NEW.dataset_version_id;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'dataset version id % does not exist', NEW.dataset_version_id
                USING ERRCODE = 'undefined_object',
                      HINT = 'Name the input by dataset and version, as mlops.log_input() does.';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.dataset IS NULL OR NEW.version IS NULL THEN
        RETURN NEW;                     -- the NOT NULL constraint names the column
    END IF;
    vid := mlops._dataset_version_id(NEW.dataset, NEW.version);
    IF NEW.dataset_version_id IS DISTINCT FROM vid AND NEW.dataset_version_id IS NOT NULL
       AND (TG_OP OPERATOR(pg_catalog.=) 'INSERT' OR NEW.dataset_version_id IS DISTINCT FROM OLD.dataset_version_id) THEN
        RAISE EXCEPTION 'dataset_version_id % is not version % of dataset "%"', NEW.dataset_version_id, NEW.version, NEW.dataset
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = pg_catalog.format('Version %s of dataset "%s" has id %s.', NEW.version, NEW.dataset, vid),
                  HINT = 'Leave dataset_version_id out: it is set from dataset and version.';
    END IF;
    NEW.dataset_version_id := vid;
    RETURN NEW;
END
$fn$;
COMMENT ON FUNCTION mlops._run_inputs_dataset_version() IS 'internal trigger: set run_inputs.dataset_version_id from dataset and version (42704 for an unknown version)';

CREATE TRIGGER run_inputs_30_dataset_version BEFORE INSERT OR UPDATE ON mlops.run_inputs
    FOR EACH ROW EXECUTE FUNCTION mlops._run_inputs_dataset_version();
COMMENT ON TRIGGER run_inputs_30_dataset_version ON mlops.run_inputs IS 'dataset_version_id follows dataset and version; an unknown version is 42704';

-- ------------------------------------------------------------- functions

-- Refuse a dataset name, uri, fingerprint, row count or schema out of its limits.
CREATE FUNCTION mlops._check_dataset_version(dataset text, uri text, fingerprint text, row_count bigint, schema jsonb)
    RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    PERFORM mlops._check_text('dataset name', dataset, 250);
    PERFORM mlops._check_text(pg_catalog.format('uri of dataset "%s"', dataset), uri, 2048);
    IF fingerprint IS NOT NULL AND fingerprint OPERATOR(pg_catalog.!~) '^[0-9a-fA-F]{1,128}$' THEN
        RAISE EXCEPTION 'fingerprint of dataset "%" must be 1 to 128 hexadecimal digits', dataset
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = pg_catalog.format('It is %L.', pg_catalog.left(fingerprint, 140)),
                  HINT = 'Pass a hex digest such as the one mlops.table_fingerprint() returns, or NULL.';
    END IF;
    IF row_count OPERATOR(pg_catalog.<) 0 THEN
        RAISE EXCEPTION 'row_count of dataset "%" must not be negative, not %', dataset, row_count
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF schema IS NOT NULL AND pg_catalog.jsonb_typeof(schema) OPERATOR(pg_catalog.<>) ALL (ARRAY['object', 'array']) THEN
        RAISE EXCEPTION 'schema of dataset "%" must be a JSON object or array, not %', dataset, pg_catalog.jsonb_typeof(schema)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass e.g. [{"name": "id", "type": "integer"}] or {"id": "integer"}.';
    END IF;
END
$fn$;
COMMENT ON FUNCTION mlops._check_dataset_version(text, text, text, bigint, jsonb) IS 'internal: refuse dataset version attributes out of their limits, naming the dataset';

-- The id of a dataset, created on first use.
CREATE FUNCTION mlops._dataset_id(dataset text) RETURNS bigint
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    did bigint;
BEGIN
    SELECT d.id INTO did FROM mlops.datasets d WHERE d.name OPERATOR(pg_catalog.=) dataset;
    IF did IS NULL THEN
        INSERT INTO mlops.datasets AS d (name) VALUES (dataset)
        ON CONFLICT (name) DO NOTHING
        RETURNING d.id INTO did;
        IF did IS NULL THEN             -- a concurrent transaction created it first
            SELECT d.id INTO did FROM mlops.datasets d WHERE d.name OPERATOR(pg_catalog.=) dataset;
        END IF;
    END IF;
    RETURN did;
END
$fn$;
COMMENT ON FUNCTION mlops._dataset_id(text) IS 'internal: id of the named dataset, created if missing';

CREATE FUNCTION mlops.register_dataset_version(dataset text, uri text, fingerprint text DEFAULT NULL,
                                               row_count bigint DEFAULT NULL, schema jsonb DEFAULT NULL)
    RETURNS integer
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    v integer;
BEGIN
    PERFORM mlops._check_dataset_version(dataset, uri, fingerprint, row_count, schema);
    INSERT INTO mlops.dataset_versions AS dv (dataset_id, uri, fingerprint, row_count, schema)
    VALUES (mlops._dataset_id(register_dataset_version.dataset), register_dataset_version.uri,
            pg_catalog.lower(register_dataset_version.fingerprint), register_dataset_version.row_count,
            register_dataset_version.schema)
    RETURNING dv.version INTO v;
    RETURN v;
END
$fn$;
COMMENT ON FUNCTION mlops.register_dataset_version(text, text, text, bigint, jsonb) IS 'record a new version of a dataset (created on first use) stored at uri; returns its number (1, 2, ...)';

REVOKE ALL ON FUNCTION mlops._dataset_version_id(text, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION mlops._dataset_id(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION mlops.register_dataset_version(text, text, text, bigint, jsonb) FROM PUBLIC;

INSERT INTO mlops.role_grants (role_name, privileges, object_kind, object_name) VALUES
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.datasets'),
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.dataset_versions'),
    ('mlops_reader', 'SELECT', 'SEQUENCE', 'mlops.datasets_id_seq'),
    ('mlops_reader', 'SELECT', 'SEQUENCE', 'mlops.dataset_versions_id_seq'),
    ('mlops_writer', 'INSERT', 'TABLE', 'mlops.datasets'),
    ('mlops_writer', 'INSERT', 'TABLE', 'mlops.dataset_versions'),
    ('mlops_writer', 'USAGE', 'SEQUENCE', 'mlops.datasets_id_seq'),
    ('mlops_writer', 'USAGE', 'SEQUENCE', 'mlops.dataset_versions_id_seq'),
    ('mlops_reader', 'EXECUTE', 'FUNCTION', 'mlops._dataset_version_id(text, integer)'),
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops._dataset_id(text)'),
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops.register_dataset_version(text, text, text, bigint, jsonb)');
