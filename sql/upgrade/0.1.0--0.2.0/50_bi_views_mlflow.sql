-- mlops 0.1.0 -> 0.2.0, coming from MLflow (sql/mlops/24_tracking_views.sql,
-- sql/mlops/50_bi_views.sql): the tracking views and the leaderboard leave
-- out deleted runs and the runs of deleted experiments. After
-- 50_bi_views.sql, which creates the leaderboard and replaces
-- metric_history.

CREATE OR REPLACE VIEW mlops.run_summary AS
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

CREATE OR REPLACE VIEW mlops.metric_history AS
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

CREATE OR REPLACE VIEW mlops.experiment_leaderboard AS
WITH goals AS (
    SELECT lb.metric, lb.direction FROM mlops.leaderboard_metrics lb
    UNION ALL
    -- a gate that bounds a metric from below says higher is better (and vice versa)
    SELECT gd.metric, pg_catalog.min(gd.direction)
      FROM (SELECT g.gate OPERATOR(pg_catalog.->>) 'metric' AS metric,
                   CASE WHEN g.gate OPERATOR(pg_catalog.->>) 'op' OPERATOR(pg_catalog.=) ANY (ARRAY['>=', '>']) THEN 'max'
                        WHEN g.gate OPERATOR(pg_catalog.->>) 'op' OPERATOR(pg_catalog.=) ANY (ARRAY['<=', '<']) THEN 'min'
                   END AS direction
              FROM mlops.policies p
             CROSS JOIN LATERAL pg_catalog.jsonb_array_elements(
                       CASE WHEN pg_catalog.jsonb_typeof(p.gates) OPERATOR(pg_catalog.=) 'array'
                            THEN p.gates ELSE '[]'::jsonb END) AS g(gate)) gd
     WHERE gd.direction IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM mlops.leaderboard_metrics lb WHERE lb.metric OPERATOR(pg_catalog.=) gd.metric)
     GROUP BY gd.metric
    HAVING pg_catalog.count(DISTINCT gd.direction) OPERATOR(pg_catalog.=) 1
), ranked AS (
    SELECT e.name AS experiment, g.metric, g.direction, r.id AS run_id, r.name AS run_name, lm.value,
           r.start_time, r.end_time, r.created_by,
           pg_catalog.row_number() OVER (
               PARTITION BY e.id, g.metric
               ORDER BY CASE WHEN g.direction OPERATOR(pg_catalog.=) 'max' THEN OPERATOR(pg_catalog.-) lm.value ELSE lm.value END,
                        r.end_time, r.id) AS rank,
           pg_catalog.count(*) OVER (PARTITION BY e.id, g.metric) AS runs_compared
      FROM goals g
      JOIN mlops.latest_metrics lm ON lm.key OPERATOR(pg_catalog.=) g.metric
      JOIN mlops.runs r ON r.id OPERATOR(pg_catalog.=) lm.run_id
      JOIN mlops.experiments e ON e.id OPERATOR(pg_catalog.=) r.experiment_id
     WHERE r.status OPERATOR(pg_catalog.=) 'FINISHED'
       AND r.lifecycle_stage OPERATOR(pg_catalog.=) 'active'
       AND e.lifecycle_stage OPERATOR(pg_catalog.=) 'active'
       AND lm.value OPERATOR(pg_catalog.<>) ALL (ARRAY['NaN', 'Infinity', '-Infinity']::double precision[])
)
SELECT k.experiment,
       k.metric,
       k.direction,
       k.value,
       k.run_id,
       k.run_name,
       k.runs_compared,
       k.start_time,
       k.end_time,
       k.created_by::text                       AS created_by,
       (SELECT pg_catalog.string_agg(pa.key OPERATOR(pg_catalog.||) '=' OPERATOR(pg_catalog.||) pa.value, ', ' ORDER BY pa.key)
          FROM mlops.params pa WHERE pa.run_id OPERATOR(pg_catalog.=) k.run_id) AS params
  FROM ranked k
 WHERE k.rank OPERATOR(pg_catalog.=) 1;
COMMENT ON VIEW mlops.experiment_leaderboard IS 'per experiment and ranked metric (mlops.leaderboard_metrics, plus the metrics policy gates bound from one side): the best finished active run, its value and its params';
COMMENT ON COLUMN mlops.experiment_leaderboard.runs_compared IS 'finished active runs of the experiment with a finite value of the metric';
