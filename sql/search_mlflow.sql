-- search_runs, MLflow's grammar (API.md -> Tracking, Coming from MLflow):
-- IS [NOT] NULL, attribute aliases, back-quoted prefixes, datasets.*,
-- malformed run ids, artifact_uri, and latest_metrics' tie-break.
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
-- names of the runs a search returns, in order
CREATE FUNCTION pg_temp.s(filter text, order_by text DEFAULT 'name') RETURNS text
LANGUAGE sql AS $$
SELECT coalesce(string_agg(s.name, ' ' ORDER BY ord), '(none)')
  FROM mlops.search_runs('mlf', filter, order_by) WITH ORDINALITY AS s(id, experiment_id, name, status, start_time,
       end_time, created_by, parent_run_id, lifecycle_stage, deleted_time, artifact_uri, ord) $$;

-- six runs one hour apart from 2026-01-01 01:00 UTC (1767229200000 ms)
INSERT INTO mlops.experiments (name) VALUES ('mlf');
INSERT INTO mlops.runs (id, experiment_id, name, start_time, artifact_uri)
SELECT ('00000000-0000-0000-0000-00000000000' || i)::uuid, (SELECT id FROM mlops.experiments WHERE name = 'mlf'),
       'r' || i, timestamptz '2026-01-01 00:00:00+00' + i * interval '1 hour',
       CASE WHEN i % 2 = 0 THEN 's3://art/r' || i END
  FROM generate_series(1, 6) i;
SELECT mlops.log_params('00000000-0000-0000-0000-000000000001', '{"lr": "0.1", "opt": "adam"}'),
       mlops.log_params('00000000-0000-0000-0000-000000000002', '{"lr": "0.01"}'),
       mlops.log_params('00000000-0000-0000-0000-000000000003', '{"opt": "sgd", "my key": "v"}');
SELECT mlops.log_metrics('00000000-0000-0000-0000-000000000001', '{"acc": 0.9, "loss": "NaN"}'),
       mlops.log_metrics('00000000-0000-0000-0000-000000000002', '{"acc": 0.7, "a b": 3}'),
       mlops.log_metrics('00000000-0000-0000-0000-000000000004', '{"loss": 0.2}');
SELECT mlops.set_tag('00000000-0000-0000-0000-000000000001', 'team', 'vision'),
       mlops.set_tag('00000000-0000-0000-0000-000000000003', 'team', 'nlp'),
       mlops.set_tag('00000000-0000-0000-0000-000000000005', 'note', '');
UPDATE mlops.runs SET parent_run_id = '00000000-0000-0000-0000-000000000001' WHERE name IN ('r2', 'r3');
UPDATE mlops.runs SET status = 'FINISHED' WHERE name = 'r6';

-- IS NULL / IS NOT NULL on params, tags, metrics (a NaN metric is there) and attributes
SELECT pg_temp.s('params.lr IS NULL');
SELECT pg_temp.s('params.lr IS NOT NULL');
SELECT pg_temp.s('params.opt is not null AND params.lr is null');
SELECT pg_temp.s('tags.team IS NULL');
SELECT pg_temp.s('tags.note IS NOT NULL');
SELECT pg_temp.s('metrics.loss IS NOT NULL');
SELECT pg_temp.s('metrics.acc IS NULL');
SELECT pg_temp.s('attributes.end_time IS NOT NULL');
SELECT pg_temp.s('attributes.parent_run_id IS NULL');
SELECT pg_temp.s('parent_run_id IS NOT NULL');
SELECT pg_temp.s('attributes.artifact_uri IS NULL');
SELECT pg_temp.s('attributes.status IS NULL');
SELECT pg_temp.s('tags.`my tag` IS NULL AND params.`my key` IS NOT NULL');
-- combined with OR and parentheses (beyond MLflow)
SELECT pg_temp.s('params.lr IS NULL OR metrics.acc IS NULL');
SELECT pg_temp.s('(tags.team IS NOT NULL OR metrics.loss IS NOT NULL) AND params.lr IS NOT NULL');
-- the same conditions in the subplan and map forms (many fields) give the same runs
SELECT pg_temp.s('params.lr IS NULL AND tags.team IS NULL AND metrics.acc IS NULL AND params.opt IS NULL AND metrics.loss IS NOT NULL') AS five_fields;
SELECT pg_temp.s((SELECT string_agg('params.k' || g || ' IS NULL', ' AND ') FROM generate_series(1, 40) g)
                 || ' AND metrics.loss IS NOT NULL AND tags.team IS NULL') AS maps_form;
