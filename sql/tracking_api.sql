-- Tracking API (API.md -> Tracking): every function, the rules for function
-- and plain-SQL writers alike, and every bad input with SQLSTATE + message.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS mlops CASCADE;  -- a fresh install: no rows from other test files
CREATE EXTENSION mlops;
RESET client_min_messages;
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
CREATE FUNCTION pg_temp.counts() RETURNS text LANGUAGE sql AS $$
SELECT format('experiments=%s runs=%s params=%s tags=%s metrics=%s latest=%s artifacts=%s inputs=%s',
    (SELECT count(*) FROM mlops.experiments), (SELECT count(*) FROM mlops.runs),
    (SELECT count(*) FROM mlops.params), (SELECT count(*) FROM mlops.tags),
    (SELECT count(*) FROM mlops.metrics), (SELECT count(*) FROM mlops.latest_metrics),
    (SELECT count(*) FROM mlops.artifacts), (SELECT count(*) FROM mlops.run_inputs)) $$;

-- experiments: unique names, limits, created_by = session_user
SELECT mlops.create_experiment('iris', '{"owner":"ds"}') AS iris \gset
SELECT id = :iris AS returns_id, tags FROM mlops.experiments WHERE name = 'iris';
SELECT pg_temp.try($$SELECT mlops.create_experiment('iris')$$);
SELECT pg_temp.try($$SELECT mlops.create_experiment('')$$);
SELECT pg_temp.try($$SELECT mlops.create_experiment(NULL)$$);
SELECT pg_temp.try($$SELECT mlops.create_experiment(repeat('e', 501))$$);
SELECT pg_temp.try($$SELECT mlops.create_experiment('x', '[1]')$$);
SELECT pg_temp.try($$INSERT INTO mlops.experiments (name) VALUES ('iris')$$);
INSERT INTO mlops.experiments (name, created_by) VALUES ('orm', 'mallory');
SELECT name, created_by = session_user AS created_by_is_session_user, tags FROM mlops.experiments ORDER BY id;
SELECT pg_temp.counts();

-- start_run: creates the experiment if missing, RUNNING, params and tags, nesting
SELECT mlops.start_run('mnist', 'parent', '{"lr": 0.1, "layers": [64, 32], "opt": "adam"}',
                       '{"team": "vision", "git": "abc123"}') AS parent \gset
SELECT mlops.start_run('mnist', 'child', parent_run => :'parent') AS child \gset
SELECT e.name AS experiment, r.name, r.status, r.end_time IS NULL AS open,
       r.created_by = session_user AS by_session_user, r.parent_run_id = :'parent' AS nested
  FROM mlops.runs r JOIN mlops.experiments e ON e.id = r.experiment_id ORDER BY r.start_time, r.name;
SELECT key, value FROM mlops.params WHERE run_id = :'parent' ORDER BY key;
SELECT key, value FROM mlops.tags WHERE run_id = :'parent' ORDER BY key;
SELECT pg_temp.try($$SELECT mlops.start_run('mnist', parent_run => '00000000-0000-0000-0000-000000000009')$$);
SELECT pg_temp.try($$SELECT mlops.start_run('mnist', repeat('n', 251))$$);
SELECT pg_temp.try($$SELECT mlops.start_run('mnist', 'x', '"lr"')$$);
SELECT pg_temp.try($$SELECT mlops.start_run('mnist', 'x', '{"a": null}')$$);
SELECT pg_temp.try($$SELECT mlops.start_run(NULL)$$);
-- runs by name within an experiment (the newest when names repeat)
SELECT mlops.get_run('mnist', 'child') = :'child' AS found_by_name;
SELECT pg_temp.try($$SELECT mlops.get_run('mnist', 'nope')$$);
SELECT pg_temp.try($$SELECT mlops.get_run('nope', 'child')$$);
SELECT count(*) AS named_parent FROM mlops.runs_named('mnist', 'parent');
SELECT pg_temp.counts();

