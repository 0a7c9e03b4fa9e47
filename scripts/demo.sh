#!/usr/bin/env bash
# make demo: build, start a throwaway cluster with mlops preloaded, run
# examples/ in order (*.sql through psql, *.py through Debian's python3),
# then examples/closed_loop.py (the background worker detects drift, a job is
# trained and promoted, signed webhooks reach examples/receiver.py), print a
# walk-through, stop the cluster (KEEP=1 keeps it running). Exits non-zero
# when an example fails or a step of the loop does not happen in time.
SRC_DIR=$(cd "$(dirname "$0")/.." && pwd)
. "$SRC_DIR/scripts/lib.sh"

enter_unprivileged scripts/demo.sh "$@"
CLUSTER=$PGTMP/demo
mkdir -p "$PGTMP"
stop_cluster "$CLUSTER"

say "building mlops and installing it into a private PostgreSQL copy"
private_install || die "build failed"
say "starting a throwaway cluster with shared_preload_libraries = 'mlops'"
start_cluster "$CLUSTER" "mlops.database = 'mlops_demo'" || die "cluster did not start"
[ -z "${KEEP:-}" ] && trap 'stop_cluster "$CLUSTER"' EXIT
createdb mlops_demo
export PGDATABASE=mlops_demo

rc=0
for f in examples/*; do
    case "$f" in
        examples/receiver.py|examples/closed_loop.py) ;;    # run by the closed loop, below
        *.sql) say "example: $f"
               psql -X -v ON_ERROR_STOP=1 --echo-queries -P pager=off -f "$f" || { rc=1; break; } ;;
        *.py)  say "example: $f"
               /usr/bin/python3 "$f" || { rc=1; break; } ;;
    esac
done
[ $rc -ne 0 ] && { tail -n 20 "$CLUSTER/server.log"; die "example $f failed"; }

say "example: examples/closed_loop.py (the background worker closes the loop)"
/usr/bin/python3 examples/closed_loop.py \
    || { tail -n 20 "$CLUSTER/server.log"; die "the closed loop did not complete"; }

# The drift report of examples/50_monitors.sql's monitor: one HTML file to open in a browser
# (a copy of the tree run as postgres is removed afterwards, so then it goes to /tmp).
REPORT=$SRC_DIR/demo-drift-report.html
[ -n "${MLOPS_VIA_ROOT:-}" ] && REPORT=/tmp/mlops-demo-drift-report.html
say "drift report: mlops.drift_report('churn-live-score') of the last 7 days"
psql -X -At -v ON_ERROR_STOP=1 -c "SELECT mlops.drift_report('churn-live-score')" >"$REPORT" \
    || die "the drift report failed"
echo "    written to $REPORT ($(wc -c <"$REPORT") bytes); open it in a browser"

if [ -n "${KEEP:-}" ]; then
    as=""; [ -n "${MLOPS_VIA_ROOT:-}" ] && as="runuser -u postgres -- "
    say "the cluster keeps running; connect with:"
    echo "    ${as}$PGBIN/psql -h $PGHOST -p $PGPORT -U postgres $PGDATABASE"
    echo "stop it with:"
    echo "    ${as}$PGBIN/pg_ctl -D $CLUSTER/data stop"
else
    say "demo finished; the cluster is stopped and removed"
    stop_cluster "$CLUSTER"; rm -rf "$CLUSTER"
fi
