-- Coming from MLflow (API.md -> Tracking): start and end times, soft delete
-- and restore of runs and experiments, experiment tags, delete_tag,
-- rename_run and the tag mlflow.runName. Every refusal shows its SQLSTATE
-- and message, and the state after it shows that nothing was half-written.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS mlops;
RESET client_min_messages;
SELECT mlops.create_roles();
\set SHOW_CONTEXT never
SET timezone = 'UTC';
-- try(sql): run a statement, show "ok" or SQLSTATE: message (detail); run
-- ids drawn by start_run show as <run> (fixed test ids 00000000-... stay)
CREATE FUNCTION pg_temp.try(sql text, with_detail boolean DEFAULT true) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; msg text; det text;
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
    RETURN regexp_replace(st || ': ' || msg || CASE WHEN det <> '' AND with_detail THEN ' (' || det || ')' ELSE '' END,
                          '(?!00000000)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', '<run>', 'g');
END $$;
-- what a run holds
CREATE FUNCTION pg_temp.state(r uuid) RETURNS text LANGUAGE sql AS $$
SELECT format('name=%s status=%s stage=%s deleted_time=%s ended=%s params=%s tags=%s metrics=%s',
    ru.name, ru.status, ru.lifecycle_stage, ru.deleted_time IS NOT NULL, ru.end_time IS NOT NULL,
    (SELECT string_agg(key || '=' || value, ',' ORDER BY key) FROM mlops.params WHERE run_id = r),
    (SELECT string_agg(key || '=' || value, ',' ORDER BY key) FROM mlops.tags WHERE run_id = r),
    (SELECT count(*) FROM mlops.metrics WHERE run_id = r))
  FROM mlops.runs ru WHERE ru.id = r $$;
CREATE FUNCTION pg_temp.exp(n text) RETURNS text LANGUAGE sql AS $$
SELECT format('stage=%s deleted_time=%s tags=%s', e.lifecycle_stage, e.deleted_time IS NOT NULL, e.tags)
  FROM mlops.experiments e WHERE e.name = n $$;
CREATE ROLE regress_mlf_a LOGIN IN ROLE mlops_writer;
CREATE ROLE regress_mlf_b LOGIN IN ROLE mlops_writer;
CREATE ROLE regress_mlf_admin LOGIN IN ROLE mlops_admin;

-- start and end times -------------------------------------------------
SET SESSION AUTHORIZATION regress_mlf_a;
SELECT mlops.start_run('mlf', 'timed', '{"lr": 0.1}', start_time => '2026-01-01 10:00+00') AS r1 \gset
SELECT start_time FROM mlops.runs WHERE id = :'r1';
SELECT pg_temp.try(format('SELECT mlops.end_run(%L, %L, %L)', :'r1', 'FINISHED', '2026-01-01 09:59:59+00')) AS end_before_start;
SELECT pg_temp.try(format('SELECT mlops.end_run(%L, %L, NULL)', :'r1', 'FINISHED')) AS null_end_time;
SELECT pg_temp.try(format('SELECT mlops.start_run(%L, start_time => NULL)', 'mlf')) AS null_start_time;
SELECT pg_temp.state(:'r1') AS still_open;
SELECT count(*) AS runs_in_mlf FROM mlops.runs r JOIN mlops.experiments e ON e.id = r.experiment_id WHERE e.name = 'mlf';
SELECT mlops.end_run(:'r1', 'FINISHED', '2026-01-01 11:30+00');
SELECT status, end_time, end_time - start_time AS took FROM mlops.runs WHERE id = :'r1';
-- start_time's default is now(), end_time's too
BEGIN;
SELECT mlops.start_run('mlf', 'now') AS r2 \gset
SELECT start_time = now() AS starts_now FROM mlops.runs WHERE id = :'r2';
COMMIT;
SELECT mlops.log_metric(:'r2', 'loss', 0.5, 1), mlops.set_tag(:'r2', 'team', 'a');

