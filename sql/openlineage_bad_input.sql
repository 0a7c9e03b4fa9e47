-- mlops.ingest_openlineage refuses what is not a RunEvent it can read, with
-- the SQLSTATE and a message naming the field, and writes nothing then.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS mlops;
RESET client_min_messages;
\set SHOW_CONTEXT never
-- the outcome of one ingest: the run id, or SQLSTATE, message and hint
CREATE FUNCTION pg_temp.ingest(event jsonb) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; msg text; hint text;
BEGIN
    RETURN 'ok: ' || mlops.ingest_openlineage(event);
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, hint = PG_EXCEPTION_HINT;
    RETURN st || ': ' || msg || CASE WHEN hint <> '' THEN ' (' || hint || ')' ELSE '' END;
END $$;
-- not a JSON object
SELECT pg_temp.ingest('[{"eventType": "START"}]');
SELECT pg_temp.ingest('"START"');
SELECT pg_temp.ingest('42');
SELECT pg_temp.ingest('null');
SELECT pg_temp.ingest(NULL);
-- the run id: missing, under run_id, not a UUID, not a string; no run at all
SELECT pg_temp.ingest('{"eventTime": "2024-06-03T00:00:00Z", "run": {}, "job": {"namespace": "n", "name": "j"}}');
SELECT pg_temp.ingest('{"eventTime": "2024-06-03T00:00:00Z", "run": {"run_id": "0190aaaa-bbbb-7ccc-8ddd-eeeeffff0001"}, "job": {"namespace": "n", "name": "j"}}');
SELECT pg_temp.ingest('{"eventTime": "2024-06-03T00:00:00Z", "run": {"runId": "run_id"}, "job": {"namespace": "n", "name": "j"}}');
SELECT pg_temp.ingest('{"eventTime": "2024-06-03T00:00:00Z", "run": {"runId": "0190aaaa-bbbb-7ccc-8ddd-eeeeffff00012"}, "job": {"namespace": "n", "name": "j"}}');
SELECT pg_temp.ingest('{"eventTime": "2024-06-03T00:00:00Z", "run": {"runId": 12}, "job": {"namespace": "n", "name": "j"}}');
SELECT pg_temp.ingest('{"eventTime": "2024-06-03T00:00:00Z", "run": "0190aaaa-bbbb-7ccc-8ddd-eeeeffff0001", "job": {"namespace": "n", "name": "j"}}');
SELECT pg_temp.ingest('{"eventTime": "2024-06-03T00:00:00Z", "dataset": {"namespace": "n", "name": "d"}}');
SELECT pg_temp.ingest('{"eventTime": "2024-06-03T00:00:00Z", "job": {"namespace": "n", "name": "j"}, "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/JobEvent"}');
-- eventTime: missing, unreadable, not a time of day, a number
SELECT pg_temp.ingest('{"run": {"runId": "0190aaaa-bbbb-7ccc-8ddd-eeeeffff0001"}, "job": {"namespace": "n", "name": "j"}}');
SELECT pg_temp.ingest('{"eventTime": "2024-06-31T00:00:00Z", "run": {"runId": "0190aaaa-bbbb-7ccc-8ddd-eeeeffff0001"}, "job": {"namespace": "n", "name": "j"}}');
SELECT pg_temp.ingest('{"eventTime": "yesterday", "run": {"runId": "0190aaaa-bbbb-7ccc-8ddd-eeeeffff0001"}, "job": {"namespace": "n", "name": "j"}}');
SELECT pg_temp.ingest('{"eventTime": "2024-06-03", "run": {"runId": "0190aaaa-bbbb-7ccc-8ddd-eeeeffff0001"}, "job": {"namespace": "n", "name": "j"}}');
SELECT pg_temp.ingest('{"eventTime": "infinity", "run": {"runId": "0190aaaa-bbbb-7ccc-8ddd-eeeeffff0001"}, "job": {"namespace": "n", "name": "j"}}');
SELECT pg_temp.ingest('{"eventTime": 1717372800, "run": {"runId": "0190aaaa-bbbb-7ccc-8ddd-eeeeffff0001"}, "job": {"namespace": "n", "name": "j"}}');
-- eventType outside the spec's values
SELECT pg_temp.ingest('{"eventType": "FINISHED", "eventTime": "2024-06-03T00:00:00Z", "run": {"runId": "0190aaaa-bbbb-7ccc-8ddd-eeeeffff0001"}, "job": {"namespace": "n", "name": "j"}}');
-- the job: missing, not an object, without namespace or name, empty name
SELECT pg_temp.ingest('{"eventTime": "2024-06-03T00:00:00Z", "run": {"runId": "0190aaaa-bbbb-7ccc-8ddd-eeeeffff0001"}}');
SELECT pg_temp.ingest('{"eventTime": "2024-06-03T00:00:00Z", "run": {"runId": "0190aaaa-bbbb-7ccc-8ddd-eeeeffff0001"}, "job": "n.j"}');
SELECT pg_temp.ingest('{"eventTime": "2024-06-03T00:00:00Z", "run": {"runId": "0190aaaa-bbbb-7ccc-8ddd-eeeeffff0001"}, "job": {"name": "j"}}');
SELECT pg_temp.ingest('{"eventTime": "2024-06-03T00:00:00Z", "run": {"runId": "0190aaaa-bbbb-7ccc-8ddd-eeeeffff0001"}, "job": {"namespace": "n", "name": ""}}');
-- inputs and outputs: not arrays, an entry not an object, without namespace or name
SELECT pg_temp.ingest('{"eventTime": "2024-06-03T00:00:00Z", "run": {"runId": "0190aaaa-bbbb-7ccc-8ddd-eeeeffff0001"}, "job": {"namespace": "n", "name": "j"}, "inputs": {"namespace": "n", "name": "t"}}');
SELECT pg_temp.ingest('{"eventTime": "2024-06-03T00:00:00Z", "run": {"runId": "0190aaaa-bbbb-7ccc-8ddd-eeeeffff0001"}, "job": {"namespace": "n", "name": "j"}, "outputs": "t"}');
SELECT pg_temp.ingest('{"eventTime": "2024-06-03T00:00:00Z", "run": {"runId": "0190aaaa-bbbb-7ccc-8ddd-eeeeffff0001"}, "job": {"namespace": "n", "name": "j"}, "inputs": ["n/t"]}');
SELECT pg_temp.ingest('{"eventTime": "2024-06-03T00:00:00Z", "run": {"runId": "0190aaaa-bbbb-7ccc-8ddd-eeeeffff0001"}, "job": {"namespace": "n", "name": "j"}, "inputs": [{"namespace": "n", "name": "a"}, {"name": "b"}]}');
SELECT pg_temp.ingest('{"eventTime": "2024-06-03T00:00:00Z", "run": {"runId": "0190aaaa-bbbb-7ccc-8ddd-eeeeffff0001"}, "job": {"namespace": "n", "name": "j"}, "outputs": [{"namespace": "n"}]}');
SELECT pg_temp.ingest('{"eventTime": "2024-06-03T00:00:00Z", "run": {"runId": "0190aaaa-bbbb-7ccc-8ddd-eeeeffff0001"}, "job": {"namespace": "n", "name": "j"}, "outputs": [{"namespace": "n", "name": "t", "facets": {"version": {"datasetVersion": 3}}}]}');
-- the parent run facet: without a run id, a run id not a UUID, without its job, the run itself
SELECT pg_temp.ingest('{"eventTime": "2024-06-03T00:00:00Z", "run": {"runId": "0190aaaa-bbbb-7ccc-8ddd-eeeeffff0001", "facets": {"parent": {"run": {}, "job": {"namespace": "n", "name": "p"}}}}, "job": {"namespace": "n", "name": "j"}}');
SELECT pg_temp.ingest('{"eventTime": "2024-06-03T00:00:00Z", "run": {"runId": "0190aaaa-bbbb-7ccc-8ddd-eeeeffff0001", "facets": {"parent": {"run": {"runId": "dag-run-1"}, "job": {"namespace": "n", "name": "p"}}}}, "job": {"namespace": "n", "name": "j"}}');
SELECT pg_temp.ingest('{"eventTime": "2024-06-03T00:00:00Z", "run": {"runId": "0190aaaa-bbbb-7ccc-8ddd-eeeeffff0001", "facets": {"parent": {"run": {"runId": "0190aaaa-bbbb-7ccc-8ddd-eeeeffff0002"}}}}, "job": {"namespace": "n", "name": "j"}}');
SELECT pg_temp.ingest('{"eventTime": "2024-06-03T00:00:00Z", "run": {"runId": "0190aaaa-bbbb-7ccc-8ddd-eeeeffff0001", "facets": {"parent": {"run": {"runId": "0190AAAA-BBBB-7CCC-8DDD-EEEEFFFF0001"}, "job": {"namespace": "n", "name": "j"}}}}, "job": {"namespace": "n", "name": "j"}}');
-- names over 1000 bytes (keys built from them are indexed): the job, a dataset, a dataset version
SELECT pg_temp.ingest(jsonb_build_object('eventTime', '2024-06-03T00:00:00Z', 'run', '{"runId": "0190aaaa-bbbb-7ccc-8ddd-eeeeffff0001"}'::jsonb,
                                         'job', jsonb_build_object('namespace', 'n', 'name', repeat('j', 3200))));
