-- search_runs with the largest filters and order_by the limits allow (1,000
-- terms, 1,000 IN values, 10 order_by keys, 64 KB) over 300 runs with params,
-- tags and metrics: each answers well within the statement timeout (before,
-- 1,000 AND-ed terms planned for minutes), and finds the same runs as
-- hand-written SQL or as smaller searches, in each of the three forms a
-- filter takes. Metric values compare exactly whatever extra_float_digits
-- says, and the session's jit and extra_float_digits are left as they were.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS mlops;
RESET client_min_messages;
\set SHOW_CONTEXT never
\set VERBOSITY default
SELECT mlops.create_experiment('scale') > 0 AS created;
-- 300 runs; params p1..p10 with values '0'..'9'; tags t1..t5 with values
-- '0'..'4'; metrics m1..m10 with few distinct values (ties for order_by),
-- NaN for every 7th run's m1 and no m2 for every 5th run
INSERT INTO mlops.runs (id, experiment_id, name, start_time)
SELECT ('5ca1e000-0000-0000-0000-' || lpad(i::text, 12, '0'))::uuid, e.id, 'run' || i,
       timestamptz '2026-01-01 00:00:00+00' + i * interval '1 minute'
  FROM mlops.experiments e, generate_series(1, 300) i WHERE e.name = 'scale';
CREATE TEMP TABLE scale_runs AS
SELECT r.id, r.name, r.start_time, substr(r.name, 4)::int AS i FROM mlops.runs r
  JOIN mlops.experiments e ON e.id = r.experiment_id WHERE e.name = 'scale';
INSERT INTO mlops.params (run_id, key, value)
SELECT id, 'p' || k, ((i * k + k) % 10)::text FROM scale_runs, generate_series(1, 10) k;
INSERT INTO mlops.tags (run_id, key, value)
SELECT id, 't' || k, ((i + k) % 5)::text FROM scale_runs, generate_series(1, 5) k;
INSERT INTO mlops.metrics (run_id, key, step, value)
SELECT id, 'm' || k, 0, CASE WHEN k = 1 AND i % 7 = 0 THEN 'NaN'::float8 ELSE ((i * k) % (k + 2)) / 4.0 END
  FROM scale_runs, generate_series(1, 10) k WHERE NOT (k = 2 AND i % 5 = 0);
