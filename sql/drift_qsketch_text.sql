SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS mlops; RESET client_min_messages;
-- The text form of mlops.qsketch: "qs1:" and base64 of a compact encoding
-- (delta-coded keys), read back exactly; the earlier JSON-like text is still
-- read; mlops.qsketch_json shows every field; malformed text is refused.
SET extra_float_digits = 0;
SET max_parallel_workers_per_gather = 0;
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE st text; msg text; det text;
BEGIN EXECUTE q; RETURN 'no error';
EXCEPTION WHEN OTHERS THEN GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
  RETURN st || ': ' || msg || coalesce(nullif(' (' || det || ')', ' ()'), ''); END $f$;
-- the text form of raw bytes (encode() breaks lines every 76 characters)
CREATE FUNCTION pg_temp.qs(b bytea) RETURNS text LANGUAGE sql AS
  $f$SELECT 'qs1:' || translate(encode(b, 'base64'), E'\n', '')$f$;
-- the bytes behind a text form
CREATE FUNCTION pg_temp.raw(t text) RETURNS bytea LANGUAGE sql AS
  $f$SELECT decode(substr(t, 5), 'base64')$f$;
-- deterministic rows: 31,250 and 125,000 values (a shard's rows at 1M and 4M rows in 32 shards)
CREATE TABLE qt_rows AS
SELECT g, (((g * 0.6180339887498949) % 1) + ((g * 0.7548776662466927) % 1) + ((g * 0.5698402909980532) % 1))::float8 AS x
  FROM generate_series(1, 125000) g;
CREATE TABLE qt AS
SELECT 'exact' AS name, mlops.qsketch_agg(x) AS s FROM qt_rows WHERE g <= 300
UNION ALL SELECT '31250', mlops.qsketch_agg(x) FROM qt_rows WHERE g <= 31250
UNION ALL SELECT '125000', mlops.qsketch_agg(x) FROM qt_rows
UNION ALL SELECT 'k16', mlops.qsketch_agg(x, 16) FROM qt_rows
UNION ALL SELECT 'nan only', mlops.qsketch_agg('NaN') FROM generate_series(1, 3)
UNION ALL SELECT 'specials', mlops.qsketch_agg(x) FROM (VALUES ('-Infinity'::float8), (-0.0), (0), (2.5), ('Infinity'), ('NaN')) v(x)
UNION ALL SELECT 'wide', mlops.qsketch_agg(x) FROM (SELECT (g - 3000) * 1e300 * 1e-10 ^ (g % 600) FROM generate_series(1, 6000) g) v(x);

-- the new form, and text -> value -> text and value -> text -> value exactly (bytes of the wire format)
SELECT name, left(s::text, 4) AS prefix, s::text::mlops.qsketch::text = s::text AS text_round_trip,
       mlops.qsketch_send(s::text::mlops.qsketch) = mlops.qsketch_send(s) AS value_round_trip,
       (mlops.qsketch_json(s) ->> 'n')::bigint + (mlops.qsketch_json(s) ->> 'nan')::bigint = mlops.total(s) AS json_counts
  FROM qt ORDER BY name;

-- size: the compact encoding against the wire format (bytes before base64), and the text
SELECT name, octet_length(mlops.qsketch_send(s)) AS wire_bytes, octet_length(pg_temp.raw(s::text)) AS compact_bytes,
       octet_length(s::text) AS text_bytes,
       octet_length(pg_temp.raw(s::text)) <= 0.92 * octet_length(mlops.qsketch_send(s)) AS saves_8_percent
  FROM qt WHERE name IN ('31250', '125000', 'k16') ORDER BY name;

-- the readable view: every field; non-finite numbers as strings (as to_jsonb writes them;
-- jsonb numbers have no negative zero; the text form keeps every bit, as 'specials' above shows)
SELECT mlops.qsketch_json(s) FROM qt WHERE name IN ('nan only', 'specials') ORDER BY name;
SELECT name, jsonb_array_length(mlops.qsketch_json(s) -> 'levels') AS levels,
       (SELECT sum(jsonb_array_length(l)) FROM jsonb_array_elements(mlops.qsketch_json(s) -> 'levels') l) AS items,
       (mlops.qsketch_json(s) ->> 'k')::int AS k
  FROM qt WHERE name IN ('31250', 'k16') ORDER BY name;

-- the earlier JSON-like text reads as the same value, also for a compacted sketch
SELECT mlops.qsketch_send('{"k": 512, "n": 4, "nan": 1, "min": -0.5, "max": 3, "var": 0, "wsum": 0, "rng": 8642865732604514101, "levels": [[-0.5, 1, 2, 3]]}'::mlops.qsketch)
     = mlops.qsketch_send(mlops.qsketch_agg(x)) AS old_text_same_value,
       '{"k": 512, "n": 4, "nan": 1, "min": -0.5, "max": 3, "var": 0, "wsum": 0, "rng": 8642865732604514101, "levels": [[-0.5, 1, 2, 3]]}'::mlops.qsketch::text
     = mlops.qsketch_agg(x)::text AS old_text_same_text
  FROM (VALUES (3.0::float8), (1), (2), ('NaN'), (NULL), (-0.5)) v(x);
-- (the earlier text of a stored sketch, written from its fields with exact float8 text)
SET extra_float_digits = 1;
SELECT name, mlops.qsketch_send(format('{"k": %s, "n": %s, "nan": %s, "min": %s, "max": %s, "var": %s, "wsum": %s, "rng": %s, "levels": [%s]}',
           j -> 'k', j -> 'n', j -> 'nan', (j ->> 'min')::float8, (j ->> 'max')::float8, (j ->> 'var')::float8, (j ->> 'wsum')::float8, j -> 'rng',
           (SELECT string_agg(format('[%s]', (SELECT coalesce(string_agg((v #>> '{}')::float8::text, ', ' ORDER BY o), '')
                                                FROM jsonb_array_elements(l) WITH ORDINALITY e(v, o))), ', ' ORDER BY lo)
              FROM jsonb_array_elements(j -> 'levels') WITH ORDINALITY x(l, lo)))::mlops.qsketch)
     = mlops.qsketch_send(s) AS old_text_same_value
  FROM (SELECT name, s, mlops.qsketch_json(s) AS j FROM qt WHERE name NOT IN ('nan only', 'specials')) q ORDER BY name;
SET extra_float_digits = 0;

-- a hand-made value: k 512, 1 level, n 2, nan 0, min 1, max 2, var 0, wsum 0, rng 7, 2 items: 1 (key of min + 0), 2 (+ 2^52, zigzag 2^53)
SELECT pg_temp.qs(decode('8004' || '01' || '02' || '00' || '3ff0000000000000' || '4000000000000000' || repeat('00', 16) || '0000000000000007'
                         || '02' || '00' || '80808080808080' || '10', 'hex')) AS hand_made \gset
SELECT :'hand_made'::mlops.qsketch::text = :'hand_made' AS canonical,
       mlops.qsketch_send(:'hand_made'::mlops.qsketch)
     = mlops.qsketch_send('{"k": 512, "n": 2, "nan": 0, "min": 1, "max": 2, "var": 0, "wsum": 0, "rng": 7, "levels": [[1, 2]]}'::mlops.qsketch) AS same_as_old_text;

-- malformed text: SQLSTATE, message and detail
SELECT why, left(t, 24) AS input, pg_temp.err(format('SELECT %L::mlops.qsketch', t)) AS error FROM (VALUES
  ('empty', ''),
  ('no prefix', 'gAQBAgA/8AAAAAAAAEAAAAAA'),
  ('other version', 'qs2:' || substr(:'hand_made', 5)),
  ('upper case prefix', 'QS1:' || substr(:'hand_made', 5)),
  ('prefix only', 'qs1:'),
  ('leading space', ' ' || :'hand_made'),
  ('base64 cut by one character', left(:'hand_made', -1)),
  ('base64 cut by four characters', left(:'hand_made', -4)),
  ('base64 with a line break', left(:'hand_made', 20) || E'\n' || substr(:'hand_made', 21, 3) || substr(:'hand_made', 25)),
  ('base64 with a bad character', left(:'hand_made', 10) || '!' || substr(:'hand_made', 12)),
  ('base64 padding inside', left(:'hand_made', 8) || '=' || substr(:'hand_made', 10)),
  ('base64 unused bits set', left(:'hand_made', -2) || 'B='),
  ('truncated header', pg_temp.qs(decode('800401020000', 'hex'))),
  ('varint of 11 bytes', pg_temp.qs(decode(repeat('ff', 10) || '01', 'hex'))),
  ('varint above 64 bits', pg_temp.qs(decode(repeat('ff', 9) || '02', 'hex'))),
  ('varint not minimal', pg_temp.qs(decode('808400' || '01' || '02' || '00', 'hex'))),
  ('varint cut', pg_temp.qs(decode('8004' || '01' || '02' || '00' || '3ff0000000000000' || '4000000000000000' || repeat('00', 16) || '0000000000000007' || '02' || '00' || '808080', 'hex'))),
  ('fewer items than sizes', pg_temp.qs(decode('8004' || '01' || '02' || '00' || '3ff0000000000000' || '4000000000000000' || repeat('00', 16) || '0000000000000007' || '02' || '00', 'hex'))),
  ('more items than sizes', pg_temp.qs(decode('8004' || '01' || '02' || '00' || '3ff0000000000000' || '4000000000000000' || repeat('00', 16) || '0000000000000007' || '02' || '00' || '80808080808080' || '10' || '00', 'hex'))),
  ('trailing byte', pg_temp.qs(pg_temp.raw(:'hand_made') || '\x07'::bytea)),
  ('k out of range', pg_temp.qs(decode('08' || '01' || '02' || '00' || '3ff0000000000000' || '4000000000000000' || repeat('00', 16) || '0000000000000007' || '02' || '00' || '80808080808080' || '10', 'hex'))),
  ('no levels', pg_temp.qs(decode('8004' || '00' || '02' || '00', 'hex'))),
  ('61 levels', pg_temp.qs(decode('8004' || '3d' || '02' || '00', 'hex'))),
  ('generator state zero', pg_temp.qs(decode('8004' || '01' || '02' || '00' || '3ff0000000000000' || '4000000000000000' || repeat('00', 16) || '0000000000000000' || '02' || '00' || '80808080808080' || '10', 'hex'))),
  ('count does not match sizes', pg_temp.qs(decode('8004' || '01' || '03' || '00' || '3ff0000000000000' || '4000000000000000' || repeat('00', 16) || '0000000000000007' || '02' || '00' || '80808080808080' || '10', 'hex'))),
  ('size above capacity', pg_temp.qs(decode('8004' || '01' || '02' || '00' || '3ff0000000000000' || '4000000000000000' || repeat('00', 16) || '0000000000000007' || 'ffffffff0f', 'hex'))),
  ('items not sorted', pg_temp.qs(decode('8004' || '01' || '02' || '00' || '3ff0000000000000' || '4000000000000000' || repeat('00', 16) || '0000000000000007' || '02' || '80808080808080' || '10' || 'ffffffffffffff' || '0f', 'hex'))),
  ('item above max', pg_temp.qs(decode('8004' || '01' || '02' || '00' || '3ff0000000000000' || '4000000000000000' || repeat('00', 16) || '0000000000000007' || '02' || '00' || '80808080808080' || '11', 'hex')))
) v(why, t);

-- nothing half-written: one bad value fails the whole statement
CREATE TABLE qt_store (name text, s mlops.qsketch);
SELECT pg_temp.err(format('INSERT INTO qt_store VALUES (%L, %L), (%L, %L)', 'good', :'hand_made', 'bad', left(:'hand_made', -4))) AS insert_error;
SELECT count(*) AS stored FROM qt_store;

-- a stored value reads back through its text (as a dump and restore does)
INSERT INTO qt_store SELECT name, s FROM qt;
SELECT count(*) AS rows, count(*) FILTER (WHERE mlops.qsketch_send(s::text::mlops.qsketch) = mlops.qsketch_send(s)) AS exact
  FROM qt_store;

DROP TABLE qt_store, qt, qt_rows;
