-- search_runs(experiments text[], filter, order_by, max_results, page_token,
-- run_view_type) (API.md -> Coming from MLflow): several experiments, the
-- lifecycle view, and pages continued by a keyset token.
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
-- one page: the names in order, then "+" when it carries a next page token
CREATE FUNCTION pg_temp.page(exps text[], filter text, order_by text, n int, token text DEFAULT NULL,
                             view text DEFAULT 'active') RETURNS text
LANGUAGE sql AS $$
SELECT coalesce(string_agg(s.name, ' ' ORDER BY s.ordinality), '(none)')
       || CASE WHEN bool_or(s.next_page_token IS NOT NULL) THEN ' +' ELSE '' END
  FROM mlops.search_runs(exps, filter, order_by, n, token, view) WITH ORDINALITY s $$;
-- the token of a page (NULL on the last page)
CREATE FUNCTION pg_temp.token(exps text[], filter text, order_by text, n int, token text DEFAULT NULL,
                              view text DEFAULT 'active') RETURNS text
LANGUAGE sql AS $$
SELECT max(next_page_token) FROM mlops.search_runs(exps, filter, order_by, n, token, view) $$;
-- every page of a search, page by page: "a b | c d | e"
CREATE FUNCTION pg_temp.pages(exps text[], filter text, order_by text, n int, view text DEFAULT 'active')
RETURNS text LANGUAGE plpgsql AS $$
DECLARE tok text; acc text := ''; names text; pages int := 0;
BEGIN
    LOOP
        SELECT string_agg(s.name, ' ' ORDER BY s.ordinality), max(s.next_page_token) INTO names, tok
          FROM mlops.search_runs(exps, filter, order_by, n, tok, view) WITH ORDINALITY s;
        acc := acc || CASE WHEN pages > 0 THEN ' | ' ELSE '' END || coalesce(names, '(none)');
        pages := pages + 1;
        EXIT WHEN tok IS NULL OR pages > 1000;
    END LOOP;
    RETURN acc;
END $$;
-- whether paging through a search returns exactly the runs of one big page, in order
CREATE FUNCTION pg_temp.paged_equals_whole(exps text[], filter text, order_by text, n int, view text DEFAULT 'active')
RETURNS boolean LANGUAGE sql AS $$
SELECT replace(pg_temp.pages(exps, filter, order_by, n, view), ' | ', ' ')
       = (SELECT coalesce(string_agg(s.name, ' ' ORDER BY s.ordinality), '(none)')
            FROM mlops.search_runs(exps, filter, order_by, 50000, NULL, view) WITH ORDINALITY s) $$;

-- two experiments; runs one hour apart, metrics with a tie, NaN and gaps
INSERT INTO mlops.experiments (name) VALUES ('p1'), ('p2'), ('empty');
INSERT INTO mlops.runs (id, experiment_id, name, start_time)
SELECT ('00000000-0000-0000-0000-0000000000' || lpad(i::text, 2, '0'))::uuid,
       (SELECT id FROM mlops.experiments WHERE name = CASE WHEN i <= 6 THEN 'p1' ELSE 'p2' END),
       'r' || i, timestamptz '2026-01-01 00:00:00+00' + i * interval '1 hour'
  FROM generate_series(1, 8) i;
SELECT count(mlops.log_metric(('00000000-0000-0000-0000-0000000000' || lpad(i::text, 2, '0'))::uuid, 'acc', v))
  FROM (VALUES (1, 0.5::float8), (2, 0.9), (3, 0.5), (4, 'NaN'), (6, 0.1), (7, 0.5)) AS m(i, v);
SELECT sum(mlops.log_params(('00000000-0000-0000-0000-0000000000' || lpad(i::text, 2, '0'))::uuid,
                            jsonb_build_object('opt', o)))
  FROM (VALUES (1, 'sgd'), (2, 'adam'), (4, 'sgd'), (5, 'adam'), (8, 'sgd')) AS p(i, o);

