-- Privilege contract of OpenLineage ingestion (37_openlineage.sql): writers
-- ingest, readers read events and emit them but cannot ingest, nobody but
-- the extension owner writes the received events (admins may delete old
-- ones), UPDATE is refused to everyone; the tables are dumped.
BEGIN;
SELECT plan(20);

SELECT mlops.create_roles();
CREATE ROLE tap_ol_reader;   GRANT mlops_reader TO tap_ol_reader;
CREATE ROLE tap_ol_writer;   GRANT mlops_writer TO tap_ol_writer;
CREATE ROLE tap_ol_writer2;  GRANT mlops_writer TO tap_ol_writer2;
CREATE ROLE tap_ol_admin;    GRANT mlops_admin TO tap_ol_admin;

SELECT table_privs_are('mlops', 'openlineage_event_log', 'public', ARRAY[]::text[], 'PUBLIC has no privilege on received events');
SELECT table_privs_are('mlops', 'openlineage_event_log', 'mlops_reader', ARRAY['SELECT'], 'readers read received events');
SELECT table_privs_are('mlops', 'openlineage_event_log', 'mlops_writer', ARRAY['SELECT'], 'writers only read received events');
SELECT table_privs_are('mlops', 'openlineage_event_log', 'mlops_admin', ARRAY['DELETE', 'SELECT'], 'admins may delete received events');
SELECT table_privs_are('mlops', 'openlineage_run_datasets', 'mlops_writer', ARRAY['SELECT'], 'writers only read the versions runs read and wrote');
SELECT function_privs_are('mlops', 'ingest_openlineage', ARRAY['jsonb'], 'mlops_writer', ARRAY['EXECUTE'], 'writers ingest');
SELECT function_privs_are('mlops', 'ingest_openlineage', ARRAY['jsonb'], 'public', ARRAY[]::text[], 'PUBLIC does not ingest');
SELECT function_privs_are('mlops', 'openlineage_events', ARRAY['timestamp with time zone'], 'mlops_reader', ARRAY['EXECUTE'], 'readers emit events');
SELECT ok((SELECT count(*) = 4 FROM pg_extension e, unnest(e.extconfig) c
            WHERE e.extname = 'mlops' AND c::regclass::text IN ('mlops.openlineage_event_log', 'mlops.openlineage_datasets',
                                                               'mlops.openlineage_run_datasets', 'mlops.openlineage_created_runs')),
          'pg_dump keeps the OpenLineage tables');

SET SESSION AUTHORIZATION tap_ol_writer;     -- run ownership follows session_user
SELECT is(mlops.ingest_openlineage('{"eventType": "START", "eventTime": "2024-06-03T00:00:00Z",
            "run": {"runId": "00000000-0000-4000-8000-00000000a001"}, "job": {"namespace": "tap", "name": "j"},
            "inputs": [{"namespace": "tap", "name": "in"}]}'),
          '00000000-0000-4000-8000-00000000a001'::uuid, 'a writer ingests an event');
SELECT is((SELECT created_by::text FROM mlops.runs WHERE id = '00000000-0000-4000-8000-00000000a001'), 'tap_ol_writer',
          'the run it creates is the writer''s');
SELECT throws_ok($$INSERT INTO mlops.openlineage_event_log (digest, run_id, event_time, job_namespace, job_name, event)
                   VALUES ('x', gen_random_uuid(), now(), 'n', 'j', '{}')$$, '42501', NULL,
                 'a writer cannot plant a received event');
SELECT throws_ok($$DELETE FROM mlops.openlineage_event_log$$, '42501', NULL, 'a writer cannot delete received events');
SELECT throws_ok($$INSERT INTO mlops.openlineage_datasets (dataset) VALUES ('tap/x')$$, '42501', NULL,
                 'a writer cannot move a dataset''s version');
RESET SESSION AUTHORIZATION;

SET SESSION AUTHORIZATION tap_ol_writer2;
SELECT throws_ok($$SELECT mlops.ingest_openlineage('{"eventType": "COMPLETE", "eventTime": "2024-06-03T00:01:00Z",
            "run": {"runId": "00000000-0000-4000-8000-00000000a001"}, "job": {"namespace": "tap", "name": "j"}}')$$,
                 '42501', NULL, 'another writer cannot ingest into someone else''s run');
RESET SESSION AUTHORIZATION;

SET ROLE tap_ol_reader;
SELECT throws_ok($$SELECT mlops.ingest_openlineage('{"eventTime": "2024-06-03T00:00:00Z",
            "run": {"runId": "00000000-0000-4000-8000-00000000a002"}, "job": {"namespace": "tap", "name": "j"}}')$$,
                 '42501', NULL, 'a reader cannot ingest');
SELECT ok((SELECT count(*) FROM mlops.openlineage_event_log) >= 1, 'a reader reads received events');
SELECT lives_ok($$SELECT count(*) FROM mlops.openlineage_events()$$, 'a reader emits events');
RESET ROLE;

SET ROLE tap_ol_admin;
SELECT throws_ok($$UPDATE mlops.openlineage_event_log SET job_name = 'x'$$, '42501', NULL, 'not even admins rewrite received events');
SELECT lives_ok($$DELETE FROM mlops.openlineage_event_log WHERE event_time < '2024-06-04'$$, 'admins delete old received events');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
