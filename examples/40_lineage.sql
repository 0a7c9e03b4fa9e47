-- mlops demo, part 40: dataset versions and lineage.
-- Snapshot a table (content fingerprint + column profiles), train from it,
-- register the model, then answer the questions asked after an incident.
\echo
\echo '== 1. a training table, snapshotted as dataset version 1 of "churn_features"'
CREATE TABLE IF NOT EXISTS public.churn_features (
    customer_id int PRIMARY KEY,
    tenure_months int,
    monthly_spend float8,
    plan text,
    churned bool
);
TRUNCATE public.churn_features;
INSERT INTO public.churn_features
SELECT i, (i * 7) % 72, round((20 + (i * 13) % 90)::numeric, 2)::float8,
       (ARRAY['basic', 'plus', 'pro'])[1 + i % 3], (i % 5 = 0)
  FROM generate_series(1, 5000) i;
SELECT mlops.snapshot_table('churn_features', 'public.churn_features') AS dsv \gset
SELECT dataset, version, fingerprint, row_count
  FROM mlops.dataset_version_summary WHERE dataset = 'churn_features';
-- a snapshot of unchanged content returns the same version
SELECT mlops.snapshot_table('churn_features', 'public.churn_features') AS same_version;

\echo
\echo '== 2. a run reads that version and produces model "churn_lineage" version 1'
SELECT mlops.start_run('demo_lineage', 'train-from-snapshot',
                       '{"max_depth": "5"}') AS run \gset
SELECT mlops.set_tag(:'run', 'mlflow.source.git.commit', '3f2c1e9');
SELECT mlops.log_input(:'run', 'churn_features', :dsv);
SELECT mlops.log_metric(:'run', 'auc', 0.90, 1);
SELECT mlops.end_run(:'run');
SELECT mlops.register_model('churn_lineage', 'churn model trained from a snapshot');
SELECT mlops.create_model_version('churn_lineage', :'run', 's3://models/churn_lineage/1') AS mv;
SELECT mlops.transition('churn_lineage', 1, 'staging', 'demo');

\echo
\echo '== 3. "churn_features@1 was bad: which models are impacted, and in which stage?"'
SELECT * FROM mlops.impacted_models('churn_features', :dsv);
SELECT depth, kind, key, relation
  FROM mlops.lineage_downstream('dataset_version', 'churn_features@' || :dsv);

\echo
\echo '== 4. "what exactly went into churn_lineage version 1?"'
SELECT jsonb_pretty(mlops.reproduce('churn_lineage', 1));

\echo
\echo '== 5. one cell changes: the version no longer matches its source'
SELECT mlops.verify_dataset_version('churn_features', :dsv) AS matches_before;
UPDATE public.churn_features SET monthly_spend = monthly_spend + 0.01 WHERE customer_id = 42;
SELECT mlops.verify_dataset_version('churn_features', :dsv) AS matches_after;

\echo
\echo '== 6. the training run as OpenLineage RunEvents, for Marquez or any consumer'
SELECT e->>'eventType' AS event_type, e->'job'->>'name' AS job,
       e->'inputs'->0->>'name' AS input, e->'outputs'->0->>'name' AS output
  FROM mlops.openlineage_events() e
 WHERE e->'run'->>'runId' = :'run';
