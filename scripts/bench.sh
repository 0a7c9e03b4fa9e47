#!/usr/bin/env bash
# make bench: run test/bench/*.sh against a throwaway cluster and print a table
# of benchmark, anchor, ratio and target. Each benchmark measures itself and
# its anchor in the same run and prints lines
#     BENCH<TAB>benchmark<TAB>anchor<TAB>ratio<TAB>target
# where target is an inequality on the ratio such as ">= 0.8" or "<= 2".
# Benchmarks may source scripts/benchlib.sh. BENCH='<glob> ...' runs a subset.
SRC_DIR=$(cd "$(dirname "$0")/.." && pwd)
. "$SRC_DIR/scripts/lib.sh"

enter_unprivileged scripts/bench.sh "$@"
CLUSTER=$PGTMP/bench
mkdir -p "$PGTMP"
stop_cluster "$CLUSTER"
private_install || die "build failed"
start_cluster "$CLUSTER" "max_worker_processes = 16" "max_parallel_workers_per_gather = 2" \
    "shared_buffers = 1GB" "work_mem = 64MB" "max_wal_size = 8GB" "synchronous_commit = off" \
    "mlops.worker_enabled = off" || die "cluster did not start"
trap 'stop_cluster "$CLUSTER"; rm -rf "$CLUSTER"' EXIT
createdb mlops_bench
export PGDATABASE=mlops_bench SRC_DIR
psql -qX -c 'CREATE EXTENSION mlops' >/dev/null

RESULTS=$PGTMP/bench.tsv
: >"$RESULTS"
set -f; pats=(${BENCH:-*}); set +f   # split BENCH on spaces, globs expanded below
for pat in "${pats[@]}"; do
    for b in test/bench/$pat.sh; do
        [ -f "$b" ] || continue
        say "benchmark: $b"
        bash "$b" | tee -a "$PGTMP/bench.log" | grep '^BENCH' | cut -f2- >>"$RESULTS"
    done
done

say "results (ratio = benchmark time / anchor time unless the target says otherwise)"
/usr/bin/python3 - "$RESULTS" <<'PY'
import sys
rows = [l.rstrip('\n').split('\t') for l in open(sys.argv[1]) if l.strip()]
hdr = ['benchmark', 'anchor', 'ratio', 'target', 'met']
out = []
for r in rows:
    name, anchor, ratio, target = r[:4]
    op, val = target.split()
    ok = {'>=': float(ratio) >= float(val), '<=': float(ratio) <= float(val)}[op]
    out.append([name, anchor, '%.3g' % float(ratio), target, 'yes' if ok else 'NO'])
w = [max(len(x[i]) for x in out + [hdr]) for i in range(5)]
fmt = '| ' + ' | '.join('%%-%ds' % n for n in w) + ' |'
print(fmt % tuple(hdr))
print('|' + '|'.join('-' * (n + 2) for n in w) + '|')
for r in out:
    print(fmt % tuple(r))
PY
