-- mlops 0.1.0 -> 0.2.0, lineage (sql/mlops/36_lineage.sql): new in 0.2.0.
-- The same objects as a fresh install; the graph of the data 0.1.0 recorded
-- (run inputs, model versions, run parents) is loaded before the triggers
-- exist, with the impact projection computed from it.

-- ---------------------------------------------------------------- tables

CREATE TABLE mlops.lineage_nodes (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind               text NOT NULL CONSTRAINT lineage_nodes_kind
                       CHECK (kind OPERATOR(pg_catalog.=) ANY
                              (ARRAY['dataset_version', 'run', 'model_version', 'job', 'external'])),
    key                text NOT NULL CONSTRAINT lineage_nodes_key_length
                       CHECK (pg_catalog.char_length(key) OPERATOR(pg_catalog.<=) 2048 AND key OPERATOR(pg_catalog.<>) ''),
    run_id             uuid REFERENCES mlops.runs (id) ON DELETE CASCADE,
    dataset_version_id bigint REFERENCES mlops.dataset_versions (id) ON DELETE CASCADE,
    model_version_id   bigint REFERENCES mlops.model_versions (id) ON DELETE CASCADE,
    created_at         timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT lineage_nodes_kind_key UNIQUE (kind, key),
    CONSTRAINT lineage_nodes_object CHECK (
        (run_id IS NOT NULL) OPERATOR(pg_catalog.=) (kind OPERATOR(pg_catalog.=) 'run')
        AND (dataset_version_id IS NOT NULL) OPERATOR(pg_catalog.=) (kind OPERATOR(pg_catalog.=) 'dataset_version')
        AND (model_version_id IS NOT NULL) OPERATOR(pg_catalog.=) (kind OPERATOR(pg_catalog.=) 'model_version'))
);
CREATE UNIQUE INDEX lineage_nodes_run_idx ON mlops.lineage_nodes (run_id) WHERE run_id IS NOT NULL;
CREATE UNIQUE INDEX lineage_nodes_dataset_version_idx ON mlops.lineage_nodes (dataset_version_id)
    WHERE dataset_version_id IS NOT NULL;
CREATE UNIQUE INDEX lineage_nodes_model_version_idx ON mlops.lineage_nodes (model_version_id)
    WHERE model_version_id IS NOT NULL;
COMMENT ON TABLE mlops.lineage_nodes IS 'lineage graph nodes (kind, key); a dataset version, run or model version node references its row';
COMMENT ON COLUMN mlops.lineage_nodes.kind IS 'dataset_version, run, model_version, job or external';
COMMENT ON COLUMN mlops.lineage_nodes.key IS 'name@version (dataset and model versions), a uuid (runs, jobs) or namespace/name (external)';

CREATE TABLE mlops.lineage_links (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    src_id      bigint NOT NULL REFERENCES mlops.lineage_nodes (id) ON DELETE CASCADE,
    dst_id      bigint NOT NULL REFERENCES mlops.lineage_nodes (id) ON DELETE CASCADE,
    relation    text NOT NULL CONSTRAINT lineage_links_relation_length
                CHECK (pg_catalog.char_length(relation) OPERATOR(pg_catalog.<=) 100 AND relation OPERATOR(pg_catalog.<>) ''),
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by  name NOT NULL DEFAULT SESSION_USER,
    CONSTRAINT lineage_links_no_self_loop CHECK (src_id OPERATOR(pg_catalog.<>) dst_id),
    CONSTRAINT lineage_links_src_dst_key UNIQUE (src_id, dst_id, relation)
);
CREATE INDEX lineage_links_dst_idx ON mlops.lineage_links (dst_id, src_id, relation);
COMMENT ON TABLE mlops.lineage_links IS 'lineage graph edges, downstream (data flow) from src to dst; acyclic; readable with names in mlops.lineage_edges';
COMMENT ON COLUMN mlops.lineage_links.relation IS 'how the data flows: input, produced, parent, output, ...';
COMMENT ON INDEX mlops.lineage_links_src_dst_key IS 'one edge per (src, dst, relation); walks downstream probe it by src_id';
COMMENT ON INDEX mlops.lineage_links_dst_idx IS 'walks upstream probe it by dst_id';

