#!/usr/bin/env bash
# make test-citus: build Citus from its release tarball (CITUS_SRC, default
# ../shared/vendor/citus-13.2.2.tar.gz next to the project root) into the same
# private PostgreSQL copy make test uses, then run the three-node TAP suite
# (test/citus/t: a coordinator and two workers on 127.0.0.1 with
# shared_preload_libraries = 'citus,mlops'). Prints one summary line
# "mlops-citus: N passed, N failed". Without the tarball it says so and
# exits 0, so nothing else depends on it.
#
# Citus is compiled once per tarball checksum and PostgreSQL version into
# CITUS_CACHE (default ~/.cache/mlops/citus; its source is unpacked there, never
# into this tree) and copied into the private install on every run.
SRC_DIR=$(cd "$(dirname "$0")/.." && pwd)
. "$SRC_DIR/scripts/lib.sh"

. "$SRC_DIR/scripts/citus.sh"
citus_source mlops-citus
enter_unprivileged scripts/test-citus.sh "$@"
rm -rf "$PGTMP" tmp_check
mkdir -p "$PGTMP"

say "build and install into $PGTMP/inst"
private_install || { echo "mlops-citus: 0 passed, 1 failed"; exit 1; }
build_citus

say "TAP on Citus (test/citus/t)"
make -s PG_CONFIG="$PG_CONFIG" PROVE_FLAGS="-v -I test/citus" PROVE_TESTS="$(echo test/citus/t/*.pl)" tap 2>&1 \
    | tee "$PGTMP/citus.log"
rc=${PIPESTATUS[0]}
ok=$(grep -cE '^[[:space:]]*ok [0-9]+' "$PGTMP/citus.log")
bad=$(grep -cE '^[[:space:]]*not ok [0-9]+' "$PGTMP/citus.log")
if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then bad=1; fi
if [ "$rc" -ne 0 ]; then
    for f in tmp_check/log/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -n 30 "$f"; }; done
fi
echo "mlops-citus: $ok passed, $bad failed"
[ "$bad" -eq 0 ]
