-- search_model_versions (API.md -> Tracking, Coming from MLflow): MLflow's
-- model version grammar (name, version_number, run_id, source_path,
-- tags.<key>) through the search_runs parser (src/tracking/search.c).

CREATE FUNCTION mlops.search_model_versions(filter text DEFAULT '',
                                            order_by text DEFAULT 'last_updated_timestamp DESC, name ASC, version_number DESC',
                                            max_results integer DEFAULT 1000)
    RETURNS SETOF mlops.model_versions
    AS 'MODULE_PATHNAME', 'mlops_search_model_versions' LANGUAGE C STABLE;
COMMENT ON FUNCTION mlops.search_model_versions(text, text, integer) IS
    'model versions matching an MLflow-style filter such as name = ''churn'' AND tags.validated = ''yes''; last updated first by default (ties by model name, then version, highest first)';
REVOKE ALL ON FUNCTION mlops.search_model_versions(text, text, integer) FROM PUBLIC;
INSERT INTO mlops.role_grants (role_name, privileges, object_kind, object_name) VALUES
    ('mlops_reader', 'EXECUTE', 'FUNCTION', 'mlops.search_model_versions(text, text, integer)');