CREATE TABLE mlops.lineage_impact (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dataset_node_id  bigint NOT NULL REFERENCES mlops.lineage_nodes (id) ON DELETE CASCADE,
    model_node_id    bigint NOT NULL REFERENCES mlops.lineage_nodes (id) ON DELETE CASCADE,
    depth            integer NOT NULL CONSTRAINT lineage_impact_depth_positive CHECK (depth OPERATOR(pg_catalog.>=) 1),
    dataset_version_id bigint NOT NULL REFERENCES mlops.dataset_versions (id) ON DELETE CASCADE,
    model_version_id bigint NOT NULL REFERENCES mlops.model_versions (id) ON DELETE CASCADE,
    CONSTRAINT lineage_impact_pair_key UNIQUE (dataset_node_id, model_node_id)
);
CREATE INDEX lineage_impact_model_idx ON mlops.lineage_impact (model_node_id);
-- the objects of both nodes, so that mlops.impacted_models() is one lookup
CREATE INDEX lineage_impact_dataset_version_idx ON mlops.lineage_impact (dataset_version_id);
-- a deleted model version's projection rows go by this index, not a scan
CREATE INDEX lineage_impact_model_version_idx ON mlops.lineage_impact (model_version_id);
COMMENT ON TABLE mlops.lineage_impact IS 'which model versions each dataset version reaches downstream, at the shortest depth (maintained with every edge change)';

-- Rows of mlops.lineage_upstream() / lineage_downstream() and
-- mlops.impacted_models() (a composite type, as the argument names kind,
-- key and version are also result columns).
CREATE TYPE mlops.lineage_step AS (depth integer, kind text, key text, relation text, truncated boolean);
COMMENT ON TYPE mlops.lineage_step IS 'a node a lineage traversal reached: depth, kind, key, the relation it was reached by, whether a budget cut the answer';
CREATE TYPE mlops.impacted_model AS (model text, version integer, stage text, depth integer);
COMMENT ON TYPE mlops.impacted_model IS 'a model version downstream of a dataset version: model, version, current stage, shortest depth';