-- deleting and restoring a run -----------------------------------------
SET SESSION AUTHORIZATION regress_mlf_b;
SELECT pg_temp.try(format('SELECT mlops.delete_run(%L)', :'r2')) AS other_writer_deletes;
SET SESSION AUTHORIZATION regress_mlf_a;
SELECT pg_temp.state(:'r2') AS untouched;
SELECT mlops.delete_run(:'r2');
SELECT pg_temp.state(:'r2') AS deleted;
SELECT deleted_time AS first_deleted_time FROM mlops.runs WHERE id = :'r2' \gset
-- a deleted run takes nothing and does not change
SELECT pg_temp.try(format('SELECT mlops.log_metric(%L, %L, 0.4, 2)', :'r2', 'loss')) AS log_metric;
SELECT pg_temp.try(format('SELECT mlops.log_metrics(%L, ARRAY[%L], ARRAY[0.4])', :'r2', 'loss')) AS log_metrics;
SELECT pg_temp.try(format('SELECT mlops.log_param(%L, %L, %L)', :'r2', 'opt', 'adam')) AS log_param;
SELECT pg_temp.try(format('SELECT mlops.set_tag(%L, %L, %L)', :'r2', 'team', 'b')) AS set_tag;
SELECT pg_temp.try(format('SELECT mlops.delete_tag(%L, %L)', :'r2', 'team')) AS delete_tag;
SELECT pg_temp.try(format('SELECT mlops.log_artifact(%L, %L, %L)', :'r2', 'm.pkl', 's3://b/m.pkl')) AS log_artifact;
SELECT pg_temp.try(format('SELECT mlops.end_run(%L)', :'r2')) AS end_run;
SELECT pg_temp.try(format('SELECT mlops.rename_run(%L, %L)', :'r2', 'renamed')) AS rename_run;
SELECT pg_temp.try(format('INSERT INTO mlops.metrics (run_id, key, value) VALUES (%L, %L, 1)', :'r2', 'loss')) AS plain_insert;
SELECT pg_temp.state(:'r2') AS unchanged;
-- deleting again changes nothing (not even the time)
SELECT mlops.delete_run(:'r2');
SELECT deleted_time = :'first_deleted_time' AS same_deleted_time FROM mlops.runs WHERE id = :'r2';
-- views show active runs only; mlops.runs shows every run
SELECT run_name FROM mlops.run_summary WHERE experiment = 'mlf' ORDER BY run_name;
SELECT count(*) AS deleted_points_in_history FROM mlops.metric_history WHERE run_id = :'r2';
-- another writer cannot restore it, an admin can
SET SESSION AUTHORIZATION regress_mlf_b;
SELECT pg_temp.try(format('SELECT mlops.restore_run(%L)', :'r2')) AS other_writer_restores;
SET SESSION AUTHORIZATION regress_mlf_admin;
SELECT mlops.restore_run(:'r2');
SET SESSION AUTHORIZATION regress_mlf_a;
SELECT pg_temp.state(:'r2') AS restored;
SELECT mlops.log_metric(:'r2', 'loss', 0.4, 2);
SELECT run_name, metrics FROM mlops.run_summary WHERE run_id = :'r2';
-- plain SQL obeys the same rules
UPDATE mlops.runs SET lifecycle_stage = 'deleted' WHERE id = :'r2';
SELECT pg_temp.state(:'r2') AS deleted_by_update;
SELECT pg_temp.try(format('UPDATE mlops.runs SET name = %L WHERE id = %L', 'x', :'r2')) AS update_deleted;
SELECT pg_temp.try(format('UPDATE mlops.runs SET lifecycle_stage = %L WHERE id = %L', 'gone', :'r2'), false) AS bad_stage;
UPDATE mlops.runs SET lifecycle_stage = 'active' WHERE id = :'r2';
SELECT pg_temp.state(:'r2') AS restored_by_update;
-- bad arguments
SELECT pg_temp.try('SELECT mlops.delete_run(''00000000-0000-0000-0000-00000000dead'')') AS unknown_run;
SELECT pg_temp.try('SELECT mlops.restore_run(NULL)') AS null_run;

