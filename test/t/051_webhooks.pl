# Webhook deliveries end to end (src/webhooks/, driven by the background
# worker): events become signed POSTs to a receiver on 127.0.0.1, retries
# keep the delivery id, a hanging endpoint times out while others are served
# and the worker holds no transaction during the wait, redirects are not
# followed, an endless answer is cut off, a rolled-back event sends nothing,
# the host allow-list refuses, a delivery is dead after the last attempt,
# redeliver sends the same id again, and a delivery cut off by a shutdown or
# by kill -9 of the worker goes out again after the restart.
use strict;
use warnings;
use File::Basename qw(dirname);
use Encode;
use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);

my $node = PostgreSQL::Test::Cluster->new('webhooks');
$node->init;
$node->append_conf('postgresql.conf', qq(
shared_preload_libraries = 'mlops'
mlops.database = 'postgres'
mlops.naptime = '200ms'
mlops.webhook_timeout = '3s'
restart_after_crash = on
));
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION mlops; SELECT mlops.create_roles()');

# ------------------------------------------------------------ the receiver
my $dir = PostgreSQL::Test::Utils::tempdir;
my ($portfile, $log) = ("$dir/port", "$dir/requests.jsonl");
my $secret = 's3cret-key';
my $receiver_pid = fork();
die "fork: $!" unless defined $receiver_pid;
if ($receiver_pid == 0)
{
	exec('/usr/bin/python3', dirname(__FILE__) . '/webhook_receiver.py', $portfile, $log, $secret)
	  or die "exec: $!";
}
END { kill 'KILL', $receiver_pid if $receiver_pid; }
my $t0 = time;
usleep(50_000) until -e $portfile || time - $t0 > 20;
ok(-e $portfile, 'the receiver listens');
my $port = slurp_file($portfile);
my $base = "http://127.0.0.1:$port";

# The requests the receiver got whose path starts with $prefix.
sub requests
{
	my ($prefix) = @_;
	return () unless -e $log;
	return grep { index($_->{path}, $prefix) == 0 }
	  map { decode_json($_) } grep { /\S/ } split /\n/, slurp_file($log);
}

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

# A job.queued event for a new model (one event per call).
my $models = 0;
sub emit
{
	my $m = 'wh_model_' . ++$models;
	$node->safe_psql('postgres', "SELECT mlops.register_model('$m'); SELECT mlops.enqueue_retrain('$m')");
	return $m;
}

# The attempts of the webhook named $name: "status/code" in order.
sub attempts
{
	my ($name) = @_;
	return $node->safe_psql('postgres', qq(
		SELECT string_agg(d.status || '/' || coalesce(d.status_code::text, '-'), ' ' ORDER BY d.id)
		  FROM mlops.webhook_deliveries d JOIN mlops.webhooks w ON w.id = d.webhook_id
		 WHERE w.name = '$name'));
}

# The first attempt of the webhook named $name: "status/code: error".
sub first_attempt
{
	my ($name) = @_;
	return $node->safe_psql('postgres', qq(
		SELECT d.status || '/' || coalesce(d.status_code::text, '-') || ': ' || coalesce(d.error, '-')
		  FROM mlops.webhook_deliveries d JOIN mlops.webhooks w ON w.id = d.webhook_id
		 WHERE w.name = '$name' ORDER BY d.id LIMIT 1));
}

# SQL: every webhook named in the list has at least one attempt.
sub all_attempted
{
	my @names = @_;
	my $list = join(', ', map { "'$_'" } @names);
	return qq(SELECT count(DISTINCT d.webhook_id) = ${\ scalar(@names)}
	            FROM mlops.webhook_deliveries d JOIN mlops.webhooks w ON w.id = d.webhook_id
	           WHERE w.name IN ($list));
}

ok(wait_for(q(SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'mlops scheduler')),
	'the worker runs');

# ------------------------------------------------------------ a signed POST
$node->safe_psql('postgres', qq(
	SELECT mlops.create_webhook('signed', '$base/ok/signed', '$secret', '{job.queued}');
	SELECT mlops.create_webhook('unsigned', '$base/ok/unsigned', NULL, '{job.*}');
	SELECT mlops.create_webhook('other', '$base/ok/other', NULL, '{stage.changed}')));
my $m1 = emit();
ok(wait_for(q(SELECT count(*) = 2 FROM mlops.webhook_queue WHERE status = 'delivered')),
	'the event is delivered to both subscribers');