-- defaults: active runs of the experiments, newest first, one page
SELECT pg_temp.page(ARRAY['p1'], '', 'start_time DESC', 1000);
SELECT pg_temp.page(ARRAY['p1', 'p2'], '', 'start_time DESC', 1000);
SELECT pg_temp.page(NULL, '', 'start_time DESC', 1000) AS all_experiments;
SELECT pg_temp.page(ARRAY['empty'], '', 'start_time DESC', 1000);
SELECT pg_temp.page(ARRAY[]::text[], '', 'start_time DESC', 1000) AS no_experiments;
SELECT count(*) AS default_arguments FROM mlops.search_runs(ARRAY['p1']);
SELECT name, next_page_token IS NULL AS no_token FROM mlops.search_runs(experiments => ARRAY['p2'], filter => 'params.opt = ''sgd''');
-- the token is on the last row of a full page only, and only when more runs follow
SELECT name, next_page_token IS NOT NULL AS has_token FROM mlops.search_runs(ARRAY['p1'], '', 'name', 4);
SELECT name, next_page_token IS NOT NULL AS has_token FROM mlops.search_runs(ARRAY['p1'], '', 'name', 6);
SELECT pg_temp.page(ARRAY['p1'], '', 'name', 5);
-- pages in every order: attributes, params (missing last), metrics (NaN after numbers, then missing)
SELECT pg_temp.pages(ARRAY['p1', 'p2'], '', 'start_time DESC', 3);
SELECT pg_temp.pages(ARRAY['p1', 'p2'], '', 'name ASC', 3);
SELECT pg_temp.pages(ARRAY['p1', 'p2'], '', 'metrics.acc DESC', 2);
SELECT pg_temp.pages(ARRAY['p1', 'p2'], '', 'metrics.acc ASC', 2);
SELECT pg_temp.pages(ARRAY['p1', 'p2'], '', 'params.opt, metrics.acc DESC', 3);
SELECT pg_temp.pages(ARRAY['p1', 'p2'], '', 'params.opt DESC, start_time ASC', 1);
SELECT pg_temp.pages(ARRAY['p1', 'p2'], 'metrics.acc >= 0.5 OR params.opt IS NULL', 'metrics.acc, name DESC', 2);
SELECT pg_temp.pages(ARRAY['p1', 'p2'], '', 'attributes.end_time, `Run name`', 3);
SELECT pg_temp.pages(NULL, 'attributes.status = ''RUNNING''', 'created', 4);
-- every page size gives the same runs as one page
SELECT n, pg_temp.paged_equals_whole(ARRAY['p1', 'p2'], '', 'metrics.acc DESC, params.opt', n) AS metric_param,
       pg_temp.paged_equals_whole(ARRAY['p1', 'p2'], '', 'params.opt DESC', n) AS param,
       pg_temp.paged_equals_whole(ARRAY['p1', 'p2'], 'params.opt IS NOT NULL OR metrics.acc > 0', 'end_time DESC', n) AS filtered
  FROM generate_series(1, 9) n;

-- many runs, many ties: three pages sizes over 150 runs, several orders
INSERT INTO mlops.experiments (name) VALUES ('big');
INSERT INTO mlops.runs (experiment_id, name, start_time)
SELECT (SELECT id FROM mlops.experiments WHERE name = 'big'), 'b' || lpad(i::text, 3, '0'),
       timestamptz '2026-02-01 00:00:00+00' + (i % 40) * interval '1 minute'
  FROM generate_series(1, 150) i;
INSERT INTO mlops.metrics (run_id, key, value)
SELECT r.id, 'm', CASE WHEN i % 17 = 0 THEN 'NaN' ELSE (i % 9) / 4.0 END
  FROM (SELECT id, substr(name, 2)::int AS i FROM mlops.runs WHERE name LIKE 'b%') r WHERE i % 5 <> 0;
INSERT INTO mlops.params (run_id, key, value)
SELECT r.id, 'p', (i % 4)::text FROM (SELECT id, substr(name, 2)::int AS i FROM mlops.runs WHERE name LIKE 'b%') r WHERE i % 3 <> 0;
SELECT n, pg_temp.paged_equals_whole(ARRAY['big'], '', 'start_time DESC', n) AS by_time,
       pg_temp.paged_equals_whole(ARRAY['big'], '', 'metrics.m DESC, params.p', n) AS by_metric,
       pg_temp.paged_equals_whole(ARRAY['big'], '', 'params.p DESC, metrics.m, created DESC', n) AS by_param,
       pg_temp.paged_equals_whole(ARRAY['big'], 'metrics.m > 0.5 OR params.p IN (''1'', ''2'')', 'metrics.m', n) AS filtered
  FROM (VALUES (1), (7), (50)) v(n);
-- the map form of order_by (more than four metric, param or tag keys) pages the same way
SELECT pg_temp.paged_equals_whole(ARRAY['big'], '', 'metrics.m, params.p DESC, tags.t, metrics.x, params.y', 11) AS maps_form;
SELECT length(pg_temp.pages(ARRAY['big'], '', 'metrics.m DESC', 7)) - length(replace(pg_temp.pages(ARRAY['big'], '', 'metrics.m DESC', 7), '|', '')) + 1 AS pages_of_7;

-- stable under concurrent writes: runs logged or removed between two pages
-- shift nothing (an OFFSET would repeat c7 on the second page, and miss
-- c-mid on the third); a run logged after the last row returned shows up later
INSERT INTO mlops.experiments (name) VALUES ('conc');
INSERT INTO mlops.runs (experiment_id, name, start_time)
SELECT (SELECT id FROM mlops.experiments WHERE name = 'conc'), 'c' || i,
       timestamptz '2026-03-01 00:00:00+00' + i * interval '1 hour'
  FROM generate_series(1, 9) i;
