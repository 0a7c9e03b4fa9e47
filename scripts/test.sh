#!/usr/bin/env bash
# scripts/test.sh [LAYER...]: install what is missing, build, install into a
# private PostgreSQL copy, run the named test layers on throwaway clusters and
# print one summary line "mlops: N passed, N failed".
#   regress    pg_regress (sql/)
#   isolation  isolation specs (test/specs)
#   pgtap      pgTAP (test/pgtap) and MLflow-style client scripts (test/clients)
#   cross      cross-checks against reference tools: SciPy, jsonschema, Chromium (test/cross)
#   tap        TAP with PostgreSQL::Test::Cluster (test/t): restarts, the worker, upgrades
# make test runs regress, isolation and pgtap; make test-cross runs cross;
# make test-tap runs tap.
# Works as root (re-runs itself as the postgres OS user) and as a normal user.
SRC_DIR=$(cd "$(dirname "$0")/.." && pwd)
. "$SRC_DIR/scripts/lib.sh"

LAYERS=("$@")
[ ${#LAYERS[@]} -eq 0 ] && LAYERS=(regress isolation pgtap)
for l in "${LAYERS[@]}"; do
    case $l in regress|isolation|pgtap|cross|tap) ;; *) die "unknown test layer: $l" ;; esac
done
enter_unprivileged scripts/test.sh "${LAYERS[@]}"
rm -rf "$PGTMP" tmp_check results output_iso regression.diffs regression.out
mkdir -p "$PGTMP"
PASSED=0
FAILED=0
FAILED_LAYERS=()

cleanup() { stop_cluster "$PGTMP/pgtap"; }
trap cleanup EXIT

# count_layer NAME LOG RC OKPATTERN FAILPATTERN: add a layer's results to the totals.
count_layer() {
    local name=$1 log=$2 rc=$3 okp=$4 failp=$5 ok bad
    ok=$(grep -cE "$okp" "$log")
    bad=$(grep -cE "$failp" "$log")
    # A layer that failed without reporting a failing test (crash, bad plan) counts once.
    if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then bad=1; fi
    PASSED=$((PASSED + ok)); FAILED=$((FAILED + bad))
    [ "$bad" -gt 0 ] && FAILED_LAYERS+=("$name")
    echo "-- $name: $ok passed, $bad failed"
}

# wanted LAYER: whether LAYER was asked for.
wanted() { [[ " ${LAYERS[*]} " == *" $1 "* ]]; }

# run LOG CMD...: run a layer command, output to the terminal and to LOG; returns its exit code.
run() {
    local log=$1; shift
    local start=$SECONDS rc
    "$@" 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    echo "-- $(basename "$log" .log): $((SECONDS - start)) s"
    return "$rc"
}

say "build and install into $PGTMP/inst"
if ! private_install; then
    echo "mlops: 0 passed, 1 failed"
    exit 1
fi

REGRESS_OK='\.\.\. ok'
REGRESS_FAIL='\.\.\. (FAILED|failed)'
TAP_OK='^[[:space:]]*ok [0-9]+'
TAP_FAIL='^[[:space:]]*not ok [0-9]+'

if wanted regress; then
say "layer: pg_regress (sql/, expected/)"
run "$PGTMP/regress.log" make -s PG_CONFIG="$PG_CONFIG" TEMP_INSTANCE="$PGTMP" regress-temp; rc=$?
count_layer pg_regress "$PGTMP/regress.log" $rc "$REGRESS_OK" "$REGRESS_FAIL"
if [ $rc -ne 0 ]; then
    [ -f regression.diffs ] && cat regression.diffs
    tail -n 40 "$PGTMP"/regress/log/postmaster.log 2>/dev/null
fi
fi

if wanted isolation; then
say "layer: isolation (test/specs)"
run "$PGTMP/isolation.log" make -s PG_CONFIG="$PG_CONFIG" TEMP_INSTANCE="$PGTMP" isolation-temp; rc=$?
count_layer isolation "$PGTMP/isolation.log" $rc "$REGRESS_OK" "$REGRESS_FAIL"
if [ $rc -ne 0 ]; then
    [ -f output_iso/regression.diffs ] && cat output_iso/regression.diffs
    tail -n 40 "$PGTMP"/iso/log/postmaster.log 2>/dev/null
fi
fi

if wanted pgtap || wanted cross; then
say "layer: $(wanted pgtap && echo 'pgTAP (test/pgtap), clients (test/clients) ')$(wanted cross && echo 'cross-checks (test/cross)')"
if start_cluster "$PGTMP/pgtap" "max_worker_processes = 16"; then
    createdb mlops_test && psql -qX -d mlops_test -v ON_ERROR_STOP=1 \
        -c 'CREATE EXTENSION pgtap' -c 'CREATE EXTENSION mlops' >/dev/null
    export PGDATABASE=mlops_test
    if wanted pgtap; then
        run "$PGTMP/pgtap.log" pg_prove -v -d mlops_test test/pgtap/*.sql; rc=$?
        count_layer pgTAP "$PGTMP/pgtap.log" $rc "$TAP_OK" "$TAP_FAIL"
        if ls test/clients/*.py >/dev/null 2>&1; then
            run "$PGTMP/clients.log" prove -v -e /usr/bin/python3 test/clients/*.py; rc=$?
            count_layer clients "$PGTMP/clients.log" $rc "$TAP_OK" "$TAP_FAIL"
        fi
    fi
    if wanted cross && ls test/cross/*.py >/dev/null 2>&1; then
        run "$PGTMP/cross.log" prove -v -e /usr/bin/python3 test/cross/*.py; rc=$?
        count_layer cross-checks "$PGTMP/cross.log" $rc "$TAP_OK" "$TAP_FAIL"
    fi
    [ ${#FAILED_LAYERS[@]} -gt 0 ] && tail -n 40 "$PGTMP/pgtap/server.log"
    stop_cluster "$PGTMP/pgtap"
else
    FAILED=$((FAILED + 1)); FAILED_LAYERS+=(pgTAP)
fi
fi

if wanted tap; then
say "layer: TAP (test/t, PostgreSQL::Test::Cluster)"
run "$PGTMP/tap.log" make -s PG_CONFIG="$PG_CONFIG" PROVE_FLAGS=-v tap; rc=$?
count_layer TAP "$PGTMP/tap.log" $rc "$TAP_OK" "$TAP_FAIL"
if [ $rc -ne 0 ]; then
    for f in tmp_check/log/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -n 30 "$f"; }; done
fi
fi

[ ${#FAILED_LAYERS[@]} -gt 0 ] && echo "failing layers: ${FAILED_LAYERS[*]}"
echo "mlops: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