-- deleting and restoring an experiment ---------------------------------
SELECT mlops.start_run('mlf-exp', 'kept') AS r3 \gset
SELECT mlops.start_run('mlf-exp', 'deleted-before') AS r4 \gset
SELECT mlops.delete_run(:'r4');
SELECT mlops.set_experiment_tag('mlf-exp', 'owner', 'team-a');
SET SESSION AUTHORIZATION regress_mlf_b;
SELECT pg_temp.try('SELECT mlops.delete_experiment(''mlf-exp'')') AS other_writer_deletes_experiment;
SET SESSION AUTHORIZATION regress_mlf_a;
SELECT pg_temp.exp('mlf-exp') AS untouched;
SELECT last_update_time AS exp_updated FROM mlops.experiments WHERE name = 'mlf-exp' \gset
SELECT mlops.delete_experiment('mlf-exp');
SELECT pg_temp.exp('mlf-exp') AS deleted, last_update_time > :'exp_updated' AS update_time_moved
  FROM mlops.experiments WHERE name = 'mlf-exp';
-- its name stays taken, it takes no runs, its runs take nothing
SELECT pg_temp.try('SELECT mlops.create_experiment(''mlf-exp'')') AS create_same_name;
SELECT pg_temp.try('SELECT mlops.start_run(''mlf-exp'', ''new'')') AS start_run;
SELECT pg_temp.try(format('SELECT mlops.log_metric(%L, %L, 1)', :'r3', 'loss')) AS log_metric;
SELECT pg_temp.try(format('SELECT mlops.log_param(%L, %L, %L)', :'r3', 'k', 'v')) AS log_param;
SELECT pg_temp.try('SELECT mlops.set_experiment_tag(''mlf-exp'', ''owner'', ''team-b'')') AS set_experiment_tag;
SELECT pg_temp.try('UPDATE mlops.experiments SET name = ''mlf-exp2'' WHERE name = ''mlf-exp''') AS rename_deleted;
SELECT count(*) AS runs_of_mlf_exp FROM mlops.runs r JOIN mlops.experiments e ON e.id = r.experiment_id WHERE e.name = 'mlf-exp';
SELECT pg_temp.exp('mlf-exp') AS unchanged;
-- its runs keep their own stage but are hidden
SELECT name, lifecycle_stage FROM mlops.runs WHERE id IN (:'r3', :'r4') ORDER BY name;
SELECT count(*) AS shown FROM mlops.run_summary WHERE experiment = 'mlf-exp';
SELECT count(*) AS searched FROM mlops.search_runs('mlf-exp');
SELECT name, lifecycle_stage FROM mlops.search_runs(ARRAY['mlf-exp'], run_view_type => 'deleted') ORDER BY name;
SELECT count(*) AS searched_all FROM mlops.search_runs(ARRAY['mlf-exp'], run_view_type => 'all');
-- restored, its runs come back as they were
SET SESSION AUTHORIZATION regress_mlf_admin;
SELECT mlops.restore_experiment('mlf-exp');
SET SESSION AUTHORIZATION regress_mlf_a;
SELECT pg_temp.exp('mlf-exp') AS restored;
SELECT run_name FROM mlops.run_summary WHERE experiment = 'mlf-exp' ORDER BY run_name;
SELECT name FROM mlops.search_runs('mlf-exp') ORDER BY name;
SELECT mlops.log_metric(:'r3', 'loss', 1);
SELECT pg_temp.try('SELECT mlops.delete_experiment(''nope'')') AS unknown_experiment;
SELECT pg_temp.try('SELECT mlops.restore_experiment(NULL)') AS null_experiment;

