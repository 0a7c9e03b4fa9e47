#!/usr/bin/env bash
# make bench-citus: the sketch aggregates on a three-node Citus cluster (a
# coordinator and two workers on 127.0.0.1, the same set-up as make
# test-citus, with Citus built once from CITUS_SRC into the cache), against
# the same rows in a local table on the coordinator, in the same run:
#  - qsketch_agg and histogram over 4M rows in 32 shards, time / local serial
#    time: the two queries alternate round by round in one session (the order
#    flips every round), and the figure is the median of the per-round ratios,
#    so a machine whose speed drifts over minutes affects both sides alike
#  - the bytes one shard ships to the coordinator for each (the largest of the
#    32 partial states, in the text form Citus ships), at 1M and at 4M rows
# Prints "BENCH<TAB>name<TAB>anchor<TAB>value<TAB>target" lines as make bench
# does, then a table. Not part of make test.
SRC_DIR=$(cd "$(dirname "$0")/.." && pwd)
. "$SRC_DIR/scripts/lib.sh"
. "$SRC_DIR/scripts/citus.sh"

citus_source mlops-bench-citus
enter_unprivileged scripts/bench-citus.sh "$@"
mkdir -p "$PGTMP"
CL=$PGTMP/bench-citus
NODES=(worker1 worker2 coordinator)
declare -A PORTS

stop_all() { local n; for n in "${NODES[@]}"; do stop_cluster "$CL/$n"; done; rm -rf "$CL"; }

say "build and install into $PGTMP/inst"
private_install || die "build failed"
build_citus

say "three nodes"
trap stop_all EXIT
for n in "${NODES[@]}"; do
    start_cluster "$CL/$n" "shared_preload_libraries = 'citus,mlops'" "max_worker_processes = 16" \
        "mlops.worker_enabled = off" "citus.shard_replication_factor = 1" "shared_buffers = 512MB" \
        "work_mem = 64MB" "max_wal_size = 8GB" "synchronous_commit = off" \
        || die "node $n did not start"
    PORTS[$n]=$PGPORT
    psql -qX -v ON_ERROR_STOP=1 -d postgres -c 'CREATE EXTENSION citus' -c 'CREATE EXTENSION mlops' >/dev/null \
        || die "cannot create the extensions on $n"
done
# PGHOST/PGPORT now name the coordinator, started last
export PGDATABASE=postgres
psql -qX -v ON_ERROR_STOP=1 -c "SELECT citus_set_coordinator_host('127.0.0.1', ${PORTS[coordinator]})" \
    -c "SELECT citus_add_node('127.0.0.1', ${PORTS[worker1]})" \
    -c "SELECT citus_add_node('127.0.0.1', ${PORTS[worker2]})" >/dev/null || die "cannot join the workers"

EDGES="'{0.8,1.0,1.2,1.35,1.5,1.65,1.8,2.0,2.2}'::float8[]"
QSKETCH="SELECT mlops.total(mlops.qsketch_agg(x)) FROM"
HIST="SELECT mlops.total(mlops.histogram(x, $EDGES)) FROM"
ROUNDS=${BENCH_ROUNDS:-9}

