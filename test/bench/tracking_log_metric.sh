#!/usr/bin/env bash
# log_metric from 4 concurrent pgbench clients (each logging into its own run)
# against the same clients doing a plain INSERT into an equivalent table (same
# columns, defaults, indexes and foreign key as mlops.metrics, no triggers).
# ratio = our tps / plain tps (target >= 0.8), the median of five back-to-back
# rounds. Twice: random steps (most points do not move latest_metrics) and
# steps that keep increasing, as in a training loop (every point moves it).
. "$SRC_DIR/scripts/benchlib.sh"
SECS=${TRACKING_BENCH_SECS:-6}
psql -qX -v ON_ERROR_STOP=1 <<'SQL'
SET client_min_messages = warning;
DROP TABLE IF EXISTS public.bench_plain_metrics, public.bench_runs;
CREATE TABLE public.bench_plain_metrics (LIKE mlops.metrics INCLUDING ALL);
ALTER TABLE public.bench_plain_metrics ADD FOREIGN KEY (run_id) REFERENCES mlops.runs (id) ON DELETE CASCADE;
CREATE TABLE public.bench_runs AS
SELECT g AS client, mlops.start_run('bench-log-metric', 'client' || g) AS run FROM generate_series(0, 3) g;
SQL
tmp=$(mktemp -d)
cat >"$tmp/ours.sql" <<'EOF2'
\set c :client_id % 4
\set step random(1, 1000000)
SELECT mlops.log_metric((SELECT run FROM public.bench_runs WHERE client = :c), 'loss', random(), :step);
EOF2
cat >"$tmp/plain.sql" <<'EOF2'
\set c :client_id % 4
\set step random(1, 1000000)
INSERT INTO public.bench_plain_metrics (run_id, key, step, value) VALUES ((SELECT run FROM public.bench_runs WHERE client = :c), 'loss', :step, random());
EOF2
# increasing steps: microseconds since the epoch, the same expression in both
cat >"$tmp/ours_inc.sql" <<'EOF2'
\set c :client_id % 4
SELECT mlops.log_metric((SELECT run FROM public.bench_runs WHERE client = :c), 'acc', random(), (extract(epoch FROM clock_timestamp()) * 1000000)::bigint);
EOF2
cat >"$tmp/plain_inc.sql" <<'EOF2'
\set c :client_id % 4
INSERT INTO public.bench_plain_metrics (run_id, key, step, value) VALUES ((SELECT run FROM public.bench_runs WHERE client = :c), 'acc', (extract(epoch FROM clock_timestamp()) * 1000000)::bigint, random());
EOF2
# tps FILE: transactions per second of a pgbench run
tps() { pgbench -n -M prepared -c 4 -j 4 -T "$SECS" -f "$1" 2>&1 | sed -n 's/^tps = \([0-9.]*\).*/\1/p'; }
# warm up both (new tables, first points of each run's key), not measured
SECS=2 tps "$tmp/plain.sql" >/dev/null; SECS=2 tps "$tmp/ours.sql" >/dev/null
SECS=1 tps "$tmp/ours_inc.sql" >/dev/null
# rounds OURS PLAIN LABEL: back-to-back rounds (the order alternates); prints
# the median of the per-round ratios, so a drift of the machine's speed
# between rounds cancels out
rounds() {
    local round o p ratios=()
    for round in 1 2 3 4 5; do
        if [ $((round % 2)) = 1 ]; then p=$(tps "$2"); o=$(tps "$1")
        else o=$(tps "$1"); p=$(tps "$2"); fi
        echo "$3, round $round: plain INSERT $p tps, mlops.log_metric $o tps" >&2
        ratios+=("$(/usr/bin/python3 -c "print(${o:-0} / max(${p:-0}, 1e-9))")")
    done
    median "${ratios[@]}"
}
r_random=$(rounds "$tmp/ours.sql" "$tmp/plain.sql" "random steps")
r_inc=$(rounds "$tmp/ours_inc.sql" "$tmp/plain_inc.sql" "increasing steps")
rm -rf "$tmp"
psql -qXAt -c "SELECT 'points logged: ' || count(*) || ', latest rows: ' || (SELECT count(*) FROM mlops.latest_metrics lm JOIN public.bench_runs b ON b.run = lm.run_id) FROM mlops.metrics m JOIN public.bench_runs b ON b.run = m.run_id"
psql -qX -c "DROP TABLE public.bench_plain_metrics, public.bench_runs"
report "log_metric, 4 pgbench clients, random steps (tps)" "plain INSERT into an equivalent table" "$r_random" ">= 0.8"
report "log_metric, 4 pgbench clients, increasing steps (tps)" "plain INSERT into an equivalent table" "$r_inc" ">= 0.8"
