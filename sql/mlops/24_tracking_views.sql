-- BI views over tracking (API.md -> Tracking): column names an analyst reads
-- without knowing the schema. Deleted runs and the runs of deleted
-- experiments are left out, as MLflow's UI hides them. NaN/Infinity metrics appear in the metrics
-- jsonb as the strings "NaN", "Infinity", "-Infinity" (JSON has no such numbers).

CREATE VIEW mlops.run_summary AS
SELECT e.name                                  AS experiment,
       r.id                                    AS run_id,
       r.name                                  AS run_name,
       r.status,
       r.start_time,
       r.end_time,
       r.end_time OPERATOR(pg_catalog.-) r.start_time AS duration,
       r.created_by                            AS user_name,
       r.parent_run_id,
       COALESCE((SELECT pg_catalog.jsonb_object_agg(p.key, p.value) FROM mlops.params p
                  WHERE p.run_id OPERATOR(pg_catalog.=) r.id), '{}') AS params,
       COALESCE((SELECT pg_catalog.jsonb_object_agg(m.key, m.value) FROM mlops.latest_metrics m
                  WHERE m.run_id OPERATOR(pg_catalog.=) r.id), '{}') AS metrics,
       COALESCE((SELECT pg_catalog.jsonb_object_agg(t.key, t.value) FROM mlops.tags t
                  WHERE t.run_id OPERATOR(pg_catalog.=) r.id), '{}') AS tags
  FROM mlops.runs r
  JOIN mlops.experiments e ON e.id OPERATOR(pg_catalog.=) r.experiment_id
 WHERE r.lifecycle_stage OPERATOR(pg_catalog.=) 'active'
   AND e.lifecycle_stage OPERATOR(pg_catalog.=) 'active';
COMMENT ON VIEW mlops.run_summary IS 'a row per active run of an active experiment (deleted ones are in mlops.runs): experiment, run name, status, start/end, user, params, latest metrics and tags as jsonb';

CREATE VIEW mlops.metric_history AS
SELECT e.name   AS experiment,
       m.run_id,
       r.name   AS run_name,
       m.key,
       m.step,
       m.ts,
       m.value,
       m.ts     AS time,
       pg_catalog.format('%s/%s', COALESCE(r.name, m.run_id::text), m.key) AS series
  FROM mlops.metrics m
  JOIN mlops.runs r ON r.id OPERATOR(pg_catalog.=) m.run_id
  JOIN mlops.experiments e ON e.id OPERATOR(pg_catalog.=) r.experiment_id
 WHERE r.lifecycle_stage OPERATOR(pg_catalog.=) 'active'
   AND e.lifecycle_stage OPERATOR(pg_catalog.=) 'active';
COMMENT ON VIEW mlops.metric_history IS 'every metric point of the active runs of active experiments, with experiment and run name (for charts)';

INSERT INTO mlops.role_grants (role_name, privileges, object_kind, object_name) VALUES
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.run_summary'),
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.metric_history');
