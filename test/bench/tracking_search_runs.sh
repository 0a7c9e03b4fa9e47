#!/usr/bin/env bash
# search_runs over 25,000 runs x 20 params x 20 metrics with a two-condition
# filter, against a hand-written SQL query that returns the same runs.
# ratio = search_runs time / hand-written time (target <= 2).
. "$SRC_DIR/scripts/benchlib.sh"
psql -qX -v ON_ERROR_STOP=1 <<'SQL'
SELECT mlops.create_experiment('bench-search');
INSERT INTO mlops.runs (experiment_id, name, start_time)
SELECT e.id, 'run' || g, now() - g * interval '1 second'
  FROM mlops.experiments e, generate_series(1, 25000) g WHERE e.name = 'bench-search';
-- 20 params and 20 metrics per run, through the same triggers as any writer
INSERT INTO mlops.params (run_id, key, value)
SELECT r.id, 'p' || k, 'v' || (abs(hashtext(r.id::text || k)) % 10)
  FROM mlops.runs r JOIN mlops.experiments e ON e.id = r.experiment_id, generate_series(1, 20) k
 WHERE e.name = 'bench-search';
INSERT INTO mlops.metrics (run_id, key, step, value)
SELECT r.id, 'm' || k, 0, (abs(hashtext(r.id::text || 'm' || k)) % 1000) / 1000.0
  FROM mlops.runs r JOIN mlops.experiments e ON e.id = r.experiment_id, generate_series(1, 20) k
 WHERE e.name = 'bench-search';
VACUUM ANALYZE mlops.runs, mlops.params, mlops.latest_metrics;
SQL
FILTER="metrics.m3 > 0.9 AND params.p7 = 'v3'"
HAND="SELECT r.* FROM mlops.runs r
  JOIN mlops.latest_metrics m ON m.run_id = r.id AND m.key = 'm3' AND m.value > 0.9
  JOIN mlops.params p ON p.run_id = r.id AND p.key = 'p7' AND p.value = 'v3'
 WHERE r.experiment_id = (SELECT id FROM mlops.experiments WHERE name = 'bench-search')
 ORDER BY r.start_time DESC, r.id LIMIT 1000"
same=$(psql -qXAt -c "SELECT (SELECT array_agg(id) FROM mlops.search_runs('bench-search', \$f\$$FILTER\$f\$)) = (SELECT array_agg(id) FROM ($HAND) h), (SELECT count(*) FROM ($HAND) h)")
echo "same answer, number of runs: $same"
[ "${same%%|*}" = "t" ] || { echo "search_runs and the hand-written query disagree" >&2; exit 1; }
ours=$(sql_time "SELECT count(*) FROM mlops.search_runs('bench-search', \$f\$$FILTER\$f\$)" 5)
hand=$(sql_time "SELECT count(*) FROM ($HAND) h" 5)
echo "search_runs: ${ours}s, hand-written SQL: ${hand}s"
report "search_runs, 25k runs x 20 params x 20 metrics, 2 conditions" "hand-written SQL, same answer" "$(ratio "$ours" "$hand")" "<= 2"
