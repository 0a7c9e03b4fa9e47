-- OpenLineage (API.md -> Lineage): RunEvents in (ingest_openlineage) and out
-- (openlineage_events).
--
-- In: mlops.ingest_openlineage(event) (C, src/lineage/openlineage.c) checks
-- the event and names the offending field, then, as the owner of these
-- tables, mlops._openlineage_record() keeps the event in the append-only
-- mlops.openlineage_event_log and writes the graph through mlops.add_lineage:
--   * the run node is the OpenLineage runId, an mlops run: the run mlops
--     tracked under that id, or one ingest creates (an experiment per job,
--     status and times following the events; see _openlineage_run below);
--   * the parent run facet: run (parent) -> run, relation 'parent';
--   * inputs: external -> run ('input'); outputs: run -> external ('output').
-- External keys: 'namespace/name', or 'namespace/name@<datasetVersion>' for
-- a dataset with a version facet (an id its producer gives a version). A
-- dataset keeps its key until a write to it would close a cycle (a run that
-- read it, directly or through other runs, writes it): that write starts
-- the next version, 'namespace/name#2' (then #3, ...), which later readers
-- read. So a MERGE-style job that reads and writes one table is version N
-- -> run -> version N+1 and the graph stays a DAG. Which version a run read
-- and wrote is kept per run (mlops.openlineage_run_datasets), so the events
-- of one run merge additively in any order; when a run's write arrived
-- before its read of the same dataset, it read the version before the one
-- it wrote ('#0' before the first).
-- An event already received (the same SHA-256 of its canonical jsonb text)
-- changes nothing.

CREATE TABLE mlops.openlineage_event_log (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    digest               text NOT NULL UNIQUE,
    run_id               uuid NOT NULL,
    event_time           timestamptz NOT NULL,
    event_type           text,
    job_namespace        text NOT NULL,
    job_name             text NOT NULL,
    parent_run_id        uuid,
    schema_url           text,
    producer             text,
    event                jsonb NOT NULL,
    received_at          timestamptz NOT NULL DEFAULT pg_catalog.now(),
    received_by          name NOT NULL DEFAULT SESSION_USER
);
CREATE INDEX openlineage_event_log_run_idx ON mlops.openlineage_event_log (run_id, event_time);
CREATE INDEX openlineage_event_log_job_idx ON mlops.openlineage_event_log (job_namespace, job_name);
COMMENT ON TABLE mlops.openlineage_event_log IS 'OpenLineage RunEvents as received by mlops.ingest_openlineage(), one row per distinct event (digest: SHA-256 of the canonical jsonb text); append-only, admins may delete old rows';

CREATE TABLE mlops.openlineage_datasets (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dataset          text NOT NULL UNIQUE,
    current_version  integer NOT NULL DEFAULT 1 CHECK (current_version OPERATOR(pg_catalog.>=) 1)
);
COMMENT ON TABLE mlops.openlineage_datasets IS 'OpenLineage datasets (namespace/name[@datasetVersion]) and the version runs read now: 1 is the node namespace/name, N > 1 the node namespace/name#N';

CREATE TABLE mlops.openlineage_run_datasets (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id      uuid NOT NULL,
    direction   text NOT NULL CHECK (direction OPERATOR(pg_catalog.=) ANY (ARRAY['input', 'output'])),
    dataset     text NOT NULL,
    version     integer NOT NULL CHECK (version OPERATOR(pg_catalog.>=) 0),
    node_key    text NOT NULL,
    UNIQUE (run_id, direction, dataset)
);
COMMENT ON TABLE mlops.openlineage_run_datasets IS 'which version of each OpenLineage dataset a run read or wrote (node_key: the external lineage node)';

CREATE TABLE mlops.openlineage_created_runs (
    run_id      uuid PRIMARY KEY REFERENCES mlops.runs (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE mlops.openlineage_created_runs IS 'mlops runs created by mlops.ingest_openlineage(); their status and times follow the OpenLineage events';

SELECT pg_catalog.pg_extension_config_dump('mlops.openlineage_event_log', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.openlineage_datasets', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.openlineage_run_datasets', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.openlineage_created_runs', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.openlineage_event_log_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.openlineage_datasets_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.openlineage_run_datasets_id_seq', '');

-- The raw events are a record of what was received: no UPDATE, ever.
CREATE FUNCTION mlops._openlineage_log_no_update() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    RAISE EXCEPTION 'mlops.openlineage_event_log is append-only'
        USING ERRCODE = 'object_not_in_prerequisite_state',
              HINT = 'Ingest a new event with mlops.ingest_openlineage(); admins may delete old rows.';
END
$fn$;
COMMENT ON FUNCTION mlops._openlineage_log_no_update() IS 'internal trigger: refuse UPDATE on mlops.openlineage_event_log';
CREATE TRIGGER openlineage_event_log_10_no_update BEFORE UPDATE ON mlops.openlineage_event_log
    FOR EACH STATEMENT EXECUTE FUNCTION mlops._openlineage_log_no_update();
COMMENT ON TRIGGER openlineage_event_log_10_no_update ON mlops.openlineage_event_log IS 'received events are append-only';

-- The lineage node key of version v of an OpenLineage dataset.
CREATE FUNCTION mlops._openlineage_node_key(dataset text, version integer) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
    RETURN CASE WHEN version OPERATOR(pg_catalog.=) 1 THEN dataset
                ELSE dataset OPERATOR(pg_catalog.||) '#' OPERATOR(pg_catalog.||) version END;
COMMENT ON FUNCTION mlops._openlineage_node_key(text, integer) IS 'internal: external node key of version v of an OpenLineage dataset (v = 1: the dataset key itself, else key#v)';

-- The current version of a dataset, its row created and locked (concurrent
-- ingests of one dataset take turns).
CREATE FUNCTION mlops._openlineage_current(dataset text) RETURNS integer
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    v integer;
BEGIN
    INSERT INTO mlops.openlineage_datasets AS d (dataset) VALUES (_openlineage_current.dataset)
    ON CONFLICT (dataset) DO NOTHING;
    SELECT d.current_version INTO STRICT v FROM mlops.openlineage_datasets d
     WHERE d.dataset OPERATOR(pg_catalog.=) _openlineage_current.dataset FOR UPDATE;
    RETURN v;
END
$fn$;
COMMENT ON FUNCTION mlops._openlineage_current(text) IS 'internal: the version of an OpenLineage dataset runs read now (row locked)';

-- A run read a dataset: the version it read, kept for the run's later events.
CREATE FUNCTION mlops._openlineage_input(run uuid, dataset text) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    written integer;
    v integer;
    k text;
BEGIN
    PERFORM FROM mlops.openlineage_run_datasets m
      WHERE m.run_id OPERATOR(pg_catalog.=) run AND m.direction OPERATOR(pg_catalog.=) 'input'
        AND m.dataset OPERATOR(pg_catalog.=) _openlineage_input.dataset;
    IF FOUND THEN
        RETURN;
    END IF;
    v := mlops._openlineage_current(dataset);
    SELECT m.version INTO written FROM mlops.openlineage_run_datasets m
     WHERE m.run_id OPERATOR(pg_catalog.=) run AND m.direction OPERATOR(pg_catalog.=) 'output'
       AND m.dataset OPERATOR(pg_catalog.=) _openlineage_input.dataset;
    IF FOUND THEN
        -- its write came first: it read what was there before it wrote
        v := written OPERATOR(pg_catalog.-) 1;
    END IF;
    k := mlops._openlineage_node_key(dataset, v);
    PERFORM mlops.add_lineage('external', k, 'run', run::text, 'input');
    INSERT INTO mlops.openlineage_run_datasets (run_id, direction, dataset, version, node_key)
    VALUES (run, 'input', dataset, v, k);
END
$fn$;
COMMENT ON FUNCTION mlops._openlineage_input(uuid, text) IS 'internal: edge from the version of an OpenLineage dataset a run read to the run';

-- A run wrote a dataset: into the current version, or into a new one when
-- the run read the dataset (directly or upstream) and the edge would close
-- a cycle.
CREATE FUNCTION mlops._openlineage_output(run uuid, dataset text) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    was_read integer;
    v integer;
    k text;
BEGIN
    PERFORM FROM mlops.openlineage_run_datasets m
      WHERE m.run_id OPERATOR(pg_catalog.=) run AND m.direction OPERATOR(pg_catalog.=) 'output'
        AND m.dataset OPERATOR(pg_catalog.=) _openlineage_output.dataset;
    IF FOUND THEN
        RETURN;
    END IF;
    v := mlops._openlineage_current(dataset);
    SELECT m.version INTO was_read FROM mlops.openlineage_run_datasets m
     WHERE m.run_id OPERATOR(pg_catalog.=) run AND m.direction OPERATOR(pg_catalog.=) 'input'
       AND m.dataset OPERATOR(pg_catalog.=) _openlineage_output.dataset;
    IF FOUND THEN
        v := pg_catalog.int4larger(v, was_read) OPERATOR(pg_catalog.+) 1;
    ELSE
        BEGIN
            PERFORM mlops.add_lineage('run', run::text, 'external', mlops._openlineage_node_key(dataset, v), 'output');
        EXCEPTION WHEN check_violation THEN
            -- the run is downstream of the current version: it writes the next one
            v := v OPERATOR(pg_catalog.+) 1;
        END;
    END IF;
    k := mlops._openlineage_node_key(dataset, v);
    PERFORM mlops.add_lineage('run', run::text, 'external', k, 'output');
    UPDATE mlops.openlineage_datasets d SET current_version = v
     WHERE d.dataset OPERATOR(pg_catalog.=) _openlineage_output.dataset
       AND d.current_version OPERATOR(pg_catalog.<) v;
    INSERT INTO mlops.openlineage_run_datasets (run_id, direction, dataset, version, node_key)
    VALUES (run, 'output', dataset, v, k);
END
$fn$;
COMMENT ON FUNCTION mlops._openlineage_output(uuid, text) IS 'internal: edge from a run to the version of an OpenLineage dataset it wrote (a new version when the current one is upstream of the run)';

-- The mlops run of an OpenLineage run, created when missing: experiment
-- 'job namespace/job name' (at most 500 characters), run name the job name
-- (at most 250), created_by the session user, RUNNING from the event's
-- time, the parent of its first event as parent_run_id. Only the runs created here follow the events: START and RUNNING
-- move start_time back to the earliest event, COMPLETE, FAIL and ABORT end
-- the run as FINISHED, FAILED, KILLED at the event's time (the first
-- terminal event received wins: an ended run stays as it is). A run that
-- mlops tracked itself keeps its own state. Only a run's writers ingest
-- for it (42501 otherwise).
CREATE FUNCTION mlops._openlineage_run(run uuid, job_namespace text, job_name text, t timestamptz,
                                       event_type text, follow boolean, parent uuid) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    r record;
    exp text := pg_catalog.left(job_namespace OPERATOR(pg_catalog.||) '/' OPERATOR(pg_catalog.||) job_name, 500);
    eid bigint;
BEGIN
    SELECT x.created_by, x.status, x.start_time INTO r FROM mlops.runs x
     WHERE x.id OPERATOR(pg_catalog.=) run FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        INSERT INTO mlops.experiments (name) VALUES (exp) ON CONFLICT ON CONSTRAINT experiments_name_key DO NOTHING;
        SELECT e.id INTO STRICT eid FROM mlops.experiments e WHERE e.name OPERATOR(pg_catalog.=) exp;
        INSERT INTO mlops.runs (id, experiment_id, name, status, start_time, parent_run_id)
        VALUES (run, eid, pg_catalog.left(job_name, 250), 'RUNNING', t, parent);
        INSERT INTO mlops.openlineage_created_runs (run_id) VALUES (run);
    ELSE
        PERFORM mlops._run_write_check(run, r.created_by);
        IF NOT follow OR mlops._status_ended(r.status) OR NOT EXISTS
           (SELECT FROM mlops.openlineage_created_runs c WHERE c.run_id OPERATOR(pg_catalog.=) run) THEN
            RETURN;
        END IF;
    END IF;
    IF follow THEN
        UPDATE mlops.runs x
           SET start_time = pg_catalog.timestamptz_smaller(x.start_time, t),
               status = CASE event_type WHEN 'COMPLETE' THEN 'FINISHED' WHEN 'FAIL' THEN 'FAILED'
                                        WHEN 'ABORT' THEN 'KILLED' ELSE x.status END,
               end_time = CASE WHEN event_type OPERATOR(pg_catalog.=) ANY (ARRAY['COMPLETE', 'FAIL', 'ABORT'])
                               THEN t END
         WHERE x.id OPERATOR(pg_catalog.=) run
           AND (t OPERATOR(pg_catalog.<) x.start_time
                OR event_type OPERATOR(pg_catalog.=) ANY (ARRAY['COMPLETE', 'FAIL', 'ABORT']));
    END IF;
END
$fn$;
COMMENT ON FUNCTION mlops._openlineage_run(uuid, text, text, timestamptz, text, boolean, uuid) IS 'internal: the mlops run of an OpenLineage run (created when missing; follows its events when created so)';

-- Keep a checked event and write its part of the graph; false when the
-- same event was received before (nothing is written then). Runs as the
-- owner of the tables (called by mlops.ingest_openlineage).
CREATE FUNCTION mlops._openlineage_record(run uuid, event_time timestamptz, event_type text,
                                          job_namespace text, job_name text, parent_run uuid,
                                          parent_namespace text, parent_name text,
                                          inputs text[], outputs text[], schema_url text,
                                          producer text, digest text, event jsonb)
    RETURNS boolean
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    ds text;
BEGIN
    INSERT INTO mlops.openlineage_event_log AS l (digest, run_id, event_time, event_type, job_namespace,
                                                  job_name, parent_run_id, schema_url, producer, event)
    VALUES (_openlineage_record.digest, run, _openlineage_record.event_time, _openlineage_record.event_type,
            _openlineage_record.job_namespace, _openlineage_record.job_name, parent_run,
            _openlineage_record.schema_url, _openlineage_record.producer, _openlineage_record.event)
    ON CONFLICT (digest) DO NOTHING;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    IF parent_run IS NOT NULL THEN
        -- a parent not seen yet is a run too; its own events complete it
        PERFORM mlops._openlineage_run(parent_run, parent_namespace, parent_name,
                                       _openlineage_record.event_time, NULL, false, NULL);
    END IF;
    PERFORM mlops._openlineage_run(run, _openlineage_record.job_namespace, _openlineage_record.job_name,
                                   _openlineage_record.event_time, _openlineage_record.event_type, true, parent_run);
    IF parent_run IS NOT NULL THEN
        PERFORM mlops.add_lineage('run', parent_run::text, 'run', run::text, 'parent');
    END IF;
    FOR ds IN SELECT DISTINCT u.d FROM pg_catalog.unnest(inputs) u(d) ORDER BY u.d LOOP
        PERFORM mlops._openlineage_input(run, ds);
    END LOOP;
    FOR ds IN SELECT DISTINCT u.d FROM pg_catalog.unnest(outputs) u(d) ORDER BY u.d LOOP
        PERFORM mlops._openlineage_output(run, ds);
    END LOOP;
    RETURN true;
END
$fn$;
COMMENT ON FUNCTION mlops._openlineage_record(uuid, timestamptz, text, text, text, uuid, text, text, text[], text[], text, text, text, jsonb) IS 'internal: keep a checked OpenLineage event, its runs and its edges (false: received before)';

CREATE FUNCTION mlops.ingest_openlineage(event jsonb) RETURNS uuid
    AS 'MODULE_PATHNAME', 'mlops_ingest_openlineage' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION mlops.ingest_openlineage(jsonb) IS 'ingest an OpenLineage RunEvent (spec 1.x or 2.x) into the lineage graph; returns its run id; a repeated event changes nothing';

-- Runs as OpenLineage told them: state is the latest terminal event
-- (COMPLETE, FAIL, ABORT) by eventTime, else the latest START or RUNNING.
CREATE VIEW mlops.openlineage_runs AS
SELECT r.run_id,
       j.job_namespace,
       j.job_name,
       p.parent_run_id,
       s.event_type AS state,
       s.event_time AS state_time,
       r.first_event_time,
       r.last_event_time,
       r.events
  FROM (SELECT l.run_id, pg_catalog.min(l.event_time) AS first_event_time,
               pg_catalog.max(l.event_time) AS last_event_time, pg_catalog.count(*) AS events
          FROM mlops.openlineage_event_log l GROUP BY l.run_id) r
  CROSS JOIN LATERAL
       (SELECT l.job_namespace, l.job_name FROM mlops.openlineage_event_log l
         WHERE l.run_id OPERATOR(pg_catalog.=) r.run_id
         ORDER BY l.event_time DESC, l.id DESC LIMIT 1) j
  LEFT JOIN LATERAL
       (SELECT l.parent_run_id FROM mlops.openlineage_event_log l
         WHERE l.run_id OPERATOR(pg_catalog.=) r.run_id AND l.parent_run_id IS NOT NULL
         ORDER BY l.event_time DESC, l.id DESC LIMIT 1) p ON true
  LEFT JOIN LATERAL
       (SELECT l.event_type, l.event_time FROM mlops.openlineage_event_log l
         WHERE l.run_id OPERATOR(pg_catalog.=) r.run_id
           AND l.event_type OPERATOR(pg_catalog.=) ANY (ARRAY['START', 'RUNNING', 'COMPLETE', 'FAIL', 'ABORT'])
         ORDER BY l.event_type OPERATOR(pg_catalog.=) ANY (ARRAY['COMPLETE', 'FAIL', 'ABORT']) DESC,
                  l.event_time DESC, l.id DESC LIMIT 1) s ON true;
COMMENT ON VIEW mlops.openlineage_runs IS 'OpenLineage runs from the received events: job, parent, state (latest terminal COMPLETE/FAIL/ABORT by eventTime, else latest START/RUNNING), event times and count';
COMMENT ON COLUMN mlops.openlineage_runs.run_id IS 'the OpenLineage runId (also the id of its mlops run)';
COMMENT ON COLUMN mlops.openlineage_runs.job_namespace IS 'job namespace of the run''s latest event';
COMMENT ON COLUMN mlops.openlineage_runs.job_name IS 'job name of the run''s latest event';
COMMENT ON COLUMN mlops.openlineage_runs.parent_run_id IS 'parent run (the latest parent facet received), or NULL';
COMMENT ON COLUMN mlops.openlineage_runs.state IS 'START, RUNNING, COMPLETE, FAIL or ABORT; NULL when no event had an eventType';
COMMENT ON COLUMN mlops.openlineage_runs.state_time IS 'eventTime of the event that gave the state';
COMMENT ON COLUMN mlops.openlineage_runs.first_event_time IS 'earliest eventTime received for the run';
COMMENT ON COLUMN mlops.openlineage_runs.last_event_time IS 'latest eventTime received for the run';
COMMENT ON COLUMN mlops.openlineage_runs.events IS 'how many distinct events were received for the run';

-- ------------------------------------------------------------------- out

-- An ISO-8601 UTC time with microseconds, as OpenLineage's eventTime.
CREATE FUNCTION mlops._openlineage_time(t timestamptz) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
    RETURN pg_catalog.to_char(pg_catalog.timezone('UTC', t), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
COMMENT ON FUNCTION mlops._openlineage_time(timestamptz) IS 'internal: ISO-8601 UTC text of a time (eventTime)';

-- The common part of the facets mlops writes.
CREATE FUNCTION mlops._openlineage_facet(schema_url text, body jsonb) RETURNS jsonb
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
    RETURN pg_catalog.jsonb_build_object('_producer', 'urn:postgresql:extension:mlops:' OPERATOR(pg_catalog.||) mlops.version(),
                                         '_schemaURL', schema_url) OPERATOR(pg_catalog.||) body;
COMMENT ON FUNCTION mlops._openlineage_facet(text, jsonb) IS 'internal: an OpenLineage facet written by mlops (_producer, _schemaURL and the body)';

-- The fields of OpenLineage's schema facet from a dataset version's schema:
-- [{"name": ..., "type": ...}, ...] or {"column": "type", ...}; NULL when
-- it names no column.
CREATE FUNCTION mlops._openlineage_schema_fields(schema jsonb) RETURNS jsonb
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
    RETURN CASE pg_catalog.jsonb_typeof(schema)
        WHEN 'array' THEN
            (SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
                        'name', f.elem OPERATOR(pg_catalog.->>) 'name',
                        'type', CASE WHEN pg_catalog.jsonb_typeof(f.elem OPERATOR(pg_catalog.->) 'type') OPERATOR(pg_catalog.=) 'string'
                                     THEN f.elem OPERATOR(pg_catalog.->>) 'type' END)) ORDER BY f.n)
               FROM pg_catalog.jsonb_array_elements(schema) WITH ORDINALITY f(elem, n)
              WHERE pg_catalog.jsonb_typeof(f.elem OPERATOR(pg_catalog.->) 'name') OPERATOR(pg_catalog.=) 'string')
        WHEN 'object' THEN
            (SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('name', f.key, 'type', f.value OPERATOR(pg_catalog.#>>) '{}')
                                         ORDER BY f.key)
               FROM pg_catalog.jsonb_each(schema) f
              WHERE pg_catalog.jsonb_typeof(f.value) OPERATOR(pg_catalog.=) 'string')
    END;
COMMENT ON FUNCTION mlops._openlineage_schema_fields(jsonb) IS 'internal: OpenLineage schema facet fields of a dataset version schema (NULL when it names no column)';

-- OpenLineage RunEvents (spec 2-0-2) for mlops runs: a START at the run's
-- start (OTHER while SCHEDULED), a COMPLETE, FAIL or ABORT at its end
-- (FINISHED, FAILED, KILLED), and an OTHER at the creation of each model
-- version registered from the run after it ended or while it is open.
-- Job: namespace mlops://<database>, name the experiment. Inputs: the run's
-- dataset versions (namespace mlops://<database>/datasets, name the dataset,
-- a version facet, a schema facet when its schema names columns); outputs: the model versions created from the run up to
-- the event (namespace mlops://<database>/models, name the model, a version
-- facet). A parent run gives the parent facet.
CREATE FUNCTION mlops.openlineage_events(since timestamptz DEFAULT '-infinity') RETURNS SETOF jsonb
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
WITH ev AS (
    SELECT r.id AS run_id, r.start_time AS t, 0 AS ord, NULL::bigint AS mv_id,
           CASE WHEN r.status OPERATOR(pg_catalog.=) 'SCHEDULED' THEN 'OTHER' ELSE 'START' END AS event_type
      FROM mlops.runs r
     WHERE r.start_time OPERATOR(pg_catalog.>=) since
    UNION ALL
    SELECT r.id, r.end_time, 2, NULL,
           CASE r.status WHEN 'FINISHED' THEN 'COMPLETE' WHEN 'FAILED' THEN 'FAIL' ELSE 'ABORT' END
      FROM mlops.runs r
     WHERE r.end_time IS NOT NULL AND r.end_time OPERATOR(pg_catalog.>=) since
    UNION ALL
    SELECT r.id, mv.created_at, 1, mv.id, 'OTHER'
      FROM mlops.model_versions mv JOIN mlops.runs r ON r.id OPERATOR(pg_catalog.=) mv.run_id
     WHERE (r.end_time IS NULL OR mv.created_at OPERATOR(pg_catalog.>) r.end_time)
       AND mv.created_at OPERATOR(pg_catalog.>=) since
)
SELECT pg_catalog.jsonb_build_object(
           'eventType', ev.event_type,
           'eventTime', mlops._openlineage_time(ev.t),
           'producer', 'urn:postgresql:extension:mlops:' OPERATOR(pg_catalog.||) mlops.version(),
           'schemaURL', 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
           'run', pg_catalog.jsonb_build_object('runId', r.id, 'facets', COALESCE(
               (SELECT pg_catalog.jsonb_build_object('parent', mlops._openlineage_facet(
                           'https://openlineage.io/spec/facets/1-0-1/ParentRunFacet.json#/$defs/ParentRunFacet',
                           pg_catalog.jsonb_build_object(
                               'run', pg_catalog.jsonb_build_object('runId', p.id),
                               'job', pg_catalog.jsonb_build_object('namespace', 'mlops://' OPERATOR(pg_catalog.||) pg_catalog.current_database(),
                                                                    'name', pe.name))))
                  FROM mlops.runs p JOIN mlops.experiments pe ON pe.id OPERATOR(pg_catalog.=) p.experiment_id
                 WHERE p.id OPERATOR(pg_catalog.=) r.parent_run_id), '{}')),
           'job', pg_catalog.jsonb_build_object('namespace', 'mlops://' OPERATOR(pg_catalog.||) pg_catalog.current_database(),
                                                'name', e.name, 'facets', '{}'::jsonb),
           'inputs', COALESCE(
               (SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                           'namespace', 'mlops://' OPERATOR(pg_catalog.||) pg_catalog.current_database() OPERATOR(pg_catalog.||) '/datasets',
                           'name', i.dataset,
                           'facets', pg_catalog.jsonb_build_object('version', mlops._openlineage_facet(
                               'https://openlineage.io/spec/facets/1-0-0/DatasetVersionDatasetFacet.json#/$defs/DatasetVersionDatasetFacet',
                               pg_catalog.jsonb_build_object('datasetVersion', i.version::text)))
                           OPERATOR(pg_catalog.||) CASE WHEN i.fields IS NULL THEN '{}'::jsonb
                               ELSE pg_catalog.jsonb_build_object('schema', mlops._openlineage_facet(
                                   'https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet',
                                   pg_catalog.jsonb_build_object('fields', i.fields))) END)
                           ORDER BY i.dataset, i.version)
                  FROM (SELECT DISTINCT ri.dataset, ri.version, mlops._openlineage_schema_fields(dv.schema) AS fields
                          FROM mlops.run_inputs ri
                          JOIN mlops.dataset_versions dv ON dv.id OPERATOR(pg_catalog.=) ri.dataset_version_id
                         WHERE ri.run_id OPERATOR(pg_catalog.=) r.id) i), '[]'),
           'outputs', COALESCE(
               (SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                           'namespace', 'mlops://' OPERATOR(pg_catalog.||) pg_catalog.current_database() OPERATOR(pg_catalog.||) '/models',
                           'name', m.name,
                           'facets', pg_catalog.jsonb_build_object('version', mlops._openlineage_facet(
                               'https://openlineage.io/spec/facets/1-0-0/DatasetVersionDatasetFacet.json#/$defs/DatasetVersionDatasetFacet',
                               pg_catalog.jsonb_build_object('datasetVersion', mv.version::text))))
                           ORDER BY m.name, mv.version)
                  FROM mlops.model_versions mv JOIN mlops.models m ON m.id OPERATOR(pg_catalog.=) mv.model_id
                 WHERE mv.run_id OPERATOR(pg_catalog.=) r.id
                   AND (mv.created_at OPERATOR(pg_catalog.<=) ev.t OR mv.id OPERATOR(pg_catalog.=) ev.mv_id)), '[]'))
  FROM ev
  JOIN mlops.runs r ON r.id OPERATOR(pg_catalog.=) ev.run_id
  JOIN mlops.experiments e ON e.id OPERATOR(pg_catalog.=) r.experiment_id
 ORDER BY ev.t, ev.ord, r.id, ev.mv_id