SELECT pg_temp.s((SELECT string_agg('params.k' || g || ' IS NULL', ' AND ') FROM generate_series(1, 40) g)
                 || ' AND metrics.acc IS NULL') AS maps_form_missing;
-- artifact_uri and the other new attributes
SELECT pg_temp.s('attributes.artifact_uri = ''s3://art/r2''');
SELECT pg_temp.s('attributes.artifact_uri LIKE ''s3://art/%''');
SELECT pg_temp.s('artifact_uri ILIKE ''S3://ART/R6''');
SELECT pg_temp.s('attributes.lifecycle_stage = ''active'' AND attributes.deleted_time IS NULL');
SELECT pg_temp.s('attributes.experiment_id = ' || (SELECT id FROM mlops.experiments WHERE name = 'mlf'));
SELECT pg_temp.s('', 'artifact_uri DESC');
-- MLflow's aliases: run name (any case, back-quoted), created / Created for start_time
SELECT pg_temp.s('`Run name` = ''r3''');
SELECT pg_temp.s('`run name` LIKE ''r%'' AND `Run Name` != ''r1''');
SELECT pg_temp.s('attributes.`Run name` IN (''r2'', ''r5'')');
SELECT pg_temp.s('attributes.run_name = ''r4''');
SELECT pg_temp.s('created > 1767236400000');
SELECT pg_temp.s('Created <= 1767232800000');
SELECT pg_temp.s('attributes.created >= ''2026-01-01 05:00:00+00''');
SELECT pg_temp.s('', 'created DESC');
SELECT pg_temp.s('', '`Run name` DESC');
-- back-quoted prefixes and keys
SELECT pg_temp.s('`metrics`.acc > 0.8');
SELECT pg_temp.s('`metric`.`acc` < 0.8');
SELECT pg_temp.s('`metrics`.`a b` = 3');
SELECT pg_temp.s('metrics.`a b` >= 3');
SELECT pg_temp.s('`params`.lr = ''0.1''');
SELECT pg_temp.s('`param`."my key" = ''v''');
SELECT pg_temp.s('`parameters`.opt = ''sgd''');
SELECT pg_temp.s('`tag`.team = ''vision''');
SELECT pg_temp.s('`tags`.`team` != ''vision''');
SELECT pg_temp.s('`attribute`.status = ''FINISHED''');
SELECT pg_temp.s('`attributes`.`run_name` = ''r2''');
SELECT pg_temp.s('', '`metrics`.acc DESC');
SELECT pg_temp.s('', '`params`.`lr`');

-- malformed run ids match nothing (MLflow keeps run ids as plain strings)
SELECT pg_temp.s('attributes.run_id = ''not-a-uuid''');
SELECT pg_temp.s('attributes.run_id = ''00000000-0000-0000-0000-00000000000''');
SELECT pg_temp.s('attributes.run_id != ''not-a-uuid''');
SELECT pg_temp.s('attributes.parent_run_id != ''x''');
SELECT pg_temp.s('run_id IN (''bad'', ''00000000-0000-0000-0000-000000000002'', ''{00000000-0000-0000-0000-000000000003}'')');
SELECT pg_temp.s('attributes.run_id IN (''bad'', ''worse'')');
SELECT pg_temp.s('attributes.parent_run_id NOT IN (''bad'', ''worse'')');
SELECT pg_temp.s('attributes.run_id NOT IN (''bad'', ''00000000000000000000000000000001'')');
SELECT pg_temp.s('attributes.run_id = ''00000000-0000-0000-0000-00000000000G'' OR run_name = ''r6''');
-- well-formed ids in other spellings, and run ids with LIKE (as text)
SELECT pg_temp.s('attributes.run_id = ''00000000000000000000000000000004''');
SELECT pg_temp.s('attributes.run_id = ''{00000000-0000-0000-0000-000000000005}''');
SELECT pg_temp.s('attributes.run_id LIKE ''%0005''');
SELECT pg_temp.s('attributes.parent_run_id LIKE ''%1''');