-- ---------------------------------------------------------------- backfill
-- The graph 0.1.0 data implies, before any trigger exists: dataset_version
-- -> run (input) for every run input, run -> model_version (produced) for
-- every model version, parent run -> run (parent); then the impact
-- projection from it (the runs' parents form no cycle, so neither does it).

INSERT INTO mlops.lineage_nodes (kind, key, run_id, created_at)
SELECT 'run', r.id::text, r.id, r.start_time
  FROM mlops.runs r
 WHERE r.parent_run_id IS NOT NULL
    OR EXISTS (SELECT 1 FROM mlops.runs c WHERE c.parent_run_id OPERATOR(pg_catalog.=) r.id)
    OR EXISTS (SELECT 1 FROM mlops.run_inputs i WHERE i.run_id OPERATOR(pg_catalog.=) r.id)
    OR EXISTS (SELECT 1 FROM mlops.model_versions v WHERE v.run_id OPERATOR(pg_catalog.=) r.id)
 ORDER BY r.start_time, r.id;
INSERT INTO mlops.lineage_nodes (kind, key, dataset_version_id, created_at)
SELECT 'dataset_version', d.name OPERATOR(pg_catalog.||) '@' OPERATOR(pg_catalog.||) v.version, v.id, v.created_at
  FROM mlops.dataset_versions v JOIN mlops.datasets d ON d.id OPERATOR(pg_catalog.=) v.dataset_id
 WHERE EXISTS (SELECT 1 FROM mlops.run_inputs i WHERE i.dataset_version_id OPERATOR(pg_catalog.=) v.id)
 ORDER BY v.id;
INSERT INTO mlops.lineage_nodes (kind, key, model_version_id, created_at)
SELECT 'model_version', m.name OPERATOR(pg_catalog.||) '@' OPERATOR(pg_catalog.||) v.version, v.id, v.created_at
  FROM mlops.model_versions v JOIN mlops.models m ON m.id OPERATOR(pg_catalog.=) v.model_id
 ORDER BY v.id;

INSERT INTO mlops.lineage_links (src_id, dst_id, relation, created_at, created_by)
SELECT DISTINCT ON (dn.id, rn.id) dn.id, rn.id, 'input', i.created_at, i.created_by
  FROM mlops.run_inputs i
  JOIN mlops.lineage_nodes dn ON dn.dataset_version_id OPERATOR(pg_catalog.=) i.dataset_version_id
  JOIN mlops.lineage_nodes rn ON rn.run_id OPERATOR(pg_catalog.=) i.run_id
 ORDER BY dn.id, rn.id, i.created_at, i.id;
INSERT INTO mlops.lineage_links (src_id, dst_id, relation, created_at, created_by)
SELECT rn.id, vn.id, 'produced', v.created_at, v.created_by
  FROM mlops.model_versions v
  JOIN mlops.lineage_nodes rn ON rn.run_id OPERATOR(pg_catalog.=) v.run_id
  JOIN mlops.lineage_nodes vn ON vn.model_version_id OPERATOR(pg_catalog.=) v.id
 ORDER BY v.id;
INSERT INTO mlops.lineage_links (src_id, dst_id, relation, created_at, created_by)
SELECT pn.id, cn.id, 'parent', r.start_time, r.created_by
  FROM mlops.runs r
  JOIN mlops.lineage_nodes pn ON pn.run_id OPERATOR(pg_catalog.=) r.parent_run_id
  JOIN mlops.lineage_nodes cn ON cn.run_id OPERATOR(pg_catalog.=) r.id
 ORDER BY r.start_time, r.id;

INSERT INTO mlops.lineage_impact (dataset_node_id, model_node_id, depth, dataset_version_id, model_version_id)
WITH RECURSIVE reach(ds, node, depth) AS (
    SELECT n.id, n.id, 0 FROM mlops.lineage_nodes n WHERE n.kind OPERATOR(pg_catalog.=) 'dataset_version'
    UNION
    SELECT r.ds, l.dst_id, r.depth OPERATOR(pg_catalog.+) 1
      FROM reach r JOIN mlops.lineage_links l ON l.src_id OPERATOR(pg_catalog.=) r.node
)
SELECT r.ds, r.node, pg_catalog.min(r.depth), dn.dataset_version_id, n.model_version_id
  FROM reach r JOIN mlops.lineage_nodes n ON n.id OPERATOR(pg_catalog.=) r.node
  JOIN mlops.lineage_nodes dn ON dn.id OPERATOR(pg_catalog.=) r.ds
 WHERE n.kind OPERATOR(pg_catalog.=) 'model_version'
 GROUP BY r.ds, r.node, dn.dataset_version_id, n.model_version_id
 ORDER BY r.ds, r.node;

-- ---------------------------------------------------------------- triggers

CREATE FUNCTION mlops._lineage_nodes_rules() RETURNS trigger
    AS 'MODULE_PATHNAME', 'mlops_lineage_nodes_rules' LANGUAGE C;
COMMENT ON FUNCTION mlops._lineage_nodes_rules() IS 'internal trigger: nodes do not change; a node inserted directly gets its key checked and its object column filled';
CREATE FUNCTION mlops._lineage_links_lock() RETURNS trigger
    AS 'MODULE_PATHNAME', 'mlops_lineage_links_lock' LANGUAGE C;
COMMENT ON FUNCTION mlops._lineage_links_lock() IS 'internal trigger: the lineage lock, serialising edge changes until commit';
CREATE FUNCTION mlops._lineage_links_rules() RETURNS trigger
    AS 'MODULE_PATHNAME', 'mlops_lineage_links_rules' LANGUAGE C;
COMMENT ON FUNCTION mlops._lineage_links_rules() IS 'internal trigger: edges do not change, no self-loop, relation limits, created_by';
CREATE FUNCTION mlops._lineage_links_added() RETURNS trigger
    AS 'MODULE_PATHNAME', 'mlops_lineage_links_added' LANGUAGE C;
COMMENT ON FUNCTION mlops._lineage_links_added() IS 'internal trigger: refuse an edge that closes a cycle; extend mlops.lineage_impact';
CREATE FUNCTION mlops._lineage_links_removed() RETURNS trigger
    AS 'MODULE_PATHNAME', 'mlops_lineage_links_removed' LANGUAGE C;
COMMENT ON FUNCTION mlops._lineage_links_removed() IS 'internal trigger: recompute mlops.lineage_impact upstream of removed edges';
CREATE FUNCTION mlops._lineage_run_input() RETURNS trigger
    AS 'MODULE_PATHNAME', 'mlops_lineage_run_input' LANGUAGE C;
COMMENT ON FUNCTION mlops._lineage_run_input() IS 'internal trigger: the lineage edge dataset_version -> run (input) of a run input';
CREATE FUNCTION mlops._lineage_model_version() RETURNS trigger
    AS 'MODULE_PATHNAME', 'mlops_lineage_model_version' LANGUAGE C;
COMMENT ON FUNCTION mlops._lineage_model_version() IS 'internal trigger: the lineage edge run -> model_version (produced) of a new version';
CREATE FUNCTION mlops._lineage_run_parent() RETURNS trigger
    AS 'MODULE_PATHNAME', 'mlops_lineage_run_parent' LANGUAGE C;
COMMENT ON FUNCTION mlops._lineage_run_parent() IS 'internal trigger: the lineage edge parent run -> run (parent); a new parent replaces it';

CREATE TRIGGER lineage_nodes_10_rules BEFORE INSERT OR UPDATE ON mlops.lineage_nodes
    FOR EACH ROW EXECUTE FUNCTION mlops._lineage_nodes_rules();
CREATE TRIGGER lineage_links_05_lock BEFORE INSERT OR DELETE ON mlops.lineage_links
    FOR EACH STATEMENT EXECUTE FUNCTION mlops._lineage_links_lock();
CREATE TRIGGER lineage_links_10_rules BEFORE INSERT OR UPDATE ON mlops.lineage_links
    FOR EACH ROW EXECUTE FUNCTION mlops._lineage_links_rules();
CREATE TRIGGER lineage_links_20_added AFTER INSERT ON mlops.lineage_links
    FOR EACH ROW EXECUTE FUNCTION mlops._lineage_links_added();
CREATE TRIGGER lineage_links_30_removed AFTER DELETE ON mlops.lineage_links
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION mlops._lineage_links_removed();
CREATE TRIGGER run_inputs_40_lineage AFTER INSERT ON mlops.run_inputs
    FOR EACH ROW EXECUTE FUNCTION mlops._lineage_run_input();
CREATE TRIGGER model_versions_40_lineage AFTER INSERT ON mlops.model_versions
    FOR EACH ROW EXECUTE FUNCTION mlops._lineage_model_version();
CREATE TRIGGER runs_40_lineage AFTER INSERT OR UPDATE OF parent_run_id ON mlops.runs
    FOR EACH ROW EXECUTE FUNCTION mlops._lineage_run_parent();
COMMENT ON TRIGGER lineage_nodes_10_rules ON mlops.lineage_nodes IS 'nodes do not change; keys checked per kind';
COMMENT ON TRIGGER lineage_links_05_lock ON mlops.lineage_links IS 'the lineage lock before any row: edge changes run one after another';
COMMENT ON TRIGGER lineage_links_10_rules ON mlops.lineage_links IS 'edges do not change; no self-loop; relation limits; created_by = session_user';
COMMENT ON TRIGGER lineage_links_20_added ON mlops.lineage_links IS 'no cycle (23514); the impact projection';
COMMENT ON TRIGGER lineage_links_30_removed ON mlops.lineage_links IS 'the impact projection after edges are removed';
COMMENT ON TRIGGER run_inputs_40_lineage ON mlops.run_inputs IS 'lineage edge dataset_version -> run (input)';
COMMENT ON TRIGGER model_versions_40_lineage ON mlops.model_versions IS 'lineage edge run -> model_version (produced)';
COMMENT ON TRIGGER runs_40_lineage ON mlops.runs IS 'lineage edge parent run -> run (parent)';

-- --------------------------------------------------------------- functions

CREATE FUNCTION mlops.add_lineage(src_kind text, src_key text, dst_kind text, dst_key text, relation text)
    RETURNS void
    AS 'MODULE_PATHNAME', 'mlops_add_lineage' LANGUAGE C;
COMMENT ON FUNCTION mlops.add_lineage(text, text, text, text, text) IS 'add the lineage edge src -> dst (downstream) with a relation; an identical edge is a no-op; a cycle is refused';

CREATE FUNCTION mlops.lineage_upstream(kind text, key text, max_depth integer DEFAULT 20,
                                       max_nodes integer DEFAULT 10000)
    RETURNS SETOF mlops.lineage_step
    AS 'MODULE_PATHNAME', 'mlops_lineage_upstream' LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION mlops.lineage_upstream(text, text, integer, integer) IS 'what a node was made from: each node once at its shortest depth (breadth-first, at most max_depth levels and max_nodes nodes; truncated on every row when a budget cut the answer)';

CREATE FUNCTION mlops.lineage_downstream(kind text, key text, max_depth integer DEFAULT 20,
                                         max_nodes integer DEFAULT 10000)
    RETURNS SETOF mlops.lineage_step
    AS 'MODULE_PATHNAME', 'mlops_lineage_downstream' LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION mlops.lineage_downstream(text, text, integer, integer) IS 'what was made from a node: each node once at its shortest depth (breadth-first, at most max_depth levels and max_nodes nodes; truncated on every row when a budget cut the answer)';

-- C (src/lineage/impact.c): one statement with a plan kept per backend,
-- index lookups into the projection; as the caller.
CREATE FUNCTION mlops.impacted_models(dataset text, version integer)
    RETURNS SETOF mlops.impacted_model
    AS 'MODULE_PATHNAME', 'mlops_impacted_models' LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION mlops.impacted_models(text, integer) IS 'model versions built from a dataset version, directly or through other runs and datasets: model, version, current stage, shortest depth';

-- Tags that say which code built a run (the first ones MLflow sets, then
-- common hand-set names).
CREATE FUNCTION mlops._code_version_tags() RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
    RETURN ARRAY['mlflow.source.git.commit', 'mlflow.source.git.branch', 'mlflow.source.git.repoURL',
                 'mlflow.source.name', 'mlflow.source.type', 'git_commit', 'git_branch', 'git', 'code_version'];
COMMENT ON FUNCTION mlops._code_version_tags() IS 'internal: the run tags mlops.reproduce() reports as the code version';

CREATE FUNCTION mlops.reproduce(model text, version integer) RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    BEGIN ATOMIC
        WITH mv AS (
            SELECT v.id, v.version, v.run_id, v.artifact_uri, v.stage, v.created_at, v.created_by,
                   n.id AS node_id
              FROM mlops.model_versions v
              LEFT JOIN mlops.lineage_nodes n ON n.model_version_id OPERATOR(pg_catalog.=) v.id
             WHERE v.id OPERATOR(pg_catalog.=) mlops._version_id(reproduce.model, reproduce.version)
        )
        SELECT pg_catalog.jsonb_build_object(
            'model', reproduce.model,
            'version', mv.version,
            'stage', mv.stage,
            'artifact_uri', mv.artifact_uri,
            'created_at', mv.created_at,
            'created_by', mv.created_by,
            'run', (SELECT pg_catalog.jsonb_build_object(
                        'id', r.id, 'name', r.name, 'experiment', e.name, 'status', r.status,
                        'start_time', r.start_time, 'end_time', r.end_time, 'created_by', r.created_by)
                      FROM mlops.runs r JOIN mlops.experiments e ON e.id OPERATOR(pg_catalog.=) r.experiment_id
                     WHERE r.id OPERATOR(pg_catalog.=) mv.run_id),
            'params', (SELECT COALESCE(pg_catalog.jsonb_object_agg(p.key, p.value ORDER BY p.key), '{}')
                         FROM mlops.params p WHERE p.run_id OPERATOR(pg_catalog.=) mv.run_id),
            'code_version', (SELECT COALESCE(pg_catalog.jsonb_object_agg(t.key, t.value ORDER BY t.key), '{}')
                               FROM mlops.tags t
                              WHERE t.run_id OPERATOR(pg_catalog.=) mv.run_id
                                AND t.key OPERATOR(pg_catalog.=) ANY (mlops._code_version_tags())),
            'datasets', (SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                                    'dataset', ds.name, 'version', dv.version, 'depth', i.depth,
                                    'contexts', (SELECT COALESCE(pg_catalog.jsonb_agg(DISTINCT ri.context), '[]')
                                                   FROM mlops.run_inputs ri
                                                  WHERE ri.run_id OPERATOR(pg_catalog.=) mv.run_id
                                                    AND ri.dataset_version_id OPERATOR(pg_catalog.=) dv.id),
                                    'fingerprint', dv.fingerprint, 'row_count', dv.row_count, 'uri', dv.uri)
                                    ORDER BY i.depth, ds.name, dv.version), '[]')
                           FROM mlops.lineage_impact i
                           JOIN mlops.lineage_nodes dn ON dn.id OPERATOR(pg_catalog.=) i.dataset_node_id
                           JOIN mlops.dataset_versions dv ON dv.id OPERATOR(pg_catalog.=) dn.dataset_version_id
                           JOIN mlops.datasets ds ON ds.id OPERATOR(pg_catalog.=) dv.dataset_id
                          WHERE i.model_node_id OPERATOR(pg_catalog.=) mv.node_id),
            'parent_runs', (WITH RECURSIVE up(id, n) AS (
                                SELECT r.parent_run_id, 1 FROM mlops.runs r
                                 WHERE r.id OPERATOR(pg_catalog.=) mv.run_id AND r.parent_run_id IS NOT NULL
                                UNION ALL
                                SELECT r.parent_run_id, up.n OPERATOR(pg_catalog.+) 1
                                  FROM up JOIN mlops.runs r ON r.id OPERATOR(pg_catalog.=) up.id
                                 WHERE r.parent_run_id IS NOT NULL AND up.n OPERATOR(pg_catalog.<) 1000)
                            SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                                       'id', r.id, 'name', r.name, 'status', r.status) ORDER BY up.n), '[]')
                              FROM up JOIN mlops.runs r ON r.id OPERATOR(pg_catalog.=) up.id))
          FROM mv;
    END;
