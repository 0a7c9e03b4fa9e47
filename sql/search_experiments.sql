-- search_experiments and search_model_versions (API.md -> Coming from
-- MLflow): MLflow's experiment and model version grammars through the
-- search_runs parser, with their default orders and ties.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS mlops CASCADE;  -- a fresh install: no rows from other test files
CREATE EXTENSION mlops;
RESET client_min_messages;
CREATE FUNCTION pg_temp.try(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; msg text; det text;
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
    RETURN st || ': ' || msg || CASE WHEN det <> '' THEN ' (' || det || ')' ELSE '' END;
END $$;
-- names of the experiments a search returns, in order
CREATE FUNCTION pg_temp.e(filter text, order_by text DEFAULT NULL, n int DEFAULT 1000, view text DEFAULT 'active')
RETURNS text LANGUAGE sql AS $$
SELECT coalesce(string_agg(x.name, ' ' ORDER BY x.ordinality), '(none)')
  FROM mlops.search_experiments(filter, coalesce(order_by, 'creation_time DESC, experiment_id ASC'), n, view)
       WITH ORDINALITY x $$;
-- "model/version" of the model versions a search returns, in order
CREATE FUNCTION pg_temp.v(filter text, order_by text DEFAULT NULL, n int DEFAULT 1000) RETURNS text
LANGUAGE sql AS $$
SELECT coalesce(string_agg(m.name || '/' || x.version, ' ' ORDER BY x.ordinality), '(none)')
  FROM mlops.search_model_versions(filter, coalesce(order_by, 'last_updated_timestamp DESC, name ASC, version_number DESC'), n)
       WITH ORDINALITY x
  JOIN mlops.models m ON m.id = x.model_id $$;

-- experiments created a day apart (2026-01-0N 00:00 UTC), updated later
INSERT INTO mlops.experiments (name, tags, created_at, last_update_time)
VALUES ('churn-a', '{"team": "ml", "prio": "1"}', '2026-01-01 00:00+00', '2026-01-10 00:00+00'),
       ('churn-b', '{"team": "bi"}',              '2026-01-02 00:00+00', '2026-01-03 00:00+00'),
       ('fraud',   '{"team": "ml", "a b": "x"}',  '2026-01-03 00:00+00', '2026-01-04 00:00+00'),
       ('old',     '{}',                          '2026-01-04 00:00+00', '2026-01-05 00:00+00'),
       ('same-time', '{}',                        '2026-01-04 00:00+00', '2026-01-05 00:00+00');
UPDATE mlops.experiments SET lifecycle_stage = 'deleted', last_update_time = '2026-01-06 00:00+00' WHERE name = 'old';

-- default order: newest first (creation_time DESC), ties by id
SELECT pg_temp.e('');
SELECT pg_temp.e(NULL);
SELECT string_agg(name, ' ') AS defaults FROM mlops.search_experiments();
-- name: =, !=, LIKE, ILIKE (and IN, NOT IN beyond MLflow)
SELECT pg_temp.e('name = ''churn-a''');
SELECT pg_temp.e('attributes.name != ''churn-a''');
SELECT pg_temp.e('name LIKE ''churn%''');
SELECT pg_temp.e('name LIKE ''FRAUD''');
SELECT pg_temp.e('name ILIKE ''FRAUD''');
SELECT pg_temp.e('name IN (''fraud'', ''churn-b'', ''nope'')');
SELECT pg_temp.e('name NOT IN (''fraud'')');
-- tags: the experiment's tags jsonb
SELECT pg_temp.e('tags.team = ''ml''');
SELECT pg_temp.e('tag.team != ''ml''');
SELECT pg_temp.e('tags.team LIKE ''%i''');
SELECT pg_temp.e('tags.team ILIKE ''ML''');
SELECT pg_temp.e('tags.prio IS NOT NULL');
SELECT pg_temp.e('tags.team IS NULL');
SELECT pg_temp.e('tags.`a b` = ''x''');
SELECT pg_temp.e('`tags`.team IN (''bi'', ''ops'')');
-- times: milliseconds since the epoch or quoted timestamps
SELECT pg_temp.e('creation_time > 1767312000000');
SELECT pg_temp.e('creation_time <= ''2026-01-02 00:00+00''');
SELECT pg_temp.e('last_update_time >= ''2026-01-05 00:00+00''');
SELECT pg_temp.e('attributes.last_update_time < 1767398400001');
-- several terms, OR and parentheses (beyond MLflow)
SELECT pg_temp.e('tags.team = ''ml'' AND creation_time > 1767225600000');
SELECT pg_temp.e('name = ''churn-b'' OR (tags.team = ''ml'' AND name LIKE ''f%'')');
SELECT pg_temp.e('experiment_id = ' || (SELECT id FROM mlops.experiments WHERE name = 'fraud'));
-- order_by: MLflow's keys, the tie by id (highest first), and tags (beyond MLflow)
SELECT pg_temp.e('', 'name');
SELECT pg_temp.e('', 'name DESC');
SELECT pg_temp.e('', 'last_update_time DESC');
SELECT pg_temp.e('', 'creation_time');
SELECT pg_temp.e('', 'experiment_id DESC');
SELECT pg_temp.e('', 'tags.team, name DESC');
SELECT pg_temp.e('', 'name', 2);
-- view_type: active (default), deleted, all
SELECT pg_temp.e('', 'name', 1000, 'deleted');
SELECT pg_temp.e('', 'name', 1000, 'all');
SELECT pg_temp.e('', 'name', 1000, 'DELETED_ONLY');
SELECT pg_temp.e('lifecycle_stage = ''deleted''', 'name', 1000, 'all');
-- errors: SQLSTATE and a message naming the position or the field
SELECT pg_temp.try($$SELECT * FROM mlops.search_experiments('metrics.acc > 1')$$);
SELECT pg_temp.try($$SELECT * FROM mlops.search_experiments('params.lr = ''1''')$$);
SELECT pg_temp.try($$SELECT * FROM mlops.search_experiments('datasets.name = ''x''')$$);
SELECT pg_temp.try($$SELECT * FROM mlops.search_experiments('artifact_location = ''x''')$$);
SELECT pg_temp.try($$SELECT * FROM mlops.search_experiments('name > ''a''')$$);
SELECT pg_temp.try($$SELECT * FROM mlops.search_experiments('creation_time > ''later''')$$);
SELECT pg_temp.try($$SELECT * FROM mlops.search_experiments('creation_time = NaN')$$);
SELECT pg_temp.try($$SELECT * FROM mlops.search_experiments('name = ''x'' AND')$$);
SELECT pg_temp.try($$SELECT * FROM mlops.search_experiments('', 'colour')$$);
SELECT pg_temp.try($$SELECT * FROM mlops.search_experiments('', 'name sideways')$$);
SELECT pg_temp.try($$SELECT * FROM mlops.search_experiments('', 'name', 50001)$$);
SELECT pg_temp.try($$SELECT * FROM mlops.search_experiments('', 'name', 0)$$);
SELECT pg_temp.try($$SELECT * FROM mlops.search_experiments('', 'name', 10, 'archived')$$);

-- model versions: two models, versions created one statement apart
INSERT INTO mlops.runs (id, experiment_id, name)
SELECT ('00000000-0000-0000-0000-00000000000' || i)::uuid, (SELECT id FROM mlops.experiments WHERE name = 'churn-a'), 'r' || i
  FROM generate_series(1, 3) i;
SELECT mlops.register_model('churn'), mlops.register_model('fraud');
SELECT mlops.create_model_version('churn', '00000000-0000-0000-0000-000000000001', 's3://m/churn/1');
SELECT mlops.create_model_version('fraud', '00000000-0000-0000-0000-000000000002', 's3://m/fraud/1');
SELECT mlops.create_model_version('churn', '00000000-0000-0000-0000-000000000002', 's3://m/churn/2');
SELECT mlops.create_model_version('churn', '00000000-0000-0000-0000-000000000003', 'gs://m/churn/3');
-- default order: last updated first, then name, then version (highest first)
SELECT pg_temp.v('');
SELECT pg_temp.v('', 'last_updated_timestamp');
SELECT string_agg(version::text, ' ') AS defaults FROM mlops.search_model_versions();
-- name, version_number, run_id (malformed ids match nothing), source_path
SELECT pg_temp.v('name = ''churn''', 'version_number');
SELECT pg_temp.v('name != ''churn''');
SELECT pg_temp.v('name LIKE ''fr%''');
SELECT pg_temp.v('name ILIKE ''CHURN''', 'version_number');
SELECT pg_temp.v('name IN (''fraud'', ''x'')');
SELECT pg_temp.v('version_number = 2');
SELECT pg_temp.v('version_number > 1', 'name, version_number');
SELECT pg_temp.v('version_number <= 1', 'name');
SELECT pg_temp.v('version_number IN (1, 3)', 'name, version_number');
SELECT pg_temp.v('run_id = ''00000000-0000-0000-0000-000000000002''', 'name');
SELECT pg_temp.v('run_id = ''not-a-run''');
SELECT pg_temp.v('run_id IN (''00000000-0000-0000-0000-000000000001'', ''bad'')');
SELECT pg_temp.v('source_path = ''s3://m/churn/2''');
SELECT pg_temp.v('source_path LIKE ''s3://%''', 'name, version_number');
SELECT pg_temp.v('attributes.source_path ILIKE ''GS://%''');
SELECT pg_temp.v('current_stage = ''none'' AND creation_timestamp > 0', 'name, version_number');
SELECT pg_temp.v('name = ''churn'' AND version_number >= 2 OR name = ''fraud''', 'name, version_number');
-- order_by: name, version_number, creation_timestamp
SELECT pg_temp.v('', 'version_number DESC, name');
SELECT pg_temp.v('', 'name DESC');
SELECT pg_temp.v('', 'creation_timestamp');
SELECT pg_temp.v('', 'name', 2);
-- tags of versions (a jsonb column)
UPDATE mlops.model_versions SET tags = '{"validated": "yes", "owner": "ana"}'
 WHERE version = 2 AND model_id = (SELECT id FROM mlops.models WHERE name = 'churn');
UPDATE mlops.model_versions SET tags = '{"validated": "no"}'
 WHERE model_id = (SELECT id FROM mlops.models WHERE name = 'fraud');
SELECT pg_temp.v('tags.validated = ''yes''', 'name, version_number');
SELECT pg_temp.v('tag.validated != ''yes''', 'name, version_number');
SELECT pg_temp.v('tags.owner IS NOT NULL', 'name, version_number');
SELECT pg_temp.v('tags.validated IS NULL', 'name, version_number');
SELECT pg_temp.v('`tags`.`validated` LIKE ''%o''', 'name, version_number');
SELECT pg_temp.v('name = ''churn'' AND tags.validated IN (''yes'', ''maybe'')', 'name, version_number');
SELECT pg_temp.v('', 'tags.validated DESC, name, version_number');
-- errors
SELECT pg_temp.try($$SELECT * FROM mlops.search_model_versions('metrics.acc > 1')$$);
SELECT pg_temp.try($$SELECT * FROM mlops.search_model_versions('params.x = ''1''')$$);
SELECT pg_temp.try($$SELECT * FROM mlops.search_model_versions('version_number = ''2''')$$);
SELECT pg_temp.try($$SELECT * FROM mlops.search_model_versions('version_number = 2.5')$$);
SELECT pg_temp.try($$SELECT * FROM mlops.search_model_versions('name > ''a''')$$);
SELECT pg_temp.try($$SELECT * FROM mlops.search_model_versions('run_id > ''a''')$$);
SELECT pg_temp.try($$SELECT * FROM mlops.search_model_versions('colour = ''red''')$$);
SELECT pg_temp.try($$SELECT * FROM mlops.search_model_versions('', 'version_number sideways')$$);
SELECT pg_temp.try($$SELECT * FROM mlops.search_model_versions('', 'name', 50001)$$);
SELECT pg_temp.try($$SELECT * FROM mlops.search_model_versions('name = ''churn'' OR')$$);
SELECT count(*) AS versions_untouched FROM mlops.model_versions;
