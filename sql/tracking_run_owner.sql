-- Only a run's creator writes to it (API.md -> Tracking): the role in
-- runs.created_by, a member of that role (a team role), or a member of
-- mlops_admin; checked against session_user (what created_by records)
-- through the functions and plain INSERT/UPDATE/DELETE alike, 42501 naming
-- the run and the role.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS mlops;
RESET client_min_messages;
SELECT mlops.create_roles();
\set SHOW_CONTEXT never
-- try(sql): run a statement, show "ok" or SQLSTATE: message (detail)
CREATE FUNCTION pg_temp.try(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; msg text; det text;
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
    RETURN st || ': ' || msg || CASE WHEN det <> '' THEN ' (' || det || ')' ELSE '' END;
END $$;
-- everything a run holds, to show that a refused write left nothing behind
CREATE FUNCTION pg_temp.state(r uuid) RETURNS text LANGUAGE sql AS $$
SELECT format('name=%s status=%s by=%s parent=%s params=%s tags=%s metrics=%s latest=%s artifacts=%s inputs=%s',
    ru.name, ru.status, ru.created_by, ru.parent_run_id IS NOT NULL,
    (SELECT string_agg(key || '=' || value, ',' ORDER BY key) FROM mlops.params WHERE run_id = r),
    (SELECT string_agg(key || '=' || value, ',' ORDER BY key) FROM mlops.tags WHERE run_id = r),
    (SELECT count(*) FROM mlops.metrics WHERE run_id = r),
    (SELECT string_agg(key || '=' || value, ',' ORDER BY key) FROM mlops.latest_metrics WHERE run_id = r),
    (SELECT count(*) FROM mlops.artifacts WHERE run_id = r),
    (SELECT count(*) FROM mlops.run_inputs WHERE run_id = r))
  FROM mlops.runs ru WHERE ru.id = r $$;
CREATE ROLE regress_owner_a LOGIN IN ROLE mlops_writer;
CREATE ROLE regress_owner_b LOGIN IN ROLE mlops_writer;
CREATE ROLE regress_owner_c LOGIN IN ROLE mlops_writer;
CREATE ROLE regress_owner_team NOLOGIN;
GRANT regress_owner_team TO regress_owner_a, regress_owner_c;
CREATE ROLE regress_owner_admin LOGIN IN ROLE mlops_admin;
INSERT INTO mlops.experiments (name) VALUES ('run-owner');

-- the dataset versions runs read below
SELECT count(mlops.register_dataset_version('iris', 's3://data/iris/' || v)) AS registered FROM generate_series(1, 3) v;
-- writer A starts a run and logs into it
\set ra '00000000-0000-4000-8000-00000000a001'
SET SESSION AUTHORIZATION regress_owner_a;
INSERT INTO mlops.runs (id, experiment_id, name)
SELECT :'ra', id, 'a-run' FROM mlops.experiments WHERE name = 'run-owner';
SELECT mlops.log_params(:'ra', '{"lr": 0.1}'), mlops.set_tag(:'ra', 't', 'a');
SELECT mlops.start_run('run-owner', 'a-parent') AS rp \gset
SELECT mlops.log_metric(:'ra', 'loss', 0.5, 1);
SELECT mlops.log_artifact(:'ra', 'model.pkl', 's3://b/model.pkl') > 0 AS artifact;
SELECT mlops.log_input(:'ra', 'iris', 1);
RESET SESSION AUTHORIZATION;
SELECT pg_temp.state(:'ra') AS a_run;

-- writer B is refused everywhere, through the functions ...
SET SESSION AUTHORIZATION regress_owner_b;
SELECT pg_temp.try(format('SELECT mlops.log_metric(%L, %L, 0.1, 2)', :'ra', 'loss')) AS log_metric;
SELECT pg_temp.try(format('SELECT mlops.log_metrics(%L, %L::jsonb, 2)', :'ra', '{"loss": 0.1}')) AS log_metrics_jsonb;
SELECT pg_temp.try(format('SELECT mlops.log_metrics(%L, ARRAY[%L], ARRAY[0.1])', :'ra', 'loss')) AS log_metrics_arrays;
SELECT pg_temp.try(format('SELECT mlops.log_param(%L, %L, %L)', :'ra', 'opt', 'sgd')) AS log_param;
SELECT pg_temp.try(format('SELECT mlops.log_param(%L, %L, %L)', :'ra', 'lr', '0.1')) AS log_param_same_value;
SELECT pg_temp.try(format('SELECT mlops.log_params(%L, %L)', :'ra', '{"opt": "sgd"}')) AS log_params;
SELECT pg_temp.try(format('SELECT mlops.set_tag(%L, %L, %L)', :'ra', 't', 'b')) AS set_tag;
SELECT pg_temp.try(format('SELECT mlops.log_artifact(%L, %L, %L)', :'ra', 'b.pkl', 's3://b/b.pkl')) AS log_artifact;
SELECT pg_temp.try(format('SELECT mlops.log_input(%L, %L, 2)', :'ra', 'iris')) AS log_input;
SELECT pg_temp.try(format('SELECT mlops.end_run(%L)', :'ra')) AS end_run;
SELECT pg_temp.try(format('SELECT mlops.end_run(%L, %L)', :'ra', 'KILLED')) AS end_run_killed;
-- ... and through plain SQL, as an ORM writes
SELECT pg_temp.try(format('INSERT INTO mlops.metrics (run_id, key, value) VALUES (%L, %L, 9)', :'ra', 'loss')) AS insert_metric;
SELECT pg_temp.try(format('INSERT INTO mlops.params (run_id, key, value) VALUES (%L, %L, %L)', :'ra', 'opt', 'sgd')) AS insert_param;
SELECT pg_temp.try(format('INSERT INTO mlops.tags (run_id, key, value) VALUES (%L, %L, %L)', :'ra', 'b', 'x')) AS insert_tag;
SELECT pg_temp.try(format('INSERT INTO mlops.artifacts (run_id, path, uri) VALUES (%L, %L, %L)', :'ra', 'c', 's3://c')) AS insert_artifact;
SELECT pg_temp.try(format('INSERT INTO mlops.run_inputs (run_id, dataset, version) VALUES (%L, %L, 3)', :'ra', 'iris')) AS insert_input;
SELECT pg_temp.try(format('UPDATE mlops.tags SET value = %L WHERE run_id = %L', 'b', :'ra')) AS update_tag;
SELECT pg_temp.try(format('DELETE FROM mlops.tags WHERE run_id = %L', :'ra')) AS delete_tag;
SELECT pg_temp.try(format('UPDATE mlops.runs SET name = %L WHERE id = %L', 'b-took-it', :'ra')) AS rename_run;
SELECT pg_temp.try(format('UPDATE mlops.runs SET parent_run_id = %L WHERE id = %L', :'rp', :'ra')) AS reparent_run;
SELECT pg_temp.try(format('UPDATE mlops.runs SET status = %L WHERE id = %L', 'FINISHED', :'ra')) AS end_by_update;
SELECT pg_temp.try(format('UPDATE mlops.runs SET created_by = session_user WHERE id = %L', :'ra')) AS take_over;
-- B may not create a run in A's name, nor in the name of a team it is not in
SELECT pg_temp.try($$INSERT INTO mlops.runs (id, experiment_id, name, created_by)
    SELECT '00000000-0000-4000-8000-00000000b001', id, 'forged', 'regress_owner_a' FROM mlops.experiments WHERE name = 'run-owner'$$) AS insert_run_as_a;
SELECT pg_temp.try($$INSERT INTO mlops.runs (id, experiment_id, name, created_by)
    SELECT '00000000-0000-4000-8000-00000000b001', id, 'forged', 'regress_owner_team' FROM mlops.experiments WHERE name = 'run-owner'$$) AS insert_run_as_team;
SELECT pg_temp.try($$INSERT INTO mlops.runs (id, experiment_id, name, created_by)
    SELECT '00000000-0000-4000-8000-00000000b001', id, 'forged', 'regress_owner_nobody' FROM mlops.experiments WHERE name = 'run-owner'$$) AS insert_run_as_no_role;
-- SET ROLE does not make B another writer: the check is on session_user
SET ROLE mlops_writer;
SELECT pg_temp.try(format('SELECT mlops.log_metric(%L, %L, 0.1, 2)', :'ra', 'loss')) AS log_metric_under_set_role;
RESET ROLE;
-- B's own run, as a child of A's run, is B's to write
SELECT mlops.start_run('run-owner', 'b-child', parent_run => :'ra') AS rb \gset
SELECT mlops.log_metric(:'rb', 'loss', 0.3);
SELECT mlops.end_run(:'rb');
RESET SESSION AUTHORIZATION;
-- nothing was written
SELECT pg_temp.state(:'ra') AS a_run;
SELECT count(*) AS forged_runs FROM mlops.runs WHERE id = '00000000-0000-4000-8000-00000000b001';
SELECT created_by FROM mlops.runs WHERE id = :'rb';

-- log_metric's SQL path (taken while mlops.metrics has another statement
-- trigger) and log_metrics check the same
CREATE FUNCTION public.regress_owner_noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
CREATE TRIGGER regress_owner_noop AFTER INSERT ON mlops.metrics FOR EACH STATEMENT EXECUTE FUNCTION public.regress_owner_noop();
SET SESSION AUTHORIZATION regress_owner_b;
SELECT pg_temp.try(format('SELECT mlops.log_metric(%L, %L, 0.1, 2)', :'ra', 'loss')) AS log_metric_sql_path;
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_owner_a;
SELECT mlops.log_metric(:'ra', 'loss', 0.4, 2);
RESET SESSION AUTHORIZATION;
DROP TRIGGER regress_owner_noop ON mlops.metrics;
DROP FUNCTION public.regress_owner_noop();

