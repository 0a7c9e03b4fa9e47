-- search_runs (API.md -> Tracking): the MLflow filter grammar, parsed in C
-- (src/search.c) into a query whose keys and values are bound parameters.

CREATE FUNCTION mlops.search_runs(experiment text, filter text DEFAULT '',
                                  order_by text DEFAULT 'start_time DESC',
                                  max_results integer DEFAULT 1000)
    RETURNS SETOF mlops.runs
    AS 'MODULE_PATHNAME', 'mlops_search_runs' LANGUAGE C STABLE;
COMMENT ON FUNCTION mlops.search_runs(text, text, text, integer) IS
    'runs of an experiment (NULL: all experiments) matching an MLflow-style filter such as metrics.acc > 0.9 AND params.lr = ''0.01'' (with OR, parentheses, IN, LIKE, ILIKE); metric filters and ordering use the latest value';

CREATE FUNCTION mlops._search_runs_sql(filter text, order_by text DEFAULT 'start_time DESC') RETURNS text
    AS 'MODULE_PATHNAME', 'mlops_search_runs_sql' LANGUAGE C STABLE;
COMMENT ON FUNCTION mlops._search_runs_sql(text, text) IS 'internal: the WHERE/ORDER BY text search_runs generates for a filter (values appear as $n parameters)';
REVOKE ALL ON FUNCTION mlops._search_runs_sql(text, text) FROM PUBLIC;
INSERT INTO mlops.role_grants (role_name, privileges, object_kind, object_name) VALUES
    ('mlops_reader', 'EXECUTE', 'FUNCTION', 'mlops._search_runs_sql(text, text)');