my ($signed) = requests('/ok/signed');
my $signed_id = $node->safe_psql('postgres', q(
	SELECT q.delivery_id FROM mlops.webhook_queue q JOIN mlops.webhooks w ON w.id = q.webhook_id
	 WHERE w.name = 'signed'));
is($signed->{event}, 'job.queued', 'X-Mlops-Event names the event');
is($signed->{delivery}, $signed_id, 'X-Mlops-Delivery is the delivery id');
ok($signed->{sig_ok}, 'the receiver verifies X-Mlops-Signature with the secret');
is($signed->{content_type}, 'application/json', 'the body is JSON');
my $body = decode_json($signed->{body});
is_deeply([ sort keys %$body ], [qw(delivery_id event occurred_at payload)], 'the body has the four fields');
is($body->{delivery_id}, $signed_id, 'the body carries the delivery id');
is($body->{payload}{model}, $m1, 'the payload is the event\'s');
my ($unsigned) = requests('/ok/unsigned');
ok(defined $unsigned && !defined $unsigned->{signature}, 'no signature header without a secret');
is(scalar(requests('/ok/other')), 0, 'a webhook not subscribed to the kind gets nothing');
is($node->safe_psql('postgres', q(SELECT count(*) FROM mlops.outbox WHERE dispatched_at IS NULL)),
	'0', 'the outbox row is dispatched');
is(attempts('signed'), 'delivered/200', 'one attempt recorded with its status code');
$node->safe_psql('postgres', q(SELECT mlops.drop_webhook('unsigned'); SELECT mlops.drop_webhook('other')));

# ------------------------------------------------------------ a rolled-back event
$node->safe_psql('postgres', q(SELECT mlops.register_model('wh_rolled_back')));
$node->safe_psql('postgres',
	q(BEGIN; SELECT mlops.enqueue_retrain('wh_rolled_back'); ROLLBACK;));
my $after = emit();
ok(wait_for(q(SELECT count(*) = 2 FROM mlops.webhook_queue WHERE status = 'delivered')),
	'the next committed event is delivered');
is(scalar(grep { index($_->{body}, 'wh_rolled_back') >= 0 } requests('/')), 0,
	'a rolled-back event is never sent');

# ------------------------------------------------------------ the payload as stored
# Numbers beyond C's integers and doubles, and text outside ASCII, arrive as
# the event's jsonb holds them (and signed over those bytes).
$node->safe_psql('postgres', q(SELECT mlops.register_model('wh_exact');
	SELECT mlops.enqueue_retrain('wh_exact',
	  '{"big": 12345678901234567890, "d": 1.23456789012345678901234567890, "f": 0.1, "w": "Gr\u00f6\u00dfe"}')));
ok(wait_for(q(SELECT count(*) = 1 FROM mlops.webhook_queue
               WHERE status = 'delivered' AND payload::text LIKE '%wh_exact%')),
	'the event with exact numbers is delivered');
my ($exact) = grep { index($_->{body}, 'wh_exact') >= 0 } requests('/ok/signed');
ok(defined $exact && $exact->{sig_ok}, 'its signature verifies');
my $exact_body = defined $exact ? $exact->{body} : '';
ok(index($exact_body, '"big": 12345678901234567890') >= 0, 'a number beyond 64 bits arrives as stored');
ok(index($exact_body, '"d": 1.23456789012345678901234567890') >= 0, 'all 30 digits of a decimal arrive');
ok(index($exact_body, '"f": 0.1') >= 0 && index($exact_body, '0.10000000000000001') < 0,
	'0.1 arrives as 0.1');
ok(index($exact_body, "Gr\x{f6}\x{df}e") >= 0, 'non-ASCII text arrives in UTF-8');
is(decode_json(Encode::encode('UTF-8', $exact_body))->{payload}{reason}{w}, "Gr\x{f6}\x{df}e",
	'the body is JSON whose payload carries the reason');

# ------------------------------------------------------------ a retrain policy's webhook
# gets the job events of its policy, whatever it subscribes to; another
# model's job events do not go there
$node->safe_psql('postgres', qq(
	SELECT mlops.create_webhook('policy_hook', '$base/ok/policy', NULL, '{stage.changed}');
	SELECT mlops.register_model('wh_policy');
	SELECT mlops.create_retrain_policy('wh_policy', 'schedule', every => '1 second', cooldown => '0',
	                                   webhook => 'policy_hook');
	SELECT mlops.register_model('wh_no_policy');
	SELECT mlops.enqueue_retrain('wh_no_policy')));