COMMENT ON FUNCTION mlops.reproduce(text, integer) IS 'what it takes to rebuild a model version: its run (params, code-version tags), the dataset versions upstream with fingerprints, the artifact and the parent runs';

-- ------------------------------------------------------------------ views

CREATE VIEW mlops.lineage_edges AS
SELECT l.id,
       s.kind AS src_kind,
       s.key AS src_key,
       d.kind AS dst_kind,
       d.key AS dst_key,
       l.relation,
       l.created_at,
       l.created_by::text AS created_by
  FROM mlops.lineage_links l
  JOIN mlops.lineage_nodes s ON s.id OPERATOR(pg_catalog.=) l.src_id
  JOIN mlops.lineage_nodes d ON d.id OPERATOR(pg_catalog.=) l.dst_id;
COMMENT ON VIEW mlops.lineage_edges IS 'every lineage edge with readable names at both ends (downstream: data flows from src to dst)';
COMMENT ON COLUMN mlops.lineage_edges.id IS 'edge id (mlops.lineage_links.id)';
COMMENT ON COLUMN mlops.lineage_edges.src_kind IS 'kind of the upstream node: dataset_version, run, model_version, job or external';
COMMENT ON COLUMN mlops.lineage_edges.src_key IS 'key of the upstream node: name@version, a run or job id, or namespace/name';
COMMENT ON COLUMN mlops.lineage_edges.dst_kind IS 'kind of the downstream node';
COMMENT ON COLUMN mlops.lineage_edges.dst_key IS 'key of the downstream node';
COMMENT ON COLUMN mlops.lineage_edges.relation IS 'how the data flows: input, produced, parent, output, ...';
COMMENT ON COLUMN mlops.lineage_edges.created_at IS 'when the edge was added (transaction start)';
COMMENT ON COLUMN mlops.lineage_edges.created_by IS 'login (session_user) that added the edge';

