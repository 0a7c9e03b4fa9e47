-- Metric, param and tag keys refuse control characters (22023, the key named
-- JSON-escaped), through the functions and through plain INSERTs; before the
-- fix each of these was stored.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS mlops;
RESET client_min_messages;
\set SHOW_CONTEXT never
\set VERBOSITY default
SELECT mlops.create_experiment('keys') > 0 AS created;
\set r '00000000-0000-0000-0000-0000000000c1'
INSERT INTO mlops.runs (id, experiment_id, name)
SELECT :'r', e.id, 'keys' FROM mlops.experiments e WHERE e.name = 'keys';
SELECT mlops.log_metric(:'r', E'loss\nval', 1);
SELECT mlops.log_metrics(:'r', ARRAY['ok', E'tab\there'], ARRAY[1, 2]::float8[]);
SELECT mlops.log_metrics(:'r', jsonb_build_object(E'bell\u0007', 1));
SELECT mlops.log_param(:'r', E'lr\r', '0.1');
SELECT mlops.log_params(:'r', jsonb_build_object(E'unit\u001f', 'x'));
SELECT mlops.set_tag(:'r', E'\u001bteam', 'x');
INSERT INTO mlops.metrics (run_id, key, value) VALUES (:'r', E'a\nb', 1);
INSERT INTO mlops.params (run_id, key, value) VALUES (:'r', E'a\nb', '1');
INSERT INTO mlops.tags (run_id, key, value) VALUES (:'r', E'a\nb', '1');
SELECT mlops.start_run('keys', 'b', jsonb_build_object(E'p\n', '1'));
-- printable keys, spaces and non-ASCII letters stay fine; values may hold newlines
SELECT mlops.log_metric(:'r', 'val loss é', 1), mlops.log_param(:'r', 'lr', E'0.1\n'),
       mlops.set_tag(:'r', 'note', E'two\nlines');
SELECT (SELECT count(*) FROM mlops.metrics WHERE run_id = :'r') AS metrics,
       (SELECT count(*) FROM mlops.params WHERE run_id = :'r') AS params,
       (SELECT count(*) FROM mlops.tags WHERE run_id = :'r') AS tags;
