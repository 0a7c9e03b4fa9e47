#!/usr/bin/env bash
# Sketch benchmarks, each measured against its anchor in the same run:
#  - qsketch_agg over 1M reference + 1M current rows vs the scan floor sum(x)
#  - ks between two stored sketches of 1M rows each vs SELECT 1
#  - drift for each of 720 hourly windows of 10,000 rows (histogram per window
#    against a stored reference) vs one scan of those 7.2M rows
#  - qsketch_agg with 2 parallel workers vs serial (ratio = serial / parallel)
. "$SRC_DIR/scripts/benchlib.sh"
psql -qX -v ON_ERROR_STOP=1 <<'SQL'
DROP TABLE IF EXISTS sk_bench, sk_bench_sketches, sk_bench_windows, sk_bench_ref;
CREATE TABLE sk_bench AS
SELECT g <= 1000000 AS is_reference,
       (random() + random() + random()) * CASE WHEN g <= 1000000 THEN 1 ELSE 1.05 END AS x
  FROM generate_series(1, 2000000) g;
CREATE TABLE sk_bench_sketches AS
SELECT is_reference, mlops.qsketch_agg(x) AS s FROM sk_bench GROUP BY is_reference;
CREATE TABLE sk_bench_windows AS
SELECT timestamptz '2026-01-01 00:00+00' + (g / 10000) * interval '1 hour' + (g % 10000) * interval '360 ms' AS ts,
       random() + random() + random() + (g / 10000) * 0.001 AS x
  FROM generate_series(0, 7199999) g;
CREATE TABLE sk_bench_ref AS
SELECT s AS sketch, e AS edges, (SELECT mlops.histogram(x, e) FROM sk_bench WHERE is_reference) AS hist
  FROM (SELECT s, mlops.quantile_edges(s, 10) AS e FROM sk_bench_sketches WHERE is_reference) q;
VACUUM ANALYZE sk_bench; VACUUM ANALYZE sk_bench_windows; VACUUM ANALYZE sk_bench_sketches;
SQL
SERIAL="SET max_parallel_workers_per_gather = 0;"
PAR="SET max_parallel_workers_per_gather = 2; SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0;"
# warm the caches
sql_time "$SERIAL SELECT sum(x) FROM sk_bench_windows" 1 >/dev/null
sql_time "$SERIAL SELECT sum(x) FROM sk_bench" 2 >/dev/null

floor=$(sql_time "$SERIAL SELECT sum(x) FROM sk_bench" 5)
qagg=$(sql_time "$SERIAL SELECT mlops.total(mlops.qsketch_agg(x)) FROM sk_bench" 5)
echo "sum(x) over 2M rows: ${floor}s, qsketch_agg: ${qagg}s"
report "qsketch_agg, 2M rows, serial" "sum(x), same rows" "$(ratio "$qagg" "$floor")" "<= 1.5"

hagg=$(sql_time "$SERIAL SELECT mlops.total(mlops.histogram(x, (SELECT edges FROM sk_bench_ref))) FROM sk_bench" 5)
echo "histogram over 2M rows: ${hagg}s"
report "histogram (10 bins), 2M rows, serial" "sum(x), same rows" "$(ratio "$hagg" "$floor")" "<= 1.5"

one=$(sql_time "SELECT 1" 9)
ks=$(sql_time "SELECT k.* FROM sk_bench_sketches r, sk_bench_sketches c, LATERAL mlops.ks(r.s, c.s) k WHERE r.is_reference AND NOT c.is_reference" 9)
echo "SELECT 1: ${one}s, ks of two stored 1M-row sketches: ${ks}s"
report "ks(qsketch, qsketch), two stored 1M-row sketches" "SELECT 1" "$(ratio "$ks" "$one")" "<= 5"
psi=$(sql_time "SELECT mlops.psi(r.s, c.s) FROM sk_bench_sketches r, sk_bench_sketches c WHERE r.is_reference AND NOT c.is_reference" 9)
report "psi(qsketch, qsketch), two stored 1M-row sketches" "SELECT 1" "$(ratio "$psi" "$one")" "<= 5"

scan=$(sql_time "$SERIAL SELECT sum(x) FROM sk_bench_windows" 3)
win=$(sql_time "$SERIAL SELECT count(*) FROM (SELECT date_bin('1 hour', w.ts, timestamptz '2026-01-01 00:00+00') AS hour,
                  mlops.psi((SELECT hist FROM sk_bench_ref), mlops.histogram(w.x, (SELECT edges FROM sk_bench_ref))) AS psi
             FROM sk_bench_windows w GROUP BY 1) d" 3)
echo "one scan of 7.2M rows: ${scan}s, 720 hourly histograms + psi against the stored reference: ${win}s"
report "drift of 720 hourly windows (histogram + psi vs stored reference), 7.2M rows" "sum(x), same rows" "$(ratio "$win" "$scan")" "<= 3"
slide=$(sql_time "$SERIAL SELECT count(*) FROM (SELECT mlops.psi((SELECT hist FROM sk_bench_ref),
                      mlops.histogram(x, (SELECT edges FROM sk_bench_ref)) OVER (ORDER BY ts RANGE BETWEEN interval '1 hour' PRECEDING AND CURRENT ROW)) AS psi
             FROM sk_bench_windows WHERE ts < timestamptz '2026-01-01 00:00+00' + interval '72 hours') d" 1)
scan72=$(sql_time "$SERIAL SELECT sum(x) FROM sk_bench_windows WHERE ts < timestamptz '2026-01-01 00:00+00' + interval '72 hours'" 3)
echo "sliding 1-hour frame at every one of 720k rows: ${slide}s (scan of the same rows ${scan72}s)"
report "sliding 1-hour frame, psi at every row (720k rows, MINVFUNC)" "sum(x), same rows" "$(ratio "$slide" "$scan72")" "<= 30"

ser=$(sql_time "$SERIAL SELECT mlops.total(mlops.qsketch_agg(x)) FROM sk_bench" 3)
par=$(sql_time "$PAR SELECT mlops.total(mlops.qsketch_agg(x)) FROM sk_bench" 3)
echo "qsketch_agg serial ${ser}s, 2 workers ${par}s"
report "qsketch_agg speedup with 2 parallel workers (serial/parallel)" "same query, serial" "$(ratio "$ser" "$par")" ">= 1.6"
# what the machine gives the scan floor itself, to read the line above against
fser=$(sql_time "$SERIAL SELECT sum(x) FROM sk_bench" 3)
fpar=$(sql_time "$PAR SELECT sum(x) FROM sk_bench" 3)
echo "sum(x) serial ${fser}s, 2 workers ${fpar}s"
report "sum(x) speedup with 2 parallel workers (machine reference)" "same query, serial" "$(ratio "$fser" "$fpar")" ">= 1.6"
psql -qX -c "DROP TABLE sk_bench, sk_bench_sketches, sk_bench_windows, sk_bench_ref"