CREATE TEMP TABLE tok AS SELECT pg_temp.token(ARRAY['conc'], '', 'start_time DESC', 3) AS t;
SELECT pg_temp.page(ARRAY['conc'], '', 'start_time DESC', 3) AS first_page;
INSERT INTO mlops.runs (experiment_id, name, start_time)
SELECT id, 'c-newest', timestamptz '2026-03-02 00:00:00+00' FROM mlops.experiments WHERE name = 'conc';
SELECT string_agg(name, ' ') AS offset_would_give FROM (SELECT r.name FROM mlops.runs r JOIN mlops.experiments e
    ON e.id = r.experiment_id WHERE e.name = 'conc' ORDER BY r.start_time DESC OFFSET 3 LIMIT 3) o;
SELECT pg_temp.page(ARRAY['conc'], '', 'start_time DESC', 3, (SELECT t FROM tok)) AS second_page;
CREATE TEMP TABLE tok3 AS SELECT pg_temp.token(ARRAY['conc'], '', 'start_time DESC', 3, (SELECT t FROM tok)) AS t;
DELETE FROM mlops.runs WHERE name IN ('c6', 'c5');
INSERT INTO mlops.runs (experiment_id, name, start_time)
SELECT id, 'c-mid', timestamptz '2026-03-01 03:30:00+00' FROM mlops.experiments WHERE name = 'conc';
SELECT string_agg(name, ' ') AS offset_would_give FROM (SELECT r.name FROM mlops.runs r JOIN mlops.experiments e
    ON e.id = r.experiment_id WHERE e.name = 'conc' ORDER BY r.start_time DESC OFFSET 6 LIMIT 3) o;
SELECT pg_temp.page(ARRAY['conc'], '', 'start_time DESC', 3, (SELECT t FROM tok3)) AS third_page;
SELECT pg_temp.page(ARRAY['conc'], '', 'start_time DESC', 3,
                    pg_temp.token(ARRAY['conc'], '', 'start_time DESC', 3, (SELECT t FROM tok3))) AS fourth_page;
-- the token is exact whatever the session's settings (floats, time zone, date style)
CREATE TEMP TABLE tok2 AS SELECT pg_temp.token(ARRAY['big'], '', 'metrics.m DESC, created', 20) AS t;
SET extra_float_digits = -3;
SET TimeZone = 'Pacific/Chatham';
SET DateStyle = 'SQL, DMY';
SELECT pg_temp.page(ARRAY['big'], '', 'metrics.m DESC, created', 5, (SELECT t FROM tok2)) AS after_settings_change;
RESET extra_float_digits;
RESET TimeZone;
RESET DateStyle;
SELECT pg_temp.page(ARRAY['big'], '', 'metrics.m DESC, created', 5, (SELECT t FROM tok2)) AS default_settings;
-- max_results may change from page to page
SELECT pg_temp.page(ARRAY['big'], '', 'metrics.m DESC, created', 2, (SELECT t FROM tok2)) AS smaller_page;

-- run_view_type: active (default), deleted, all; MLflow's ACTIVE_ONLY, DELETED_ONLY, ALL
UPDATE mlops.runs SET lifecycle_stage = 'deleted', deleted_time = now() WHERE name IN ('r2', 'r5');
SELECT pg_temp.page(ARRAY['p1'], '', 'name', 100) AS active;
SELECT pg_temp.page(ARRAY['p1'], '', 'name', 100, NULL, 'deleted') AS deleted;
SELECT pg_temp.page(ARRAY['p1'], '', 'name', 100, NULL, 'all') AS "all";
SELECT pg_temp.page(ARRAY['p1'], '', 'name', 100, NULL, 'DELETED_ONLY') AS deleted_only;
SELECT pg_temp.page(ARRAY['p1'], '', 'name', 100, NULL, 'ACTIVE_ONLY') AS active_only;
SELECT pg_temp.page(ARRAY['p1'], '', 'name', 100, NULL, 'ALL') AS all_upper;
SELECT pg_temp.page(ARRAY['p1'], 'attributes.lifecycle_stage = ''deleted''', 'name', 100, NULL, 'all') AS filtered_stage;
SELECT pg_temp.pages(ARRAY['p1'], '', 'metrics.acc DESC', 2, 'all') AS all_pages;
-- the text-experiment search_runs shows active runs only, as MLflow's default
SELECT string_agg(name, ' ' ORDER BY name) AS old_api_active_only FROM mlops.search_runs('p1');
SELECT count(*) AS old_api_all_experiments_active FROM mlops.search_runs(NULL::text);
SELECT string_agg(name, ' ' ORDER BY name) AS table_keeps_deleted_runs FROM mlops.runs
 WHERE experiment_id = (SELECT id FROM mlops.experiments WHERE name = 'p1');

