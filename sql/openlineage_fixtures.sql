-- OpenLineage fixture events (test/fixtures/openlineage/, modelled on the
-- spec's examples and Marquez's and the compatibility tests' fixtures) go
-- into the lineage graph: Airflow DAG -> task -> Spark job through parent
-- facets, a Spark job with column lineage, a dbt model (spec 1.x), a MERGE
-- that reads and writes one table (version 1 -> run -> version 2), one run's
-- COMPLETE, START and RUNNING in shuffled order (inputs merged), a FAIL, an
-- event without eventType or schemaURL, times without a zone (UTC whatever
-- the session's TimeZone) and with nanoseconds, a 240 KB event. A repeated
-- event changes nothing.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS mlops;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET TimeZone = 'America/New_York';
\getenv abs_srcdir PG_ABS_SRCDIR
\set dir :abs_srcdir '/test/fixtures/openlineage/'
\set ev `cat :'dir'01_airflow_dag_start.json`
SELECT mlops.ingest_openlineage(:'ev');
\set ev `cat :'dir'02_airflow_task_start.json`
SELECT mlops.ingest_openlineage(:'ev');
\set ev `cat :'dir'03_airflow_task_complete.json`
SELECT mlops.ingest_openlineage(:'ev');
\set ev `cat :'dir'04_spark_column_lineage.json`
SELECT mlops.ingest_openlineage(:'ev');
\set ev `cat :'dir'05_dbt_model_1x.json`
SELECT mlops.ingest_openlineage(:'ev');
\set ev `cat :'dir'06_merge_read_write_same_table.json`
SELECT mlops.ingest_openlineage(:'ev');
\set ev `cat :'dir'07_run_complete.json`
SELECT mlops.ingest_openlineage(:'ev');
\set ev `cat :'dir'08_run_start.json`
SELECT mlops.ingest_openlineage(:'ev');
\set ev `cat :'dir'09_run_running.json`
SELECT mlops.ingest_openlineage(:'ev');
\set ev `cat :'dir'10_fail_error_message.json`
SELECT mlops.ingest_openlineage(:'ev');
\set ev `cat :'dir'11_no_event_type_no_schema_url.json`
SELECT mlops.ingest_openlineage(:'ev');
\set ev `cat :'dir'12_spark_large.json`
SELECT pg_catalog.octet_length(:'ev') > 200000 AS large, mlops.ingest_openlineage(:'ev');
\set ev `cat :'dir'13_no_timezone.json`
SELECT mlops.ingest_openlineage(:'ev');
\set ev `cat :'dir'14_nanoseconds.json`
SELECT mlops.ingest_openlineage(:'ev');
-- the same event again, also re-sent as text with other whitespace:
-- nothing new
SELECT count(*) AS events FROM mlops.openlineage_event_log;
\set ev `cat :'dir'03_airflow_task_complete.json`
SELECT mlops.ingest_openlineage(:'ev');
SELECT mlops.ingest_openlineage(pg_catalog.jsonb_pretty(:'ev'::jsonb)::jsonb);
SELECT count(*) AS events FROM mlops.openlineage_event_log;
-- another event of the MERGE run: the versions it read and wrote stay
SELECT mlops.ingest_openlineage(pg_catalog.jsonb_set(pg_catalog.jsonb_set(
           (SELECT l.event FROM mlops.openlineage_event_log l WHERE l.run_id = '3a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c07'),
           '{eventType}', '"RUNNING"'), '{eventTime}', '"2024-06-03T03:59:00Z"'));

-- the received events: times in UTC (no zone, +02:00 and nanoseconds read right)
SET TimeZone = 'UTC';
SELECT l.run_id, l.event_type, l.event_time, l.job_namespace, l.job_name,
       l.schema_url IS NOT NULL AS has_schema_url
  FROM mlops.openlineage_event_log l ORDER BY l.event_time, l.id;
-- states: the latest terminal event wins over a later-received earlier START
SELECT o.job_name, o.state, o.state_time, o.first_event_time, o.events, o.parent_run_id
  FROM mlops.openlineage_runs o ORDER BY o.first_event_time, o.job_name;
-- the runs as mlops runs: an experiment per job, the parent as parent_run_id
SELECT e.name AS experiment, r.name, r.status, r.start_time, r.end_time,
       (SELECT p.name FROM mlops.runs p WHERE p.id = r.parent_run_id) AS parent
  FROM mlops.runs r JOIN mlops.experiments e ON e.id = r.experiment_id
 WHERE r.id IN (SELECT c.run_id FROM mlops.openlineage_created_runs c)
 ORDER BY r.start_time, r.name;
-- the graph: parent edges, inputs and outputs; the MERGE reads
-- shop.public.customers and writes its next version (#2); the shuffled run
-- has the inputs of its three events
SELECT CASE WHEN e.src_kind = 'run' THEN (SELECT r.name FROM mlops.runs r WHERE r.id::text = e.src_key) ELSE e.src_key END AS src,
       e.relation,
       CASE WHEN e.dst_kind = 'run' THEN (SELECT r.name FROM mlops.runs r WHERE r.id::text = e.dst_key) ELSE e.dst_key END AS dst
  FROM mlops.lineage_edges e
 WHERE (e.src_kind = 'run' AND e.src_key::uuid IN (SELECT c.run_id FROM mlops.openlineage_created_runs c))
    OR (e.dst_kind = 'run' AND e.dst_key::uuid IN (SELECT c.run_id FROM mlops.openlineage_created_runs c))
 ORDER BY 1, 2, 3;
SELECT m.run_id, m.direction, m.dataset, m.version, m.node_key
  FROM mlops.openlineage_run_datasets m
 WHERE m.run_id = '3a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c07' ORDER BY m.direction, m.dataset;
-- upstream of the Spark job's output: the Airflow task's table and its source
SELECT u.depth, u.kind, CASE WHEN u.kind = 'run' THEN (SELECT r.name FROM mlops.runs r WHERE r.id::text = u.key) ELSE u.key END AS node, u.relation
  FROM mlops.lineage_upstream('external', 's3://lake-curated/revenue/daily') u ORDER BY u.depth, node;
-- the graph is still a DAG: the MERGE's next run reading customers#2 and
-- writing customers again writes #3
SELECT mlops.ingest_openlineage('{"eventType": "COMPLETE", "eventTime": "2024-06-04T04:00:00Z",
  "run": {"runId": "3a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c17"},
  "job": {"namespace": "airflow://prod-scheduler", "name": "crm.upsert_customers"},
  "inputs": [{"namespace": "postgres://warehouse.internal:5432", "name": "shop.public.customers"}],
  "outputs": [{"namespace": "postgres://warehouse.internal:5432", "name": "shop.public.customers"}]}');
SELECT m.direction, m.node_key FROM mlops.openlineage_run_datasets m
 WHERE m.run_id = '3a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c17' ORDER BY 1;
