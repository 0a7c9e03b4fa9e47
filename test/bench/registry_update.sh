#!/usr/bin/env bash
# Cost of the governance trigger on an UPDATE that changes only the
# description of model versions: the same UPDATE of the same 20,000 rows with
# the trigger enabled and disabled, alternating, best of 5 each (the
# target: descriptions are not governed, so the trigger's fast path applies).
. "$SRC_DIR/scripts/benchlib.sh"
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
with=""; without=""
for i in 1 2 3 4 5; do
    t=$(sql_time "$upd" 1)
    with=$(/usr/bin/python3 -c "print(min(x for x in [$t, ${with:-1e9}]))")
    psql -qX -c "ALTER TABLE mlops.model_versions DISABLE TRIGGER model_versions_guard" >/dev/null
    t=$(sql_time "$upd" 1)
    without=$(/usr/bin/python3 -c "print(min(x for x in [$t, ${without:-1e9}]))")
    psql -qX -c "ALTER TABLE mlops.model_versions ENABLE TRIGGER model_versions_guard" >/dev/null
    psql -qX -c "VACUUM mlops.model_versions" >/dev/null
done
echo "description-only UPDATE of 20000 versions: with trigger ${with}s, without ${without}s"
report "description-only UPDATE of 20k model_versions, governance trigger on" \
    "same UPDATE, trigger disabled" "$(ratio "$with" "$without")" "<= 1.5"
