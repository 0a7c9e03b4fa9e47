#!/usr/bin/env bash
# log_metrics with arrays: 1M points in 100 batches of 10,000, against
# INSERT ... SELECT of the same batches into an equivalent table (same columns,
# defaults, indexes and foreign key as mlops.metrics, no triggers).
# ratio = our rows/s / plain rows/s (target >= 0.5).
. "$SRC_DIR/scripts/benchlib.sh"
psql -qX -v ON_ERROR_STOP=1 <<'SQL'
SET client_min_messages = warning;
DROP TABLE IF EXISTS public.bench_plain_metrics, public.bench_batch;
CREATE TABLE public.bench_plain_metrics (LIKE mlops.metrics INCLUDING ALL);
ALTER TABLE public.bench_plain_metrics ADD FOREIGN KEY (run_id) REFERENCES mlops.runs (id) ON DELETE CASCADE;
-- one batch: 10 keys x 1,000 steps
CREATE TABLE public.bench_batch AS
SELECT array_agg('metric_' || (g % 10) ORDER BY g) AS keys, array_agg(random() ORDER BY g) AS vals,
       array_agg((g / 10)::bigint ORDER BY g) AS steps
  FROM generate_series(0, 9999) g;
SQL
# each measurement logs 1M points into a fresh run
ours=$(sql_time "DO \$\$ DECLARE r uuid := mlops.start_run('bench-log-metrics'); BEGIN
  FOR i IN 1..100 LOOP PERFORM mlops.log_metrics(r, b.keys, b.vals, b.steps) FROM public.bench_batch b; END LOOP; END \$\$" 2)
plain=$(sql_time "DO \$\$ DECLARE r uuid := mlops.start_run('bench-log-metrics'); BEGIN
  FOR i IN 1..100 LOOP
    INSERT INTO public.bench_plain_metrics (run_id, key, step, ts, value)
    SELECT r, u.k, u.s, now(), u.v FROM public.bench_batch b, unnest(b.keys, b.vals, b.steps) AS u(k, v, s);
  END LOOP; END \$\$" 2)
psql -qXAt -c "SELECT 'metrics rows: ' || count(*) FROM mlops.metrics m JOIN mlops.runs r ON r.id = m.run_id JOIN mlops.experiments e ON e.id = r.experiment_id WHERE e.name = 'bench-log-metrics'"
echo "log_metrics: ${ours}s per 1M points ($(/usr/bin/python3 -c "print(round(1e6 / $ours))") points/s); INSERT ... SELECT: ${plain}s ($(/usr/bin/python3 -c "print(round(1e6 / $plain))") rows/s)"
psql -qX -c "DROP TABLE public.bench_plain_metrics, public.bench_batch"
report "log_metrics arrays, 1M points in batches of 10,000 (rows/s)" "INSERT ... SELECT into an equivalent table" "$(ratio "$plain" "$ours")" ">= 0.5"
