-- Coming from MLflow (API.md -> Registry): model and version tags, and a
-- version's source, run link and signature (fixed at creation). Every
-- refusal shows its SQLSTATE and message, and the state after it shows
-- that nothing was half-written.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS mlops;
RESET client_min_messages;
SELECT mlops.create_roles();
\set SHOW_CONTEXT never
-- try(sql): run a statement, show "ok" or SQLSTATE: message (detail)
CREATE FUNCTION pg_temp.try(sql text, with_detail boolean DEFAULT true) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; msg text; det text;
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
    RETURN st || ': ' || msg || CASE WHEN det <> '' AND with_detail THEN ' (' || det || ')' ELSE '' END;
END $$;
CREATE FUNCTION pg_temp.versions(m text) RETURNS SETOF text LANGUAGE sql AS $$
SELECT format('v%s tags=%s source=%s run_link=%s signature=%s', v.version, v.tags, v.source, v.run_link, v.signature)
  FROM mlops.model_versions v JOIN mlops.models mo ON mo.id = v.model_id
 WHERE mo.name = m ORDER BY v.version $$;
CREATE ROLE regress_rmf_writer LOGIN IN ROLE mlops_writer;
CREATE ROLE regress_rmf_reader LOGIN IN ROLE mlops_reader;
CREATE ROLE regress_rmf_admin LOGIN IN ROLE mlops_admin;
INSERT INTO mlops.experiments (name) VALUES ('regress_rmf');
INSERT INTO mlops.runs (id, experiment_id, name, status) VALUES
    ('00000000-0000-0000-0000-00000000e001', (SELECT id FROM mlops.experiments WHERE name = 'regress_rmf'), 'e1', 'FINISHED');

-- create_model_version with MLflow's source, run link, signature and tags
SET SESSION AUTHORIZATION regress_rmf_writer;
SELECT mlops.register_model('rmf') > 0 AS registered;
SELECT mlops.create_model_version('rmf', '00000000-0000-0000-0000-00000000e001', 's3://rmf/1',
           'first', source => 'runs:/00000000-0000-0000-0000-00000000e001/model',
           run_link => 'https://ci.example/runs/1',
           signature => '{"inputs": "[{\"type\": \"double\", \"name\": \"x\"}]", "outputs": "[{\"type\": \"long\"}]"}',
           tags => '{"validated": true, "owner": "team-a"}') AS v1;
-- the old call still works (the new parameters have defaults)
SELECT mlops.create_model_version('rmf', '00000000-0000-0000-0000-00000000e001', 's3://rmf/2') AS v2;
SELECT * FROM pg_temp.versions('rmf');
-- bad inputs: nothing is created, the numbering goes on without a gap
SELECT pg_temp.try($$SELECT mlops.create_model_version('rmf', '00000000-0000-0000-0000-00000000e001', 's3://x', signature => '"x"')$$) AS signature_string;
SELECT pg_temp.try($$SELECT mlops.create_model_version('rmf', '00000000-0000-0000-0000-00000000e001', 's3://x', tags => '[1]')$$) AS tags_array;
SELECT pg_temp.try($$SELECT mlops.create_model_version('rmf', '00000000-0000-0000-0000-00000000e001', 's3://x', tags => '{"k": null}')$$) AS tag_null;
SELECT pg_temp.try(format('SELECT mlops.create_model_version(%L, %L, %L, tags => %L)', 'rmf', '00000000-0000-0000-0000-00000000e001', 's3://x', jsonb_build_object(repeat('k', 251), 'v'))) AS tag_key_long;
SELECT pg_temp.try(format('SELECT mlops.create_model_version(%L, %L, %L, source => %L)', 'rmf', '00000000-0000-0000-0000-00000000e001', 's3://x', repeat('s', 2049))) AS source_long;
SELECT pg_temp.try(format('SELECT mlops.create_model_version(%L, %L, %L, run_link => %L)', 'rmf', '00000000-0000-0000-0000-00000000e001', 's3://x', repeat('s', 2049))) AS run_link_long;
SELECT pg_temp.try($$INSERT INTO mlops.model_versions (model_id, run_id, artifact_uri, signature) SELECT id, '00000000-0000-0000-0000-00000000e001', 's3://x', '[]' FROM mlops.models WHERE name = 'rmf'$$, false) AS plain_insert_signature;
SELECT count(*) AS versions, max(version) AS last FROM mlops.model_versions v JOIN mlops.models m ON m.id = v.model_id WHERE m.name = 'rmf';

-- source, run link and signature are fixed at creation
SELECT pg_temp.try($$UPDATE mlops.model_versions SET source = 'elsewhere' WHERE version = 1 AND model_id = (SELECT id FROM mlops.models WHERE name = 'rmf')$$) AS change_source;
SELECT pg_temp.try($$UPDATE mlops.model_versions SET signature = NULL WHERE version = 1 AND model_id = (SELECT id FROM mlops.models WHERE name = 'rmf')$$) AS change_signature;
SELECT pg_temp.try($$UPDATE mlops.model_versions SET run_link = 'x' WHERE version = 1 AND model_id = (SELECT id FROM mlops.models WHERE name = 'rmf')$$) AS change_run_link;

