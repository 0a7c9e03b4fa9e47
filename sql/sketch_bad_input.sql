SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS mlops; RESET client_min_messages;
-- Bad input for the sketch types: SQLSTATE, message and detail of each error;
-- random and mutated bytes through the binary input functions (qsketch_recv,
-- histogram_recv) by binary COPY; nothing half-written.
SET max_parallel_workers_per_gather = 0;
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE st text; msg text; det text;
BEGIN EXECUTE q; RETURN 'no error';
EXCEPTION WHEN OTHERS THEN GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
  RETURN st || ': ' || msg || coalesce(nullif(' (' || det || ')', ' ()'), ''); END $f$;
CREATE TABLE bad_src AS SELECT g::float8 / 7 AS x FROM generate_series(1, 2000) g;

-- arguments
SELECT q AS statement, pg_temp.err(q) AS error FROM (VALUES
  ($q$SELECT mlops.qsketch_agg(x, 8) FROM bad_src$q$),
  ($q$SELECT mlops.qsketch_agg(x, 16385) FROM bad_src$q$),
  ($q$SELECT mlops.qsketch_agg(x, NULL) FROM bad_src$q$),
  ($q$SELECT mlops.qsketch_agg(x, CASE WHEN x < 100 THEN 64 ELSE 128 END) FROM bad_src$q$),
  ($q$SELECT mlops.psi(s, s, 1) FROM (SELECT mlops.qsketch_agg(x) s FROM bad_src) q$q$),
  ($q$SELECT mlops.psi(s, s, 10001) FROM (SELECT mlops.qsketch_agg(x) s FROM bad_src) q$q$),
  ($q$SELECT mlops.quantile_edges(s, 1) FROM (SELECT mlops.qsketch_agg(x) s FROM bad_src) q$q$),
  ($q$SELECT mlops.quantile_edges(s, 10001) FROM (SELECT mlops.qsketch_agg(x) s FROM bad_src) q$q$),
  ($q$SELECT mlops.quantile(s, 1.5) FROM (SELECT mlops.qsketch_agg(x) s FROM bad_src) q$q$),
  ($q$SELECT mlops.quantile(s, -0.1) FROM (SELECT mlops.qsketch_agg(x) s FROM bad_src) q$q$),
  ($q$SELECT mlops.quantile(s, 'NaN') FROM (SELECT mlops.qsketch_agg(x) s FROM bad_src) q$q$),
  ($q$SELECT mlops.cdf(s, 'NaN') FROM (SELECT mlops.qsketch_agg(x) s FROM bad_src) q$q$)
) v(q);
-- the boundaries themselves are fine
SELECT mlops.psi(s, s, 2) AS psi_2_bins, mlops.psi(s, s, 10000) AS psi_10000_bins,
       array_length(mlops.quantile_edges(s, 10000), 1) AS edges_for_10000_bins,
       (SELECT mlops.total(mlops.qsketch_agg(x, 16)) FROM bad_src) AS k16,
       (SELECT mlops.total(mlops.qsketch_agg(x, 16384)) FROM bad_src) AS k16384
  FROM (SELECT mlops.qsketch_agg(x) s FROM bad_src) q;

-- malformed qsketch text
SELECT left(t, 60) AS input, pg_temp.err(format('SELECT %L::mlops.qsketch', t)) AS error FROM (VALUES
  (''),
  ('{}'),
  ('not a sketch'),
  ('{"k": 512, "n": 2, "nan": 0, "min": 1, "max": 2, "var": 0, "wsum": 0, "rng": 7, "levels": [[1, 2]]} junk'),
  ('{"k": 512, "n": 2, "nan": 0, "min": 1, "max": 2, "var": 0, "wsum": 0, "rng": 7, "levels": [[2, 1]]}'),
  ('{"k": 512, "n": 3, "nan": 0, "min": 1, "max": 2, "var": 0, "wsum": 0, "rng": 7, "levels": [[1, 2]]}'),
  ('{"k": 512, "n": 2, "nan": 0, "min": 1, "max": 1.5, "var": 0, "wsum": 0, "rng": 7, "levels": [[1, 2]]}'),
  ('{"k": 512, "n": 2, "nan": 0, "min": 1, "max": 2, "var": 0, "wsum": 0, "rng": 7, "levels": [[1, NaN]]}'),
  ('{"k": 512, "n": 2, "nan": 0, "min": 1, "max": 2, "var": 0, "wsum": 0, "rng": 0, "levels": [[1, 2]]}'),
  ('{"k": 8, "n": 2, "nan": 0, "min": 1, "max": 2, "var": 0, "wsum": 0, "rng": 7, "levels": [[1, 2]]}'),
  ('{"k": 512, "n": 2, "nan": 0, "min": 1, "max": 2, "var": -1, "wsum": 0, "rng": 7, "levels": [[1, 2]]}'),
  ('{"k": 512, "n": 2, "nan": 0, "min": 1, "max": 2, "var": 1, "wsum": 0, "rng": 7, "levels": [[1, 2]]}'),
  ('{"k": 512, "n": 0, "nan": 0, "min": NaN, "max": NaN, "var": 0, "wsum": 0, "rng": 7, "levels": [[]]}'),
  ('{"k": 512, "n": 5, "nan": 0, "min": 1, "max": 2, "var": 1, "wsum": 1, "rng": 7, "levels": [[], [1, 2]]}'),
  ('{"k": 512, "n": 99999999999999999999, "nan": 0, "min": 1, "max": 2, "var": 0, "wsum": 0, "rng": 7, "levels": [[1]]}'),
  ('{"k": 512, "n": 9223372036854775807, "nan": 1, "min": 1, "max": 2, "var": 0, "wsum": 0, "rng": 7, "levels": [[1]]}'),
  ('{"k": 16, "n": 70, "nan": 0, "min": 1, "max": 1, "var": 0, "wsum": 0, "rng": 7, "levels": [[' || rtrim(repeat('1,', 70), ',') || ']]}'),
  ('{"k": 512, "n": 1, "nan": 0, "min": 1, "max": 1, "var": 0, "wsum": 0, "rng": 7, "levels": [' || repeat('[], ', 60) || '[1]]}'),
  ('{"k": 512, "n": 1, "nan": 0, "min": 1, "max": 1, "var": 0, "wsum": 0, "rng": 7, "levels": [[1e999]]}'),
  ('{"k": 512, "n": 1, "nan": 0, "min": 1, "max": 1, "var": 0, "wsum": 0, "rng": 7, "levels": [[1]'),
  ('{"n": 1, "k": 512, "nan": 0, "min": 1, "max": 1, "var": 0, "wsum": 0, "rng": 7, "levels": [[1]]}')
) v(t);
-- the well-formed neighbour of those is accepted
SELECT mlops.qsketch_json('{"k": 512, "n": 3, "nan": 1, "min": 1, "max": 2, "var": 1, "wsum": 1, "rng": 7, "levels": [[1], [1.5]]}'::mlops.qsketch) AS accepted;

