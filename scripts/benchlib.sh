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

# median X...: the median of the numbers.
median() { /usr/bin/python3 -c "import statistics, sys; print(statistics.median(map(float, sys.argv[1:])))" "$@"; }

# ratio A B: A / B.
ratio() { /usr/bin/python3 -c "print($1 / $2)"; }

# report NAME ANCHOR RATIO TARGET: one result line for make bench.
report() { printf 'BENCH\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4"; }

# The machine's speed may drift by a factor of two over minutes (a shared
# virtual machine), so a ratio of two minimums taken minutes apart can be far
# off. bench_rounds times a set of queries once per round, back to back, in an
# order that rotates from round to round; round_median then computes a ratio
# within every round and reports the median over the rounds.
#
# bench_rounds FILE N NAME=SQL...: N rounds; appends "round name seconds" lines to FILE.
bench_rounds() {
    local file=$1 n=$2 r j i k t
    shift 2
    local -a names=() sqls=()
    for a in "$@"; do names+=("${a%%=*}"); sqls+=("${a#*=}"); done
    k=${#names[@]}
    for r in $(seq 1 "$n"); do
        for ((j = 0; j < k; j++)); do
            i=$(((j + r) % k))
            t=$(sql_time "${sqls[i]}" 1) || return 1
            echo "$r ${names[i]} $t" >>"$file"
        done
    done
}

# round_median FILE EXPR: the median over the rounds of FILE of the Python
# expression EXPR, in which every name timed by bench_rounds is a variable.
round_median() {
    /usr/bin/python3 - "$1" "$2" <<'PY'
import statistics, sys
rounds = {}
for line in open(sys.argv[1]):
    r, name, t = line.split()
    rounds.setdefault(r, {})[name] = float(t)
vals = [eval(sys.argv[2], {}, v) for v in rounds.values()]
print(statistics.median(vals))
PY
}

# round_best FILE NAME: the best time of NAME over the rounds of FILE.
round_best() {
    /usr/bin/python3 -c "import sys; print(min(float(l.split()[2]) for l in open(sys.argv[1]) if l.split()[1] == sys.argv[2]))" "$1" "$2"
}
