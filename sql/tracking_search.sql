-- search_runs (API.md -> Tracking): the MLflow filter grammar parsed in C
-- into a parameterised query; order_by; syntax errors with their position.
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
CREATE FUNCTION pg_temp.s(filter text, order_by text DEFAULT 'name', n int DEFAULT 1000) RETURNS text
LANGUAGE sql AS $$
SELECT coalesce(string_agg(name, ' ' ORDER BY ord), '(none)')
  FROM mlops.search_runs('search', filter, order_by, n) WITH ORDINALITY AS t(id, experiment_id, name, status, start_time, end_time, created_by, parent_run_id, ord) $$;

-- five runs with fixed start times
INSERT INTO mlops.experiments (name) VALUES ('search'), ('other');
INSERT INTO mlops.runs (id, experiment_id, name, start_time)
SELECT ('00000000-0000-0000-0000-00000000000' || i)::uuid, (SELECT id FROM mlops.experiments WHERE name = 'search'),
       'run' || i, timestamptz '2026-01-01 00:00:00+00' + i * interval '1 hour'
  FROM generate_series(1, 5) i;
INSERT INTO mlops.runs (experiment_id, name) SELECT id, 'elsewhere' FROM mlops.experiments WHERE name = 'other';
SELECT mlops.log_params('00000000-0000-0000-0000-000000000001', '{"lr": "0.01", "opt": "adam", "my key": "x"}'),
       mlops.log_params('00000000-0000-0000-0000-000000000002', '{"lr": "0.1",  "opt": "sgd"}'),
       mlops.log_params('00000000-0000-0000-0000-000000000003', '{"lr": "0.01", "opt": "sgd",  "a''b": "it''s"}'),
       mlops.log_params('00000000-0000-0000-0000-000000000004', '{"lr": "0.001", "opt": "Adam"}'),
       mlops.log_params('00000000-0000-0000-0000-000000000005', '{"lr": "0.1"}');
SELECT mlops.log_metrics('00000000-0000-0000-0000-000000000001', '{"acc": 0.95, "loss": 0.10, "val.loss": 0.2}'),
       mlops.log_metrics('00000000-0000-0000-0000-000000000002', '{"acc": 0.80, "loss": 0.50}'),
       mlops.log_metrics('00000000-0000-0000-0000-000000000003', '{"acc": 0.91, "loss": "NaN"}'),
       mlops.log_metrics('00000000-0000-0000-0000-000000000004', '{"acc": 0.70, "loss": 0.90}');
-- a metric filter sees the latest value only
SELECT mlops.log_metric('00000000-0000-0000-0000-000000000004', 'acc', 0.99, 10);
SELECT mlops.set_tag('00000000-0000-0000-0000-000000000001', 'team', 'vision'),
       mlops.set_tag('00000000-0000-0000-0000-000000000002', 'team', 'nlp'),
       mlops.set_tag('00000000-0000-0000-0000-000000000004', 'team', 'vision');
-- end two runs the ORM way, with an explicit end_time
UPDATE mlops.runs SET status = CASE name WHEN 'run1' THEN 'FINISHED' ELSE 'FAILED' END,
                      end_time = start_time + interval '30 minutes'
 WHERE name IN ('run1', 'run2');