SELECT pg_temp.ingest(jsonb_build_object('eventTime', '2024-06-03T00:00:00Z', 'run', '{"runId": "0190aaaa-bbbb-7ccc-8ddd-eeeeffff0001"}'::jsonb,
                                         'job', '{"namespace": "n", "name": "j"}'::jsonb,
                                         'inputs', jsonb_build_array(jsonb_build_object('namespace', 'n', 'name', repeat('表', 400)))));
SELECT pg_temp.ingest(jsonb_build_object('eventTime', '2024-06-03T00:00:00Z', 'run', '{"runId": "0190aaaa-bbbb-7ccc-8ddd-eeeeffff0001"}'::jsonb,
                                         'job', '{"namespace": "n", "name": "j"}'::jsonb,
                                         'outputs', jsonb_build_array(jsonb_build_object('namespace', 'n', 'name', 't',
                                             'facets', jsonb_build_object('version', jsonb_build_object('datasetVersion', repeat('9', 1001)))))));
-- nothing was written
SELECT (SELECT count(*) FROM mlops.openlineage_event_log) AS events,
       (SELECT count(*) FROM mlops.openlineage_datasets) AS datasets,
       (SELECT count(*) FROM mlops.openlineage_run_datasets) AS run_datasets,
       (SELECT count(*) FROM mlops.runs WHERE id = '0190aaaa-bbbb-7ccc-8ddd-eeeeffff0001') AS runs,
       (SELECT count(*) FROM mlops.lineage_edges WHERE src_key IN ('n/a', 'n/t') OR dst_key = 'n/t') AS edges;
