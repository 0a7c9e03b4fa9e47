-- Every drift aggregate under a forced parallel plan (partial aggregates in
-- workers, serialized states, combine in the leader) gives the same answer
-- as the serial plan; the state decoders reject malformed bytes.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS mlops;
RESET client_min_messages;
CREATE TABLE drift_par (v float8, is_ref bool, cat text);
INSERT INTO drift_par
SELECT CASE WHEN i % 997 = 0 THEN 'NaN'::float8
            ELSE ((i * 7919) % 10007) / 1000.0 + CASE WHEN i % 3 = 0 THEN 0.4 ELSE 0 END END,
       i % 3 <> 0,
       'c' || ((i * 31) % (CASE WHEN i % 3 = 0 THEN 23 ELSE 20 END))
  FROM generate_series(1, 120000) i;
ANALYZE drift_par;
CREATE TEMP TABLE answers (plan text, ks mlops.drift_result, ks_less mlops.drift_result, psi float8, psi20 float8,
                           w float8, js float8, h float8, pc float8, chi mlops.drift_result);
-- serial
SET max_parallel_workers_per_gather = 0;
INSERT INTO answers
SELECT 'serial', mlops.ks_test(v, is_ref), mlops.ks_test(v, is_ref, 'less'), mlops.psi(v, is_ref), mlops.psi(v, is_ref, 20),
       mlops.wasserstein(v, is_ref) FILTER (WHERE v <> 'NaN'), mlops.jensen_shannon(v, is_ref), mlops.hellinger(v, is_ref, 7),
       mlops.psi_categorical(cat, is_ref), mlops.chi2_test(cat, is_ref)
  FROM drift_par;
-- parallel
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET force_parallel_mode = on;
-- (an INSERT ... SELECT never runs a parallel plan: CREATE TABLE AS does)
CREATE VIEW par_answers AS
SELECT mlops.ks_test(v, is_ref) AS ks, mlops.ks_test(v, is_ref, 'less') AS ks_less, mlops.psi(v, is_ref) AS psi,
       mlops.psi(v, is_ref, 20) AS psi20, mlops.wasserstein(v, is_ref) FILTER (WHERE v <> 'NaN') AS w,
       mlops.jensen_shannon(v, is_ref) AS js, mlops.hellinger(v, is_ref, 7) AS h,
       mlops.psi_categorical(cat, is_ref) AS pc, mlops.chi2_test(cat, is_ref) AS chi
  FROM drift_par;
EXPLAIN (COSTS OFF) CREATE TEMP TABLE answers_par AS SELECT * FROM par_answers;
CREATE TEMP TABLE answers_par AS SELECT * FROM par_answers;
INSERT INTO answers SELECT 'parallel', * FROM answers_par;
RESET force_parallel_mode;
RESET max_parallel_workers_per_gather;
RESET min_parallel_table_scan_size;
RESET parallel_tuple_cost;
RESET parallel_setup_cost;
-- the serial answers themselves
SELECT (ks).n_ref, (ks).n_cur, round((ks).statistic::numeric, 10) AS ks_d, (ks).pvalue < 1e-12 AS ks_tiny_p,
       round((ks_less).statistic::numeric, 10) AS ks_less_d,
       round(psi::numeric, 10) AS psi, round(psi20::numeric, 10) AS psi20, round(w::numeric, 10) AS w,
       round(js::numeric, 10) AS js, round(h::numeric, 10) AS h, round(pc::numeric, 10) AS psi_cat,
       round((chi).statistic::numeric, 6) AS chi2, (chi).pvalue < 1e-12 AS chi2_tiny_p
  FROM answers WHERE plan = 'serial';
