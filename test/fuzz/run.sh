#!/usr/bin/env bash
# test/fuzz/run.sh [SECONDS]: build the libFuzzer harness for the four sketch
# parsers (clang, ASan + UBSan) and fuzz each for SECONDS (default 30),
# starting from test/fuzz/corpus/<target>. New inputs go to a scratch corpus;
# a crash is written into test/fuzz/corpus/<target>/ (kept as a regression
# input, replayed by test/t/041_sketch_fuzz_corpus.pl) and fails the run.
set -euo pipefail
SRC_DIR=$(cd "$(dirname "$0")/../.." && pwd)
SECONDS_PER_TARGET=${1:-30}
CC=${FUZZ_CC:-clang-14}
command -v "$CC" >/dev/null || CC=clang
WORK=$(mktemp -d /tmp/mlops-fuzz.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
rc=0
n=0
for target in hist_bin hist_text qs_bin qs_text; do
    n=$((n + 1))
    bin=$WORK/fuzz_$target
    "$CC" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
        -DFUZZ_TARGET=$n -I"$SRC_DIR/src" "$SRC_DIR/test/fuzz/fuzz_sketch.c" \
        "$SRC_DIR/src/drift/core/hist_core.c" "$SRC_DIR/src/drift/core/qsketch_core.c" -lm -o "$bin"
    mkdir -p "$WORK/corpus_$target"
    echo "== fuzzing $target for ${SECONDS_PER_TARGET}s"
    if ! "$bin" "$WORK/corpus_$target" "$SRC_DIR/test/fuzz/corpus/$target" \
            -max_total_time="$SECONDS_PER_TARGET" -max_len=65536 -rss_limit_mb=2048 \
            -artifact_prefix="$SRC_DIR/test/fuzz/corpus/$target/" -print_final_stats=1 \
            >"$WORK/$target.log" 2>&1; then
        tail -n 40 "$WORK/$target.log"
        echo "fuzz: $target FAILED (the input is kept in test/fuzz/corpus/$target/)"
        rc=1
    else
        grep -E 'stat::number_of_executed_units|stat::new_units_added' "$WORK/$target.log" | tr '\n' ' '
        echo
    fi
done
[ $rc -eq 0 ] && echo "fuzz: no crash in 4 targets x ${SECONDS_PER_TARGET}s"
exit $rc
