#!/usr/bin/env bash
# scripts/citus.sh: shared by make test-citus and make bench-citus (sourced
# after lib.sh): where the Citus source is, and its build, cached once per
# tarball checksum and PostgreSQL version.

# citus_source PREFIX: resolve CITUS_SRC (default ../shared/vendor/citus-13.2.2.tar.gz
# next to the project root); without it say so ("PREFIX: skipped: ...") and exit 0.
citus_source() {
    if [ -z "${MLOPS_VIA_ROOT:-}" ]; then
        CITUS_SRC=${CITUS_SRC:-../shared/vendor/citus-13.2.2.tar.gz}
        case $CITUS_SRC in /*) ;; *) CITUS_SRC=$SRC_DIR/$CITUS_SRC ;; esac
        if [ ! -r "$CITUS_SRC" ]; then
            echo "$1: skipped: no Citus source ($CITUS_SRC)"
            exit 0
        fi
        export CITUS_SRC
    fi
    PACKAGES+=(libkrb5-dev liblz4-dev libzstd-dev)
}

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

