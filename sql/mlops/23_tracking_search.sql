-- search_runs (API.md -> Tracking): the MLflow filter grammar, parsed in C
-- (src/search.c) into a query whose keys and values are bound parameters.

CREATE FUNCTION mlops.search_runs(experiment text, filter text DEFAULT '',
                                  order_by text DEFAULT 'start_time DESC',
                                  max_results integer DEFAULT 1000)
    RETURNS SETOF mlops.runs
    AS 'MODULE_PATHNAME', 'mlops_search_runs' LANGUAGE C STABLE;
COMMENT ON FUNCTION mlops.search_runs(text, text, text, integer) IS
    'active runs of an experiment (NULL: all experiments) matching an MLflow-style filter such as metrics.acc > 0.9 AND params.lr = ''0.01'' (with OR, parentheses, IN, LIKE, ILIKE, IS NULL); metric filters and ordering use the latest value';

-- MLflow's search_runs: several experiments, a lifecycle view, and pages. The
-- last row of a full page carries the token of the next page (NULL on every
-- other row, and on the last page); the token continues after that row by
-- its sort keys, so runs logged between two pages shift nothing.
CREATE FUNCTION mlops.search_runs(experiments text[], filter text DEFAULT '',
                                  order_by text DEFAULT 'start_time DESC',
                                  max_results integer DEFAULT 1000,
                                  page_token text DEFAULT NULL,
                                  run_view_type text DEFAULT 'active')
    RETURNS TABLE (id uuid, experiment_id bigint, name text, status text,
                   start_time timestamptz, end_time timestamptz, created_by name,
                   parent_run_id uuid, lifecycle_stage text, deleted_time timestamptz,
                   artifact_uri text, next_page_token text)
    AS 'MODULE_PATHNAME', 'mlops_search_runs_page' LANGUAGE C STABLE;
COMMENT ON FUNCTION mlops.search_runs(text[], text, text, integer, text, text) IS
    'a page of runs of the named experiments (NULL: all) matching an MLflow-style filter, in order_by order; run_view_type active, deleted or all; next_page_token, set on the last row of a full page when more runs follow, fetches the next page';
REVOKE ALL ON FUNCTION mlops.search_runs(text[], text, text, integer, text, text) FROM PUBLIC;

-- MLflow's search_experiments: name, tags.<key>, creation_time,
-- last_update_time; newest first by default (ties by id, highest first).
CREATE FUNCTION mlops.search_experiments(filter text DEFAULT '',
                                         order_by text DEFAULT 'creation_time DESC, experiment_id ASC',
                                         max_results integer DEFAULT 1000,
                                         view_type text DEFAULT 'active')
    RETURNS SETOF mlops.experiments
    AS 'MODULE_PATHNAME', 'mlops_search_experiments' LANGUAGE C STABLE;
COMMENT ON FUNCTION mlops.search_experiments(text, text, integer, text) IS
    'experiments matching an MLflow-style filter such as name LIKE ''churn%'' AND tags.team = ''x''; view_type active, deleted or all';
REVOKE ALL ON FUNCTION mlops.search_experiments(text, text, integer, text) FROM PUBLIC;

CREATE FUNCTION mlops._search_runs_sql(filter text, order_by text DEFAULT 'start_time DESC') RETURNS text
    AS 'MODULE_PATHNAME', 'mlops_search_runs_sql' LANGUAGE C STABLE;
COMMENT ON FUNCTION mlops._search_runs_sql(text, text) IS 'internal: the WHERE/ORDER BY text search_runs generates for a filter (values appear as $n parameters)';
REVOKE ALL ON FUNCTION mlops._search_runs_sql(text, text) FROM PUBLIC;
INSERT INTO mlops.role_grants (role_name, privileges, object_kind, object_name) VALUES
    ('mlops_reader', 'EXECUTE', 'FUNCTION', 'mlops._search_runs_sql(text, text)'),
    ('mlops_reader', 'EXECUTE', 'FUNCTION', 'mlops.search_runs(text[], text, text, integer, text, text)'),
    ('mlops_reader', 'EXECUTE', 'FUNCTION', 'mlops.search_experiments(text, text, integer, text)');