-- random bytes and mutated valid values into the binary input functions
CREATE TABLE bad_recv_q (s mlops.qsketch);
CREATE TABLE bad_recv_h (h mlops.histogram);
CREATE FUNCTION pg_temp.recv_outcome(tbl text, payload bytea) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE f text := current_setting('data_directory') || '/sketch_bad_input.bin'; st text; det text;
BEGIN
    EXECUTE format('COPY (SELECT %L::bytea) TO %L (FORMAT binary)', payload, f);
    EXECUTE format('COPY %I FROM %L (FORMAT binary)', tbl, f);
    RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, det = PG_EXCEPTION_DETAIL;
    RETURN st || ' ' || coalesce(det, '');
END $f$;
SELECT setseed(0.5);
CREATE TABLE bad_payloads AS
SELECT 'random' AS kind, i,
       -- half of them start with the right version byte, to get past it
       CASE WHEN i % 2 = 0 THEN '\x01'::bytea ELSE '' END ||
       (SELECT decode(string_agg(lpad(to_hex((random() * 255)::int), 2, '0'), ''), 'hex')
          FROM generate_series(0, (random() * 200)::int + i % 2)) AS b
  FROM generate_series(1, 150) i;
INSERT INTO bad_payloads
SELECT 'mutated', i, set_byte(v, (random() * (length(v) - 1))::int, (random() * 255)::int)
  FROM generate_series(1, 300) i,
       (SELECT mlops.qsketch_send(mlops.qsketch_agg(x, 16)) AS v FROM bad_src) s;
INSERT INTO bad_payloads
SELECT 'truncated', i, substring(v FROM 1 FOR (random() * (length(v) - 1))::int)
  FROM generate_series(1, 50) i,
       (SELECT mlops.qsketch_send(mlops.qsketch_agg(x, 16)) AS v FROM bad_src) s;
SELECT kind, pg_temp.recv_outcome('bad_recv_q', b) AS outcome, count(*)
  FROM bad_payloads GROUP BY 1, 2 ORDER BY 1, 2;
-- whatever was accepted is a working sketch
SELECT count(*) AS accepted, count(mlops.quantile(s, 0.5)) AS answer_quantile, count(mlops.rank_error(s)) AS answer_rank_error,
       count(*) FILTER (WHERE s::text::mlops.qsketch::text = s::text) AS text_round_trip
  FROM bad_recv_q;
DELETE FROM bad_payloads;
INSERT INTO bad_payloads
SELECT 'random', i, CASE WHEN i % 2 = 0 THEN '\x01'::bytea ELSE '' END ||
                    (SELECT decode(string_agg(lpad(to_hex((random() * 255)::int), 2, '0'), ''), 'hex')
                       FROM generate_series(0, (random() * 60)::int))
  FROM generate_series(1, 100) i;
INSERT INTO bad_payloads
SELECT 'mutated', i, set_byte(v, (random() * (length(v) - 1))::int, (random() * 255)::int)
  FROM generate_series(1, 200) i,
       (SELECT mlops.histogram_send(mlops.histogram(x, '{10,100,200}')) AS v FROM bad_src) s;
SELECT kind, pg_temp.recv_outcome('bad_recv_h', b) AS outcome, count(*)
  FROM bad_payloads GROUP BY 1, 2 ORDER BY 1, 2;
SELECT count(*) AS accepted, count(mlops.total(h)) AS answer_total,
       count(*) FILTER (WHERE h::text::mlops.histogram::text = h::text) AS text_round_trip
  FROM bad_recv_h;

-- nothing half-written: a failing INSERT ... SELECT leaves no row
CREATE TABLE bad_store (s mlops.qsketch);
INSERT INTO bad_store SELECT mlops.qsketch_agg(x, CASE WHEN x < 100 THEN 64 ELSE 128 END) FROM bad_src;
SELECT count(*) AS rows_after_error FROM bad_store;
DROP TABLE bad_src, bad_recv_q, bad_recv_h, bad_payloads, bad_store;