-- version tags
SELECT last_updated_at AS v1_updated FROM mlops.model_versions WHERE version = 1 AND model_id = (SELECT id FROM mlops.models WHERE name = 'rmf') \gset
SELECT mlops.set_model_version_tag('rmf', 1, 'validated', 'false'), mlops.set_model_version_tag('rmf', 2, 'owner', 'team-b');
SELECT mlops.delete_model_version_tag('rmf', 1, 'owner');
SELECT * FROM pg_temp.versions('rmf');
SELECT last_updated_at > :'v1_updated' AS v1_update_time_moved FROM mlops.model_versions
 WHERE version = 1 AND model_id = (SELECT id FROM mlops.models WHERE name = 'rmf');
SELECT pg_temp.try($$SELECT mlops.delete_model_version_tag('rmf', 1, 'owner')$$) AS missing_tag;
SELECT pg_temp.try($$SELECT mlops.set_model_version_tag('rmf', 9, 'k', 'v')$$) AS unknown_version;
SELECT pg_temp.try($$SELECT mlops.set_model_version_tag('nope', 1, 'k', 'v')$$) AS unknown_model;
SELECT pg_temp.try($$SELECT mlops.set_model_version_tag('rmf', 1, '', 'v')$$) AS empty_key;
SELECT pg_temp.try($$SELECT mlops.set_model_version_tag('rmf', 1, E'a\tb', 'v')$$) AS control_key;
SELECT pg_temp.try($$SELECT mlops.set_model_version_tag('rmf', 1, 'k', NULL)$$) AS null_value;
SELECT pg_temp.try(format('SELECT mlops.set_model_version_tag(%L, 1, %L, %L)', 'rmf', 'k', repeat('v', 8001))) AS long_value;
SELECT pg_temp.try($$SELECT mlops.delete_model_version_tag('rmf', 1, NULL)$$) AS null_key;
SELECT pg_temp.try($$UPDATE mlops.model_versions SET tags = '[]' WHERE version = 1 AND model_id = (SELECT id FROM mlops.models WHERE name = 'rmf')$$, false) AS plain_update_array;
SELECT * FROM pg_temp.versions('rmf');

-- model tags
SELECT last_updated_at AS m_updated FROM mlops.models WHERE name = 'rmf' \gset
SELECT mlops.set_model_tag('rmf', 'domain', 'churn'), mlops.set_model_tag('rmf', 'tier', '1');
SELECT mlops.delete_model_tag('rmf', 'tier');
SELECT tags, last_updated_at > :'m_updated' AS update_time_moved FROM mlops.models WHERE name = 'rmf';
SELECT pg_temp.try($$SELECT mlops.delete_model_tag('rmf', 'tier')$$) AS missing_tag;
SELECT pg_temp.try($$SELECT mlops.set_model_tag('nope', 'k', 'v')$$) AS unknown_model;
SELECT pg_temp.try($$SELECT mlops.set_model_tag(NULL, 'k', 'v')$$) AS null_model;
SELECT pg_temp.try(format('SELECT mlops.set_model_tag(%L, %L, %L)', 'rmf', repeat('k', 251), 'v')) AS long_key;
SELECT pg_temp.try($$UPDATE mlops.models SET tags = '"x"' WHERE name = 'rmf'$$, false) AS plain_update_string;
SELECT tags FROM mlops.models WHERE name = 'rmf';
-- a new version moves the model's last update time
SELECT last_updated_at AS m_updated FROM mlops.models WHERE name = 'rmf' \gset
SELECT mlops.create_model_version('rmf', '00000000-0000-0000-0000-00000000e001', 's3://rmf/3') AS v3;
SELECT last_updated_at > :'m_updated' AS update_time_moved FROM mlops.models WHERE name = 'rmf';
RESET SESSION AUTHORIZATION;

-- a reader tags nothing
SET SESSION AUTHORIZATION regress_rmf_reader;
SELECT pg_temp.try($$SELECT mlops.set_model_tag('rmf', 'k', 'v')$$) AS reader_model_tag;
SELECT pg_temp.try($$SELECT mlops.set_model_version_tag('rmf', 1, 'k', 'v')$$) AS reader_version_tag;
SELECT pg_temp.try($$SELECT mlops.delete_model_tag('rmf', 'domain')$$) AS reader_delete_model_tag;
RESET SESSION AUTHORIZATION;
-- an admin tags any model
SET SESSION AUTHORIZATION regress_rmf_admin;
SELECT mlops.set_model_tag('rmf', 'reviewed', 'yes');
RESET SESSION AUTHORIZATION;
SELECT tags FROM mlops.models WHERE name = 'rmf';
-- tags are not audited (as descriptions); the chain still verifies
SELECT count(*) AS tag_audit_rows FROM mlops.audit_log WHERE entity LIKE 'model:rmf%' AND action NOT IN ('model.register', 'version.create');
SELECT mlops.verify_audit_chain() IS NULL AS chain_ok;