CREATE VIEW mlops.dataset_version_summary AS
SELECT ds.name AS dataset,
       v.version,
       v.fingerprint,
       v.row_count,
       v.created_at,
       v.created_by::text AS created_by,
       (SELECT pg_catalog.count(DISTINCT ri.run_id) FROM mlops.run_inputs ri
         WHERE ri.dataset_version_id OPERATOR(pg_catalog.=) v.id) AS runs_read,
       (SELECT pg_catalog.count(*) FROM mlops.lineage_impact i
         WHERE i.dataset_node_id OPERATOR(pg_catalog.=) n.id) AS models_impacted,
       EXISTS (SELECT 1 FROM mlops.lineage_impact i
                 JOIN mlops.lineage_nodes mn ON mn.id OPERATOR(pg_catalog.=) i.model_node_id
                 JOIN mlops.model_versions mv ON mv.id OPERATOR(pg_catalog.=) mn.model_version_id
                WHERE i.dataset_node_id OPERATOR(pg_catalog.=) n.id
                  AND mv.stage OPERATOR(pg_catalog.=) 'production') AS in_production
  FROM mlops.dataset_versions v
  JOIN mlops.datasets ds ON ds.id OPERATOR(pg_catalog.=) v.dataset_id
  LEFT JOIN mlops.lineage_nodes n ON n.dataset_version_id OPERATOR(pg_catalog.=) v.id;
