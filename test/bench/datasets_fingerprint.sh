#!/usr/bin/env bash
# Dataset fingerprint and snapshot over a 2M-row, 6-column table (int, text,
# float8, int, timestamptz, md5 text), each against the same anchor in the
# same run: the order-independent SQL hash sum
# SELECT sum(hash_record_extended(t, 0)::numeric) FROM t.
#  - table_fingerprint (one scan, XXH3-128 per row): target <= 0.5 x anchor
#  - snapshot_table (the same scan plus a profile of every column: sketches
#    and histograms of the 3 numeric columns, distinct estimates, the most
#    frequent values of the 2 text columns): target <= 1.5 x anchor
. "$SRC_DIR/scripts/benchlib.sh"
psql -qX -v ON_ERROR_STOP=1 <<'SQL'
DROP TABLE IF EXISTS ds_bench;
CREATE TABLE ds_bench AS
SELECT g AS id, 'category ' || (g % 1000) AS category, random() * 1000 AS amount, (g * 7) % 100000 AS qty,
       timestamptz '2026-01-01 00:00+00' + g * interval '1 second' AS at, md5(g::text) AS digest
  FROM generate_series(1, 2000000) g;
VACUUM ANALYZE ds_bench;
SQL
SERIAL="SET max_parallel_workers_per_gather = 0;"
# warm the caches
sql_time "SELECT count(*) FROM ds_bench" 2 >/dev/null
a=$(sql_time "$SERIAL SELECT sum(hash_record_extended(t, 0)::numeric) FROM ds_bench t")
f=$(sql_time "$SERIAL SELECT mlops.table_fingerprint('ds_bench')")
# each snapshot of new content is a new version: change one cell between runs
s=$(sql_time "$SERIAL UPDATE ds_bench SET qty = qty + 1 WHERE id = 1; SELECT mlops.snapshot_table('ds_bench', 'ds_bench')")
u=$(sql_time "$SERIAL UPDATE ds_bench SET qty = qty + 1 WHERE id = 1")
s=$(/usr/bin/python3 -c "print(max($s - $u, 0.000001))")
echo "hash_record_extended sum: ${a}s, table_fingerprint: ${f}s, snapshot_table: ${s}s"
report "table_fingerprint, 2M rows x 6 columns" "sum(hash_record_extended(t, 0)::numeric)" "$(ratio "$f" "$a")" "<= 0.5"
report "snapshot_table with profiles, 2M rows x 6 columns" "sum(hash_record_extended(t, 0)::numeric)" "$(ratio "$s" "$a")" "<= 1.5"
