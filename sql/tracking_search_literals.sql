-- search_runs filter literals. A number is decimal digits with an optional
-- fraction and exponent: hex (0x10), NaN, Infinity and numbers beyond double
-- precision (1e999) are syntax errors (42601) at their position, as in MLflow.
-- A time out of range is 22008 naming the value as written and its position.
-- max_results above 50,000 is 22023.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS mlops;
RESET client_min_messages;
\set SHOW_CONTEXT never
\set VERBOSITY default
SELECT mlops.create_experiment('literals') > 0 AS created;
-- a: loss 0.5, b: loss NaN, c: loss Infinity, d: no loss; start times one hour apart
INSERT INTO mlops.runs (id, experiment_id, name, start_time)
SELECT ('1173a000-0000-0000-0000-00000000000' || i)::uuid, e.id, chr(96 + i),
       timestamptz '2026-01-01 00:00:00+00' + i * interval '1 hour'
  FROM mlops.experiments e, generate_series(1, 4) i WHERE e.name = 'literals';
SELECT mlops.log_metrics('1173a000-0000-0000-0000-000000000001', '{"loss": 0.5}'),
       mlops.log_metrics('1173a000-0000-0000-0000-000000000002', '{"loss": "NaN"}'),
       mlops.log_metrics('1173a000-0000-0000-0000-000000000003', '{"loss": "Infinity"}');
-- the names of the runs a filter finds, or SQLSTATE: message (detail)
CREATE FUNCTION pg_temp.try(filter text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; msg text; det text; names text;
BEGIN
    SELECT coalesce(string_agg(name, ' ' ORDER BY name), '(none)') INTO names
      FROM mlops.search_runs('literals', filter);
    RETURN names;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
    RETURN st || ': ' || msg || CASE WHEN det <> '' THEN ' (' || det || ')' ELSE '' END;
END $$;

-- numbers: decimal forms keep working
SELECT f, pg_temp.try(f) FROM unnest(ARRAY[
    'metrics.loss = 0.5', 'metrics.loss = .5', 'metrics.loss = +.5', 'metrics.loss = 5e-1',
    'metrics.loss = 5.E-1', 'metrics.loss >= -1.5E+2', 'metrics.loss < 1e308',
    'metrics.loss IN (0.5, 1)', 'metrics.loss > 4.9e-324']) f;
-- stored NaN and Infinity still compare as before: NaN satisfies != only
SELECT f, pg_temp.try(f) FROM unnest(ARRAY[
    'metrics.loss != 0.5', 'metrics.loss > 0', 'metrics.loss <= 1e308', 'metrics.loss != 1e308']) f;
-- hex, NaN, Infinity and out-of-range numbers are syntax errors at their position
SELECT f, pg_temp.try(f) FROM unnest(ARRAY[
    'metrics.loss = 0x10', 'metrics.loss > 0X1p3', 'metrics.loss < 1e999', 'metrics.loss > -1E999',
    'metrics.loss > 1e-999', 'metrics.loss = inf', 'metrics.loss = Infinity', 'metrics.loss = -Infinity',
    'metrics.loss = nan', 'metrics.loss = NaN', 'metrics.loss IN (0.5, NaN)', 'metrics.loss IN (0.5, 1e400)',
    'metrics.loss = 1.2.3', 'metrics.loss = 1e', 'metrics.loss = 1e+', 'metrics.loss = 12abc',
    'attributes.start_time > 0x10', 'attributes.start_time > inf', 'attributes.start_time < NaN',
    'attributes.start_time < 1e999']) f;
-- times: milliseconds since the epoch within range work; out of range is 22008
-- with the value exactly as written and its position
SELECT f, pg_temp.try(f) FROM unnest(ARRAY[
    'attributes.start_time > 1767229200000', 'attributes.start_time < 1767232800000.5',
    'start_time > -1e3',
    'attributes.start_time > 99999999999999999', 'attributes.start_time < -99999999999999999',
    'attributes.end_time > 1e17', 'attributes.start_time IN (0, 9223372036854775807)',
    'attributes.start_time > 9.3e15', 'attributes.start_time > ''99999999-01-01''']) f;
-- the errors as a client sees them
SELECT * FROM mlops.search_runs('literals', 'metrics.loss = 0x10');
SELECT * FROM mlops.search_runs('literals', 'metrics.loss > 1e999');
SELECT * FROM mlops.search_runs('literals', 'attributes.start_time > 99999999999999999');
\set VERBOSITY sqlstate
SELECT * FROM mlops.search_runs('literals', 'metrics.loss = NaN');
SELECT * FROM mlops.search_runs('literals', 'attributes.start_time >= 1e16');
-- max_results above 50,000 is 22023
SELECT * FROM mlops.search_runs('literals', '', 'start_time', 50001);
SELECT * FROM mlops.search_runs('literals', '', 'start_time', 2147483647);
\set VERBOSITY default
SELECT count(*) AS runs_untouched FROM mlops.runs r JOIN mlops.experiments e ON e.id = r.experiment_id
 WHERE e.name = 'literals';