-- datasets.name / digest / context over the run's inputs; the digest is the
-- first 8 hex digits of the version's fingerprint (MLflow's 8-character digest)
SELECT mlops.register_dataset_version('iris', 's3://d/iris/1', '0123456789abcdef0123456789abcdef'),
       mlops.register_dataset_version('iris', 's3://d/iris/2', 'fedcba9876543210fedcba9876543210'),
       mlops.register_dataset_version('wine', 's3://d/wine/1');
SELECT mlops.log_input('00000000-0000-0000-0000-000000000001', 'iris', 1, 'training'),
       mlops.log_input('00000000-0000-0000-0000-000000000001', 'iris', 2, 'eval'),
       mlops.log_input('00000000-0000-0000-0000-000000000002', 'iris', 2, 'training'),
       mlops.log_input('00000000-0000-0000-0000-000000000003', 'wine', 1, 'training');
SELECT pg_temp.s('datasets.name = ''iris''');
SELECT pg_temp.s('dataset.name != ''iris''');
SELECT pg_temp.s('datasets.name LIKE ''w%''');
SELECT pg_temp.s('datasets.name ILIKE ''IRIS''');
SELECT pg_temp.s('datasets.name IN (''wine'', ''cars'')');
SELECT pg_temp.s('datasets.name NOT IN (''iris'')');
SELECT pg_temp.s('datasets.digest = ''01234567''');
SELECT pg_temp.s('datasets.digest = ''fedcba98''');
SELECT pg_temp.s('datasets.digest = ''0123456789abcdef0123456789abcdef''');
SELECT pg_temp.s('datasets.digest IN (''01234567'', ''fedcba98'')');
SELECT pg_temp.s('datasets.digest LIKE ''fed%''');
SELECT pg_temp.s('datasets.digest IS NULL');
SELECT pg_temp.s('datasets.digest IS NOT NULL');
SELECT pg_temp.s('datasets.context = ''eval''');
SELECT pg_temp.s('datasets.context = ''training'' AND datasets.name = ''iris''');
SELECT pg_temp.s('datasets.name IS NULL');
SELECT pg_temp.s('`datasets`.`context` != ''training''');
SELECT pg_temp.s('datasets.context = ''eval'' OR datasets.digest = ''fedcba98''');
SELECT pg_temp.s((SELECT string_agg(format('datasets.name != ''x%s''', g), ' AND ') FROM generate_series(1, 6) g)) AS six_dataset_terms;

-- errors: SQLSTATE and a message naming the position or the field
SELECT pg_temp.try($$SELECT mlops.search_runs('mlf', 'params.lr IS')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('mlf', 'params.lr IS NOT')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('mlf', 'params.lr IS ''x''')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('mlf', 'params.lr IS NULL NULL')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('mlf', 'datasets.size = ''1''')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('mlf', 'datasets.digest > ''0''')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('mlf', 'datasets.name = 1')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('mlf', '', 'datasets.name')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('mlf', '`Run nam` = ''r1''')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('mlf', '`metricz`.acc > 1')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('mlf', '`metrics`. > 1')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('mlf', '`metrics`.`acc > 1')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('mlf', 'created > ''soon''')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('mlf', 'attributes.run_id > ''x''')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('mlf', 'attributes.experiment_id = 1.5')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('mlf', 'attributes.experiment_id = ''1''')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('mlf', 'attributes.experiment_id IN (1, 99999999999999999999)')$$);