$fn$;
COMMENT ON FUNCTION mlops.openlineage_events(timestamptz) IS 'OpenLineage 2-0-2 RunEvents of mlops runs (START, COMPLETE/FAIL/ABORT, OTHER for later model versions) with eventTime >= since, in eventTime order';

REVOKE ALL ON FUNCTION mlops.ingest_openlineage(jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION mlops.openlineage_events(timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION mlops._openlineage_record(uuid, timestamptz, text, text, text, uuid, text, text, text[], text[], text, text, text, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION mlops._openlineage_run(uuid, text, text, timestamptz, text, boolean, uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION mlops._openlineage_input(uuid, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION mlops._openlineage_output(uuid, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION mlops._openlineage_current(text) FROM PUBLIC;

-- Readers read the events and the graph's OpenLineage tables; writers
-- ingest (the function writes the tables as their owner); admins may
-- delete old received events (retention).
INSERT INTO mlops.role_grants (role_name, privileges, object_kind, object_name) VALUES
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.openlineage_event_log'),
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.openlineage_datasets'),
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.openlineage_run_datasets'),
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.openlineage_created_runs'),
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.openlineage_runs'),
    ('mlops_reader', 'EXECUTE', 'FUNCTION', 'mlops.openlineage_events(timestamptz)'),
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops.ingest_openlineage(jsonb)'),
    ('mlops_admin', 'DELETE', 'TABLE', 'mlops.openlineage_event_log');