-- bad input: SQLSTATE and a message naming it
SELECT pg_temp.try($$SELECT * FROM mlops.search_runs(ARRAY['p1'], run_view_type => 'archived')$$);
SELECT pg_temp.try($$SELECT * FROM mlops.search_runs(ARRAY['p1'], run_view_type => '')$$);
SELECT pg_temp.try($$SELECT * FROM mlops.search_runs(ARRAY['p1'], max_results => 50001)$$);
SELECT pg_temp.try($$SELECT * FROM mlops.search_runs(ARRAY['p1'], max_results => 0)$$);
SELECT pg_temp.try($$SELECT * FROM mlops.search_runs(ARRAY['p1'], max_results => 50000)$$);
SELECT pg_temp.try($$SELECT * FROM mlops.search_runs(ARRAY['p1', 'nope'])$$);
SELECT pg_temp.try($$SELECT * FROM mlops.search_runs(ARRAY['p1', NULL])$$);
SELECT pg_temp.try($$SELECT * FROM mlops.search_runs(ARRAY['p1'], 'metrics.acc >')$$);
-- a token only continues its own search
SELECT pg_temp.try(format('SELECT * FROM mlops.search_runs(ARRAY[''conc''], '''', ''name'', 3, %L)', (SELECT t FROM tok)));
SELECT pg_temp.try(format('SELECT * FROM mlops.search_runs(ARRAY[''conc''], ''name != ''''x'''''', ''start_time DESC'', 3, %L)', (SELECT t FROM tok)));
SELECT pg_temp.try(format('SELECT * FROM mlops.search_runs(ARRAY[''conc'', ''p1''], '''', ''start_time DESC'', 3, %L)', (SELECT t FROM tok)));
SELECT pg_temp.try(format('SELECT * FROM mlops.search_runs(ARRAY[''conc''], '''', ''start_time DESC'', 3, %L, ''all'')', (SELECT t FROM tok)));
SELECT pg_temp.try(format('SELECT * FROM mlops.search_runs(ARRAY[''conc''], '''', ''start_time DESC'', 3, %L)', (SELECT t FROM tok))) AS same_search_ok;
-- tokens that are not tokens
SELECT pg_temp.try($$SELECT * FROM mlops.search_runs(ARRAY['p1'], page_token => 'not base64!')$$);
SELECT pg_temp.try($$SELECT * FROM mlops.search_runs(ARRAY['p1'], page_token => encode('{"offset": 3}', 'base64'))$$);
SELECT pg_temp.try(format('SELECT * FROM mlops.search_runs(ARRAY[''conc''], '''', ''start_time DESC'', 3, %L)',
                          translate(encode(convert_to(replace(convert_from(decode((SELECT t FROM tok), 'base64'), 'utf8'), ';36:', ';35:'), 'utf8'), 'base64'), E'\n', '')));
SELECT pg_temp.try(format('SELECT * FROM mlops.search_runs(ARRAY[''conc''], '''', ''start_time DESC'', 3, %L)',
                          translate(encode(convert_to(regexp_replace(convert_from(decode((SELECT t FROM tok), 'base64'), 'utf8'), ';[0-9]+:[0-9]+;', ';3:abc;'), 'utf8'), 'base64'), E'\n', '')));
SELECT pg_temp.try(format('SELECT * FROM mlops.search_runs(ARRAY[''conc''], '''', ''start_time DESC'', 3, %L)',
                          translate(encode(convert_to(convert_from(decode((SELECT t FROM tok), 'base64'), 'utf8') || 'x', 'utf8'), 'base64'), E'\n', '')));
-- an empty page token is the first page
SELECT pg_temp.page(ARRAY['p1'], '', 'name', 2, '') AS empty_token;

-- tokens carry every sort key value a run may have: infinite start and end
-- times, subnormal metric values
SELECT mlops.create_experiment('edge-keys') > 0 AS created;
SELECT mlops.start_run('edge-keys', 'early', start_time => '-infinity') IS NOT NULL AS early;
SELECT mlops.start_run('edge-keys', 'middle', start_time => '2026-01-01 00:00:00+00') AS middle \gset
SELECT mlops.start_run('edge-keys', 'late', start_time => 'infinity') IS NOT NULL AS late;
SELECT mlops.log_metric(:'middle', 'loss', 1e-320);
SELECT mlops.end_run(:'middle', 'FINISHED', 'infinity');
SELECT pg_temp.pages(ARRAY['edge-keys'], '', 'start_time ASC', 1) AS by_start;
SELECT pg_temp.pages(ARRAY['edge-keys'], '', 'end_time DESC', 1) AS by_end;
SELECT pg_temp.pages(ARRAY['edge-keys'], '', 'metrics.loss ASC', 1) AS by_tiny_loss;