-- a run with a fixed id, inserted the way an ORM would (created_by defaults
-- to session_user; a client's created_by must name a role)
SELECT pg_temp.try($$INSERT INTO mlops.runs (id, experiment_id, name, created_by)
VALUES ('11111111-1111-1111-1111-111111111111', (SELECT id FROM mlops.experiments WHERE name = 'iris'), 'fixed', 'mallory')$$);
INSERT INTO mlops.runs (id, experiment_id, name)
VALUES ('11111111-1111-1111-1111-111111111111', (SELECT id FROM mlops.experiments WHERE name = 'iris'), 'fixed');
SELECT status, created_by = session_user AS by_session_user FROM mlops.runs WHERE name = 'fixed';
\set r '11111111-1111-1111-1111-111111111111'

-- params: immutable; the same value again is fine
SELECT mlops.log_param(:'r', 'lr', '0.01');
SELECT mlops.log_param(:'r', 'lr', '0.01');
SELECT pg_temp.try($$SELECT mlops.log_param('11111111-1111-1111-1111-111111111111', 'lr', '0.02')$$);
SELECT pg_temp.try($$SELECT mlops.log_param('11111111-1111-1111-1111-111111111111', NULL, '1')$$);
SELECT pg_temp.try($$SELECT mlops.log_param('11111111-1111-1111-1111-111111111111', '', '1')$$);
SELECT pg_temp.try($$SELECT mlops.log_param('11111111-1111-1111-1111-111111111111', repeat('k', 251), '1')$$);
SELECT pg_temp.try($$SELECT mlops.log_param('11111111-1111-1111-1111-111111111111', 'big', repeat('v', 8001))$$);
SELECT pg_temp.try($$SELECT mlops.log_param('11111111-1111-1111-1111-111111111111', 'nothing', NULL)$$);
SELECT pg_temp.try($$SELECT mlops.log_param(NULL, 'k', 'v')$$);
SELECT pg_temp.try($$SELECT mlops.log_param('00000000-0000-0000-0000-000000000009', 'k', 'v')$$);
-- the limits themselves are allowed: a 250-character key, an 8000-character value
SELECT mlops.log_param(:'r', repeat('k', 250), repeat('v', 8000));
SELECT mlops.log_params(:'r', '{"batch": 32, "dropout": 0.5, "lr": "0.01"}') AS given;
-- all or nothing: a conflict on "lr" leaves "momentum" unwritten
SELECT pg_temp.try($$SELECT mlops.log_params('11111111-1111-1111-1111-111111111111', '{"momentum": 0.9, "lr": "0.5"}')$$);
SELECT pg_temp.try($$SELECT mlops.log_params('11111111-1111-1111-1111-111111111111', '[1, 2]')$$);
SELECT pg_temp.try($$SELECT mlops.log_params('11111111-1111-1111-1111-111111111111', NULL)$$);
SELECT key, left(value, 10) AS value FROM mlops.params WHERE run_id = :'r' ORDER BY key;
-- the same rules for plain SQL (where the same value again is a unique violation)
SELECT pg_temp.try($$INSERT INTO mlops.params (run_id, key, value) VALUES ('11111111-1111-1111-1111-111111111111', 'lr', '0.3')$$);
SELECT pg_temp.try($$UPDATE mlops.params SET value = '0.3' WHERE key = 'lr' AND run_id = '11111111-1111-1111-1111-111111111111'$$);
SELECT pg_temp.try($$UPDATE mlops.params SET key = 'lr2' WHERE key = 'lr' AND run_id = '11111111-1111-1111-1111-111111111111'$$);
SELECT pg_temp.try($$INSERT INTO mlops.params (run_id, key, value) VALUES ('11111111-1111-1111-1111-111111111111', 'lr', '0.01')$$);
SELECT pg_temp.try($$INSERT INTO mlops.params (run_id, key, value) VALUES ('11111111-1111-1111-1111-111111111111', repeat('k', 300), '1')$$);
SELECT pg_temp.counts();

-- metrics: NaN and +-Infinity stored exactly; latest = highest step, then latest ts
SELECT mlops.log_metric(:'r', 'loss', 0.9, 1);
SELECT mlops.log_metric(:'r', 'loss', 0.5, 3);
SELECT mlops.log_metric(:'r', 'loss', 0.7, 2);
SELECT mlops.run_metric(:'r', 'loss') AS latest_loss_step3;
SELECT mlops.log_metric(:'r', 'loss', 0.4, 3, now() - interval '1 hour');
SELECT mlops.run_metric(:'r', 'loss') AS older_ts_same_step_does_not_win;
SELECT mlops.log_metric(:'r', 'loss', 0.45, 3, now() + interval '1 hour');
SELECT mlops.run_metric(:'r', 'loss') AS later_ts_same_step_wins;
SELECT mlops.log_metric(:'r', 'nan', 'NaN');
SELECT mlops.log_metric(:'r', 'pinf', 'Infinity');
SELECT mlops.log_metric(:'r', 'ninf', '-Infinity');
SELECT key, value::text FROM mlops.metrics WHERE run_id = :'r' AND key IN ('nan', 'pinf', 'ninf') ORDER BY key;
SELECT key, step, value::text FROM mlops.latest_metrics WHERE run_id = :'r' ORDER BY key;
SELECT mlops.run_metric(:'r', 'nope') IS NULL AS unknown_metric_is_null;
SELECT pg_temp.try($$SELECT mlops.log_metric('11111111-1111-1111-1111-111111111111', 'loss', NULL)$$);
SELECT pg_temp.try($$SELECT mlops.log_metric('11111111-1111-1111-1111-111111111111', NULL, 1)$$);
SELECT pg_temp.try($$SELECT mlops.log_metric('11111111-1111-1111-1111-111111111111', '', 1)$$);
SELECT pg_temp.try($$SELECT mlops.log_metric('11111111-1111-1111-1111-111111111111', repeat('m', 251), 1)$$);
SELECT pg_temp.try($$SELECT mlops.log_metric('11111111-1111-1111-1111-111111111111', 'loss', 1, NULL)$$);
SELECT pg_temp.try($$SELECT mlops.log_metric('00000000-0000-0000-0000-000000000009', 'loss', 1)$$);
SELECT pg_temp.try($$SELECT mlops.log_metric(NULL, 'loss', 1)$$);
SELECT mlops.log_metric(:'r', repeat('m', 250), 1);
SELECT pg_temp.counts();

-- log_metrics (jsonb): one step, numbers or "NaN"/"Infinity"/"-Infinity"
SELECT mlops.log_metrics(:'r', '{"acc": 0.91, "f1": 0.88, "auc": "NaN"}', 5) AS logged;
SELECT key, step, value::text FROM mlops.latest_metrics WHERE run_id = :'r' AND key IN ('acc', 'f1', 'auc') ORDER BY key;
SELECT mlops.log_metrics(:'r', '{}') AS empty_object;
SELECT pg_temp.try($$SELECT mlops.log_metrics('11111111-1111-1111-1111-111111111111', '{"acc": 0.9, "note": "good"}'::jsonb)$$);
SELECT pg_temp.try($$SELECT mlops.log_metrics('11111111-1111-1111-1111-111111111111', '{"acc": 0.9, "x": {"y": 1}}'::jsonb)$$);
SELECT pg_temp.try($$SELECT mlops.log_metrics('11111111-1111-1111-1111-111111111111', '{"acc": null}'::jsonb)$$);
SELECT pg_temp.try($$SELECT mlops.log_metrics('11111111-1111-1111-1111-111111111111', '{"acc": true}'::jsonb)$$);
SELECT pg_temp.try($$SELECT mlops.log_metrics('11111111-1111-1111-1111-111111111111', '[0.9]'::jsonb)$$);
SELECT pg_temp.try($$SELECT mlops.log_metrics('11111111-1111-1111-1111-111111111111', '0.9'::jsonb)$$);
SELECT pg_temp.try($$SELECT mlops.log_metrics('11111111-1111-1111-1111-111111111111', '{"": 1}'::jsonb)$$);
SELECT pg_temp.try($$SELECT mlops.log_metrics('11111111-1111-1111-1111-111111111111', NULL::jsonb)$$);
SELECT pg_temp.counts();

-- log_metrics (arrays): one statement, all or nothing, steps default to 0
SELECT mlops.log_metrics(:'r', ARRAY['epoch_loss', 'epoch_loss', 'epoch_acc'], ARRAY[0.8, 0.6, 0.7], ARRAY[1, 2, 2]::bigint[]) AS logged;
SELECT mlops.log_metrics(:'r', ARRAY['no_step'], ARRAY[1.5]) AS logged_without_steps;
SELECT key, step, value FROM mlops.latest_metrics WHERE run_id = :'r' AND key IN ('epoch_loss', 'epoch_acc', 'no_step') ORDER BY key;
SELECT mlops.log_metrics(:'r', ARRAY[]::text[], ARRAY[]::float8[]) AS empty_batch;
-- 20,000 points in one call: no item cap
SELECT mlops.log_metrics(:'r', array_agg('bulk'::text), array_agg(g::float8), array_agg(g::bigint)) AS bulk
  FROM generate_series(1, 20000) g;
SELECT step, value FROM mlops.latest_metrics WHERE run_id = :'r' AND key = 'bulk';
SELECT pg_temp.try($$SELECT mlops.log_metrics('11111111-1111-1111-1111-111111111111', ARRAY['a', 'b'], ARRAY[1.0])$$);
SELECT pg_temp.try($$SELECT mlops.log_metrics('11111111-1111-1111-1111-111111111111', ARRAY['a', 'b'], ARRAY[1.0, 2.0], ARRAY[1]::bigint[])$$);
SELECT pg_temp.try($$SELECT mlops.log_metrics('11111111-1111-1111-1111-111111111111', ARRAY['a', NULL], ARRAY[1.0, 2.0])$$);
SELECT pg_temp.try($$SELECT mlops.log_metrics('11111111-1111-1111-1111-111111111111', ARRAY['a', ''], ARRAY[1.0, 2.0])$$);
SELECT pg_temp.try($$SELECT mlops.log_metrics('11111111-1111-1111-1111-111111111111', ARRAY['a', 'b'], ARRAY[1.0, NULL])$$);
SELECT pg_temp.try($$SELECT mlops.log_metrics('11111111-1111-1111-1111-111111111111', ARRAY['a', 'b'], ARRAY[1.0, 2.0], ARRAY[1, NULL]::bigint[])$$);
SELECT pg_temp.try($$SELECT mlops.log_metrics('11111111-1111-1111-1111-111111111111', ARRAY[['a'], ['b']], ARRAY[1.0, 2.0])$$);
SELECT pg_temp.try($$SELECT mlops.log_metrics('11111111-1111-1111-1111-111111111111', NULL::text[], ARRAY[1.0])$$);
-- an over-long key at position 5,000 of 10,000: nothing of the batch is written
SELECT pg_temp.try($$SELECT mlops.log_metrics('11111111-1111-1111-1111-111111111111',
    array_agg(CASE WHEN g = 5000 THEN repeat('x', 251) ELSE 'half' END), array_agg(g::float8))
    FROM generate_series(1, 10000) g$$);
SELECT count(*) AS half_written FROM mlops.metrics WHERE key = 'half';
SELECT pg_temp.try($$SELECT mlops.log_metrics('00000000-0000-0000-0000-000000000009', ARRAY['a'], ARRAY[1.0])$$);
SELECT pg_temp.counts();
-- plain SQL into metrics obeys the same rules; metrics are append-only
SELECT pg_temp.try($$INSERT INTO mlops.metrics (run_id, key, value) VALUES ('11111111-1111-1111-1111-111111111111', 'orm', 2.5)$$);
SELECT step, value FROM mlops.latest_metrics WHERE run_id = :'r' AND key = 'orm';
SELECT pg_temp.try($$INSERT INTO mlops.metrics (run_id, key, value) VALUES ('11111111-1111-1111-1111-111111111111', '', 2.5)$$, false);
SELECT pg_temp.try($$INSERT INTO mlops.metrics (run_id, key, value) VALUES ('00000000-0000-0000-0000-000000000009', 'orm', 2.5)$$);
SELECT pg_temp.try($$UPDATE mlops.metrics SET value = 0 WHERE key = 'orm'$$);
-- an administrator deleting points: latest_metrics follows what remains
DELETE FROM mlops.metrics WHERE run_id = :'r' AND key = 'loss' AND step = 3;
SELECT step, value FROM mlops.latest_metrics WHERE run_id = :'r' AND key = 'loss';

-- tags may be overwritten while the run is open
SELECT mlops.set_tag(:'r', 'stage', 'draft');
SELECT mlops.set_tag(:'r', 'stage', 'reviewed');
SELECT value FROM mlops.tags WHERE run_id = :'r' AND key = 'stage';
SELECT pg_temp.try($$SELECT mlops.set_tag('11111111-1111-1111-1111-111111111111', '', 'x')$$);
SELECT pg_temp.try($$SELECT mlops.set_tag('11111111-1111-1111-1111-111111111111', 'k', repeat('v', 8001))$$);
SELECT pg_temp.try($$SELECT mlops.set_tag('11111111-1111-1111-1111-111111111111', 'k', NULL)$$);
SELECT pg_temp.try($$INSERT INTO mlops.tags (run_id, key, value) VALUES ('11111111-1111-1111-1111-111111111111', repeat('t', 251), 'x')$$);

-- artifacts: references, immutable per path
SELECT mlops.log_artifact(:'r', 'model.pkl', 's3://bucket/model.pkl', repeat('ab', 32), 1024) AS artifact \gset
SELECT mlops.log_artifact(:'r', 'model.pkl', 's3://bucket/model.pkl', repeat('AB', 32), 1024) = :artifact AS same_again_same_id;
SELECT pg_temp.try($$SELECT mlops.log_artifact('11111111-1111-1111-1111-111111111111', 'model.pkl', 's3://other/model.pkl')$$);
SELECT pg_temp.try($$SELECT mlops.log_artifact('11111111-1111-1111-1111-111111111111', 'x', 's3://x', 'not-hex')$$);
SELECT pg_temp.try($$SELECT mlops.log_artifact('11111111-1111-1111-1111-111111111111', 'x', 's3://x', NULL, -1)$$);
SELECT pg_temp.try($$SELECT mlops.log_artifact('11111111-1111-1111-1111-111111111111', '', 's3://x')$$);
SELECT pg_temp.try($$SELECT mlops.log_artifact('11111111-1111-1111-1111-111111111111', 'x', NULL)$$);
SELECT path, uri, sha256 = repeat('ab', 32) AS sha_lowercased, size_bytes, created_by = session_user AS by_session_user
  FROM mlops.artifacts WHERE run_id = :'r';

-- inputs: dataset name + version (idempotent) of versions that exist
SELECT count(mlops.register_dataset_version('iris', 's3://data/iris/' || v)) AS registered FROM generate_series(1, 4) v;
SELECT mlops.log_input(:'r', 'iris', 3);
SELECT mlops.log_input(:'r', 'iris', 3);
SELECT mlops.log_input(:'r', 'iris', 4, 'evaluation');
SELECT pg_temp.try($$SELECT mlops.log_input('11111111-1111-1111-1111-111111111111', 'iris', 0)$$);
SELECT pg_temp.try($$SELECT mlops.log_input('11111111-1111-1111-1111-111111111111', NULL, 1)$$);
SELECT pg_temp.try($$SELECT mlops.log_input('11111111-1111-1111-1111-111111111111', 'iris', 1, '')$$);
SELECT dataset, version, context FROM mlops.run_inputs WHERE run_id = :'r' ORDER BY version;
-- NULL runs and other NULL arguments
SELECT pg_temp.try($$SELECT mlops.log_input(NULL, 'iris', 1)$$);
SELECT pg_temp.try($$SELECT mlops.log_input('11111111-1111-1111-1111-111111111111', 'iris', NULL)$$);
SELECT pg_temp.try($$SELECT mlops.set_tag(NULL, 'k', 'v')$$);
SELECT pg_temp.try($$SELECT mlops.log_artifact(NULL, 'x', 's3://x')$$);
SELECT pg_temp.try($$SELECT mlops.log_metrics(NULL, '{"a": 1}'::jsonb)$$);
SELECT pg_temp.try($$SELECT mlops.log_metrics('11111111-1111-1111-1111-111111111111', '{"a": 1}'::jsonb, NULL)$$);
SELECT pg_temp.try($$SELECT mlops.log_metrics(NULL, ARRAY['a'], ARRAY[1.0])$$);
SELECT pg_temp.try($$SELECT mlops.log_metric('11111111-1111-1111-1111-111111111111', 'a', 1, 0, NULL)$$);
SELECT pg_temp.try($$SELECT mlops.end_run(NULL)$$);
SELECT pg_temp.try($$SELECT mlops.end_run('11111111-1111-1111-1111-111111111111', NULL)$$);
SELECT pg_temp.try($$SELECT mlops.get_run(NULL, 'x')$$);
SELECT pg_temp.try($$SELECT * FROM mlops.runs_named('nope', 'x')$$);
SELECT pg_temp.counts();

-- end_run: validated status, end_time set, nothing logged afterwards
SELECT pg_temp.try($$SELECT mlops.end_run('11111111-1111-1111-1111-111111111111', 'DONE')$$);
SELECT pg_temp.try($$SELECT mlops.end_run('11111111-1111-1111-1111-111111111111', 'RUNNING')$$);
SELECT pg_temp.try($$SELECT mlops.end_run('00000000-0000-0000-0000-000000000009')$$);
SELECT mlops.end_run(:'r');
SELECT status, end_time IS NOT NULL AND end_time >= start_time AS end_time_set FROM mlops.runs WHERE id = :'r';
SELECT mlops.end_run(:'r', 'FINISHED') AS same_status_again_is_fine;
SELECT pg_temp.try($$SELECT mlops.end_run('11111111-1111-1111-1111-111111111111', 'FAILED')$$);
SELECT pg_temp.try($$SELECT mlops.log_metric('11111111-1111-1111-1111-111111111111', 'loss', 0.1, 9)$$);
SELECT pg_temp.try($$SELECT mlops.log_metrics('11111111-1111-1111-1111-111111111111', '{"loss": 0.1}'::jsonb)$$);
SELECT pg_temp.try($$SELECT mlops.log_metrics('11111111-1111-1111-1111-111111111111', ARRAY['loss'], ARRAY[0.1])$$);
SELECT pg_temp.try($$SELECT mlops.log_param('11111111-1111-1111-1111-111111111111', 'new', '1')$$);
SELECT pg_temp.try($$SELECT mlops.set_tag('11111111-1111-1111-1111-111111111111', 'stage', 'final')$$);
SELECT pg_temp.try($$SELECT mlops.log_artifact('11111111-1111-1111-1111-111111111111', 'late.txt', 's3://late')$$);
SELECT pg_temp.try($$SELECT mlops.log_input('11111111-1111-1111-1111-111111111111', 'iris', 9)$$);
-- and through plain SQL
SELECT pg_temp.try($$INSERT INTO mlops.metrics (run_id, key, value) VALUES ('11111111-1111-1111-1111-111111111111', 'loss', 0)$$);
SELECT pg_temp.try($$INSERT INTO mlops.params (run_id, key, value) VALUES ('11111111-1111-1111-1111-111111111111', 'new', '1')$$);
SELECT pg_temp.try($$UPDATE mlops.tags SET value = 'final' WHERE run_id = '11111111-1111-1111-1111-111111111111'$$);
SELECT pg_temp.try($$DELETE FROM mlops.tags WHERE run_id = '11111111-1111-1111-1111-111111111111'$$);
SELECT pg_temp.try($$UPDATE mlops.runs SET status = 'RUNNING', end_time = NULL WHERE id = '11111111-1111-1111-1111-111111111111'$$);
SELECT pg_temp.try($$UPDATE mlops.runs SET name = 'fixed-renamed' WHERE id = '11111111-1111-1111-1111-111111111111'$$);
SELECT pg_temp.counts();

-- run status rules for plain SQL
INSERT INTO mlops.runs (id, experiment_id, name)
VALUES ('22222222-2222-2222-2222-222222222222', (SELECT id FROM mlops.experiments WHERE name = 'iris'), 'orm-run');
SELECT pg_temp.try($$UPDATE mlops.runs SET status = 'DONE' WHERE name = 'orm-run'$$);
SELECT pg_temp.try($$INSERT INTO mlops.runs (experiment_id, status) VALUES ((SELECT id FROM mlops.experiments WHERE name = 'iris'), 'done')$$);
SELECT pg_temp.try($$UPDATE mlops.runs SET end_time = now() WHERE name = 'orm-run'$$);
SELECT pg_temp.try($$UPDATE mlops.runs SET status = 'FINISHED', end_time = start_time - interval '1 day' WHERE name = 'orm-run'$$, false);
SELECT pg_temp.try($$UPDATE mlops.runs SET parent_run_id = id WHERE name = 'orm-run'$$);
SELECT pg_temp.try($$UPDATE mlops.runs SET experiment_id = (SELECT id FROM mlops.experiments WHERE name = 'mnist') WHERE name = 'orm-run'$$);
SELECT pg_temp.try($$UPDATE mlops.runs SET created_by = 'mallory' WHERE name = 'orm-run'$$);
SELECT status, end_time IS NULL AS still_open, created_by = session_user AS created_by_unchanged FROM mlops.runs WHERE name = 'orm-run';
SELECT mlops.log_metric('22222222-2222-2222-2222-222222222222', 'm', 1), mlops.set_tag('22222222-2222-2222-2222-222222222222', 't', 'v'),
       mlops.log_param('22222222-2222-2222-2222-222222222222', 'p', 'v');
SELECT pg_temp.counts();
UPDATE mlops.runs SET status = 'KILLED' WHERE name = 'orm-run';
SELECT status, end_time IS NOT NULL AS end_time_set FROM mlops.runs WHERE name = 'orm-run';
SELECT pg_temp.try($$INSERT INTO mlops.runs (experiment_id, name, status) VALUES ((SELECT id FROM mlops.experiments WHERE name = 'iris'), 'imported', 'FINISHED')$$);
SELECT status, end_time IS NOT NULL AS end_time_set FROM mlops.runs WHERE name = 'imported';
-- deleting a run (an administrator) takes its params, metrics and tags with it
DELETE FROM mlops.runs WHERE name = 'orm-run';
SELECT pg_temp.counts();

-- BI views
SELECT experiment, run_name, status, user_name = session_user AS by_session_user, params - repeat('k', 250) AS params, metrics - 'bulk' - repeat('m', 250) AS metrics, tags
  FROM mlops.run_summary WHERE run_name IN ('fixed-renamed', 'parent') ORDER BY run_name;
SELECT experiment, run_name, key, step, value FROM mlops.metric_history
 WHERE run_id = :'r' AND key = 'epoch_loss' ORDER BY step;