# report NAME ANCHOR VALUE TARGET: one result line, as make bench prints them.
report() { printf 'BENCH\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4"; }

# load ROWS: obs_local (a local table) and obs (the same rows, 32 shards)
load() {
    psql -qX -v ON_ERROR_STOP=1 <<SQL || die "cannot load $1 rows"
DROP TABLE IF EXISTS obs, obs_local;
CREATE TABLE obs_local AS
SELECT g::bigint AS id, random() + random() + random() AS x FROM generate_series(1, $1) g;
SET citus.shard_count = 32;
CREATE TABLE obs (id bigint, x float8);
SELECT create_distributed_table('obs', 'id');
INSERT INTO obs SELECT * FROM obs_local;
VACUUM ANALYZE obs_local;
VACUUM ANALYZE obs;
SQL
}

# shipped AGG: the largest partial state one shard sends to the coordinator
# for SELECT AGG FROM obs, in the text form Citus ships it in (its partial
# aggregate, worker_partial_agg, returns the state type's output as cstring).
# Citus's EXPLAIN ANALYZE refuses such plans ("column has pseudo-type
# cstring"), so the state is built on every shard where it lives
# (run_command_on_shards) and its text measured there; every shard must answer.
shipped() {
    psql -qXAt -v ON_ERROR_STOP=1 -c "SELECT CASE WHEN bool_and(success) AND count(*) = 32
            THEN max(result::int) END
        FROM run_command_on_shards('obs', \$\$SELECT octet_length(($1)::text) FROM %s\$\$)"
}

# rounds AGGSQL: ROUNDS rounds of the distributed and the local query in one
# session, alternating which goes first; prints "dist_ms local_ms" per round.
# Local queries run serially (no parallel workers), as the anchor says.
rounds() {
    local i script=$PGTMP/rounds.sql
    {
        echo "SET max_parallel_workers_per_gather = 0;"
        echo "$1 obs;"; echo "$1 obs_local;"       # warm the caches
        echo '\timing on'
        for i in $(seq 1 "$ROUNDS"); do
            if [ $((i % 2)) -eq 1 ]; then
                echo "\\echo dist"; echo "$1 obs;"; echo "\\echo local"; echo "$1 obs_local;"
            else
                echo "\\echo local"; echo "$1 obs_local;"; echo "\\echo dist"; echo "$1 obs;"
            fi
        done
    } >"$script"
    psql -qXAt -v ON_ERROR_STOP=1 -f "$script" | /usr/bin/python3 -c '
import re, sys
side, t = None, {"dist": [], "local": []}
for line in sys.stdin:
    line = line.strip()
    if line in ("dist", "local"):
        side = line
        continue
    m = re.match(r"Time: ([0-9.]+) ms", line)
    if m and side:
        t[side].append(float(m.group(1)))
        side = None
assert len(t["dist"]) == len(t["local"]) and t["dist"], "rounds: missing timings"
for d, l in zip(t["dist"], t["local"]):
    print(d, l)
'
}

# median of per-round ratios, and the median times, from "dist local" lines
summary() {
    /usr/bin/python3 -c '
import statistics, sys
r = [tuple(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
print("%.4f %.0f %.0f %.3f %.3f" % (statistics.median(d / l for d, l in r),
      statistics.median(d for d, _ in r), statistics.median(l for _, l in r),
      min(d / l for d, l in r), max(d / l for d, l in r)))' "$1"
}

declare -A BYTES
for rows in 1000000 4000000; do
    say "$rows rows"
    load "$rows"
    BYTES[q$rows]=$(shipped "mlops.qsketch_agg(x)")
    BYTES[h$rows]=$(shipped "mlops.histogram(x, $EDGES)")
    [ -n "${BYTES[q$rows]}" ] && [ -n "${BYTES[h$rows]}" ] || die "cannot measure the partial states at $rows rows"
    echo "bytes per shard at $rows rows: qsketch_agg ${BYTES[q$rows]}, histogram ${BYTES[h$rows]}"
done

# the answers agree (counts are exact either way, histograms exactly)
[ "$(psql -qXAt -c "$QSKETCH obs")" = "$(psql -qXAt -c "$QSKETCH obs_local")" ] || die "qsketch_agg counts differ"
[ "$(psql -qXAt -c "SELECT mlops.histogram(x, $EDGES)::text FROM obs")" = \
  "$(psql -qXAt -c "SELECT mlops.histogram(x, $EDGES)::text FROM obs_local")" ] || die "histograms differ"
# the plan is the pushed-down one
psql -qXAt -c "EXPLAIN (VERBOSE) $QSKETCH obs" | grep -q worker_partial_agg \
    || die "qsketch_agg is not pushed down to the shards"

RESULTS=$PGTMP/bench-citus.tsv
{
    echo "load: $(uptime)"
    for agg in qsketch_agg histogram; do
        q=$QSKETCH; k=q
        [ $agg = histogram ] && { q=$HIST; k=h; }
        rounds "$q" >"$PGTMP/rounds-$agg.txt" || die "$agg rounds failed"
        read -r med dms lms lo hi < <(summary "$PGTMP/rounds-$agg.txt")
        echo "$agg over 4M rows, $ROUNDS rounds: median distributed ${dms} ms, median local serial ${lms} ms," \
             "per-round ratio median $med (range $lo to $hi)"
        report "$agg, 4M rows in 32 shards on 2 workers" "same rows, local table, serial (median of per-round ratios)" "$med" "<= 1.5"
        report "$agg, bytes shipped per shard, 1M rows" "bytes" "${BYTES[${k}1000000]}" "<= 16384"
        report "$agg, bytes shipped per shard, 4M rows" "bytes" "${BYTES[${k}4000000]}" "<= 16384"
        report "$agg, bytes shipped per shard, 4M vs 1M rows" "same query, 1M rows" \
            "$(/usr/bin/python3 -c "print(${BYTES[${k}4000000]} / ${BYTES[${k}1000000]})")" "<= 1"
    done
    echo "load: $(uptime)"
} | tee "$PGTMP/bench-citus.log"
grep '^BENCH' "$PGTMP/bench-citus.log" | cut -f2- >"$RESULTS"
[ "$(wc -l <"$RESULTS")" -eq 8 ] || die "benchmark incomplete"

say "results (ratio = time / anchor time; bytes are the largest shard's)"
/usr/bin/python3 - "$RESULTS" <<'PY'
import sys
rows = [l.rstrip('\n').split('\t') for l in open(sys.argv[1]) if l.strip()]
hdr = ['benchmark', 'anchor', 'value', 'target', 'met']
out = []
for name, anchor, value, target in (r[:4] for r in rows):
    op, lim = target.split()
    ok = {'>=': float(value) >= float(lim), '<=': float(value) <= float(lim)}[op]
    out.append([name, anchor, '%.3g' % float(value) if anchor != 'bytes' else value, target, 'yes' if ok else 'NO'])
w = [max(len(x[i]) for x in out + [hdr]) for i in range(5)]
fmt = '| ' + ' | '.join('%%-%ds' % n for n in w) + ' |'
print(fmt % tuple(hdr))
print('|' + '|'.join('-' * (n + 2) for n in w) + '|')
for r in out:
    print(fmt % tuple(r))
PY