-- every 4th run is finished
UPDATE mlops.runs r SET status = 'FINISHED' FROM scale_runs s WHERE s.id = r.id AND s.i % 4 = 0;
SET statement_timeout = '10s';
-- the ids a search returns, in order (an error aborts the test file's statement)
CREATE FUNCTION pg_temp.ids(filter text, order_by text DEFAULT 'start_time DESC') RETURNS uuid[]
LANGUAGE sql AS $$ SELECT coalesce(array_agg(id ORDER BY ord), '{}')
  FROM mlops.search_runs('scale', filter, order_by) WITH ORDINALITY AS s(id, experiment_id, name, status,
       start_time, end_time, created_by, parent_run_id, ord) $$;
-- the ids of scale_runs matching a condition, newest first (search_runs' default order)
CREATE FUNCTION pg_temp.hand(cond text) RETURNS uuid[] LANGUAGE plpgsql AS $$
DECLARE a uuid[];
BEGIN
    EXECUTE format('SELECT coalesce(array_agg(id ORDER BY start_time DESC, id), ''{}'') FROM scale_runs r WHERE %s', cond)
       INTO a;
    RETURN a;
END $$;
-- whether run r has param (kind p) or tag (kind t) k with value v
CREATE FUNCTION pg_temp.has(r uuid, kind text, k text, v text) RETURNS boolean LANGUAGE sql STABLE AS $$
SELECT CASE kind WHEN 'p' THEN EXISTS (SELECT 1 FROM mlops.params x WHERE x.run_id = r AND x.key = k AND x.value = v)
                 ELSE EXISTS (SELECT 1 FROM mlops.tags x WHERE x.run_id = r AND x.key = k AND x.value = v) END $$;
-- how many runs a search finds, and whether they are the expected ones in order
CREATE FUNCTION pg_temp.check(filter text, expected uuid[], order_by text DEFAULT 'start_time DESC')
RETURNS text LANGUAGE plpgsql AS $$
DECLARE found uuid[] := pg_temp.ids(filter, order_by);
BEGIN
    RETURN cardinality(found) || ' runs, ' || CASE WHEN found = expected THEN 'as expected' ELSE 'DIFFERENT' END;
END $$;

-- 1,000 OR-ed param terms over 10 keys (for key pk they name the value 3(k - 1) mod 10)
SELECT pg_temp.check(f, pg_temp.hand('EXISTS (SELECT 1 FROM mlops.params x, generate_series(1, 10) k
           WHERE x.run_id = r.id AND x.key = ''p'' || k AND x.value = ((3 * (k - 1)) % 10)::text)')) AS or_10_keys
  FROM (SELECT string_agg(format('params.p%s = ''%s''', g % 10 + 1, (g * 3) % 10), ' OR ') AS f
          FROM generate_series(1, 1000) g) q;
SELECT pg_temp.check(f, pg_temp.hand('pg_temp.has(r.id, ''p'', ''p1'', ''4'') OR pg_temp.has(r.id, ''p'', ''p2'', ''6'')'))
       AS or_10_keys_2_values
  FROM (SELECT string_agg(format('params.p%s = ''%s''', g % 10 + 1, 'x' || g), ' OR ')
               || ' OR params.p1 = ''4'' OR params.p2 = ''6''' AS f FROM generate_series(1, 998) g) q;
-- 1,000 AND-ed terms (one key, and two keys)
SELECT pg_temp.check(f, pg_temp.hand('pg_temp.has(r.id, ''p'', ''p1'', ''3'')')) AS and_1_key
  FROM (SELECT string_agg('params.p1 = ''3''', ' AND ') AS f FROM generate_series(1, 1000)) q;
SELECT pg_temp.check(f, pg_temp.hand('pg_temp.has(r.id, ''p'', ''p2'', ''2'') AND pg_temp.has(r.id, ''t'', ''t1'', ''1'')'))
       AS and_2_keys
  FROM (SELECT string_agg(CASE WHEN g % 2 = 0 THEN 'params.p2 = ''2''' ELSE 'tags.t1 != ''x''' END, ' AND ')
               || ' AND tags.t1 = ''1''' AS f FROM generate_series(1, 999) g) q;
-- 1,000 distinct keys, absent from every run
SELECT pg_temp.check(f, pg_temp.hand('pg_temp.has(r.id, ''t'', ''t3'', ''2'')')) AS or_1000_keys
  FROM (SELECT string_agg(format('params.k%s = ''x''', g), ' OR ') || ' OR tags.t3 = ''2''' AS f
          FROM generate_series(1, 999) g) q;
SELECT pg_temp.check(f, '{}') AS and_1000_keys
  FROM (SELECT string_agg(format('metrics.k%s > 0', g), ' AND ') AS f FROM generate_series(1, 1000) g) q;
-- 1,000 attribute terms
SELECT pg_temp.check(f, pg_temp.hand('r.i % 3 = 0')) AS or_attributes
  FROM (SELECT string_agg(format('attributes.run_name = ''run%s''', g * 3), ' OR ') AS f FROM generate_series(1, 1000) g) q;
SELECT pg_temp.check(f, pg_temp.hand('r.i % 3 <> 0')) AS and_attributes
  FROM (SELECT string_agg(format('attributes.run_name != ''run%s''', g * 3), ' AND ') AS f FROM generate_series(1, 1000) g) q;
-- 1,000 mixed terms, nested: the same runs as its groups of four searched one
-- by one (60 distinct groups, repeated), OR-ed, and the first ten AND-ed
CREATE TEMP TABLE groups AS
SELECT g, format('(metrics.m%s > %s AND tags.t%s != ''%s'' OR attributes.status = ''FINISHED'' AND metrics.m1 <= %s)',
                 g % 10 + 1, (g % 4) / 4.0, g % 5 + 1, g % 5, (g % 3) / 4.0) AS f
  FROM generate_series(1, 250) g;
SELECT count(DISTINCT f) AS distinct_groups FROM groups;
CREATE TEMP TABLE group_runs AS SELECT f, unnest(pg_temp.ids(f)) AS id FROM (SELECT DISTINCT f FROM groups) g;
SELECT pg_temp.check(f, (SELECT array_agg(id ORDER BY start_time DESC, id) FROM scale_runs
                          WHERE id IN (SELECT id FROM group_runs))) AS or_groups
  FROM (SELECT string_agg(f, ' OR ' ORDER BY g) AS f FROM groups) q;
SELECT pg_temp.check(f, (SELECT array_agg(id ORDER BY start_time DESC, id) FROM scale_runs
                          WHERE id IN (SELECT id FROM group_runs JOIN groups USING (f) WHERE g <= 10
                                        GROUP BY id HAVING count(*) = 10))) AS and_groups
  FROM (SELECT string_agg(f, ' AND ' ORDER BY g) AS f FROM groups WHERE g <= 10) q;
-- the three forms of a filter (up to 4 fields, up to 32, more) find the same
-- runs: here each condition alone, then OR-ed with 10 and with 40 absent keys,
-- and AND-ed with 10 and with 40 keys every run has, with other values. NaN
-- (every 7th run's m1) satisfies != and no ordered comparison; a missing key
-- (every 5th run's m2) satisfies nothing
CREATE TEMP TABLE conditions (c text);
INSERT INTO conditions VALUES ('metrics.m1 > 0.25'), ('metrics.m1 <= 0.5'), ('metrics.m1 != 0.25'),
    ('metrics.m2 != 0.25'), ('metrics.m1 NOT IN (0.25, 0.5)'), ('metrics.m2 IN (0, 0.5)'),
    ('params.p3 LIKE ''1%'' AND tags.t2 ILIKE ''3'''), ('params.p3 NOT IN (''1'', ''2'') OR tags.t1 = ''4'''),
    ('(metrics.m1 < 0.5 OR metrics.m3 >= 0.5) AND attributes.status = ''FINISHED''');
SELECT c, pg_temp.check(c || absent10, a) AS or_10, pg_temp.check(c || absent40, a) AS or_40,
       pg_temp.check('(' || c || ')' || present10, a) AS and_10, pg_temp.check('(' || c || ')' || present40, a) AS and_40
  FROM (SELECT c, pg_temp.ids(c) AS a FROM conditions) q,
       (SELECT string_agg(format(' OR params.k%s = ''x''', g), '') AS absent10 FROM generate_series(1, 10) g) a10,
       (SELECT string_agg(format(' OR params.k%s = ''x''', g), '') AS absent40 FROM generate_series(1, 40) g) a40,
       (SELECT string_agg(format(' AND tags.t%s != ''x''', g % 5 + 1), '') AS present10 FROM generate_series(1, 10) g) p10,
       (SELECT string_agg(format(' AND metrics.m%s != -1', (ARRAY[1, 3, 4, 5, 6, 7, 8, 9, 10])[g % 9 + 1]), '')
                 AS present40 FROM generate_series(1, 40) g) p40;
-- 1,000 IN values
SELECT pg_temp.check(f, pg_temp.hand('r.i % 2 = 1')) AS in_run_ids
  FROM (SELECT 'attributes.run_id IN (' || string_agg(format('''5ca1e000-0000-0000-0000-%s''', lpad((g * 2 - 1)::text, 12, '0')), ', ')
               || ')' AS f FROM generate_series(1, 1000) g) q;
SELECT pg_temp.check(f, pg_temp.ids('params.p5 IN (''0'', ''2'', ''4'')')) AS in_params
  FROM (SELECT 'params.p5 IN (' || string_agg(quote_literal((g * 2)::text), ', ') || ')' AS f
          FROM generate_series(0, 999) g) q;
SELECT pg_temp.check(f, pg_temp.ids('metrics.m3 NOT IN (0, 0.25)')) AS not_in_metrics
  FROM (SELECT 'metrics.m3 NOT IN (0, 0.25, ' || string_agg((g + 0.1)::text, ', ') || ')' AS f
          FROM generate_series(1, 998) g) q;
-- ten IN lists of 1,000 values each, AND-ed, in a filter of 64 KB
SELECT length(f) AS bytes, pg_temp.check(f, pg_temp.hand('pg_temp.has(r.id, ''p'', ''p1'', ''4'')')) AS in_lists
  FROM (SELECT rpad(string_agg(format('params.p%s IN (%s)', k,
                  (SELECT string_agg(quote_literal(g::text), ',') FROM generate_series(0, 999) g)), ' AND ')
               || ' AND params.p1 = ''4''', 65536) AS f FROM generate_series(1, 10) k) q;
-- order_by: ten metric keys (NaN after numbers, missing values last), as written by hand
SELECT pg_temp.check('', (SELECT array_agg(id ORDER BY
         (SELECT value = 'NaN' FROM mlops.latest_metrics x WHERE x.run_id = s.id AND x.key = 'm1') NULLS LAST,
         (SELECT value FROM mlops.latest_metrics x WHERE x.run_id = s.id AND x.key = 'm1') DESC NULLS LAST,
         (SELECT value FROM mlops.latest_metrics x WHERE x.run_id = s.id AND x.key = 'm2') DESC NULLS LAST,
         (SELECT value FROM mlops.latest_metrics x WHERE x.run_id = s.id AND x.key = 'm3') DESC NULLS LAST,
         (SELECT value FROM mlops.latest_metrics x WHERE x.run_id = s.id AND x.key = 'm4') DESC NULLS LAST,
         (SELECT value FROM mlops.latest_metrics x WHERE x.run_id = s.id AND x.key = 'm5') DESC NULLS LAST,
         (SELECT value FROM mlops.latest_metrics x WHERE x.run_id = s.id AND x.key = 'm6') DESC NULLS LAST,
         (SELECT value FROM mlops.latest_metrics x WHERE x.run_id = s.id AND x.key = 'm7') DESC NULLS LAST,
         (SELECT value FROM mlops.latest_metrics x WHERE x.run_id = s.id AND x.key = 'm8') DESC NULLS LAST,
         (SELECT value FROM mlops.latest_metrics x WHERE x.run_id = s.id AND x.key = 'm9') DESC NULLS LAST,
         (SELECT value FROM mlops.latest_metrics x WHERE x.run_id = s.id AND x.key = 'm10') DESC NULLS LAST,
         start_time DESC, id) FROM scale_runs s), o) AS ten_metrics
  FROM (SELECT string_agg('metrics.m' || g || ' DESC', ', ') AS o FROM generate_series(1, 10) g) q;
SELECT pg_temp.check('', (SELECT array_agg(id ORDER BY
         (SELECT value = 'NaN' FROM mlops.latest_metrics x WHERE x.run_id = s.id AND x.key = 'm2') NULLS LAST,
         (SELECT value FROM mlops.latest_metrics x WHERE x.run_id = s.id AND x.key = 'm2') NULLS LAST,
         (SELECT value FROM mlops.params x WHERE x.run_id = s.id AND x.key = 'p3') DESC NULLS LAST,
         (SELECT value FROM mlops.tags x WHERE x.run_id = s.id AND x.key = 't1') NULLS LAST,
         (SELECT value FROM mlops.params x WHERE x.run_id = s.id AND x.key = 'p1') NULLS LAST,
         (SELECT value FROM mlops.tags x WHERE x.run_id = s.id AND x.key = 't2') DESC NULLS LAST,
         (SELECT value = 'NaN' FROM mlops.latest_metrics x WHERE x.run_id = s.id AND x.key = 'm1') NULLS LAST,
         (SELECT value FROM mlops.latest_metrics x WHERE x.run_id = s.id AND x.key = 'm1') DESC NULLS LAST,
         start_time DESC, id) FROM scale_runs s),
       'metrics.m2, params.p3 DESC, tags.t1, params.p1, tags.t2 DESC, metrics.m1 DESC') AS mixed_keys;
-- the largest filter and order_by together
SELECT pg_temp.check(f, pg_temp.ids('tags.t3 = ''2''', o), o) AS largest_filter_and_order_by
  FROM (SELECT string_agg(format('params.k%s = ''x''', g), ' OR ') || ' OR tags.t3 = ''2''' AS f
          FROM generate_series(1, 999) g) q,
       (SELECT string_agg('metrics.m' || g || ' DESC', ', ') AS o FROM generate_series(1, 10) g) p;

-- metric values compare exactly whatever extra_float_digits says (maps hold
-- them as text), and the search leaves the session's jit and
-- extra_float_digits as they were
INSERT INTO mlops.metrics (run_id, key, value)
SELECT id, 'exact', CASE WHEN i = 1 THEN 0.1::float8 + 0.2::float8 WHEN i = 2 THEN 0.3 END
  FROM scale_runs WHERE i IN (1, 2);
SET extra_float_digits = -15;
SET jit = on;
SELECT (SELECT string_agg(s.name, ' ') FROM mlops.search_runs('scale', c) s) AS fields,
       (SELECT string_agg(s.name, ' ') FROM mlops.search_runs('scale', c || absent40) s) AS maps
  FROM unnest(ARRAY['metrics.exact = 0.30000000000000004', 'metrics.exact < 0.30000000000000004',
                    'metrics.exact != 0.3', 'metrics.exact IN (0.3)']) c,
       (SELECT string_agg(format(' OR params.k%s = ''x''', g), '') AS absent40 FROM generate_series(1, 40) g) a40;
SELECT string_agg(s.name, ' ') AS descending
  FROM mlops.search_runs('scale', 'metrics.exact > 0', 'metrics.exact DESC, params.k1, params.k2, params.k3, params.k4') s;
SHOW jit;
SHOW extra_float_digits;
RESET extra_float_digits;
RESET jit;
-- the generated SQL: keys and values as $n parameters only. From 5 fields the
-- EXISTS are kept from joins; beyond 32 fields (and 4 order_by keys) values
-- are looked up in maps, a key read more than once in a column of v
SELECT regexp_split_to_table(mlops._search_runs_sql(
           'params.a = ''1'' OR params.b = ''2'' AND metrics.m > 1 OR tags.t IN (''x'') OR params.`x''; --` != ''y''',
           'params.a'), ' (?=OR |ORDER BY )') AS subplans;
SELECT regexp_split_to_table(mlops._search_runs_sql(
           'params.a = ''1'' OR metrics.m > 1 AND metrics.n <= 2 OR tags.t IN (''x'') OR params.`x''; --` != ''y'' OR '
           || (SELECT string_agg(format('params.a = ''%s''', g), ' OR ') FROM generate_series(2, 29) g),
           'metrics.m DESC, params.a, tags.t, metrics.n, params.b'), ' (?=OR |ORDER BY |AND |[(]v.o)') AS maps;
SELECT count(*) AS runs_untouched FROM scale_runs s JOIN mlops.runs r USING (id);
RESET statement_timeout;
