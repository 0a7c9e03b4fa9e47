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

if [ -z "${MLOPS_VIA_ROOT:-}" ]; then
    CITUS_SRC=${CITUS_SRC:-../shared/vendor/citus-13.2.2.tar.gz}
    case $CITUS_SRC in /*) ;; *) CITUS_SRC=$SRC_DIR/$CITUS_SRC ;; esac
    if [ ! -r "$CITUS_SRC" ]; then
        echo "mlops-citus: skipped: no Citus source ($CITUS_SRC)"
        exit 0
    fi
    export CITUS_SRC
fi
PACKAGES+=(libkrb5-dev liblz4-dev libzstd-dev)
enter_unprivileged scripts/test-citus.sh "$@"
rm -rf "$PGTMP" tmp_check
mkdir -p "$PGTMP"

# build_citus: compile Citus against the system's pg_config into a staging
# tree under the cache (skipped when that tree exists), then copy it into $INST.
build_citus() {
    local sum key cache stage src log
    sum=$(sha256sum "$CITUS_SRC" | cut -c1-16)
    key="$sum-$("$SYS_PG_CONFIG" --version | tr -c 'A-Za-z0-9.\n' '_')"
    cache=${CITUS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mlops/citus}/$key
    stage=$cache/stage
    if [ -f "$stage/.done" ]; then
        say "Citus: cached build $cache"
    else
        say "Citus: building $(basename "$CITUS_SRC") into $cache (once per tarball)"
        rm -rf "$cache"; mkdir -p "$cache/build"
        src=$cache/build
        log=$cache/build.log
        tar -xzf "$CITUS_SRC" -C "$src" --strip-components=1 || die "cannot unpack $CITUS_SRC"
        # PostgreSQL 15.18 exports have_createdb_privilege(); Citus's static
        # copy for < 16 would clash with it.
        sed -i 's/^have_createdb_privilege(void)/citus_compat_have_createdb_privilege(void)/' \
            "$src/src/include/pg_version_compat.h"
        ( cd "$src" && ./configure --without-libcurl PG_CONFIG="$SYS_PG_CONFIG" \
          && make with_llvm=no \
          && make with_llvm=no install DESTDIR="$stage" ) >"$log" 2>&1 \
            || { tail -n 40 "$log"; die "Citus build failed (log: $log)"; }
        rm -rf "$src"
        touch "$stage/.done"
    fi
    cp -a "$stage/usr/." "$INST/usr/" || die "cannot copy Citus into $INST"
}

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
