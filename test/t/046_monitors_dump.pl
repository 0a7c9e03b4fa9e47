# pg_dump / pg_restore of monitoring and retraining: monitors, their stored
# references, drift results, retraining policies and jobs come back as they
# were (a restore fires no policy and queues no job), and the functions work
# on the restored rows: evaluation carries on from where it stopped,
# drift_windows recomputes the stored statistics, the restored queue is
# claimed and completed, numbering carries on.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('monitors_dump');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'mlops'\nmlops.worker_enabled = off\n");
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE src');
$node->safe_psql('postgres', 'CREATE DATABASE dst');
$node->safe_psql('src', q{
CREATE EXTENSION mlops;
SELECT mlops.create_roles();
SELECT mlops.register_model('churn');
SELECT mlops.register_model('fraud');
-- ten days of predictions; the score shifts from day 6 on
CREATE TABLE preds (ts timestamptz NOT NULL, score float8, label text);
CREATE INDEX preds_ts ON preds (ts);
INSERT INTO preds
SELECT '2024-01-01 00:00+00'::timestamptz + g * interval '10 minutes',
       (g * 7919 % 1000) / 1000.0 + CASE WHEN g >= 6 * 144 THEN 0.5 ELSE 0 END,
       CASE WHEN g % 3 = 0 OR g >= 6 * 144 THEN 'a' ELSE 'b' END
  FROM generate_series(0, 10 * 144 - 1) g;
SELECT mlops.create_monitor('churn_range', 'churn', 'preds', 'score', 'ts', 'psi', 0.2, '1 day',
                            '{"from": "2024-01-01 00:00:00+00", "to": "2024-01-03 00:00:00+00"}',
                            start_at => '2024-01-01 00:00:00+00');
SELECT mlops.create_monitor('churn_prev', 'churn', 'preds', 'score', 'ts', 'ks', 0.3, '1 day',
                            start_at => '2024-01-01 00:00:00+00');
SELECT mlops.create_monitor('fraud_labels', 'fraud', 'preds', 'label', 'ts', 'chi2', 0.05, '1 day',
                            '{"from": "2024-01-01 00:00:00+00", "to": "2024-01-04 00:00:00+00"}',
                            start_at => '2024-01-01 00:00:00+00');
SELECT mlops.create_retrain_policy('churn', 'drift', 'churn_range', cooldown => '0');
SELECT mlops.create_retrain_policy('fraud', 'schedule', every => '1 day');
SELECT mlops.create_retrain_policy('fraud', 'manual');
SELECT count(*) FROM mlops.evaluate_monitor('churn_range');
SELECT count(*) FROM mlops.evaluate_monitor('churn_prev');
SELECT count(*) FROM mlops.evaluate_monitor('fraud_labels');
SELECT mlops.enqueue_retrain('fraud', '{"ticket": "ML-1"}');
});
# the churn job claimed and completed, a second churn job queued by hand
$node->safe_psql('src', q{
SELECT mlops.complete_job((SELECT id FROM mlops.claim_job('trainer-1')), 'succeeded');
SELECT mlops.enqueue_retrain('churn');
});

my $state = q{
SELECT concat_ws(E'\n',
  (SELECT string_agg(concat_ws(' ', m.id, m.name, m.model_id, m.source, m.value_column, m.time_column, m.method,
                               m.threshold, m.bins, m.window_size, m.reference, m.schedule, m.start_at, m.owner,
                               m.enabled, m.created_at, m.computed_until, m.last_evaluated_at, m.next_due,
                               m.last_error), E'\n' ORDER BY m.id) FROM mlops.monitors m),
  (SELECT string_agg(concat_ws(' ', r.id, r.monitor_id, r.n, md5(r.summary), r.computed_at), E'\n' ORDER BY r.id)
     FROM mlops.monitor_references r),
  (SELECT md5(string_agg(concat_ws(' ', d.id, d.monitor_id, d.window_start, d.window_end, d.statistic, d.pvalue,
                                   d.n_ref, d.n_cur, d.threshold, d.breached, d.note, d.histogram, d.computed_at),
                         E'\n' ORDER BY d.id)) || ' ' || count(*) || ' windows, ' || count(*) FILTER (WHERE d.breached) || ' breached'
     FROM mlops.drift_results d),
  (SELECT string_agg(concat_ws(' ', p.id, p.model_id, p.trigger, p.monitor_id, p.every, p.cooldown, p.enabled,
                               p.created_by, p.created_at, p.last_fired_at, p.next_due), E'\n' ORDER BY p.id)
     FROM mlops.retrain_policies p),
  (SELECT string_agg(concat_ws(' ', j.id, j.model_id, j.status, j.reason, j.policy_id, j.drift_result_id,
                               j.claimed_by, j.claimed_login, j.attempts, j.created_at, j.finished_at),
                     E'\n' ORDER BY j.created_at) FROM mlops.jobs j))};