-- A, also under SET ROLE, still writes its run
SET SESSION AUTHORIZATION regress_owner_a;
SET ROLE mlops_writer;
SELECT mlops.log_metric(:'ra', 'loss', 0.35, 3);
SELECT mlops.set_tag(:'ra', 't', 'a2');
RESET ROLE;
-- A hands the run to its team (a role A is a member of) ...
UPDATE mlops.runs SET created_by = 'regress_owner_team' WHERE id = :'ra';
-- ... and starts a team run directly; a role it is not in stays refused
INSERT INTO mlops.runs (id, experiment_id, name, created_by)
SELECT '00000000-0000-4000-8000-00000000a002', id, 'team-run', 'regress_owner_team' FROM mlops.experiments WHERE name = 'run-owner';
SELECT pg_temp.try($$UPDATE mlops.runs SET created_by = 'regress_owner_b' WHERE id = '00000000-0000-4000-8000-00000000a002'$$) AS hand_to_b;
RESET SESSION AUTHORIZATION;
-- C, a member of the team, writes to both team runs; B is still refused
SET SESSION AUTHORIZATION regress_owner_c;
SELECT mlops.log_metric(:'ra', 'loss', 0.3, 4);
SELECT mlops.log_param(:'ra', 'opt', 'adam');
INSERT INTO mlops.tags (run_id, key, value) VALUES (:'ra', 'by', 'c');
SELECT mlops.log_metrics('00000000-0000-4000-8000-00000000a002', '{"acc": 0.9}');
SELECT mlops.end_run('00000000-0000-4000-8000-00000000a002');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_owner_b;
SELECT pg_temp.try(format('SELECT mlops.set_tag(%L, %L, %L)', :'ra', 't', 'b')) AS set_tag_team_run;
RESET SESSION AUTHORIZATION;
SELECT pg_temp.state(:'ra') AS team_run;