-- latest_metrics: highest step, then latest time, then the largest value;
-- NaN ranks as 0 at the same step and time (MLflow's SQL store keeps it as 0)
SELECT mlops.log_metric('00000000-0000-0000-0000-000000000005', 'tie', 0.2, 1, '2026-01-02 00:00+00'),
       mlops.log_metric('00000000-0000-0000-0000-000000000005', 'tie', 0.7, 1, '2026-01-02 00:00+00'),
       mlops.log_metric('00000000-0000-0000-0000-000000000005', 'tie', 0.4, 1, '2026-01-02 00:00+00');
SELECT mlops.run_metric('00000000-0000-0000-0000-000000000005', 'tie') AS largest_value_wins;
SELECT mlops.log_metric('00000000-0000-0000-0000-000000000005', 'tie', 0.1, 1, '2026-01-02 00:00:01+00');
SELECT mlops.run_metric('00000000-0000-0000-0000-000000000005', 'tie') AS later_time_wins;
SELECT mlops.log_metric('00000000-0000-0000-0000-000000000005', 'tie', -5, 2, '2026-01-01 00:00+00');
SELECT mlops.run_metric('00000000-0000-0000-0000-000000000005', 'tie') AS higher_step_wins;
-- NaN against positive and negative values at the same step and time
SELECT mlops.log_metric('00000000-0000-0000-0000-000000000005', 'n', 'NaN', 0, '2026-01-02 00:00+00'),
       mlops.log_metric('00000000-0000-0000-0000-000000000005', 'n', -1, 0, '2026-01-02 00:00+00');
SELECT mlops.run_metric('00000000-0000-0000-0000-000000000005', 'n') AS nan_beats_negative;
SELECT mlops.log_metric('00000000-0000-0000-0000-000000000005', 'n', 0.5, 0, '2026-01-02 00:00+00');
SELECT mlops.run_metric('00000000-0000-0000-0000-000000000005', 'n') AS positive_beats_nan;
-- one statement with several points (the trigger's fold), and the ORM way
INSERT INTO mlops.metrics (run_id, key, step, ts, value)
VALUES ('00000000-0000-0000-0000-000000000005', 'b', 3, '2026-01-02 00:00+00', 1),
       ('00000000-0000-0000-0000-000000000005', 'b', 3, '2026-01-02 00:00+00', 9),
       ('00000000-0000-0000-0000-000000000005', 'b', 3, '2026-01-02 00:00+00', 'NaN'),
       ('00000000-0000-0000-0000-000000000005', 'b', 3, '2026-01-02 00:00+00', 4);
SELECT mlops.run_metric('00000000-0000-0000-0000-000000000005', 'b') AS fold_keeps_largest;
SELECT mlops.log_metrics('00000000-0000-0000-0000-000000000005', ARRAY['c', 'c', 'c'], ARRAY[0.3, 'NaN', -0.1], ARRAY[1, 1, 1]::bigint[]);
SELECT value AS bulk_keeps_largest FROM mlops.latest_metrics
 WHERE run_id = '00000000-0000-0000-0000-000000000005' AND key = 'c';
-- deleting points recomputes with the same rule
DELETE FROM mlops.metrics WHERE run_id = '00000000-0000-0000-0000-000000000005' AND key = 'b' AND value = 9;
SELECT mlops.run_metric('00000000-0000-0000-0000-000000000005', 'b') AS recomputed_largest;
DELETE FROM mlops.metrics WHERE run_id = '00000000-0000-0000-0000-000000000005' AND key = 'b' AND value IN (1, 4);
SELECT mlops.run_metric('00000000-0000-0000-0000-000000000005', 'b') AS recomputed_nan;
-- search sees the latest value
SELECT pg_temp.s('metrics.tie = -5 AND metrics.n = 0.5');
SELECT count(*) AS runs_untouched FROM mlops.runs;
