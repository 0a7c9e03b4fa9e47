#!/usr/bin/env bash
# scripts/lib.sh: shared helpers for make test / demo / bench.
#
# Everything runs against a private copy of the system's PostgreSQL 15
# (binaries and share dir copied under .pgtmp/inst, mlops installed there
# with DESTDIR). PostgreSQL is relocatable, so the copy finds its own share
# dir; the system installation and its cluster on 5432 are never touched and
# no root is needed to install the extension.

set -o pipefail

PG_MAJOR=15
SYS_PG_CONFIG=/usr/lib/postgresql/$PG_MAJOR/bin/pg_config
PACKAGES=(postgresql-$PG_MAJOR postgresql-server-dev-$PG_MAJOR postgresql-$PG_MAJOR-pgtap
          libtap-parser-sourcehandler-pgtap-perl libcurl4-openssl-dev libjansson-dev libxxhash-dev
          libipc-run-perl make gcc python3-scipy python3-numpy python3-psycopg2 python3-sqlalchemy python3-jsonschema rsync
          chromium)

say()  { printf '\033[1m== %s\033[0m\n' "$*"; }
die()  { printf 'mlops: error: %s\n' "$*" >&2; exit 1; }

# Install the Debian packages that are missing (as root, or with sudo).
ensure_packages() {
    local missing=() p
    for p in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "installing missing packages: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq || die "apt-get update failed"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
        >/dev/null || die "apt-get install failed: ${missing[*]}"
}

# As root, re-run this script as the postgres OS user on a copy of the tree
# that user owns (initdb refuses root). Sets the exit code of the inner run.
rerun_unprivileged() {
    local script=$1; shift
    local work
    work=$(mktemp -d /tmp/mlops-run.XXXXXX)
    chmod 755 "$work"
    rsync -a --exclude .git --exclude .pgtmp --exclude tmp_check --exclude results \
          --exclude output_iso \
          --exclude '*.o' --exclude '*.so' --exclude '*.bc' "$SRC_DIR"/ "$work"/src/
    chown -R postgres:postgres "$work"
    local rc=0
    runuser -u postgres -- env MLOPS_VIA_ROOT=1 KEEP="${KEEP:-}" BENCH="${BENCH:-}" MLOPS_KEEP_WORKDIR="${MLOPS_KEEP_WORKDIR:-}" \
        CITUS_SRC="${CITUS_SRC:-}" CITUS_CACHE="${CITUS_CACHE:-}" \
        PATH="/usr/local/bin:/usr/bin:/bin" bash -c "cd '$work/src' && $script $*" || rc=$?
    if [ -n "${KEEP:-}" ] || [ -n "${MLOPS_KEEP_WORKDIR:-}" ]; then
        echo "(work tree kept in $work/src)"
    else
        rm -rf "$work"
    fi
    return $rc
}

# enter_unprivileged SCRIPT: install missing packages; as root, run SCRIPT as the
# postgres OS user on a copy of the tree and exit with its status; otherwise
# continue in the source tree with PGTMP set.
enter_unprivileged() {
    local script=$1; shift
    ensure_packages
    if [ "$(id -u)" -eq 0 ]; then
        rerun_unprivileged "$script" "$@"
        exit $?
    fi
    cd "$SRC_DIR" || exit 1
    PGTMP=$SRC_DIR/.pgtmp
}

# Build mlops and install it, with a private copy of PostgreSQL, under $PGTMP/inst.
private_install() {
    PGTMP=${PGTMP:-$SRC_DIR/.pgtmp}
    INST=$PGTMP/inst
    rm -rf "$INST"
    mkdir -p "$INST/usr/lib/postgresql" "$INST/usr/share/postgresql"
    cp -a "/usr/lib/postgresql/$PG_MAJOR" "$INST/usr/lib/postgresql/"
    cp -a "/usr/share/postgresql/$PG_MAJOR" "$INST/usr/share/postgresql/"
    make -s -C "$SRC_DIR" PG_CONFIG="$SYS_PG_CONFIG" WERROR=1 >"$PGTMP/build.log" 2>&1 \
        || { cat "$PGTMP/build.log"; return 1; }
    make -s -C "$SRC_DIR" PG_CONFIG="$SYS_PG_CONFIG" install DESTDIR="$INST" >>"$PGTMP/build.log" 2>&1 \
        || { cat "$PGTMP/build.log"; return 1; }
    PG_CONFIG=$INST/usr/lib/postgresql/$PG_MAJOR/bin/pg_config
    PGBIN=$($PG_CONFIG --bindir)
    export PATH="$PGBIN:$PATH"
}

# A TCP port nobody listens on, away from 5432.
free_port() {
    local port
    for _ in $(seq 1 200); do
        port=$(( 20000 + RANDOM % 20000 ))
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return 0; }
    done
    die "no free port found"
}

# start_cluster DIR [extra postgresql.conf lines...]: initdb + start, mlops preloaded.
# Sets PGHOST/PGPORT for the callers' psql.
start_cluster() {
    local dir=$1; shift
    rm -rf "$dir"; mkdir -p "$dir"
    initdb -D "$dir/data" -A trust -U postgres --no-sync -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log"; return 1; }
    PGPORT=$(free_port)
    {
        echo "port = $PGPORT"
        echo "listen_addresses = '127.0.0.1'"
        echo "unix_socket_directories = '$dir'"
        echo "shared_preload_libraries = 'mlops'"
        echo "fsync = off"
        local line; for line in "$@"; do echo "$line"; done
    } >>"$dir/data/postgresql.conf"
    pg_ctl -D "$dir/data" -l "$dir/server.log" -w start >/dev/null \
        || { tail -n 30 "$dir/server.log"; return 1; }
    export PGHOST=$dir PGPORT PGUSER=postgres
}

# stop_cluster DIR: stop what start_cluster started (no error when not running).
stop_cluster() {
    [ -f "$1/data/postmaster.pid" ] && pg_ctl -D "$1/data" -m fast -w stop >/dev/null 2>&1
    return 0
}