my $before = $node->safe_psql('src', $state);
like($before, qr/ [1-9][0-9]* breached/, 'the source has breached windows');
is($node->safe_psql('src', q{SELECT string_agg(status, ',' ORDER BY created_at) FROM mlops.jobs}),
	'succeeded,queued,queued', 'the source has a finished job and two queued ones');

my $dump = $node->basedir . '/monitors.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-d', $node->connstr('src'), '-f', $dump ], 'pg_dump succeeds');
$node->command_ok([ 'pg_restore', '--exit-on-error', '-d', $node->connstr('dst'), $dump ], 'pg_restore succeeds');
is($node->safe_psql('dst', $state), $before,
	'monitors, references, results, policies and jobs restored as they were (no job queued by the restore)');

my $sql = $node->basedir . '/monitors.sql';
$node->command_ok([ 'pg_dump', '-d', $node->connstr('src'), '-f', $sql ], 'plain pg_dump succeeds');
$node->safe_psql('postgres', 'CREATE DATABASE dst2');
$node->command_ok([ 'psql', '-X', '-v', 'ON_ERROR_STOP=1', '-q', '-d', $node->connstr('dst2'), '-f', $sql ],
	'the plain dump replays');
is($node->safe_psql('dst2', $state), $before, 'the plain replay restores the same rows');

# the functions work on the restored rows
is($node->safe_psql('dst', q{SELECT count(*) FROM mlops.evaluate_monitor('churn_range')}), '0',
	'evaluation carries on from the restored computed_until: nothing computed twice');
is($node->safe_psql('dst', q{
SELECT count(*) FILTER (WHERE w.statistic IS NOT DISTINCT FROM d.statistic AND w.breached = d.breached) || '/' || count(*)
  FROM mlops.monitors m
  CROSS JOIN LATERAL mlops.drift_windows(m.name, '2024-01-01 00:00:00+00', '2024-01-11 00:00:00+00') w
  JOIN mlops.drift_results d ON d.monitor_id = m.id AND d.window_start = w.window_start}), '30/30',
	'drift_windows over the restored source and references equals the restored results');
my $stats = q{SELECT md5(string_agg(concat_ws(' ', d.id, d.monitor_id, d.window_start, d.statistic, d.pvalue, d.n_ref,
                                          d.n_cur, d.threshold, d.breached, d.note, d.histogram), E'\n' ORDER BY d.id))
                 FROM mlops.drift_results d};
my $stats_before = $node->safe_psql('src', $stats);
ok($node->safe_psql('dst', q{SELECT count(*) FROM mlops.evaluate_monitor('churn_range', '2024-01-05 00:00:00+00')}) > 0,
	'recompute_from rewrites restored windows');
is($node->safe_psql('dst', $stats), $stats_before, 'recomputing the restored windows changes no statistic');
is($node->safe_psql('dst', q{
SELECT m.name || ':' || j.status FROM mlops.claim_job('trainer-2') j JOIN mlops.models m ON m.id = j.model_id}),
	'fraud:claimed', 'the oldest restored queued job is claimed');
is($node->safe_psql('dst', q{
SELECT count(*) FROM (SELECT mlops.complete_job(id, 'failed') FROM mlops.jobs WHERE status = 'claimed') c;
SELECT string_agg(status, ',' ORDER BY created_at) FROM mlops.jobs}), "1\nsucceeded,failed,queued",
	'the restored claim is completed');
is($node->safe_psql('dst', q{SELECT mlops.enqueue_retrain('churn') = id FROM mlops.jobs WHERE status = 'queued'}), 't',
	'the restored open job is the open job of its model');
is($node->safe_psql('dst', q{SELECT mlops.create_monitor('after', NULL, 'preds', 'score', 'ts')}), '4',
	'monitor numbering carries on');
is($node->safe_psql('dst', q{SELECT mlops.create_retrain_policy('churn', 'manual')}), '4',
	'policy numbering carries on');
$node->stop;

done_testing();
