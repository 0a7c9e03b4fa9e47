-- search_runs returns mlops.runs rows by column name: after an administrator
-- adds and drops columns of mlops.runs (a dropped column keeps its slot in
-- the row type), every column of every run still holds its own value.
-- The schema changes are rolled back at the end.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS mlops;
RESET client_min_messages;
\set SHOW_CONTEXT never
\set VERBOSITY default
SELECT mlops.create_experiment('columns') > 0 AS created;
INSERT INTO mlops.runs (id, experiment_id, name, status, start_time, end_time, parent_run_id)
SELECT ('c01c0000-0000-0000-0000-00000000000' || i)::uuid, e.id, 'run' || i,
       CASE WHEN i = 1 THEN 'FINISHED' ELSE 'RUNNING' END,
       timestamptz '2026-01-01 00:00:00+00' + i * interval '1 hour',
       CASE WHEN i = 1 THEN timestamptz '2026-01-01 01:30:00+00' END,
       CASE WHEN i = 2 THEN 'c01c0000-0000-0000-0000-000000000001'::uuid END
  FROM mlops.experiments e, generate_series(1, 3) i WHERE e.name = 'columns';
SELECT mlops.log_params('c01c0000-0000-0000-0000-000000000002', '{"lr": "0.1"}');
-- whether a search returns exactly the rows of mlops.runs, column by column
CREATE FUNCTION pg_temp.same(filter text) RETURNS boolean LANGUAGE sql AS $$
SELECT (SELECT array_agg(s ORDER BY s.name) FROM mlops.search_runs('columns', filter) s)
     = (SELECT array_agg(r ORDER BY r.name) FROM mlops.runs r
          JOIN mlops.experiments e ON e.id = r.experiment_id
         WHERE e.name = 'columns' AND (filter = '' OR r.name = 'run2')) $$;

SELECT pg_temp.same('') AS before_any_change, pg_temp.same('params.lr = ''0.1''') AS filtered;
BEGIN;
-- a column added and dropped again
ALTER TABLE mlops.runs ADD COLUMN x integer;
ALTER TABLE mlops.runs DROP COLUMN x;
SELECT pg_temp.same('') AS after_add_drop, pg_temp.same('params.lr = ''0.1''') AS filtered;
SELECT name, status, end_time, parent_run_id FROM mlops.search_runs('columns', '', 'name');
-- a dropped column before a live one: the live column keeps its values
ALTER TABLE mlops.runs ADD COLUMN y integer, ADD COLUMN note text;
ALTER TABLE mlops.runs DROP COLUMN y;
UPDATE mlops.runs SET note = 'note of ' || name
 WHERE experiment_id = (SELECT id FROM mlops.experiments WHERE name = 'columns');
SELECT pg_temp.same('') AS after_drop_before_live, pg_temp.same('params.lr = ''0.1''') AS filtered;
SELECT name, status, parent_run_id, note FROM mlops.search_runs('columns', '', 'name');
SELECT name, note FROM mlops.search_runs('columns', 'attributes.status = ''FINISHED''');
-- an added column dropped again: back to the original columns
ALTER TABLE mlops.runs DROP COLUMN note;
SELECT pg_temp.same('') AS after_dropping_it, pg_temp.same('params.lr = ''0.1''') AS filtered;
SELECT name, status, end_time, created_by = current_user AS by_me, parent_run_id
  FROM mlops.search_runs('columns', '', 'name DESC');
ROLLBACK;
SELECT pg_temp.same('') AS after_rollback;
