#!/usr/bin/env bash
# Cost of the governance trigger on an UPDATE that changes only the
# description of model versions: the same UPDATE of the same 20,000 rows with
# the trigger enabled and disabled (the target: descriptions are not
# governed, so the trigger's fast path applies).
# Every UPDATE leaves 20,000 dead row versions and their index entries behind,
# and how much of that the next UPDATE finds (HOT chains, free space, index
# entries to clean) moves its time by more than the trigger costs. So each
# timed UPDATE starts from a freshly vacuumed table, the two sides alternate
# which goes first, and the ratio is the median of the rounds' paired ratios.
# The ratio reported is of the backend's CPU time (the trigger's cost is CPU
# in the backend; a 3 s UPDATE's wall time moved 3x between rounds on a
# shared 2-core machine); the wall-clock ratio is printed beside it.
. "$SRC_DIR/scripts/benchlib.sh"
ROUNDS=${REGISTRY_UPDATE_ROUNDS:-7}
psql -qX -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
SET client_min_messages = warning;
INSERT INTO mlops.experiments (name) VALUES ('bench_update');
INSERT INTO mlops.runs (id, experiment_id)
SELECT '00000000-0000-0000-0000-0000000be002', id FROM mlops.experiments WHERE name = 'bench_update';
SELECT mlops.register_model('bench_upd_' || g) FROM generate_series(1, 100) g;
INSERT INTO mlops.model_versions (model_id, run_id, artifact_uri)
SELECT m.id, '00000000-0000-0000-0000-0000000be002', 's3://u' FROM mlops.models m, generate_series(1, 200)
 WHERE m.name LIKE 'bench\_upd\_%';
VACUUM ANALYZE mlops.model_versions;
SQL
upd="UPDATE mlops.model_versions SET description = 'run ' || clock_timestamp()::text
      WHERE model_id IN (SELECT id FROM mlops.models WHERE name LIKE 'bench\_upd\_%')"
# the backend's CPU seconds so far (user + system, from /proc/self/stat)
CPU="SELECT (f[12]::numeric + f[13]::numeric) / 100
       FROM string_to_array(split_part(pg_read_file('/proc/self/stat'), ') ', 2), ' ') f"
# timed SIDE: vacuum, then run the UPDATE with the trigger on (SIDE=with) or
# off; prints its wall-clock seconds and the backend's CPU seconds
timed() {
    local out
    psql -qX -c "VACUUM mlops.model_versions" >/dev/null
    [ "$1" = without ] && psql -qX -c "ALTER TABLE mlops.model_versions DISABLE TRIGGER model_versions_guard" >/dev/null
    out=$(psql -qXAt -v ON_ERROR_STOP=1 -c "$CPU" -c '\timing on' -c "$upd" -c '\timing off' -c "$CPU" 2>&1)
    [ "$1" = without ] && psql -qX -c "ALTER TABLE mlops.model_versions ENABLE TRIGGER model_versions_guard" >/dev/null
    /usr/bin/python3 - "$out" <<'PY'
import re, sys
lines = sys.argv[1].split('\n')
wall = float(re.search(r'^Time: ([0-9.]+) ms', sys.argv[1], re.M).group(1)) / 1000
print(wall, float(lines[-1]) - float(lines[0]))
PY
}
timed with >/dev/null; timed without >/dev/null   # warm-up, not measured
pairs=""
for round in $(seq 1 "$ROUNDS"); do
    if [ $((round % 2)) -eq 1 ]; then w=$(timed with); wo=$(timed without)
    else wo=$(timed without); w=$(timed with); fi
    echo "round $round: with trigger ${w% *}s (CPU ${w#* }s), without ${wo% *}s (CPU ${wo#* }s)"
    pairs="$pairs $w $wo"
done
read -r wall cpu < <(/usr/bin/python3 - $pairs <<'PY'
import statistics, sys
v = [float(x) for x in sys.argv[1:]]
rounds = [v[i:i + 4] for i in range(0, len(v), 4)]
print(statistics.median(r[0] / r[2] for r in rounds), statistics.median(r[1] / r[3] for r in rounds))
PY
)
echo "description-only UPDATE of 20000 versions, median over $ROUNDS rounds of with / without: wall clock $wall, backend CPU $cpu; load: $(cut -d' ' -f1-3 /proc/loadavg)"
report "description-only UPDATE of 20k model_versions, governance trigger on" \
    "same UPDATE, trigger disabled" "$cpu" "<= 1.5"