ok(wait_for(q(SELECT count(*) = 1 FROM mlops.webhook_queue q JOIN mlops.webhooks w ON w.id = q.webhook_id
               WHERE w.name = 'policy_hook' AND q.status = 'delivered')),
	'the job.queued event of the policy reaches the webhook it names');
my @policy = requests('/ok/policy');
is(scalar(@policy), 1, 'one request to the policy\'s webhook');
is($policy[0]{event}, 'job.queued', 'it is the job.queued event');
ok(index($policy[0]{body}, 'wh_policy') >= 0, 'of the policy\'s model');
$node->safe_psql('postgres', q(
	SELECT mlops.drop_retrain_policy(p.id) FROM mlops.retrain_policies p
	  JOIN mlops.models m ON m.id = p.model_id WHERE m.name = 'wh_policy';
	SELECT mlops.drop_webhook('policy_hook')));

# ------------------------------------------------------------ retries keep the id
$node->safe_psql('postgres', q(SELECT mlops.drop_webhook('signed')));
$node->safe_psql('postgres', qq(SELECT mlops.create_webhook('flaky', '$base/flaky/x', '$secret', '{job.queued}')));
emit();
ok(wait_for(q(SELECT status = 'delivered' FROM mlops.webhook_queue), 30), 'the flaky delivery gets through');
is(attempts('flaky'), 'failed/500 failed/500 delivered/200', 'two failures, then success');
my @flaky = requests('/flaky/');
is(scalar(@flaky), 3, 'three requests');
is(scalar(keys %{ { map { $_->{delivery} => 1 } @flaky } }), 1, 'all three with one delivery id');
ok((!grep { !$_->{sig_ok} } @flaky), 'each attempt is signed');
is(scalar(keys %{ { map { $_->{peer} => 1 } @flaky } }), 1, 'the retries go over the connection kept alive');
is($node->safe_psql('postgres', q(SELECT count(DISTINCT delivery_id) || '/' || max(attempt) FROM mlops.webhook_deliveries)),
	'1/3', 'the attempt log numbers the attempts of one delivery');
$node->safe_psql('postgres', q(SELECT mlops.drop_webhook('flaky')));

# ------------------------------------------------------------ dead, then redelivered
$node->safe_psql('postgres', q(ALTER SYSTEM SET mlops.webhook_max_attempts = 2));
$node->reload;
$node->safe_psql('postgres', qq(SELECT mlops.create_webhook('doomed', '$base/flaky/doomed', NULL, '{job.queued}')));
emit();
ok(wait_for(q(SELECT status = 'dead' FROM mlops.webhook_queue), 30), 'after mlops.webhook_max_attempts the delivery is dead');
is(attempts('doomed'), 'failed/500 failed/500', 'two attempts, both failed');
my $doomed = $node->safe_psql('postgres', q(SELECT delivery_id || '/' || attempts || '/' || last_error FROM mlops.webhook_queue));
like($doomed, qr{/2/HTTP 500$}, 'the dead delivery keeps its last error');
my ($doomed_id) = split m{/}, $doomed;
$node->safe_psql('postgres', qq(SELECT mlops.redeliver('$doomed_id')));
ok(wait_for(q(SELECT status = 'delivered' AND attempts = 1 FROM mlops.webhook_queue)), 'a dead delivery redelivered gets through');
is(join(',', map { $_->{delivery} } requests('/flaky/doomed')), "$doomed_id,$doomed_id,$doomed_id",
	'every attempt, before and after redeliver, carries the same delivery id');
$node->safe_psql('postgres', q(SELECT mlops.drop_webhook('doomed'); ALTER SYSTEM RESET mlops.webhook_max_attempts));
$node->reload;

# ------------------------------------------------------------ a hanging endpoint
$node->safe_psql('postgres', qq(
	SELECT mlops.create_webhook('hang', '$base/hang/x', NULL, '{job.queued}');
	SELECT mlops.create_webhook('quick', '$base/ok/quick', NULL, '{job.queued}')));
my $hang_start = time;
emit();
ok(wait_for(q(SELECT count(*) = 1 FROM mlops.webhook_queue q JOIN mlops.webhooks w ON w.id = q.webhook_id
	           WHERE w.name = 'quick' AND q.status = 'delivered')), 'the other endpoint is served');