-- experiment tags --------------------------------------------------------
SELECT pg_temp.try('SELECT mlops.set_experiment_tag(''nope'', ''k'', ''v'')') AS unknown_experiment;
SELECT pg_temp.try(format('SELECT mlops.set_experiment_tag(%L, %L, %L)', 'mlf-exp', repeat('k', 251), 'v')) AS long_key;
SELECT pg_temp.try('SELECT mlops.set_experiment_tag(''mlf-exp'', '''', ''v'')') AS empty_key;
SELECT pg_temp.try(format('SELECT mlops.set_experiment_tag(%L, %L, %L)', 'mlf-exp', E'a\nb', 'v')) AS control_key;
SELECT pg_temp.try('SELECT mlops.set_experiment_tag(''mlf-exp'', ''k'', NULL)') AS null_value;
SELECT pg_temp.try(format('SELECT mlops.set_experiment_tag(%L, %L, %L)', 'mlf-exp', 'k', repeat('v', 8001))) AS long_value;
SELECT mlops.set_experiment_tag('mlf-exp', 'owner', 'team-c'), mlops.set_experiment_tag('mlf-exp', 'note', '');
SELECT tags FROM mlops.experiments WHERE name = 'mlf-exp';

-- delete_tag -------------------------------------------------------------
SELECT mlops.start_run('mlf', 'tagged', tags => '{"a": "1", "b": "2"}') AS r5 \gset
SELECT pg_temp.try(format('SELECT mlops.delete_tag(%L, %L)', :'r5', 'missing')) AS missing_tag;
SELECT pg_temp.try(format('SELECT mlops.delete_tag(%L, %L)', '00000000-0000-0000-0000-00000000dead', 'a')) AS unknown_run;
SELECT pg_temp.try(format('SELECT mlops.delete_tag(%L, NULL)', :'r5')) AS null_key;
SET SESSION AUTHORIZATION regress_mlf_b;
SELECT pg_temp.try(format('SELECT mlops.delete_tag(%L, %L)', :'r5', 'a')) AS other_writer;
SET SESSION AUTHORIZATION regress_mlf_a;
SELECT mlops.delete_tag(:'r5', 'a');
SELECT pg_temp.state(:'r5') AS one_tag_left;

-- rename_run and mlflow.runName -------------------------------------------
SELECT mlops.rename_run(:'r5', 'tagged-2');
SELECT pg_temp.state(:'r5') AS renamed;
SELECT mlops.set_tag(:'r5', 'mlflow.runName', 'by-tag');
SELECT pg_temp.state(:'r5') AS renamed_by_tag;
SELECT run_name, tags->>'mlflow.runName' AS tag FROM mlops.run_summary WHERE run_id = :'r5';
SELECT pg_temp.try(format('SELECT mlops.set_tag(%L, %L, %L)', :'r5', 'mlflow.runName', repeat('n', 251))) AS long_name_tag;
SELECT pg_temp.try(format('SELECT mlops.rename_run(%L, %L)', :'r5', repeat('n', 251))) AS long_name;
SELECT pg_temp.try(format('SELECT mlops.rename_run(%L, %L)', :'r5', '')) AS empty_name;
SELECT pg_temp.try(format('SELECT mlops.rename_run(%L, NULL)', :'r5')) AS null_name;
SELECT pg_temp.try(format('SELECT mlops.rename_run(%L, %L)', '00000000-0000-0000-0000-00000000dead', 'x')) AS unknown_run;
SET SESSION AUTHORIZATION regress_mlf_b;
SELECT pg_temp.try(format('SELECT mlops.rename_run(%L, %L)', :'r5', 'hijack')) AS other_writer;
SET SESSION AUTHORIZATION regress_mlf_a;
SELECT pg_temp.state(:'r5') AS unchanged;
-- tags given to start_run name the run too
SELECT mlops.start_run('mlf', 'given', tags => '{"mlflow.runName": "from-tag"}') AS r6 \gset
SELECT name FROM mlops.runs WHERE id = :'r6';
-- an ended run may be renamed (as in MLflow); its tag follows, and only so
SELECT mlops.end_run(:'r5');
SELECT mlops.rename_run(:'r5', 'final');
SELECT pg_temp.state(:'r5') AS ended_renamed;
SELECT pg_temp.try(format('SELECT mlops.set_tag(%L, %L, %L)', :'r5', 'mlflow.runName', 'other')) AS tag_on_ended;
SELECT pg_temp.state(:'r5') AS unchanged;
RESET SESSION AUTHORIZATION;