COMMENT ON VIEW mlops.dataset_version_summary IS 'a row per dataset version: content, how many runs read it, how many model versions it reaches, whether one is in production';
COMMENT ON COLUMN mlops.dataset_version_summary.dataset IS 'dataset name';
COMMENT ON COLUMN mlops.dataset_version_summary.version IS 'version number (1, 2, ... per dataset)';
COMMENT ON COLUMN mlops.dataset_version_summary.fingerprint IS 'content fingerprint, lowercase hex (NULL when not known)';
COMMENT ON COLUMN mlops.dataset_version_summary.row_count IS 'rows in the version (NULL when not known)';
COMMENT ON COLUMN mlops.dataset_version_summary.created_at IS 'when the version was registered';
COMMENT ON COLUMN mlops.dataset_version_summary.created_by IS 'login (session_user) that registered it';
COMMENT ON COLUMN mlops.dataset_version_summary.runs_read IS 'runs that read this version (mlops.run_inputs)';
COMMENT ON COLUMN mlops.dataset_version_summary.models_impacted IS 'model versions built from it, directly or through other runs and datasets';
COMMENT ON COLUMN mlops.dataset_version_summary.in_production IS 'whether one of those model versions is in stage production now';

-- ------------------------------------------------------ dump and grants

SELECT pg_catalog.pg_extension_config_dump('mlops.lineage_nodes', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.lineage_links', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.lineage_impact', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.lineage_nodes_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.lineage_links_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.lineage_impact_id_seq', '');

REVOKE ALL ON FUNCTION mlops.add_lineage(text, text, text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION mlops.lineage_upstream(text, text, integer, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION mlops.lineage_downstream(text, text, integer, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION mlops.impacted_models(text, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION mlops.reproduce(text, integer) FROM PUBLIC;

-- Readers read and traverse the graph; writers add edges through
-- add_lineage() and the hooks (which write as the extension owner), never
-- with a plain INSERT: the tables have no write privilege for any role.
INSERT INTO mlops.role_grants (role_name, privileges, object_kind, object_name) VALUES
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.lineage_nodes'),
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.lineage_links'),
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.lineage_impact'),
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.lineage_edges'),
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.dataset_version_summary'),
    ('mlops_reader', 'SELECT', 'SEQUENCE', 'mlops.lineage_nodes_id_seq'),
    ('mlops_reader', 'SELECT', 'SEQUENCE', 'mlops.lineage_links_id_seq'),
    ('mlops_reader', 'SELECT', 'SEQUENCE', 'mlops.lineage_impact_id_seq'),
    ('mlops_reader', 'EXECUTE', 'FUNCTION', 'mlops.lineage_upstream(text, text, integer, integer)'),
    ('mlops_reader', 'EXECUTE', 'FUNCTION', 'mlops.lineage_downstream(text, text, integer, integer)'),
    ('mlops_reader', 'EXECUTE', 'FUNCTION', 'mlops.impacted_models(text, integer)'),
    ('mlops_reader', 'EXECUTE', 'FUNCTION', 'mlops.reproduce(text, integer)'),
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops.add_lineage(text, text, text, text, text)');
