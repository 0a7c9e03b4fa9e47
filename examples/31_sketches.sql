-- mlops demo, part 31: sketches and sliding windows.
-- A model scores traffic every few seconds. We profile the reference day once
-- (a quantile sketch and a histogram on its deciles), store that profile, and
-- compare every later hour with it -- without reading the reference rows again.
\echo
\echo '== 1. two days of model scores: day 1 is the reference, day 2 drifts after 12:00'
CREATE TABLE demo_scores (ts timestamptz NOT NULL, score float8);
INSERT INTO demo_scores
SELECT timestamptz '2026-03-01 00:00+00' + g * interval '6 seconds',
       CASE WHEN g % 997 = 0 THEN 'NaN'::float8                       -- a few broken scores
            ELSE (random() + random() + random()) / 3
                 + CASE WHEN g >= 14400 + 7200 THEN 0.08 ELSE 0 END END  -- the shift
  FROM generate_series(0, 28799) g;
SELECT date_trunc('day', ts) AS day, count(*) AS rows FROM demo_scores GROUP BY 1 ORDER BY 1;

\echo
\echo '== 2. profile the reference once and store it (a few kB, whatever the row count)'
CREATE TABLE demo_reference (
    name   text PRIMARY KEY,
    sketch mlops.qsketch NOT NULL,        -- KLL quantile sketch: quantiles, cdf, ks, psi
    edges  float8[] NOT NULL,             -- the reference deciles
    hist   mlops.histogram NOT NULL       -- exact counts on those edges
);
INSERT INTO demo_reference
SELECT 'score@2026-03-01', s, e,
       (SELECT mlops.histogram(score, e) FROM demo_scores WHERE ts < '2026-03-02')
  FROM (SELECT s, mlops.quantile_edges(s, 10) AS e
          FROM (SELECT mlops.qsketch_agg(score) AS s FROM demo_scores WHERE ts < '2026-03-02') a) b;
SELECT name, mlops.total(sketch) AS rows, mlops.nan_count(sketch) AS nan_rows,
       round(mlops.quantile(sketch, 0.5)::numeric, 4) AS median,
       round(mlops.rank_error(sketch)::numeric, 4) AS rank_error,
       pg_column_size(sketch) AS sketch_bytes, mlops.counts(hist) AS decile_counts
  FROM demo_reference;

\echo
\echo '== 3. the reference rows can go: every hour of day 2 against the stored profile'
DELETE FROM demo_scores WHERE ts < '2026-03-02';
SELECT w.hour, w.rows,
       round(mlops.psi(r.hist, w.hist)::numeric, 3) AS psi,
       round(k.statistic::numeric, 3) AS ks, round(k.lower::numeric, 3) AS ks_low, round(k.upper::numeric, 3) AS ks_high,
       CASE WHEN mlops.psi(r.hist, w.hist) >= 0.25 THEN 'ALERT'
            WHEN mlops.psi(r.hist, w.hist) >= 0.1 THEN 'warn' ELSE '' END AS verdict
  FROM (SELECT date_bin('1 hour', ts, timestamptz '2026-03-02 00:00+00') AS hour, count(*) AS rows,
               mlops.histogram(score, (SELECT edges FROM demo_reference)) AS hist,
               mlops.qsketch_agg(score) AS sketch
          FROM demo_scores GROUP BY 1) w
 CROSS JOIN demo_reference r
 CROSS JOIN LATERAL mlops.ks(r.sketch, w.sketch) k
 ORDER BY w.hour;

\echo
\echo '== 4. a sliding one-hour frame: PSI at every row, rows leaving the frame are subtracted exactly'
SELECT ts, round(psi::numeric, 3) AS psi_last_hour
  FROM (SELECT s.ts, mlops.psi(r.hist, mlops.histogram(s.score, r.edges)
                      OVER (ORDER BY s.ts RANGE BETWEEN interval '1 hour' PRECEDING AND CURRENT ROW)) AS psi
          FROM demo_scores s CROSS JOIN demo_reference r) f
 WHERE ts >= '2026-03-02 11:00+00' AND ts < '2026-03-02 14:00+00' AND extract(minute FROM ts) IN (0, 20, 40)
   AND extract(second FROM ts) = 0
 ORDER BY ts;

\echo
\echo '== 5. sketches merge: the whole of day 2 from its hourly sketches, with its error bound'
SELECT mlops.total(m) AS rows, round(mlops.quantile(m, 0.5)::numeric, 4) AS median_day2,
       round(mlops.rank_error(m)::numeric, 4) AS rank_error,
       round(mlops.psi((SELECT sketch FROM demo_reference), m)::numeric, 3) AS psi_day2
  FROM (SELECT mlops.merge(s) AS m
          FROM (SELECT mlops.qsketch_agg(score) AS s FROM demo_scores GROUP BY date_bin('1 hour', ts, timestamptz '2026-03-02 00:00+00')) h) d;
DROP TABLE demo_scores, demo_reference;
