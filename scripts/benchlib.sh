#!/usr/bin/env bash
# scripts/benchlib.sh: helpers for test/bench/*.sh (PG* variables are set by make bench).

# sql_time SQL [REPEAT]: best wall-clock seconds of SQL over REPEAT runs (default 3).
sql_time() {
    local sql=$1 n=${2:-3} best="" t
    for _ in $(seq 1 "$n"); do
        t=$(psql -qXAt -v ON_ERROR_STOP=1 -c '\timing on' -c "$sql" 2>&1 \
            | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -n 1)
        [ -z "$t" ] && { echo "sql_time: query failed: $sql" >&2; return 1; }
        best=$(/usr/bin/python3 -c "import sys; a=[float(x) for x in sys.argv[1:] if x]; print(min(a))" "$t" "$best")
    done
    /usr/bin/python3 -c "print($best / 1000.0)"
}

# ratio A B: A / B.
ratio() { /usr/bin/python3 -c "print($1 / $2)"; }

# report NAME ANCHOR RATIO TARGET: one result line for make bench.
report() { printf 'BENCH\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4"; }
