#!/usr/bin/env bash
# Proves the harness: a C function against the equivalent SQL expression,
# both evaluated per row over the same 2M rows in the same run: the per-row
# cost of calling into the C library is no worse than a built-in expression.
. "$SRC_DIR/scripts/benchlib.sh"
c=$(sql_time "SELECT count(*) FROM generate_series(1, 2000000) g WHERE mlops.is_preloaded()")
s=$(sql_time "SELECT count(*) FROM generate_series(1, 2000000) g WHERE current_setting('shared_preload_libraries') ~ 'mlops'")
echo "C is_preloaded(): ${c}s, SQL expression: ${s}s"
report "C is_preloaded() per row, 2M rows" "same predicate in SQL" "$(ratio "$c" "$s")" "<= 1.2"