-- an admin writes to any run and may create a run for any role
SET SESSION AUTHORIZATION regress_owner_admin;
SELECT mlops.log_metric(:'ra', 'loss', 0.2, 5);
SELECT mlops.set_tag(:'ra', 'reviewed', 'yes');
UPDATE mlops.runs SET name = 'a-run-reviewed' WHERE id = :'ra';
DELETE FROM mlops.tags WHERE run_id = :'ra' AND key = 'by';
SELECT mlops.end_run(:'ra');
INSERT INTO mlops.runs (id, experiment_id, name, created_by)
SELECT '00000000-0000-4000-8000-00000000a003', id, 'for-b', 'regress_owner_b' FROM mlops.experiments WHERE name = 'run-owner';
RESET SESSION AUTHORIZATION;
SELECT pg_temp.state(:'ra') AS reviewed_run;
SELECT name, created_by FROM mlops.runs WHERE id = '00000000-0000-4000-8000-00000000a003';

DELETE FROM mlops.runs WHERE experiment_id = (SELECT id FROM mlops.experiments WHERE name = 'run-owner');
DELETE FROM mlops.experiments WHERE name = 'run-owner';
DROP ROLE regress_owner_a, regress_owner_b, regress_owner_c, regress_owner_team, regress_owner_admin;
