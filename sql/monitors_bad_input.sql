-- Monitors: every bad argument of create_monitor, alter_monitor and
-- drop_monitor (a temporary source included) is refused with its SQLSTATE
-- and a message naming the monitor or object, and nothing is written.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS mlops;
DROP TABLE IF EXISTS mon_bad_preds, mon_bad_texts CASCADE;
DROP SEQUENCE IF EXISTS mon_bad_seq;
DROP ROLE IF EXISTS mon_bad_writer;
RESET client_min_messages;
SELECT mlops.create_roles();
-- try(sql): "ok", or SQLSTATE: message (detail, else hint)
CREATE FUNCTION pg_temp.try(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; msg text; det text; hint text;
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL,
                            hint = PG_EXCEPTION_HINT;
    RETURN st || ': ' || msg || CASE WHEN det <> '' THEN ' (' || det || ')'
                                     WHEN hint <> '' THEN ' (' || hint || ')' ELSE '' END;
END $$;
CREATE FUNCTION pg_temp.written() RETURNS text LANGUAGE sql AS $$
SELECT format('monitors=%s references=%s results=%s',
    (SELECT count(*) FROM mlops.monitors WHERE name LIKE 'bad%'),
    (SELECT count(*) FROM mlops.monitor_references r JOIN mlops.monitors m ON m.id = r.monitor_id WHERE m.name LIKE 'bad%'),
    (SELECT count(*) FROM mlops.drift_results r JOIN mlops.monitors m ON m.id = r.monitor_id WHERE m.name LIKE 'bad%')) $$;

CREATE TABLE mon_bad_preds (ts timestamptz, d date, ts_local timestamp, score float8, n numeric, ok boolean,
                            label text, tsx text);
CREATE TABLE mon_bad_texts (ts timestamptz, label text);
CREATE SEQUENCE mon_bad_seq;
CREATE VIEW mon_bad_view AS SELECT ts, score FROM mon_bad_preds;

-- accepted: the kinds of time and value columns, NULL model, NULL psi threshold
SELECT pg_temp.try($$SELECT mlops.create_monitor('bad_ok1', NULL, 'mon_bad_preds', 'score', 'ts')$$);
SELECT pg_temp.try($$SELECT mlops.create_monitor('bad_ok2', NULL, 'mon_bad_preds', 'n', 'd', 'ks', 0.1)$$);
SELECT pg_temp.try($$SELECT mlops.create_monitor('bad_ok3', NULL, 'mon_bad_preds', 'ok', 'ts_local', 'mean_change', 0.1)$$);
SELECT pg_temp.try($$SELECT mlops.create_monitor('bad_ok4', NULL, 'mon_bad_preds', 'label', 'ts', 'chi2', 0.1)$$);
SELECT pg_temp.try($$SELECT mlops.create_monitor('bad_ok5', NULL, 'mon_bad_view', 'score', 'ts', threshold => NULL)$$);
SELECT name, source, method, threshold, window_size, reference, schedule, bins, owner = session_user AS by_session_user,
       next_due IS NOT NULL AS due, computed_until
  FROM mlops.monitors WHERE name LIKE 'bad_ok%' ORDER BY name;
-- the reference is stored normalised
SELECT pg_temp.try($$SELECT mlops.create_monitor('bad_ok6', NULL, 'mon_bad_preds', 'score', 'ts',
    reference => '{"to": "2026-01-02 00:00:00+02", "from": "2026-01-01"}')$$);
SELECT pg_temp.try($$SELECT mlops.create_monitor('bad_ok7', NULL, 'mon_bad_preds', 'score', 'ts',
    reference => '{"previous": true}')$$);
SELECT name, reference FROM mlops.monitors WHERE name IN ('bad_ok6', 'bad_ok7') ORDER BY name;
SELECT mlops.drop_monitor(name) FROM mlops.monitors WHERE name LIKE 'bad_ok%';
SELECT pg_temp.written();

-- bad arguments
SELECT pg_temp.try($$SELECT mlops.create_monitor(NULL, NULL, 'mon_bad_preds', 'score', 'ts')$$);
SELECT pg_temp.try($$SELECT mlops.create_monitor('', NULL, 'mon_bad_preds', 'score', 'ts')$$);
SELECT pg_temp.try($$SELECT mlops.create_monitor(repeat('m', 251), NULL, 'mon_bad_preds', 'score', 'ts')$$);
SELECT pg_temp.try($$SELECT mlops.create_monitor('bad1', 'no_such_model', 'mon_bad_preds', 'score', 'ts')$$);
SELECT pg_temp.try($$SELECT mlops.create_monitor('bad1', NULL, 'mon_bad_preds', 'score', 'ts', 'kl_divergence')$$);
SELECT pg_temp.try($$SELECT mlops.create_monitor('bad1', NULL, 'mon_bad_seq', 'score', 'ts')$$);
CREATE TEMP TABLE mon_bad_temp (ts timestamptz, score float8);
CREATE TEMP VIEW mon_bad_temp_view AS SELECT ts, score FROM mon_bad_temp;
SELECT pg_temp.try($$SELECT mlops.create_monitor('bad1', NULL, 'mon_bad_temp', 'score', 'ts')$$);
SELECT pg_temp.try($$SELECT mlops.create_monitor('bad1', NULL, 'mon_bad_temp_view', 'score', 'ts')$$);
SELECT pg_temp.try($$SELECT mlops.create_monitor('bad1', NULL, NULL, 'score', 'ts')$$);
SELECT pg_temp.try($$SELECT mlops.create_monitor('bad1', NULL, 'mon_bad_preds', 'no_col', 'ts')$$);
SELECT pg_temp.try($$SELECT mlops.create_monitor('bad1', NULL, 'mon_bad_preds', 'score', 'no_col')$$);
SELECT pg_temp.try($$SELECT mlops.create_monitor('bad1', NULL, 'mon_bad_preds', 'score', 'tsx')$$);
SELECT pg_temp.try($$SELECT mlops.create_monitor('bad1', NULL, 'mon_bad_preds', 'label', 'ts', 'psi')$$);
SELECT pg_temp.try($$SELECT mlops.create_monitor('bad1', NULL, 'mon_bad_preds', 'label', 'ts', 'mean_change', 0.1)$$);
SELECT pg_temp.try($$SELECT mlops.create_monitor('bad1', NULL, 'mon_bad_preds', 'score', 'ts', window_size => '0')$$);
SELECT pg_temp.try($$SELECT mlops.create_monitor('bad1', NULL, 'mon_bad_preds', 'score', 'ts', window_size => '-1 hour')$$);
SELECT pg_temp.try($$SELECT mlops.create_monitor('bad1', NULL, 'mon_bad_preds', 'score', 'ts', window_size => '1 month')$$);
SELECT pg_temp.try($$SELECT mlops.create_monitor('bad1', NULL, 'mon_bad_preds', 'score', 'ts', threshold => -0.1)$$);
SELECT pg_temp.try($$SELECT mlops.create_monitor('bad1', NULL, 'mon_bad_preds', 'score', 'ts', threshold => 'NaN')$$);
SELECT pg_temp.try($$SELECT mlops.create_monitor('bad1', NULL, 'mon_bad_preds', 'score', 'ts', 'ks', NULL)$$);
SELECT pg_temp.try($$SELECT mlops.create_monitor('bad1', NULL, 'mon_bad_preds', 'score', 'ts', schedule => '0')$$);
SELECT pg_temp.try($$SELECT mlops.create_monitor('bad1', NULL, 'mon_bad_preds', 'score', 'ts', bins => 1)$$);
SELECT pg_temp.try($$SELECT mlops.create_monitor('bad1', NULL, 'mon_bad_preds', 'score', 'ts', start_at => '-infinity')$$);
SELECT pg_temp.try($$SELECT mlops.create_monitor('bad1', NULL, 'mon_bad_preds', 'score', 'ts', reference => '[]')$$);
SELECT pg_temp.try($$SELECT mlops.create_monitor('bad1', NULL, 'mon_bad_preds', 'score', 'ts', reference => '{"previous": false}')$$);
SELECT pg_temp.try($$SELECT mlops.create_monitor('bad1', NULL, 'mon_bad_preds', 'score', 'ts', reference => '{"from": "2026-01-01"}')$$);
SELECT pg_temp.try($$SELECT mlops.create_monitor('bad1', NULL, 'mon_bad_preds', 'score', 'ts', reference => '{"from": "yesterday-ish", "to": "2026-01-01"}')$$);
SELECT pg_temp.try($$SELECT mlops.create_monitor('bad1', NULL, 'mon_bad_preds', 'score', 'ts', reference => '{"from": "2026-01-02", "to": "2026-01-01"}')$$);
SELECT pg_temp.try($$SELECT mlops.create_monitor('bad1', NULL, 'mon_bad_preds', 'score', 'ts', reference => '{"from": "-infinity", "to": "2026-01-01"}')$$);
SELECT pg_temp.try($$SELECT mlops.create_monitor('bad1', NULL, 'mon_bad_preds', 'score', 'ts', reference => '{"window": "1 day"}')$$);
SELECT pg_temp.try($$SELECT mlops.create_monitor('bad1', NULL, 'mon_bad_preds', 'score', 'ts', reference => '{"dataset": "d"}')$$);
SELECT pg_temp.try($$SELECT mlops.create_monitor('bad1', NULL, 'mon_bad_preds', 'score', 'ts', reference => '{"dataset": "d", "version": 1.5}')$$);
SELECT pg_temp.try($$SELECT mlops.create_monitor('bad1', NULL, 'mon_bad_preds', 'score', 'ts', reference => '{"dataset": "d", "version": 1, "previous": true}')$$);
-- a dataset reference: the version must exist and have a profile of the column
SELECT pg_temp.try($$SELECT mlops.create_monitor('bad1', NULL, 'mon_bad_preds', 'score', 'ts', reference => '{"dataset": "mon_bad_ds", "version": 1}')$$);
SELECT mlops.register_dataset_version('mon_bad_ds', 's3://bucket/scores.parquet') AS registered;
SELECT pg_temp.try($$SELECT mlops.create_monitor('bad1', NULL, 'mon_bad_preds', 'score', 'ts', reference => '{"dataset": "mon_bad_ds", "version": 2}')$$);
SELECT pg_temp.try($$SELECT mlops.create_monitor('bad1', NULL, 'mon_bad_preds', 'score', 'ts', reference => '{"dataset": "mon_bad_ds", "version": 1}')$$);
-- a profiled version: the column's kind must suit the method
INSERT INTO mon_bad_preds (ts, score) SELECT now(), i FROM generate_series(1, 30) i;
SELECT mlops.snapshot_table('mon_bad_snap', 'mon_bad_preds', ARRAY['score', 'label']) AS snapshot;
SELECT pg_temp.try($$SELECT mlops.create_monitor('bad1', NULL, 'mon_bad_preds', 'score', 'ts', reference => '{"dataset": "mon_bad_snap", "version": 1, "column": "label"}')$$);
SELECT pg_temp.try($$SELECT mlops.create_monitor('bad1', NULL, 'mon_bad_preds', 'score', 'ts', reference => '{"dataset": "mon_bad_snap", "version": 1, "column": "no_col"}')$$);
SELECT pg_temp.written();
SELECT pg_temp.try($$SELECT mlops.create_monitor('bad_ds', NULL, 'mon_bad_preds', 'score', 'ts', 'ks', 0.2, reference => '{"dataset": "mon_bad_snap", "version": 1}')$$);
SELECT name, reference FROM mlops.monitors WHERE name = 'bad_ds';
SELECT mlops.drop_monitor('bad_ds');

-- a duplicate name
SELECT mlops.create_monitor('bad_dup', NULL, 'mon_bad_preds', 'score', 'ts') > 0 AS created;
SELECT pg_temp.try($$SELECT mlops.create_monitor('bad_dup', NULL, 'mon_bad_texts', 'label', 'ts', 'chi2', 0.1)$$);
SELECT name, source, method FROM mlops.monitors WHERE name LIKE 'bad%';

-- alter and drop: unknown monitor, bad values
SELECT pg_temp.try($$SELECT mlops.alter_monitor('no_such_monitor', 0.5)$$);
SELECT pg_temp.try($$SELECT mlops.drop_monitor('no_such_monitor')$$);
SELECT pg_temp.try($$SELECT mlops.alter_monitor('bad_dup', threshold => -1)$$);
SELECT pg_temp.try($$SELECT mlops.alter_monitor('bad_dup', schedule => '-5 minutes')$$);
SELECT pg_temp.try($$SELECT mlops.alter_monitor(NULL)$$);
SELECT pg_temp.try($$SELECT mlops.evaluate_monitor('no_such_monitor')$$);
SELECT pg_temp.try($$SELECT mlops.evaluate_monitor('bad_dup', 'infinity')$$);
SELECT pg_temp.try($$SELECT mlops.drift_windows('no_such_monitor', now() - interval '1 day', now())$$);
SELECT pg_temp.try($$SELECT mlops.drift_windows('bad_dup', now(), now() - interval '1 day')$$);
SELECT pg_temp.try($$SELECT mlops.drift_windows('bad_dup', '2000-01-01', '2020-01-01')$$);
SELECT threshold, schedule, enabled FROM mlops.monitors WHERE name = 'bad_dup';
SELECT mlops.alter_monitor('bad_dup', 0.3, '1 hour', false);
SELECT threshold, schedule, enabled FROM mlops.monitors WHERE name = 'bad_dup';

-- who: only mlops_admin creates; only the owner or an admin alters and drops
CREATE ROLE mon_bad_writer LOGIN IN ROLE mlops_writer;
GRANT SELECT ON mon_bad_preds TO mon_bad_writer;
SET SESSION AUTHORIZATION mon_bad_writer;
SELECT pg_temp.try($$SELECT mlops.create_monitor('bad_w', NULL, 'mon_bad_preds', 'score', 'ts')$$);
SELECT pg_temp.try($$SELECT mlops.alter_monitor('bad_dup', 0.9)$$);
SELECT pg_temp.try($$SELECT mlops.drop_monitor('bad_dup')$$);
SELECT pg_temp.try($$SELECT mlops.evaluate_monitor('bad_dup', now())$$);
SELECT pg_temp.try($$SELECT * FROM mlops.drift_windows('bad_dup', now() - interval '1 day', now())$$);
SELECT pg_temp.try($$INSERT INTO mlops.monitors (name, source, value_column, time_column, method, owner) VALUES ('bad_w', 'x', 'v', 't', 'psi', 'mon_bad_writer')$$);
RESET SESSION AUTHORIZATION;
SELECT name, threshold FROM mlops.monitors WHERE name LIKE 'bad%';
SELECT mlops.drop_monitor('bad_dup');
SELECT pg_temp.written();
DROP TABLE mon_bad_preds, mon_bad_texts CASCADE;
DROP ROLE mon_bad_writer;
DROP SEQUENCE mon_bad_seq;
