-- mlops demo, part 30: drift statistics where the predictions already are (see README, Drift statistics).
\echo '== Drift statistics: is today''s traffic still like the training data?'
\echo 'A prediction log: last week is the reference window, today has a shifted score and a new country mix.'
SELECT setseed(0.3);
CREATE TABLE demo_predictions (
    ts      timestamptz NOT NULL,
    score   float8,
    country text
);
INSERT INTO demo_predictions
SELECT timestamptz '2026-05-01' + (i * interval '6 seconds'),
       sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()),           -- N(0, 1)
       (ARRAY['DE', 'DE', 'FR', 'FR', 'NL', 'US'])[1 + (random() * 5.999)::int]
  FROM generate_series(1, 100800) i;                                       -- one week
INSERT INTO demo_predictions
SELECT timestamptz '2026-05-08' + (i * interval '6 seconds'),
       0.15 + 1.1 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()), -- shifted and wider
       (ARRAY['DE', 'FR', 'NL', 'US', 'US', 'US'])[1 + (random() * 5.999)::int]
  FROM generate_series(1, 14400) i;                                        -- one day
ANALYZE demo_predictions;

\echo
\echo '-- PSI on the reference''s deciles, with the chi-square threshold for these sample sizes.'
\echo '-- Rule of thumb: PSI < 0.1 stable, 0.1-0.25 watch, > 0.25 act; psi_threshold says what noise alone reaches at alpha = 0.05.'
SELECT round(mlops.psi(score, ts < '2026-05-08')::numeric, 4) AS psi,
       round(mlops.psi_threshold(count(*) FILTER (WHERE ts < '2026-05-08'),
                                 count(*) FILTER (WHERE ts >= '2026-05-08'))::numeric, 4) AS psi_noise_threshold
  FROM demo_predictions;

\echo
\echo '-- The two-sample Kolmogorov-Smirnov test (exact D, SciPy''s p-values), and effect sizes that do not grow with n.'
SELECT round((ks).statistic::numeric, 4) AS ks_d, (ks).pvalue AS ks_p, (ks).n_ref, (ks).n_cur,
       round(w::numeric, 4) AS wasserstein, round(js::numeric, 4) AS jensen_shannon, round(h::numeric, 4) AS hellinger
  FROM (SELECT mlops.ks_test(score, ts < '2026-05-08') AS ks,
               mlops.wasserstein(score, ts < '2026-05-08') AS w,
               mlops.jensen_shannon(score, ts < '2026-05-08') AS js,
               mlops.hellinger(score, ts < '2026-05-08') AS h
          FROM demo_predictions) s;

\echo
\echo '-- Which way did it move? alternative => ''less'' asks whether the current ECDF lies above the reference (scores went down).'
SELECT (mlops.ks_test(score, ts < '2026-05-08', 'greater')).pvalue AS p_scores_went_up,
       (mlops.ks_test(score, ts < '2026-05-08', 'less')).pvalue    AS p_scores_went_down
  FROM demo_predictions;

\echo
\echo '-- Categorical drift: PSI over countries and a chi-square test of homogeneity.'
SELECT round(mlops.psi_categorical(country, ts < '2026-05-08')::numeric, 4) AS country_psi,
       round((mlops.chi2_test(country, ts < '2026-05-08')).statistic::numeric, 1) AS chi2,
       (mlops.chi2_test(country, ts < '2026-05-08')).pvalue AS chi2_p
  FROM demo_predictions;

\echo
\echo '-- Each hour of the new day against the whole reference week, with the noise threshold for 600 rows an hour.'
WITH ref AS (SELECT score FROM demo_predictions WHERE ts < '2026-05-08'),
     hours AS (SELECT generate_series(timestamptz '2026-05-08', timestamptz '2026-05-08 05:00', interval '1 hour') AS h)
SELECT to_char(h, 'HH24:MI') AS hour,
       round(mlops.psi(x, is_ref)::numeric, 4) AS psi,
       round((mlops.ks_test(x, is_ref)).statistic::numeric, 4) AS ks_d,
       mlops.psi(x, is_ref) > mlops.psi_threshold(100800, 600) AS breached
  FROM hours,
       LATERAL (SELECT score AS x, true AS is_ref FROM ref
                UNION ALL
                SELECT score, false FROM demo_predictions
                 WHERE ts >= h AND ts < h + interval '1 hour') s
 GROUP BY h ORDER BY h;

\echo
\echo '-- Arrays work too, e.g. for samples computed elsewhere (SciPy''s own test vector):'
SELECT * FROM mlops.ks_2samp('{1.01,2.01}', '{1,2,3,4}');
SELECT round(mlops.psi('{1,2,3,4,5,6,7,8,9,10}'::float8[], '{3,4,5,6,7,8,9,10,11,12}'::float8[], 5)::numeric, 4) AS psi_of_arrays;
DROP TABLE demo_predictions;
