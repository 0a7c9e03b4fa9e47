#!/usr/bin/env bash
# Exact drift aggregates against the scan floor and the usual alternatives,
# all on the same table of 1M reference + 1M current float8 rows, in one run:
#   floor            SELECT sum(x) over the 2M rows
#   SQL PSI          percentile_cont edges + width_bucket counts
#   SQL KS           window sums over the sorted union (statistic only)
#   Python KS        fetch the 2M rows with psycopg2, scipy.stats.ks_2samp
# Serial plans throughout (max_parallel_workers_per_gather = 0), so every
# ratio compares one process with one process; the last rows measure psi,
# ks_test and sum(x) with 2 parallel workers against their serial plans, and
# compare the drift aggregates' speed-up with sum(x)'s (same table, settings
# and rounds): a parallel plan of an exact aggregate must pay about as well
# as the scan it rides on (for ks_test the workers sort in the serialize
# function and the leader merges sorted runs; for psi they only group the
# values by the top bits of their keys, and the leader selects the quantiles
# within their groups).
. "$SRC_DIR/scripts/benchlib.sh"
psql -qX -v ON_ERROR_STOP=1 <<'SQL'
DROP TABLE IF EXISTS drift_bench;
SELECT setseed(0.42);
CREATE TABLE drift_bench AS
SELECT sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) + CASE WHEN i > 1000000 THEN 0.05 ELSE 0 END AS x,
       i <= 1000000 AS is_ref
  FROM generate_series(1, 2000000) i;
VACUUM ANALYZE drift_bench;
SQL
export PGOPTIONS="-c max_parallel_workers_per_gather=0"
Q_FLOOR="SELECT sum(x) FROM drift_bench"
Q_PSI="SELECT mlops.psi(x, is_ref) FROM drift_bench"
Q_KS="SELECT mlops.ks_test(x, is_ref) FROM drift_bench"
Q_W="SELECT mlops.wasserstein(x, is_ref) FROM drift_bench"
Q_SQLPSI="
WITH e AS (SELECT percentile_cont(ARRAY[0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9]) WITHIN GROUP (ORDER BY x) AS edges
             FROM drift_bench WHERE is_ref),
     c AS (SELECT width_bucket(x, e.edges) AS b, count(*) FILTER (WHERE is_ref)::float8 AS r,
                  count(*) FILTER (WHERE NOT is_ref)::float8 AS c
             FROM drift_bench, e GROUP BY 1),
     s AS (SELECT greatest(r / sum(r) OVER (), 1e-4) AS rs, greatest(c / sum(c) OVER (), 1e-4) AS cs FROM c)
SELECT sum((cs - rs) * ln(cs / rs)) FROM s"
Q_SQLKS="
WITH n AS (SELECT count(*) FILTER (WHERE is_ref) AS m, count(*) FILTER (WHERE NOT is_ref) AS n FROM drift_bench),
     g AS (SELECT x, count(*) FILTER (WHERE is_ref) AS a, count(*) FILTER (WHERE NOT is_ref) AS b
             FROM drift_bench GROUP BY x),
     w AS (SELECT sum(a) OVER (ORDER BY x) AS ca, sum(b) OVER (ORDER BY x) AS cb FROM g)
SELECT max(abs(ca::float8 / n.m - cb::float8 / n.n)) FROM w, n"
# Rounds of back-to-back timings; each ratio is the median of its per-round
# values (scripts/benchlib.sh), so a drift of the machine's speed between
# rounds cancels out.
R=$(mktemp); RS=$(mktemp); RP=$(mktemp)
trap 'rm -f "$R" "$RS" "$RP"' EXIT
bench_rounds "$R" 5 floor="$Q_FLOOR" psi="$Q_PSI" ks="$Q_KS" wass="$Q_W" || exit 1
bench_rounds "$RS" 2 floor="$Q_FLOOR" sqlpsi="$Q_SQLPSI" sqlks="$Q_SQLKS" || exit 1
floor=$(round_best "$R" floor); psi=$(round_best "$R" psi); ks=$(round_best "$R" ks); wass=$(round_best "$R" wass)
sqlpsi=$(round_best "$RS" sqlpsi); sqlks=$(round_best "$RS" sqlks)
py=$(/usr/bin/python3 - <<'PY'
import time
import numpy as np
import psycopg2
from scipy import stats
best = None
for _ in range(2):
    t0 = time.perf_counter()
    conn = psycopg2.connect("")
    cur = conn.cursor()
    cur.execute("SELECT x, is_ref FROM drift_bench")
    rows = cur.fetchall()
    x = np.fromiter((r[0] for r in rows), float, len(rows))
    ref = np.fromiter((r[1] for r in rows), bool, len(rows))
    stats.ks_2samp(x[ref], x[~ref])
    conn.close()
    t = time.perf_counter() - t0
    best = t if best is None else min(best, t)
print(best)
PY
)
unset PGOPTIONS
SER="SET max_parallel_workers_per_gather = 0;"
PAR="SET max_parallel_workers_per_gather = 2; SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0;"
bench_rounds "$RP" 5 sumser="$SER $Q_FLOOR" sumpar="$PAR $Q_FLOOR" psiser="$SER $Q_PSI" psipar="$PAR $Q_PSI" \
    ksser="$SER $Q_KS" kspar="$PAR $Q_KS" || exit 1
for v in sumser sumpar psiser psipar ksser kspar; do printf -v "$v" %s "$(round_best "$RP" "$v")"; done
sumup=$(round_median "$RP" "sumser / sumpar")
echo "floor ${floor}s, psi ${psi}s, ks_test ${ks}s, wasserstein ${wass}s, SQL PSI ${sqlpsi}s, SQL KS ${sqlks}s, Python+SciPy KS ${py}s; serial / 2 workers: sum(x) ${sumser}s / ${sumpar}s, psi ${psiser}s / ${psipar}s, ks_test ${ksser}s / ${kspar}s; load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
report "psi aggregate, 1M+1M rows" "sum(x) scan" "$(round_median "$R" "psi / floor")" "<= 2"
report "ks_test aggregate, 1M+1M rows" "sum(x) scan" "$(round_median "$R" "ks / floor")" "<= 4"
report "wasserstein aggregate, 1M+1M rows" "sum(x) scan" "$(round_median "$R" "wass / floor")" "<= 4"
report "anchor: SQL PSI (percentile_cont + width_bucket)" "sum(x) scan" "$(round_median "$RS" "sqlpsi / floor")" ">= 2"
report "anchor: SQL KS (window sums)" "sum(x) scan" "$(round_median "$RS" "sqlks / floor")" ">= 4"
report "anchor: fetch + scipy ks_2samp" "sum(x) scan" "$(ratio "$py" "$floor")" ">= 4"
report "psi with 2 parallel workers (speed-up)" "serial psi" "$(round_median "$RP" "psiser / psipar")" ">= 1.6"
report "ks_test with 2 parallel workers (speed-up)" "serial ks_test" "$(round_median "$RP" "ksser / kspar")" ">= 1.6"
report "context: sum(x) with 2 parallel workers (speed-up)" "serial sum(x)" "$sumup" ">= 1.6"
report "psi parallel speed-up / sum(x) parallel speed-up" "sum(x) speed-up" "$(round_median "$RP" "(psiser / psipar) / (sumser / sumpar)")" ">= 0.9"
report "ks_test parallel speed-up / sum(x) parallel speed-up" "sum(x) speed-up" "$(round_median "$RP" "(ksser / kspar) / (sumser / sumpar)")" ">= 0.9"
psql -qX -c "DROP TABLE drift_bench"
