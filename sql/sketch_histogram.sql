SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS mlops; RESET client_min_messages;
-- mlops.histogram: fixed edges, exact counts, sliding frames, parallel plans.
SET extra_float_digits = 0;

-- bins: below the first edge, [e_i, e_i+1), at or above the last edge, NaN
SELECT mlops.histogram(x, '{1,2}')
  FROM (VALUES (1.0::float8), (2), (0.5), ('NaN'), (NULL), ('Infinity'), ('-Infinity'), (1.5), (1.999999)) v(x);
-- a value equal to an edge falls in the upper bin
SELECT mlops.counts(mlops.histogram(x, '{0,10,20}')) FROM (VALUES (0::float8), (10), (20), (-0.0)) v(x);

-- text round trip; the text form is valid JSON
SELECT h, h::text::jsonb -> 'counts' AS counts_json
  FROM (SELECT '{"edges": [1, 2.5, 1e300], "counts": [1, 2, 3, 4], "nan": 5}'::mlops.histogram AS h) s;
SELECT '  {"edges":[-1.5],"counts":[0,9223372036854775807],"nan":0}  '::mlops.histogram;

-- accessors
SELECT mlops.edges(h), mlops.counts(h), mlops.nan_count(h), mlops.total(h)
  FROM (SELECT '{"edges": [1, 2], "counts": [1, 2, 3], "nan": 4}'::mlops.histogram AS h) s;

-- empty and all-NULL input: NULL, no error
SELECT mlops.histogram(x, '{1,2}') IS NULL AS empty_is_null FROM (SELECT 1.0::float8 AS x WHERE false) s;
SELECT mlops.histogram(x, '{1,2}') IS NULL AS all_null_is_null FROM (VALUES (NULL::float8), (NULL)) v(x);
SELECT mlops.merge(h) IS NULL AS merge_of_nulls FROM (VALUES (NULL::mlops.histogram)) v(h);

-- PSI on histograms: the reference test vector P3 (edges 10..90, open ends)
CREATE TABLE sk_p3 AS SELECT g + 0.5 AS x FROM generate_series(0, 99) g;
SELECT round(mlops.psi(mlops.histogram(x, e), mlops.histogram(x + 5, e))::numeric, 12) AS psi_p3,
       round((0.05 * ln(3))::numeric, 12) AS expected
  FROM sk_p3, (SELECT array_agg(g::float8 ORDER BY g) AS e FROM generate_series(10, 90, 10) g) edges;
-- identical histograms: 0; a NaN on one side brings the NaN bin in
SELECT mlops.psi(h, h) AS same,
       mlops.psi(h, '{"edges": [1, 2], "counts": [10, 10, 10], "nan": 0}') AS same_shares,
       round(mlops.psi(h, '{"edges": [1, 2], "counts": [10, 10, 10], "nan": 3}')::numeric, 6) AS with_nan
  FROM (SELECT '{"edges": [1, 2], "counts": [1, 1, 1], "nan": 0}'::mlops.histogram AS h) s;
-- the same computation through the shared drift_psi_counts on counts [60,40,0] vs [50,30,20] (vector P2)
SELECT round(mlops.psi('{"edges": [1, 2], "counts": [60, 40, 0], "nan": 0}'::mlops.histogram,
                       '{"edges": [1, 2], "counts": [50, 30, 20], "nan": 0}')::numeric, 12) AS psi_p2;

-- merge(histogram) equals the histogram of the union
SELECT mlops.merge(h)::text = (SELECT mlops.histogram(x, '{10,50}') FROM sk_p3)::text AS merge_is_union
  FROM (SELECT mlops.histogram(x, '{10,50}') AS h FROM sk_p3 GROUP BY x::int % 7) s;

-- sliding frames: every frame equals a recompute of that frame
CREATE TABLE sk_events AS
SELECT timestamptz '2026-01-01 00:00+00' + (g * interval '97 seconds') AS ts,
       CASE WHEN g % 53 = 0 THEN 'NaN'::float8
            WHEN g % 31 = 0 THEN NULL
            ELSE sin(g * 0.37) * 50 + g * 0.01 END AS x
  FROM generate_series(1, 3000) g;
WITH slid AS (
    SELECT ts, mlops.histogram(x, '{-40,-20,0,20,40}')
               OVER (ORDER BY ts RANGE BETWEEN interval '1 hour' PRECEDING AND CURRENT ROW) AS h
      FROM sk_events
), recomputed AS (
    SELECT e.ts, (SELECT mlops.histogram(f.x, '{-40,-20,0,20,40}') FROM sk_events f
                   WHERE f.ts > e.ts - interval '1 hour' AND f.ts <= e.ts) AS h
      FROM sk_events e
)
SELECT count(*) AS frames,
       count(*) FILTER (WHERE s.h::text IS NOT DISTINCT FROM r.h::text) AS equal,
       sum(mlops.total(s.h)) AS values_counted
  FROM slid s JOIN recomputed r USING (ts);
-- a frame that empties (rows leave) gives NULL, like an empty group
SELECT x, mlops.histogram(x, '{0}') OVER (ORDER BY t ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING) AS h
  FROM (VALUES (1, 1::float8), (2, NULL), (3, NULL), (4, 2)) v(t, x);
-- the aggregate declares its inverse, combine, serial and deserial functions
SELECT aggfnoid::regprocedure, aggminvtransfn, aggcombinefn, aggserialfn, aggdeserialfn
  FROM pg_aggregate WHERE aggfnoid::regprocedure::text IN ('mlops.histogram(double precision,double precision[])', 'mlops.merge(mlops.histogram)')
 ORDER BY 1::text;