is($node->safe_psql('postgres', q(SELECT q.status FROM mlops.webhook_queue q JOIN mlops.webhooks w ON w.id = q.webhook_id
	 WHERE w.name = 'hang')), 'in_flight', 'while the hanging one is still in flight');
ok(time - $hang_start < 3, 'before the hanging request timed out');
is($node->safe_psql('postgres', q(
	SELECT coalesce(backend_xid::text, '-') || '/' || (xact_start IS NULL)
	  FROM pg_stat_activity WHERE backend_type = 'mlops scheduler')),
	'-/true', 'the worker waits on the network with no transaction open');
ok(wait_for(all_attempted('hang')), 'the hanging attempt ends');
like($node->safe_psql('postgres', q(SELECT d.status || ': ' || d.error || ' after ' || round(d.latency_ms / 1000.0) || 's'
	  FROM mlops.webhook_deliveries d JOIN mlops.webhooks w ON w.id = d.webhook_id WHERE w.name = 'hang'
	 ORDER BY d.id LIMIT 1)),
	qr/^failed: Timeout was reached.* after 3s$/, 'the timeout is recorded');
$node->safe_psql('postgres', q(SELECT mlops.drop_webhook('hang'); SELECT mlops.drop_webhook('quick')));

# ------------------------------------------------------------ redirects, endless bodies
$node->safe_psql('postgres', qq(
	SELECT mlops.create_webhook('redirect', '$base/redirect/x', NULL, '{job.queued}');
	SELECT mlops.create_webhook('endless', '$base/endless/x', NULL, '{job.queued}')));
emit();
ok(wait_for(all_attempted('redirect', 'endless')), 'both attempts end');
is(first_attempt('redirect'), 'failed/302: HTTP 302 (redirects are not followed)', 'a redirect is a failed attempt');
is(scalar(requests('/ok/redirected')), 0, 'the redirect is not followed');
like($node->safe_psql('postgres', q(SELECT d.status || '/' || d.status_code || '/' || (d.latency_ms < 3000)
	  FROM mlops.webhook_deliveries d JOIN mlops.webhooks w ON w.id = d.webhook_id WHERE w.name = 'endless'
	 ORDER BY d.id LIMIT 1)),
	qr{^delivered/200/true$}, 'an endless answer is cut off at the cap, before the timeout');
$node->safe_psql('postgres', q(SELECT mlops.drop_webhook('redirect'); SELECT mlops.drop_webhook('endless')));

# ------------------------------------------------------------ the allow-list
# a connection to localhost opened while any host is allowed stays in the
# worker's connection cache; the list below must refuse it all the same
$node->safe_psql('postgres', qq(SELECT mlops.create_webhook('warm', 'http://localhost:$port/ok/warm', NULL, '{job.queued}')));
emit();
ok(wait_for(q(SELECT status = 'delivered' FROM mlops.webhook_queue q JOIN mlops.webhooks w ON w.id = q.webhook_id
	           WHERE w.name = 'warm')), 'a delivery to localhost leaves a connection open');
$node->safe_psql('postgres', q(SELECT mlops.drop_webhook('warm')));
$node->safe_psql('postgres', q(ALTER SYSTEM SET mlops.webhook_allowed_hosts = 'hooks.example.com, 10.0.0.0/8'));
$node->reload;
$node->safe_psql('postgres', qq(
	SELECT mlops.create_webhook('by_address', '$base/ok/by_address', NULL, '{job.queued}');
	SELECT mlops.create_webhook('by_name', 'http://localhost:$port/ok/by_name', NULL, '{job.queued}')));
emit();
ok(wait_for(all_attempted('by_address', 'by_name')), 'both attempts end');
is(first_attempt('by_address'), 'failed/-: host 127.0.0.1 is not in mlops.webhook_allowed_hosts',
	'an address outside the list is refused before connecting');
like(first_attempt('by_name'), qr/^failed\/-: resolved address of the host is not in mlops\.webhook_allowed_hosts/,
	'a name outside the list is refused at its resolved address');
