-- A statement_timeout stops the exact drift statistics while they sort and
-- merge millions of values: every such loop checks for interrupts.
-- ks_test and ks_2samp share that work (ks_compute). The aggregate's input
-- phase is interrupted by the executor between rows; the part that is mlops'
-- own is timed here on 20M values (10M per side) folded into a cached plan as
-- a constant by EXPLAIN EXECUTE, so that the timed EXECUTE runs mlops code
-- only. Before every such loop checked, the timeout waited for the whole sort.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS mlops;
RESET client_min_messages;
SET max_parallel_workers_per_gather = 0;
-- 10,240,000 values: 10,000 golden-ratio fractions (full mantissas, so every
-- radix pass runs), doubled ten times by concatenation (a memcpy each).
CREATE FUNCTION pg_temp.spread() RETURNS double precision[]
    LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    a double precision[] := ARRAY(SELECT g * 0.6180339887498949 - floor(g * 0.6180339887498949)
                                    FROM generate_series(1, 10000) g);
BEGIN
    FOR i IN 1..10 LOOP
        a := a || a;
    END LOOP;
    RETURN a;
END $$;
-- the CASE on a volatile condition keeps ks_2samp itself from being folded
PREPARE ks20m AS
    SELECT mlops.ks_2samp(a, a)
      FROM (SELECT CASE WHEN random() >= 0 THEN pg_temp.spread() END AS a OFFSET 0) s;
\o /dev/null
EXPLAIN EXECUTE ks20m;
\o
SET statement_timeout = '200ms';
DO $$
DECLARE
    t0 timestamptz := clock_timestamp();
BEGIN
    EXECUTE 'EXECUTE ks20m';
    RAISE NOTICE 'ks_2samp over 20M values: not cancelled';
EXCEPTION WHEN query_canceled THEN
    RAISE NOTICE 'ks_2samp over 20M values cancelled within 1 s: %',
        clock_timestamp() - t0 < interval '1 s';
END $$;
RESET statement_timeout;
DEALLOCATE ks20m;
