#!/usr/bin/env bash
# make bench-citus: the sketch aggregates on a three-node Citus cluster (a
# coordinator and two workers on 127.0.0.1, the same set-up as make
# test-citus, with Citus built once from CITUS_SRC into the cache), against
# the same rows in a local table on the coordinator, in the same run:
#  - qsketch_agg and histogram over 4M rows in 32 shards, time / local serial time
#  - the bytes one shard ships to the coordinator for each (the largest of the
#    32 partial states, in the text form Citus ships), at 1M and at 4M rows
# Prints "BENCH<TAB>name<TAB>anchor<TAB>value<TAB>target" lines as make bench
# does, then a table. Not part of make test.
SRC_DIR=$(cd "$(dirname "$0")/.." && pwd)
. "$SRC_DIR/scripts/lib.sh"
. "$SRC_DIR/scripts/citus.sh"
. "$SRC_DIR/scripts/benchlib.sh"

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
SERIAL="SET max_parallel_workers_per_gather = 0;"

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
# aggregate, worker_partial_agg, returns cstring). Citus's EXPLAIN ANALYZE
# refuses such plans ("column has pseudo-type cstring"), so the states are
# built shard by shard: one group per shard, each group's rows in one shard.
shipped() {
    psql -qXAt -v ON_ERROR_STOP=1 -c "SELECT max(octet_length(s::text)) FROM (SELECT $1 AS s FROM obs
        GROUP BY get_shard_id_for_distribution_column('obs', id)) p"
}

declare -A BYTES
for rows in 1000000 4000000; do
    say "$rows rows"
    load "$rows"
    BYTES[q$rows]=$(shipped "mlops.qsketch_agg(x)")
    BYTES[h$rows]=$(shipped "mlops.histogram(x, $EDGES)")
    echo "bytes per shard at $rows rows: qsketch_agg ${BYTES[q$rows]}, histogram ${BYTES[h$rows]}"
done
[ -n "${BYTES[q4000000]}" ] && [ -n "${BYTES[h4000000]}" ] || die "cannot measure the partial states"

# the answers agree (counts are exact either way)
[ "$(psql -qXAt -c "$QSKETCH obs")" = "$(psql -qXAt -c "$QSKETCH obs_local")" ] || die "qsketch_agg counts differ"
[ "$(psql -qXAt -c "SELECT mlops.histogram(x, $EDGES)::text FROM obs")" = \
  "$(psql -qXAt -c "SELECT mlops.histogram(x, $EDGES)::text FROM obs_local")" ] || die "histograms differ"

sql_time "$SERIAL $QSKETCH obs_local" 1 >/dev/null   # warm the caches
sql_time "$QSKETCH obs" 1 >/dev/null
RESULTS=$PGTMP/bench-citus.tsv
{
    for agg in qsketch_agg histogram; do
        q=$QSKETCH; k=q
        [ $agg = histogram ] && { q=$HIST; k=h; }
        loc=$(sql_time "$SERIAL $q obs_local" 5)
        dist=$(sql_time "$q obs" 5)
        echo "$agg over 4M rows: local serial ${loc}s, distributed ${dist}s"
        report "$agg, 4M rows in 32 shards on 2 workers" "same rows, local table, serial" "$(ratio "$dist" "$loc")" "<= 1.5"
        report "$agg, bytes shipped per shard, 4M rows" "bytes" "${BYTES[${k}4000000]}" "<= 16384"
        report "$agg, bytes shipped per shard, 4M vs 1M rows" "same query, 1M rows" \
            "$(ratio "${BYTES[${k}4000000]}" "${BYTES[${k}1000000]}")" "<= 1"
    done
} | tee "$PGTMP/bench-citus.log"
grep '^BENCH' "$PGTMP/bench-citus.log" | cut -f2- >"$RESULTS"

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
