#!/usr/bin/env bash
# mlops.import_mlflow() of the MLflow fixture (test/fixtures/mlflow_schema.sql:
# ten runs, one of them with 100,000 loss points; ~100,200 metric rows in
# all) against a plain INSERT ... SELECT of the same metric rows, converted
# the same way (run_uuid -> uuid, epoch ms -> timestamptz, is_nan -> NaN),
# into an equivalent table (same columns, defaults, indexes as mlops.metrics,
# a foreign key to a table of the run ids, no triggers). The import's time
# covers the whole call (experiments, runs, params, tags, datasets, registry,
# audit) and each timed call is rolled back, so every call imports afresh.
# ratio = import rows/s / plain rows/s (target >= 0.5).
. "$SRC_DIR/scripts/benchlib.sh"
POINTS=${IMPORT_MLFLOW_POINTS:-100000}
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
psql -qX -v ON_ERROR_STOP=1 -v mlflow_schema=bench_mlflow -v mlflow_points="$POINTS" \
    -f "$SRC_DIR/test/fixtures/mlflow_schema.sql" >/dev/null
psql -qX -v ON_ERROR_STOP=1 <<'SQL'
SET client_min_messages = warning;
VACUUM ANALYZE;
DROP TABLE IF EXISTS public.bench_plain_metrics, public.bench_plain_runs;
CREATE TABLE public.bench_plain_runs (id uuid PRIMARY KEY);
INSERT INTO public.bench_plain_runs SELECT run_uuid::uuid FROM bench_mlflow.runs;
CREATE TABLE public.bench_plain_metrics (LIKE mlops.metrics INCLUDING ALL);
ALTER TABLE public.bench_plain_metrics ADD FOREIGN KEY (run_id) REFERENCES public.bench_plain_runs (id);
SQL
rows=$(psql -qXAt -c "SELECT count(*) FROM bench_mlflow.metrics")
ours=$(sql_time "BEGIN; SELECT mlops.import_mlflow('bench_mlflow'); ROLLBACK;" 3)
plain=$(sql_time "BEGIN; INSERT INTO public.bench_plain_metrics (run_id, key, step, ts, value)
  SELECT m.run_uuid::uuid, m.key, m.step, to_timestamp(m.timestamp::float8 / 1000),
         CASE WHEN m.is_nan THEN 'NaN'::float8 ELSE m.value END FROM bench_mlflow.metrics m; ROLLBACK;" 3)
# one committed import: every point arrives, a second import adds nothing
psql -qXAt -v ON_ERROR_STOP=1 -c "SELECT 'first import: ' || mlops.import_mlflow('bench_mlflow')::text"
psql -qXAt -v ON_ERROR_STOP=1 -c "SELECT 'second import adds: ' || (SELECT sum(v::text::bigint) FROM jsonb_each(mlops.import_mlflow('bench_mlflow')) e(k, v) WHERE jsonb_typeof(v) = 'number')"
psql -qXAt -c "SELECT 'points of the 100k-point run: ' || count(*) FROM mlops.metrics m JOIN mlops.runs r ON r.id = m.run_id WHERE r.name = 'long-training' AND m.key = 'loss'"
echo "metric rows: $rows; import_mlflow: ${ours}s ($(/usr/bin/python3 -c "print(round($rows / $ours))") rows/s); INSERT ... SELECT: ${plain}s ($(/usr/bin/python3 -c "print(round($rows / $plain))") rows/s)"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
psql -qX -c "DROP TABLE public.bench_plain_metrics, public.bench_plain_runs"
report "import_mlflow, MLflow store with a 100k-point run (metric rows/s)" "INSERT ... SELECT of the same rows into an equivalent table" "$(ratio "$plain" "$ours")" ">= 0.5"