-- parallel = serial, bit for bit (categorical sums add in the categories' byte order)
SELECT p.plan, s.ks = p.ks AS ks, s.ks_less = p.ks_less AS ks_less, s.psi = p.psi AS psi, s.psi20 = p.psi20 AS psi20,
       s.w = p.w AS w, s.js = p.js AS js, s.h = p.h AS h,
       s.pc = p.pc AS psi_cat,
       s.chi = p.chi AS chi2
  FROM answers s, answers p WHERE s.plan = 'serial' AND p.plan = 'parallel';
-- With no worker to launch, the leader runs the partial aggregates itself and
-- hands each drift state to the Finalize Aggregate by reference (DEBUG1 says
-- so, once per transition state: psi and jensen_shannon share theirs; the
-- categorical states are copied): the same answers again.
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2; SET force_parallel_mode = on; SET max_parallel_workers = 0;
SET client_min_messages = debug1;
SELECT 'leader' AS plan, s.ks = p.ks AS ks, s.ks_less = p.ks_less AS ks_less, s.psi = p.psi AS psi,
       s.psi20 = p.psi20 AS psi20, s.w = p.w AS w, s.js = p.js AS js, s.h = p.h AS h, s.pc = p.pc AS psi_cat,
       s.chi = p.chi AS chi2
  FROM answers s, par_answers p WHERE s.plan = 'serial';
RESET ALL;
-- Partitionwise: one plain partial aggregate per partition, all run by the
-- leader, each handing its state over: six hand-overs, the serial answers.
CREATE TABLE drift_pt (v float8, is_ref bool, k int) PARTITION BY LIST (k);
CREATE TABLE drift_pt0 PARTITION OF drift_pt FOR VALUES IN (0);
CREATE TABLE drift_pt1 PARTITION OF drift_pt FOR VALUES IN (1);
CREATE TABLE drift_pt2 PARTITION OF drift_pt FOR VALUES IN (2);
INSERT INTO drift_pt SELECT v, is_ref, (row_number() OVER ()) % 3 FROM drift_par WHERE v <> 'NaN' LIMIT 90000;
ANALYZE drift_pt;
CREATE TEMP TABLE pt_serial AS SELECT mlops.psi(v, is_ref) AS psi, mlops.ks_test(v, is_ref) AS ks FROM drift_pt;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2; SET enable_partitionwise_aggregate = on; SET max_parallel_workers = 0;
EXPLAIN (COSTS OFF) SELECT mlops.psi(v, is_ref), mlops.ks_test(v, is_ref) FROM drift_pt;
SET client_min_messages = debug1;
SELECT p.psi = s.psi AS psi, p.ks = s.ks AS ks
  FROM (SELECT mlops.psi(v, is_ref) AS psi, mlops.ks_test(v, is_ref) AS ks FROM drift_pt) p, pt_serial s;
RESET ALL;
DROP TABLE drift_pt;
-- grouped: a parallel plan with many groups agrees with the serial one
CREATE TEMP TABLE grouped AS
SELECT cat AS g, mlops.ks_test(v, is_ref) AS ks, mlops.psi(v, is_ref) AS psi FROM drift_par GROUP BY 1;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2; SET force_parallel_mode = on;
SELECT count(*) AS groups_agree, (SELECT count(*) FROM grouped) AS groups
  FROM grouped g
  JOIN (SELECT cat AS g, mlops.ks_test(v, is_ref) AS ks, mlops.psi(v, is_ref) AS psi
          FROM drift_par GROUP BY 1) p
    ON p.g IS NOT DISTINCT FROM g.g AND p.ks = g.ks AND p.psi IS NOT DISTINCT FROM g.psi;
RESET ALL;
-- serialized states: a round trip, then malformed images are refused with 22P03
SELECT mlops._drift_state_info(mlops._drift_state_encode(7, '{1,2,NaN}', '{3}'));
SELECT mlops._drift_state_info(mlops._drift_state_encode(-1, '{}', '{}'));
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN EXECUTE q; RETURN 'no error';
EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
SELECT pg_temp.err($$SELECT mlops._drift_state_info('\x')$$);
SELECT pg_temp.err($$SELECT mlops._drift_state_info('\x00000000ffffffff00000000000000000000000000000000')$$);
-- right magic, param out of range
SELECT pg_temp.err($$SELECT mlops._drift_state_info('\x4d4453311127000000000000000000000000000000000000'::bytea)$$);
-- counts larger than the data, negative counts, one byte too many
SELECT pg_temp.err($$SELECT mlops._drift_state_info('\x4d445331ffffffff01000000000000000000000000000000'::bytea)$$);
SELECT pg_temp.err($$SELECT mlops._drift_state_info('\x4d445331ffffffffffffffffffffffff01000000000000000000000000000000'::bytea)$$);
SELECT pg_temp.err($$SELECT mlops._drift_state_info(mlops._drift_state_encode(-1, '{1}', '{2}') || '\x00'::bytea)$$);
SELECT pg_temp.err($$SELECT mlops._drift_state_info(substring(mlops._drift_state_encode(-1, '{1}', '{2}') from 1 for 30))$$);
SELECT pg_temp.err($$SELECT mlops._drift_state_info('\x4d445331ffffffffffffffffffffff7fffffffffffffff7f'::bytea)$$);
SELECT pg_temp.err($$SELECT mlops._cat_state_info('\x4d435331')$$);
SELECT pg_temp.err($$SELECT mlops._cat_state_info('\x4d43533101000000000000000500000061'::bytea)$$);
SELECT pg_temp.err($$SELECT mlops._cat_state_info('\x4d4353310100000000000000010000006100000000000000000000000000000000'::bytea)$$);
SELECT pg_temp.err($$SELECT mlops._cat_state_info('\x4d4353310100000000000000ffffffff6100000000000000000000000000000000'::bytea)$$);
SELECT mlops._cat_state_info('\x4d4353310100000000000000010000006102000000000000000300000000000000'::bytea);
SELECT pg_temp.err($$SELECT mlops._cat_state_info('\x4d435331010000000000000001000000610200000000000000030000000000000000'::bytea)$$);
-- an MDS2 image (a grouped state) made from an MDS1 one: both sides' shifts after the counts
CREATE FUNCTION pg_temp.mds2(img bytea, shifts bytea) RETURNS bytea LANGUAGE sql AS $$
    SELECT '\x4d445332'::bytea || substring(img from 5 for 20) || shifts || substring(img from 25)
$$;
-- random bytes and random mutations of valid images (MDS1, MDS2, categorical):
-- an error or a valid state, never a crash
CREATE TEMP TABLE fuzz (outcome text);
DO $$
DECLARE
    b bytea;
    good bytea := mlops._drift_state_encode(3, '{1,2,3}', '{4,5}');
    goodg bytea := pg_temp.mds2(mlops._drift_state_encode(3, '{1,1.5,2,3}', '{4,5,NaN}'), '\x2c0000002c000000');
    goodc bytea := '\x4d435331020000000000000001000000610200000000000000030000000000000002000000626201000000000000000000000000000000'::bytea;
    i int;
    r text;
BEGIN
    PERFORM setseed(0.5);
    FOR i IN 1..3000 LOOP
        IF i % 3 = 0 THEN
            b := decode(substr(md5(random()::text) || md5(random()::text) || md5(random()::text), 1,
                               2 * (random() * 48)::int), 'hex');
        ELSIF i % 3 = 1 THEN
            b := CASE WHEN i % 2 = 0 THEN good ELSE goodg END;
            b := set_byte(b, (random() * (length(b) - 1))::int, (random() * 255)::int);
            b := substring(b from 1 for (random() * length(b))::int + 1);
        ELSE
            b := set_byte(goodc, (random() * (length(goodc) - 1))::int, (random() * 255)::int);
        END IF;
        BEGIN
            IF i % 3 = 2 THEN r := mlops._cat_state_info(b); ELSE r := mlops._drift_state_info(b); END IF;
            INSERT INTO fuzz VALUES ('decoded');
        EXCEPTION WHEN invalid_binary_representation THEN
            INSERT INTO fuzz VALUES ('22P03');
        END;
    END LOOP;
END $$;
SELECT outcome, count(*) > 0 AS seen FROM fuzz GROUP BY outcome ORDER BY outcome;
-- a leader-local reference (MDS3) is no state image, and outside its query
-- the reference names nothing
SELECT pg_temp.err($$SELECT mlops._drift_state_info('\x4d445333000000000102030405060708'::bytea)$$);
DROP VIEW par_answers;
DROP TABLE drift_par;
-- The binned statistics serialize grouped states (values ordered by the top
-- bits of their keys only), ks_test and wasserstein sorted ones.
SELECT p.proname, a.aggserialfn::regproc
  FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
 WHERE p.pronamespace = 'mlops'::regnamespace AND a.aggserialfn = 'mlops._drift_serialize_grouped'::regproc
 ORDER BY 1, p.pronargs;
SELECT DISTINCT a.aggserialfn::regproc
  FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
 WHERE p.pronamespace = 'mlops'::regnamespace AND p.proname IN ('ks_test', 'wasserstein');
-- Grouped states in parallel plans: the same answers as the serial plan, bit
-- for bit, on samples whose groups are many and small (spread values, with
-- NaN, infinities, -0, subnormal-sized and tied values), one large group (a
-- narrow range: every quantile is selected within it), and heavy ties.
CREATE TABLE drift_grp (kind text, v float8, is_ref bool);
SELECT setseed(0.25);
INSERT INTO drift_grp
SELECT 'spread',
       CASE WHEN i % 5 = 0 THEN x * 1e-300 WHEN i % 7 = 0 THEN round(x * 3) WHEN i % 1001 = 0 THEN 'NaN'
            WHEN i % 1003 = 0 THEN 'Infinity' WHEN i % 1005 = 0 THEN '-Infinity' WHEN i % 11 = 0 THEN -0.0::float8
            ELSE x END,
       i % 2 = 1
  FROM (SELECT random() * 4 - 1 + CASE WHEN i % 2 = 0 THEN 0.1 ELSE 0 END AS x, i FROM generate_series(1, 120000) i) s;
INSERT INTO drift_grp SELECT 'narrow', 1000 + random() * 1e-9, i % 3 = 0 FROM generate_series(1, 120000) i;
INSERT INTO drift_grp SELECT 'ties', (i % 13)::float8, i % 2 = 0 FROM generate_series(1, 120000) i;
ANALYZE drift_grp;
CREATE TEMP TABLE grp_answers AS
SELECT 'serial' AS plan, kind, mlops.psi(v, is_ref) AS psi, mlops.psi(v, is_ref, 37) AS psi37,
       mlops.jensen_shannon(v, is_ref) AS js, mlops.hellinger(v, is_ref, 3) AS h
  FROM drift_grp GROUP BY kind;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2; SET force_parallel_mode = on;
INSERT INTO grp_answers
SELECT 'parallel', 'spread', mlops.psi(v, is_ref), mlops.psi(v, is_ref, 37), mlops.jensen_shannon(v, is_ref),
       mlops.hellinger(v, is_ref, 3)
  FROM drift_grp WHERE kind = 'spread';
INSERT INTO grp_answers
SELECT 'parallel', 'narrow', mlops.psi(v, is_ref), mlops.psi(v, is_ref, 37), mlops.jensen_shannon(v, is_ref),
       mlops.hellinger(v, is_ref, 3)
  FROM drift_grp WHERE kind = 'narrow';
INSERT INTO grp_answers
SELECT 'parallel', 'ties', mlops.psi(v, is_ref), mlops.psi(v, is_ref, 37), mlops.jensen_shannon(v, is_ref),
       mlops.hellinger(v, is_ref, 3)
  FROM drift_grp WHERE kind = 'ties';
RESET ALL;
SELECT s.kind, s.psi > 0 AS drifted, s.psi = p.psi AS psi, s.psi37 = p.psi37 AS psi37, s.js = p.js AS js, s.h = p.h AS h
  FROM grp_answers s JOIN grp_answers p ON p.kind = s.kind AND p.plan = 'parallel'
 WHERE s.plan = 'serial' ORDER BY 1;
DROP TABLE drift_grp;
-- MDS2 images (pg_temp.mds2 above). A side
-- ordered by key >> shift is taken as a grouped run, its groups in any order;
-- one that is not (or holds -0) is taken as unsorted values; a shift past 44
-- or below 0 and a header cut short are refused with 22P03.
SELECT mlops._drift_state_info(pg_temp.mds2(mlops._drift_state_encode(-1, '{1.0000001,1,2,NaN}', '{3,1}'),
                                            '\x2c0000002c000000'));
SELECT mlops._drift_state_info(pg_temp.mds2(mlops._drift_state_encode(10, '{1,2}', '{}'),
                                            '\x0b00000000000000'));
SELECT mlops._drift_state_info(pg_temp.mds2(mlops._drift_state_encode(-1, '{-0,1}', '{1,2}'),
                                            '\x2c00000000000000'));
SELECT pg_temp.err($$SELECT mlops._drift_state_info(pg_temp.mds2(mlops._drift_state_encode(-1, '{1}', '{2}'), '\x2d00000000000000'))$$);
SELECT pg_temp.err($$SELECT mlops._drift_state_info(pg_temp.mds2(mlops._drift_state_encode(-1, '{1}', '{2}'), '\x00000000ffffffff'))$$);
SELECT pg_temp.err($$SELECT mlops._drift_state_info('\x4d445332ffffffff000000000000000000000000000000002c000000'::bytea)$$);
SELECT pg_temp.err($$SELECT mlops._drift_state_info(pg_temp.mds2(mlops._drift_state_encode(-1, '{1}', '{2}'), '\x2c0000002c000000') || '\x00'::bytea)$$);
-- leave the database as found (install.sql creates the extension itself)
SET client_min_messages = warning;
DROP EXTENSION mlops CASCADE;
RESET client_min_messages;
