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

# Rounds of back-to-back timings; each ratio is the median of its per-round
# values (scripts/benchlib.sh), so a drift of the machine's speed between
# rounds cancels out.
R=$(mktemp); RK=$(mktemp); RW=$(mktemp); RP=$(mktemp)
trap 'rm -f "$R" "$RK" "$RW" "$RP"' EXIT
bench_rounds "$R" 5 floor="$SERIAL SELECT sum(x) FROM sk_bench" \
    qagg="$SERIAL SELECT mlops.total(mlops.qsketch_agg(x)) FROM sk_bench" \
    hagg="$SERIAL SELECT mlops.total(mlops.histogram(x, (SELECT edges FROM sk_bench_ref))) FROM sk_bench" || exit 1
echo "sum(x) over 2M rows: $(round_best "$R" floor)s, qsketch_agg: $(round_best "$R" qagg)s, histogram: $(round_best "$R" hagg)s"
report "qsketch_agg, 2M rows, serial" "sum(x), same rows" "$(round_median "$R" "qagg / floor")" "<= 1.5"
report "histogram (10 bins), 2M rows, serial" "sum(x), same rows" "$(round_median "$R" "hagg / floor")" "<= 1.5"

bench_rounds "$RK" 9 one="SELECT 1" \
    ks="SELECT k.* FROM sk_bench_sketches r, sk_bench_sketches c, LATERAL mlops.ks(r.s, c.s) k WHERE r.is_reference AND NOT c.is_reference" \
    psi="SELECT mlops.psi(r.s, c.s) FROM sk_bench_sketches r, sk_bench_sketches c WHERE r.is_reference AND NOT c.is_reference" || exit 1
echo "SELECT 1: $(round_best "$RK" one)s, ks of two stored 1M-row sketches: $(round_best "$RK" ks)s"
report "ks(qsketch, qsketch), two stored 1M-row sketches" "SELECT 1" "$(round_median "$RK" "ks / one")" "<= 5"
report "psi(qsketch, qsketch), two stored 1M-row sketches" "SELECT 1" "$(round_median "$RK" "psi / one")" "<= 5"

bench_rounds "$RW" 3 scan="$SERIAL SELECT sum(x) FROM sk_bench_windows" \
    win="$SERIAL SELECT count(*) FROM (SELECT date_bin('1 hour', w.ts, timestamptz '2026-01-01 00:00+00') AS hour,
                  mlops.psi((SELECT hist FROM sk_bench_ref), mlops.histogram(w.x, (SELECT edges FROM sk_bench_ref))) AS psi
             FROM sk_bench_windows w GROUP BY 1) d" || exit 1
echo "one scan of 7.2M rows: $(round_best "$RW" scan)s, 720 hourly histograms + psi against the stored reference: $(round_best "$RW" win)s"
report "drift of 720 hourly windows (histogram + psi vs stored reference), 7.2M rows" "sum(x), same rows" "$(round_median "$RW" "win / scan")" "<= 3"
slide=$(sql_time "$SERIAL SELECT count(*) FROM (SELECT mlops.psi((SELECT hist FROM sk_bench_ref),
                      mlops.histogram(x, (SELECT edges FROM sk_bench_ref)) OVER (ORDER BY ts RANGE BETWEEN interval '1 hour' PRECEDING AND CURRENT ROW)) AS psi
             FROM sk_bench_windows WHERE ts < timestamptz '2026-01-01 00:00+00' + interval '72 hours') d" 1)
scan72=$(sql_time "$SERIAL SELECT sum(x) FROM sk_bench_windows WHERE ts < timestamptz '2026-01-01 00:00+00' + interval '72 hours'" 3)
echo "sliding 1-hour frame at every one of 720k rows: ${slide}s (scan of the same rows ${scan72}s)"
report "sliding 1-hour frame, psi at every row (720k rows, MINVFUNC)" "sum(x), same rows" "$(ratio "$slide" "$scan72")" "<= 30"

bench_rounds "$RP" 3 ser="$SERIAL SELECT mlops.total(mlops.qsketch_agg(x)) FROM sk_bench" \
    par="$PAR SELECT mlops.total(mlops.qsketch_agg(x)) FROM sk_bench" \
    fser="$SERIAL SELECT sum(x) FROM sk_bench" fpar="$PAR SELECT sum(x) FROM sk_bench" || exit 1
echo "qsketch_agg serial $(round_best "$RP" ser)s, 2 workers $(round_best "$RP" par)s; sum(x) serial $(round_best "$RP" fser)s, 2 workers $(round_best "$RP" fpar)s"
report "qsketch_agg speedup with 2 parallel workers (serial/parallel)" "same query, serial" "$(round_median "$RP" "ser / par")" ">= 1.6"
# what the machine gives the scan floor itself, to read the line above against
report "sum(x) speedup with 2 parallel workers (machine reference)" "same query, serial" "$(round_median "$RP" "fser / fpar")" ">= 1.6"
psql -qX -c "DROP TABLE sk_bench, sk_bench_sketches, sk_bench_windows, sk_bench_ref"
