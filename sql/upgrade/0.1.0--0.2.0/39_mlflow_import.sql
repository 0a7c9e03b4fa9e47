-- Importing an MLflow store (API.md -> Coming from MLflow): mlops.import_mlflow()
-- reads MLflow's tracking and registry tables from another schema of this
-- database (MLflow's own tables, or foreign tables postgres_fdw made of a
-- remote MLflow database) and adds what mlops does not hold yet, in one
-- transaction, with set-based statements run as the extension owner
-- (src/tracking/import_mlflow.c). Admins only: it writes runs and model
-- versions on behalf of their MLflow authors, and versions land directly in
-- their stages (audited as imported, not as approved transitions).

-- MLflow keeps JSON documents (dataset sources, schemas, profiles) in text
-- columns; one that does not parse is imported as NULL rather than failing
-- the import.
CREATE FUNCTION mlops._mlflow_json(doc text) RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    RETURN doc::jsonb;
EXCEPTION WHEN invalid_text_representation THEN
    RETURN NULL;
END
$fn$;
REVOKE ALL ON FUNCTION mlops._mlflow_json(text) FROM PUBLIC;
COMMENT ON FUNCTION mlops._mlflow_json(text) IS 'internal: a JSON document stored as text by MLflow, or NULL when it does not parse';

CREATE FUNCTION mlops.import_mlflow(source_schema text, experiments text[] DEFAULT NULL) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'mlops_import_mlflow' LANGUAGE C;
REVOKE ALL ON FUNCTION mlops.import_mlflow(text, text[]) FROM PUBLIC;
COMMENT ON FUNCTION mlops.import_mlflow(text, text[]) IS 'import an MLflow 2.x tracking and registry store from source_schema (all experiments, or those named or numbered); adds only what is new; returns counts per table (admins)';

INSERT INTO mlops.role_grants (role_name, privileges, object_kind, object_name) VALUES
    ('mlops_admin', 'EXECUTE', 'FUNCTION', 'mlops.import_mlflow(text, text[])');
