# Retention of the webhook attempt log (mlops.webhook_log_retention): the
# background worker deletes attempts older than the setting and delivered or
# dead deliveries whose last activity is older, in batches; it never deletes
# pending or in_flight deliveries, keeps everything at 0, and applies a new
# value at the reload.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);

my $node = PostgreSQL::Test::Cluster->new('retention');
$node->init;
$node->append_conf('postgresql.conf', qq(
shared_preload_libraries = 'mlops'
mlops.database = 'postgres'
mlops.naptime = '200ms'
));
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION mlops; ALTER SYSTEM SET mlops.webhook_log_retention = 0');
$node->reload;
ok($node->poll_query_until('postgres', 'SHOW mlops.webhook_log_retention', '0'), 'retention off: keep forever');
ok($node->poll_query_until('postgres', 'SELECT ticks > 0 FROM mlops.worker_status'), 'the worker ticks');

# Wait until the SQL returns 't' (at most $secs seconds).
sub wait_for
{
	my ($sql, $secs) = @_;
	my $start = time;
	while (time - $start < ($secs // 30))
	{
		return 1 if $node->safe_psql('postgres', $sql) eq 't';
		usleep(100_000);
	}
	return 0;
}

# Wait until the worker has ticked $n more times.
sub rounds
{
	my ($n) = @_;
	my $t = $node->safe_psql('postgres', 'SELECT ticks FROM mlops.worker_status');
	return wait_for("SELECT ticks >= $t + $n FROM mlops.worker_status");
}

# The deliveries left, by name (the event column), sorted.
sub deliveries
{
	return $node->safe_psql('postgres', q(SELECT string_agg(event, ' ' ORDER BY event) FROM mlops.webhook_queue));
}

# The attempts left: "old/recent" counts.
sub attempts
{
	return $node->safe_psql('postgres', q(
		SELECT count(*) FILTER (WHERE at < now() - interval '30 days') || '/' ||
		       count(*) FILTER (WHERE at >= now() - interval '30 days')
		  FROM mlops.webhook_deliveries));
}

# The webhook points at a closed port; the pending rows are not due for a
# long time, so the worker sends nothing during the test.
$node->safe_psql('postgres', q(
	SELECT mlops.create_webhook('sink', 'http://127.0.0.1:9/x', NULL, '{job.queued}');
	INSERT INTO mlops.webhook_queue (delivery_id, webhook_id, event, payload, occurred_at, status, attempts,
	                                 next_attempt_at, created_at, delivered_at)
	SELECT gen_random_uuid(), w.id, v.event, '{}', v.created, v.status, 1,
	       CASE WHEN v.status = 'pending' THEN now() + interval '10 days' ELSE v.created END,
	       v.created, v.delivered
	  FROM mlops.webhooks w,
	       (VALUES ('a_delivered_old',         'delivered', now() - interval '40 days', now() - interval '40 days'),
	               ('b_dead_old',              'dead',      now() - interval '40 days', NULL),
	               ('c_pending_old',           'pending',   now() - interval '40 days', NULL),
	               ('d_in_flight_old',         'in_flight', now() - interval '40 days', NULL),
	               ('e_delivered_recent',      'delivered', now() - interval '1 day',   now() - interval '1 day'),
	               ('f_dead_recent_attempt',   'dead',      now() - interval '40 days', NULL),
	               ('g_redelivered_recently',  'delivered', now() - interval '40 days', now() - interval '2 days'))
	       AS v(event, status, created, delivered);
	-- 2,500 old attempts (three batches) and a recent one for f
	INSERT INTO mlops.webhook_deliveries (delivery_id, webhook_id, event, attempt, status, at)
	SELECT q.delivery_id, q.webhook_id, q.event, 1, 'failed', now() - interval '40 days'
	  FROM mlops.webhook_queue q, generate_series(1, 2500) g
	 WHERE q.event = 'b_dead_old';
	INSERT INTO mlops.webhook_deliveries (delivery_id, webhook_id, event, attempt, status, at)
	SELECT q.delivery_id, q.webhook_id, q.event, 2, 'failed', now() - interval '1 day'
	  FROM mlops.webhook_queue q WHERE q.event = 'f_dead_recent_attempt';
));
my $all = 'a_delivered_old b_dead_old c_pending_old d_in_flight_old e_delivered_recent '
  . 'f_dead_recent_attempt g_redelivered_recently';
is(deliveries(), $all, 'seven deliveries queued');
is(attempts(), '2500/1', 'and 2,501 attempts');

# 0 keeps everything
ok(rounds(10), 'the worker runs ten rounds');
is(deliveries(), $all, 'with mlops.webhook_log_retention = 0 no delivery is deleted');
is(attempts(), '2500/1', 'and no attempt');

# the default, 30 days, applied by a reload
$node->safe_psql('postgres', 'ALTER SYSTEM RESET mlops.webhook_log_retention');
$node->reload;
is($node->safe_psql('postgres', 'SHOW mlops.webhook_log_retention'), '30d', 'the default is 30 days');
ok(wait_for(q(SELECT count(*) = 1 FROM mlops.webhook_deliveries)), 'after the reload the old attempts are deleted');
is(attempts(), '0/1', 'all 2,500 of them, the recent one is kept');
ok(wait_for(q(SELECT count(*) = 5 FROM mlops.webhook_queue)), 'the old finished deliveries are deleted');
is(deliveries(),
	'c_pending_old d_in_flight_old e_delivered_recent f_dead_recent_attempt g_redelivered_recently',
	'pending and in_flight ones are kept however old, and so are deliveries active within the retention');
unlike(slurp_file($node->logfile), qr/mlops webhooks: .* failed/, 'no retention unit failed');

# a shorter retention deletes the recent ones too, at the reload
$node->safe_psql('postgres', q(ALTER SYSTEM SET mlops.webhook_log_retention = '12h'));
$node->reload;
ok(wait_for(q(SELECT count(*) = 0 FROM mlops.webhook_deliveries)), 'with 12h, the attempt of a day ago goes');
ok(wait_for(q(SELECT count(*) = 2 FROM mlops.webhook_queue)), 'and the deliveries finished before it');
is(deliveries(), 'c_pending_old d_in_flight_old', 'pending and in_flight deliveries stay');
is($node->safe_psql('postgres', 'SELECT ticks > 0 AND last_error IS NULL FROM mlops.worker_status'), 't',
	'the worker recorded no error');

# out of range
my ($ret, $out, $err) = $node->psql('postgres', q(ALTER SYSTEM SET mlops.webhook_log_retention = '-1s'),
	extra_params => [ '-v', 'VERBOSITY=verbose' ]);
like($err, qr/22023: -1 s is outside the valid range for parameter "mlops.webhook_log_retention"/,
	'a negative retention is refused (22023)');
is($node->safe_psql('postgres', 'SHOW mlops.webhook_log_retention'), '12h', 'and the setting is unchanged');

$node->stop;
done_testing();
