-- mlops demo, part 50: a drift monitor that queues retraining (see README, Monitors and retraining).
-- examples/trainer.py then takes the job; make demo writes mlops.drift_report() to a file at the end.
\echo '== Monitors and retraining: a scheduled drift check on live predictions queues a retraining job'
\echo 'Four days of predictions up to the last full hour (240 an hour); in the last day the scores shift and widen.'
SELECT setseed(0.5);
CREATE TABLE live_predictions (
    ts      timestamptz NOT NULL,
    score   float8
);
INSERT INTO live_predictions
SELECT date_trunc('hour', now()) - interval '4 days' + i * interval '15 seconds',
       CASE WHEN i >= 3 * 24 * 240 THEN 0.6 + 1.2 * z ELSE z END
  FROM generate_series(0, 4 * 24 * 240 - 1) i,
       LATERAL (SELECT sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) + 0 * i AS z) n;  -- N(0, 1), drawn per row
CREATE INDEX ON live_predictions (ts);
ANALYZE live_predictions;

\echo
\echo '-- The model being watched, and a monitor: PSI of each hour against the first two days (summarised once),'
\echo '-- checked every 5 minutes by the scheduler (mlops.tick()).'
SELECT mlops.register_model('churn-live', 'scores live traffic; retrained when its inputs drift') AS model_id;
SELECT mlops.create_monitor('churn-live-score', 'churn-live', 'live_predictions', 'score', 'ts',
                            method => 'psi', threshold => 0.2, window_size => '1 hour',
                            reference => jsonb_build_object('from', date_trunc('hour', now()) - interval '4 days',
                                                            'to', date_trunc('hour', now()) - interval '2 days'))
       AS monitor_id;

\echo
\echo '-- A retraining policy: a breach of that monitor queues a job for the model (at most one open job, 1 hour cooldown).'
SELECT mlops.create_retrain_policy('churn-live', 'drift', monitor => 'churn-live-score', cooldown => '1 hour') AS policy_id;

\echo
\echo '-- One scheduler pass: the monitor is due, its 96 hourly windows are computed, the breaches fire the policy.'
\echo '-- (With shared_preload_libraries = mlops the background worker runs the same pass every mlops.naptime.)'
SELECT mlops.tick();

\echo
\echo '-- The windows per day: the shifted last day breaches, the days before do not.'
SELECT day, CASE day WHEN 4 THEN 'shifted' WHEN 3 THEN 'as before' ELSE 'reference' END AS data,
       count(*) AS windows, count(*) FILTER (WHERE breached) AS breached,
       round(min(statistic)::numeric, 3) AS min_psi, round(max(statistic)::numeric, 3) AS max_psi
  FROM (SELECT 4 - floor((extract(epoch FROM date_trunc('hour', now()) - window_start) - 1) / 86400)::int AS day,
               d.statistic, d.breached
          FROM mlops.drift_results d JOIN mlops.monitors m ON m.id = d.monitor_id
         WHERE m.name = 'churn-live-score') w
 GROUP BY day ORDER BY day;
SELECT monitor, model, method, round(last_statistic::numeric, 3) AS last_psi, breached, last_error
  FROM mlops.monitor_status WHERE monitor = 'churn-live-score';

\echo
\echo '-- The job it queued, with the breach that caused it; NOTIFY mlops_jobs told listening trainers.'
SELECT q.model, q.status, q.why, round((j.reason ->> 'statistic')::numeric, 3) AS psi,
       round((j.reason ->> 'threshold')::numeric, 3) AS threshold
  FROM mlops.job_queue q JOIN mlops.jobs j ON j.id = q.job
 WHERE q.model = 'churn-live';