is(scalar(requests('/ok/by_')), 0, 'the receiver got nothing');
# a CIDR entry admits the names that resolve into it
$node->safe_psql('postgres', q(ALTER SYSTEM SET mlops.webhook_allowed_hosts = '127.0.0.0/8, ::1'));
$node->reload;
$node->safe_psql('postgres', q(SELECT mlops.drop_webhook('by_address'); DELETE FROM mlops.webhook_deliveries;));
ok(wait_for(q(SELECT status = 'delivered' FROM mlops.webhook_queue), 60), 'the retry inside the list gets through');
is(scalar(requests('/ok/by_name')), 1, 'the receiver got it once');

# ------------------------------------------------------------ redeliver
# (to a host the list names: names match case-insensitively)
$node->safe_psql('postgres', q(ALTER SYSTEM SET mlops.webhook_allowed_hosts = 'hooks.example.com, LocalHost'));
$node->reload;
my $id = $node->safe_psql('postgres', q(SELECT delivery_id FROM mlops.webhook_queue));
$node->safe_psql('postgres', qq(SELECT mlops.redeliver('$id')));
ok(wait_for(qq(SELECT status = 'delivered' AND attempts = 1 FROM mlops.webhook_queue WHERE delivery_id = '$id')),
	'the redelivered delivery is sent again');
is(join(',', map { $_->{delivery} } requests('/ok/by_name')), "$id,$id", 'with the same delivery id');
$node->safe_psql('postgres', q(SELECT mlops.drop_webhook('by_name')));
$node->safe_psql('postgres', q(ALTER SYSTEM RESET mlops.webhook_allowed_hosts));
$node->reload;

# ------------------------------------------------------------ SIGTERM mid-delivery
$node->safe_psql('postgres', q(ALTER SYSTEM SET mlops.webhook_timeout = '60s'));
$node->reload;
$node->safe_psql('postgres', qq(SELECT mlops.create_webhook('stopped', '$base/hangonce/stopped', NULL, '{job.queued}')));
emit();
$t0 = time;
usleep(100_000) until scalar(requests('/hangonce/stopped')) == 1 || time - $t0 > 30;
is(scalar(requests('/hangonce/stopped')), 1, 'a request hangs');
$t0 = time;
$node->stop('fast');
ok(time - $t0 < 10, 'a fast shutdown does not wait for the hanging request');
$node->start;
ok(wait_for(q(SELECT status = 'delivered' FROM mlops.webhook_queue)), 'after the restart the delivery is sent again');
my @stopped = requests('/hangonce/stopped');
is(scalar(@stopped) . ' ' . scalar(keys %{ { map { $_->{delivery} => 1 } @stopped } }), '2 1',
	'twice, with one delivery id');
$node->safe_psql('postgres', q(SELECT mlops.drop_webhook('stopped')));

# ------------------------------------------------------------ kill -9 mid-delivery
$node->safe_psql('postgres', qq(SELECT mlops.create_webhook('crash', '$base/hangonce/x', '$secret', '{job.queued}')));
emit();
$t0 = time;
usleep(100_000) until scalar(requests('/hangonce/x')) == 1 || time - $t0 > 30;
is(scalar(requests('/hangonce/x')), 1, 'the request is in flight');
my $crash_id = $node->safe_psql('postgres', q(SELECT delivery_id FROM mlops.webhook_queue WHERE status = 'in_flight'));
isnt($crash_id, '', 'the delivery is marked in flight');
my $worker = $node->safe_psql('postgres', q(SELECT pid FROM pg_stat_activity WHERE backend_type = 'mlops scheduler'));
kill 'KILL', $worker;
# the postmaster restarts the cluster after a crashed child; wait for the worker again
$t0 = time;
while (time - $t0 < 60)
{
	my ($ret, $out) = $node->psql('postgres',
		qq(SELECT status FROM mlops.webhook_queue WHERE delivery_id = '$crash_id'));
	last if $ret == 0 && $out eq 'delivered';
	usleep(200_000);
}
is($node->safe_psql('postgres', qq(SELECT status || '/' || attempts FROM mlops.webhook_queue WHERE delivery_id = '$crash_id')),
	'delivered/2', 'after the restart the delivery goes out again and is delivered');
my @crash = requests('/hangonce/x');
is(join(',', map { $_->{delivery} } @crash), "$crash_id,$crash_id", 'with the same delivery id (at least once)');
ok((!grep { !$_->{sig_ok} } @crash), 'both signed');
is(attempts('crash'), 'delivered/200', 'the cut-off attempt left no record, the resent one did');

$node->stop;
done_testing();