-- parallel plans give the same answers
CREATE TABLE sk_big AS SELECT (g % 1000) / 10.0 + (g % 7) AS x, g % 5 AS grp FROM generate_series(1, 200000) g;
ANALYZE sk_big;
CREATE TABLE sk_serial AS
SELECT grp, mlops.histogram(x, '{10,20,50,80}')::text AS h FROM sk_big GROUP BY grp;
CREATE TABLE sk_serial_all AS SELECT mlops.histogram(x, '{10,20,50,80}')::text AS h FROM sk_big;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2; SET force_parallel_mode = on;
EXPLAIN (COSTS OFF) SELECT mlops.histogram(x, '{10,20,50,80}') FROM sk_big;
SELECT h = (SELECT h FROM sk_serial_all) AS parallel_equals_serial
  FROM (SELECT mlops.histogram(x, '{10,20,50,80}')::text AS h FROM sk_big) s;
SELECT count(*) AS groups, count(*) FILTER (WHERE p.h = s.h) AS equal
  FROM (SELECT grp, mlops.histogram(x, '{10,20,50,80}')::text AS h FROM sk_big GROUP BY grp) p
  JOIN sk_serial s USING (grp);
SELECT mlops.merge(h)::text = (SELECT h FROM sk_serial_all) AS parallel_merge
  FROM (SELECT mlops.histogram(x, '{10,20,50,80}') AS h FROM sk_big GROUP BY grp) s;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather; RESET force_parallel_mode;

-- bad input: SQLSTATE, message and detail of every error
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE st text; msg text; det text;
BEGIN EXECUTE q; RETURN 'no error';
EXCEPTION WHEN OTHERS THEN GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
  RETURN st || ': ' || msg || coalesce(nullif(' (' || det || ')', ' ()'), ''); END $f$;
SELECT q AS statement, pg_temp.err(q) AS error FROM (VALUES
  ($q$SELECT mlops.histogram(x, '{}') FROM sk_p3$q$),
  ($q$SELECT mlops.histogram(x, '{3,2}') FROM sk_p3$q$),
  ($q$SELECT mlops.histogram(x, '{1,1}') FROM sk_p3$q$),
  ($q$SELECT mlops.histogram(x, '{1,NaN}') FROM sk_p3$q$),
  ($q$SELECT mlops.histogram(x, '{-Infinity,1}') FROM sk_p3$q$),
  ($q$SELECT mlops.histogram(x, '{1,NULL}') FROM sk_p3$q$),
  ($q$SELECT mlops.histogram(x, '{{1,2},{3,4}}') FROM sk_p3$q$),
  ($q$SELECT mlops.histogram(x, NULL) FROM sk_p3$q$),
  ($q$SELECT mlops.histogram(x, (SELECT array_agg(g::float8) FROM generate_series(1, 10000) g)) FROM sk_p3$q$),
  ($q$SELECT mlops.histogram(x, CASE WHEN x < 50 THEN '{1,2}'::float8[] ELSE '{1,3}' END) FROM sk_p3$q$),
  ($q$SELECT mlops.merge(h) FROM (VALUES ('{"edges": [1], "counts": [1, 1], "nan": 0}'::mlops.histogram), ('{"edges": [2], "counts": [1, 1], "nan": 0}')) v(h)$q$),
  ($q$SELECT mlops.psi('{"edges": [1], "counts": [1, 1], "nan": 0}'::mlops.histogram, '{"edges": [1, 2], "counts": [1, 1, 1], "nan": 0}')$q$),
  ($q$SELECT '{"edges": [2, 1], "counts": [1, 2, 3], "nan": 0}'::mlops.histogram$q$),
  ($q$SELECT '{"edges": [1, 2], "counts": [1, 2], "nan": 0}'::mlops.histogram$q$),
  ($q$SELECT '{"edges": [1, 2], "counts": [1, 2, 3, 4], "nan": 0}'::mlops.histogram$q$),
  ($q$SELECT '{"edges": [], "counts": [1], "nan": 0}'::mlops.histogram$q$),
  ($q$SELECT '{"edges": [NaN], "counts": [1, 1], "nan": 0}'::mlops.histogram$q$),
  ($q$SELECT '{"edges": [1], "counts": [-1, 1], "nan": 0}'::mlops.histogram$q$),
  ($q$SELECT '{"edges": [1], "counts": [9223372036854775807, 1], "nan": 0}'::mlops.histogram$q$),
  ($q$SELECT '{"edges": [1], "counts": [1, 1], "nan": 0} x'::mlops.histogram$q$),
  ($q$SELECT '{"edges": [1e999], "counts": [1, 1], "nan": 0}'::mlops.histogram$q$),
  ($q$SELECT ''::mlops.histogram$q$)
) v(q);
-- the hint of an input error
\set VERBOSITY default
SELECT '{"edges": [1, 2], "counts": [1, 2], "nan": 0}'::mlops.histogram;
SELECT mlops.histogram(x, '{3,2}') FROM (VALUES (1.0::float8)) v(x);
\set VERBOSITY terse
-- nothing half-written: a failing INSERT ... SELECT leaves no row
CREATE TABLE sk_store (h mlops.histogram);
INSERT INTO sk_store SELECT mlops.histogram(x, CASE WHEN x < 50 THEN '{1,2}'::float8[] ELSE '{1,3}' END) FROM sk_p3;
SELECT count(*) AS rows_after_error FROM sk_store;
DROP TABLE sk_p3, sk_events, sk_big, sk_serial, sk_serial_all, sk_store;
