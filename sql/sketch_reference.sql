SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS mlops; RESET client_min_messages;
-- A reference distribution computed once, stored as a qsketch and a
-- histogram, and reused for every later window without the reference rows.
SET extra_float_digits = 0;
SET max_parallel_workers_per_gather = 0;
SET timezone = 'UTC';
CREATE TABLE ref_scores (ts timestamptz, score float8);
-- day 0: the reference; day 1: 12 hours like it, then 12 hours shifted up
INSERT INTO ref_scores
SELECT timestamptz '2026-03-01 00:00+00' + g * interval '9 seconds',
       sin(g * 0.7) * 0.5 + cos(g * 1.3) * 0.3
         + CASE WHEN g > 9600 + 4800 THEN 0.25 ELSE 0 END
  FROM generate_series(0, 19199) g;
CREATE TABLE ref_profiles (
    name   text PRIMARY KEY,
    sketch mlops.qsketch NOT NULL,
    edges  float8[] NOT NULL,
    hist   mlops.histogram NOT NULL
);
-- build the profile: one scan of the reference rows
INSERT INTO ref_profiles (name, sketch, edges, hist)
SELECT 'score@day0', s, e, (SELECT mlops.histogram(score, e) FROM ref_scores WHERE ts < '2026-03-02 00:00+00')
  FROM (SELECT s, mlops.quantile_edges(s, 10) AS e
          FROM (SELECT mlops.qsketch_agg(score) AS s FROM ref_scores WHERE ts < '2026-03-02 00:00+00') a) b;
SELECT name, mlops.total(sketch) AS n, cardinality(edges) AS edges, mlops.counts(hist) AS reference_counts,
       pg_column_size(sketch) < 16384 AS sketch_small
  FROM ref_profiles;
-- what the comparisons give while the reference rows are still there
-- (a view: one histogram and one sketch per hour, compared with the stored profile)
CREATE VIEW ref_windows AS
SELECT w.hour, w.n,
       mlops.psi(r.hist, w.hist) AS psi_hist,
       mlops.psi(r.sketch, w.sketch) AS psi_sketch,
       (mlops.ks(r.sketch, w.sketch)).statistic AS ks
  FROM (SELECT date_trunc('hour', ts) AS hour, count(*) AS n,
               mlops.histogram(score, (SELECT edges FROM ref_profiles WHERE name = 'score@day0')) AS hist,
               mlops.qsketch_agg(score) AS sketch
          FROM ref_scores WHERE ts >= '2026-03-02 00:00+00' GROUP BY 1) w
  JOIN ref_profiles r ON r.name = 'score@day0';
CREATE TABLE ref_before AS SELECT * FROM ref_windows;
-- the reference rows are gone: later windows only need the stored profile
DELETE FROM ref_scores WHERE ts < '2026-03-02 00:00+00';
SELECT count(*) AS rows_left FROM ref_scores;
SELECT hour, n, round(psi_hist::numeric, 4) AS psi_hist, round(psi_sketch::numeric, 4) AS psi_sketch,
       round(ks::numeric, 4) AS ks, psi_hist > 0.1 AS drift
  FROM ref_windows ORDER BY hour;
SELECT count(*) AS windows,
       count(*) FILTER (WHERE b.psi_hist = a.psi_hist AND b.psi_sketch = a.psi_sketch AND b.ks = a.ks) AS unchanged
  FROM ref_before b
  JOIN ref_windows a USING (hour);
-- a sliding one-hour frame against the stored histogram, every 30 minutes
SELECT ts, round(psi::numeric, 4) AS psi_last_hour
  FROM (SELECT c.ts, mlops.psi(r.hist, mlops.histogram(c.score, r.edges)
                                OVER (ORDER BY c.ts RANGE BETWEEN interval '1 hour' PRECEDING AND CURRENT ROW)) AS psi
          FROM ref_scores c CROSS JOIN ref_profiles r) w
 WHERE extract(minute FROM ts) IN (0, 30) AND extract(second FROM ts) = 0
   AND ts >= '2026-03-02 10:00+00' AND ts < '2026-03-02 15:00+00'
 ORDER BY ts;
-- the profile survives a dump: the text forms read back to the same values
SELECT sketch::text::mlops.qsketch::text = sketch::text AS sketch_text_round_trip,
       hist::text::mlops.histogram::text = hist::text AS hist_text_round_trip
  FROM ref_profiles;
DROP VIEW ref_windows;
DROP TABLE ref_scores, ref_profiles, ref_before;