-- defaults: every run of the experiment, newest first
SELECT name FROM mlops.search_runs('search');
SELECT (SELECT count(*) FROM mlops.search_runs(NULL)) = (SELECT count(*) FROM mlops.runs) AS null_searches_all_experiments;
-- comparisons
SELECT pg_temp.s('metrics.acc > 0.9');
SELECT pg_temp.s('metrics.acc >= 0.91');
SELECT pg_temp.s('metrics.acc < 0.9');
SELECT pg_temp.s('metrics.acc <= 0.8');
SELECT pg_temp.s('metrics.acc = 0.8');
SELECT pg_temp.s('metrics.acc != 0.8');
SELECT pg_temp.s('metrics.acc <> 0.8');
SELECT pg_temp.s('metrics.loss = NaN');
SELECT pg_temp.s('metrics.loss > -1e3');
SELECT pg_temp.s('metric.acc > .9');
SELECT pg_temp.s('params.lr = ''0.01''');
SELECT pg_temp.s('params.lr != ''0.01''');
SELECT pg_temp.s('params.opt LIKE ''a%''');
SELECT pg_temp.s('params.opt ILIKE ''a%''');
SELECT pg_temp.s('param.opt = "sgd"');
SELECT pg_temp.s('tags.team = ''vision''');
SELECT pg_temp.s('tags.team != ''vision''');
SELECT pg_temp.s('attributes.status = ''FINISHED''');
SELECT pg_temp.s('attributes.status != ''RUNNING''');
SELECT pg_temp.s('attributes.run_name LIKE ''run%'' AND run_name != ''run3''');
SELECT pg_temp.s('attributes.run_id = ''00000000-0000-0000-0000-000000000003''');
SELECT pg_temp.s('attributes.user_id = ''nobody''');
SELECT pg_temp.s('attributes.start_time > ''2026-01-01 02:30:00+00''');
SELECT pg_temp.s('attributes.start_time <= 1767232800000');
SELECT pg_temp.s('attributes.end_time < ''2026-01-01 02:00:00+00''');
-- IN lists
SELECT pg_temp.s('params.opt IN (''sgd'', ''adam'')');
SELECT pg_temp.s('params.opt NOT IN (''sgd'')');
SELECT pg_temp.s('metrics.acc IN (0.8, 0.99)');
SELECT pg_temp.s('attributes.status IN (''FAILED'', ''FINISHED'')');
SELECT pg_temp.s('attributes.run_id IN (''00000000-0000-0000-0000-000000000001'', ''00000000-0000-0000-0000-000000000005'')');
-- AND binds tighter than OR; parentheses; keywords in any case
SELECT pg_temp.s('metrics.acc > 0.9 AND params.lr = ''0.01''');
SELECT pg_temp.s('params.lr = ''0.1'' OR metrics.acc > 0.9 AND tags.team = ''vision''');
SELECT pg_temp.s('(params.lr = ''0.1'' OR metrics.acc > 0.9) AND tags.team = ''vision''');
SELECT pg_temp.s('((params.lr = ''0.1'')) and (metrics.acc < 0.9 or attributes.status = ''RUNNING'')');
-- quoted keys: backquotes or double quotes after the prefix; dotted keys plain
SELECT pg_temp.s('params.`my key` = ''x''');
SELECT pg_temp.s('params."my key" = ''x''');
SELECT pg_temp.s('metrics.val.loss < 1');
SELECT pg_temp.s('metrics.`val.loss` < 1');
SELECT pg_temp.s('params.`a''b` = ''it''''s''');
-- values are bound parameters, never SQL: these are literals that match nothing
SELECT pg_temp.s('params.lr = ''a'''' OR 1=1 --''');
SELECT pg_temp.s('params.lr = ''0.01''''); DROP TABLE mlops.runs; --''');
SELECT pg_temp.s('params.`lr'' OR true --` = ''0.01''');
SELECT count(*) AS runs_still_there FROM mlops.runs r JOIN mlops.experiments e ON e.id = r.experiment_id WHERE e.name = 'search';
-- the generated condition: keys and values appear only as $n
SELECT mlops._search_runs_sql('params.lr = ''a'''' OR 1=1 --'' AND metrics.`x; DROP` IN (1, 2)', 'tags.t DESC');
-- order_by on every kind of field, ASC/DESC, several keys
SELECT pg_temp.s('', 'metrics.acc DESC');
SELECT pg_temp.s('', 'metrics.acc');
SELECT pg_temp.s('', 'params.lr ASC, name DESC');
SELECT pg_temp.s('', 'tags.team, attributes.run_name');
SELECT pg_temp.s('', 'attributes.start_time DESC');
SELECT pg_temp.s('', 'end_time');
SELECT pg_temp.s('', 'status DESC, metrics.`val.loss`');
-- max_results
SELECT pg_temp.s('', 'start_time', 2);
SELECT pg_temp.s('', 'metrics.acc DESC', 1);

-- errors: SQLSTATE, message with position
SELECT pg_temp.try($$SELECT mlops.search_runs('search', 'metrics.acc >')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('search', 'metrics.acc > 0.9 AND')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('search', 'metrics.acc > 0.9 AND (params.lr = ''0.01''')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('search', 'metrics.acc > 0.9)')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('search', 'metrics.acc 0.9')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('search', 'metrics.acc > 0.9 params.lr = ''1''')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('search', 'metrics.acc = ''high''')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('search', 'params.lr = 0.01')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('search', 'params.lr > ''0.01''')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('search', 'metrics.acc LIKE ''0.9%''')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('search', 'params.lr = ''0.01')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('search', 'params.`lr = ''0.01''')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('search', 'params. = ''x''')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('search', 'params.lr IN ''0.01''')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('search', 'params.lr IN (''0.01'' ''0.1'')')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('search', 'params.lr NOT LIKE ''0%''')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('search', 'params.lr = ''x'' ; DROP TABLE mlops.runs')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('search', 'metrics.acc > 1x')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('search', '`lr` = ''1''')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('search', 'attributes.start_time > ''yesterday-ish''')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('search', 'attributes.run_id = ''not-a-uuid''')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('search', 'résumé.x = ''1'' AND')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('search', 'params.ré = ''1'' AND ?')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('search', 'metrics.acc ! 1')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('search', 'attributes.run_id = 5')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('search', 'attributes.start_time > NaN')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('search', 'attributes.start_time > (1)')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('search', 'attributes.status > ''A''')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('search', '()')$$);
-- unknown fields (42703)
SELECT pg_temp.try($$SELECT mlops.search_runs('search', 'foo.bar = ''1''')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('search', 'attributes.colour = ''red''')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('search', 'lr = ''0.01''')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('search', '', 'nonsense')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('search', '', 'foo.acc DESC')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('search', '', 'metrics.acc sideways')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('search', '', 'metrics.acc DESC,')$$);
-- other bad input
SELECT pg_temp.try($$SELECT mlops.search_runs('nope')$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('search', '', 'start_time', 0)$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('search', '', 'start_time', -5)$$);
-- review fix: nesting is capped (positioned 42601) and deep input cannot overflow the stack
SELECT pg_temp.try($$SELECT mlops._search_runs_sql(repeat('(', 65536))$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('search', repeat('(', 65536))$$);
SELECT pg_temp.try($$SELECT mlops.search_runs('search', repeat('(', 101) || 'params.lr = ''0.1''' || repeat(')', 101))$$);
SELECT pg_temp.s(repeat('(', 100) || 'params.lr = ''0.1''' || repeat(')', 100)) AS hundred_levels;
SELECT coalesce(array_to_string(proacl, ',') ~ '(^|,)=X', true) AS public_can_execute
  FROM pg_proc WHERE oid = 'mlops._search_runs_sql(text, text)'::regprocedure;
-- review fix: an OR branch cannot escape the experiment restriction
SELECT pg_temp.s('params.lr = ''0.1'' OR attributes.run_name = ''elsewhere''') AS or_stays_in_experiment;
SELECT name FROM mlops.search_runs('search', 'attributes.run_name = ''nothing'' OR attributes.run_name = ''elsewhere''');
SELECT count(*) AS elsewhere_exists FROM mlops.search_runs('other', 'attributes.run_name = ''nothing'' OR attributes.run_name = ''elsewhere''');
-- review fix: NaN (run3's loss) satisfies no ordered comparison and sorts after every number
SELECT pg_temp.s('metrics.loss > 0.2') AS gt, pg_temp.s('metrics.loss >= 0.5') AS ge,
       pg_temp.s('metrics.loss < 1') AS lt, pg_temp.s('metrics.loss <= 0.1') AS le;
SELECT pg_temp.s('metrics.loss != 0.5') AS ne_keeps_nan, pg_temp.s('metrics.loss = NaN') AS eq_nan;
SELECT pg_temp.s('', 'metrics.loss DESC') AS desc_nan_then_missing_last,
       pg_temp.s('', 'metrics.loss ASC') AS asc_nan_then_missing_last;
