# The background worker "mlops scheduler": start, idling without the
# extension, ticking, wake-up on commit, reload, disable, failing monitors and
# failing ticks, SIGTERM, kill -9, hot standby and promotion, DROP EXTENSION
# and DROP DATABASE.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('primary');
$node->init(allows_streaming => 1);
$node->append_conf('postgresql.conf', "restart_after_crash = on\n");
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE wdb');
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'mlops'\nmlops.database = 'wdb'\n");
my $log_offset = -s $node->logfile;
$node->restart;

# Wait in one session until $cond holds (at most $max seconds); returns the
# seconds from the time recorded in table t0 (written before the commit
# that should cause $cond) to when $cond first held, or -1.
sub seconds_until
{
	my ($cond, $max) = @_;
	return $node->safe_psql('wdb', qq{
		DO \$\$ BEGIN
		  FOR i IN 1 .. $max * 50 LOOP
		    EXIT WHEN (SELECT $cond FROM t0);
		    PERFORM pg_sleep(0.02);
		  END LOOP;
		END \$\$;
		SELECT CASE WHEN $cond THEN round(extract(epoch FROM clock_timestamp() - t)::numeric, 2) ELSE -1 END FROM t0;
		DROP TABLE t0;});
}

sub status
{
	my ($n, $cols) = @_;
	return $n->safe_psql('wdb', "SELECT $cols FROM mlops.worker_status");
}

# --- start, without the extension
ok($node->poll_query_until('postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'mlops scheduler' AND application_name = 'mlops scheduler' AND datname = 'wdb'",
		'1'),
	'the worker shows in pg_stat_activity as mlops scheduler, connected to mlops.database');
ok($node->wait_for_log(qr/extension "mlops" is not installed in database "wdb"/, $log_offset),
	'it logs that the extension is missing');
sleep 2;
my @missing = (slurp_file($node->logfile, $log_offset) =~ /extension "mlops" is not installed/g);
is(scalar @missing, 1, 'the missing extension is logged once, not once per round');

# --- ticking after CREATE EXTENSION
$node->safe_psql('wdb', 'CREATE EXTENSION mlops');
ok($node->poll_query_until('wdb', 'SELECT ticks > 0 AND last_tick_end IS NOT NULL FROM mlops.worker_status'),
	'the worker ticks after CREATE EXTENSION');
is(status($node, "state, last_result ? 'monitors_evaluated', last_error IS NULL, deliveries_delivered, delivery_failures, deliveries_dead"),
	'idle|t|t|0|0|0', 'worker_status: idle, the last tick result, no error, no deliveries');

# readers see the status; other roles do not
$node->safe_psql('wdb', 'SELECT mlops.create_roles(); CREATE ROLE wreader LOGIN IN ROLE mlops_reader; CREATE ROLE wplain LOGIN');
is($node->safe_psql('wdb', 'SELECT count(*) FROM mlops.worker_status', extra_params => [ '-U', 'wreader' ]),
	'1', 'mlops_reader reads mlops.worker_status');
my ($rc, $stdout, $stderr) = $node->psql('wdb', 'SELECT count(*) FROM mlops.worker_status', extra_params => [ '-U', 'wplain' ]);
like($stderr, qr/permission denied/, 'a role without mlops_reader does not');

# --- a breach queues a job through the worker, nobody calling tick()
$node->safe_psql('wdb', q{
	SELECT mlops.register_model('wchurn');
	CREATE TABLE preds (ts timestamptz, score float8);
	SELECT date_bin('1 day', now(), '2000-01-01 00:00+00') - interval '3 days' AS d0 \gset
	INSERT INTO preds
	SELECT :'d0'::timestamptz + day * interval '1 day' + g * interval '1 minute',
	       g / 500.0 + CASE WHEN day = 2 THEN 2 ELSE 0 END
	  FROM generate_series(0, 2) day, generate_series(1, 500) g;
	BEGIN;
	CREATE TABLE t0 AS SELECT clock_timestamp() AS t;
	SELECT mlops.create_monitor('wmon', 'wchurn', 'preds', 'score', 'ts', window_size => '1 day', start_at => :'d0',
	       reference => jsonb_build_object('from', :'d0'::timestamptz, 'to', :'d0'::timestamptz + interval '1 day'));
	SELECT mlops.create_retrain_policy('wchurn', 'drift', 'wmon');
	COMMIT;});
my $secs = seconds_until("EXISTS (SELECT FROM mlops.job_queue WHERE model = 'wchurn')", 10);
ok($secs >= 0 && $secs <= 3, "the worker queued the drift job within naptime + 2 s ($secs s)");
ok($node->poll_query_until('wdb', 'SELECT monitors_evaluated >= 1 AND jobs_queued >= 1 FROM mlops.worker_status'),
	'worker_status counts the evaluated monitor and the queued job');

# --- reload: a long naptime, then a commit that emits an event wakes the worker
$node->safe_psql('wdb', "ALTER SYSTEM SET mlops.naptime = '60s'; SELECT pg_reload_conf()");
sleep 1;
my $ticks = status($node, 'ticks');
sleep 2;
is(status($node, 'ticks'), $ticks, 'after reload with naptime 60s the worker sleeps');
$node->safe_psql('wdb', q{
	SELECT mlops.register_model('wwake');
	CREATE TABLE t0 AS SELECT clock_timestamp() AS t, mlops.enqueue_retrain('wwake');});
$secs = seconds_until('(SELECT last_tick_end FROM mlops.worker_status) > t', 5);
ok($secs >= 0 && $secs < 1, "a committed event wakes the worker at once ($secs s)");
$node->safe_psql('wdb', q{
	CREATE TABLE t0 AS SELECT clock_timestamp() AS t;
	BEGIN; SELECT mlops.register_model('wrolled'); SELECT mlops.enqueue_retrain('wrolled'); ROLLBACK;});
is(seconds_until('(SELECT last_tick_end FROM mlops.worker_status) > t', 1), '-1',
	'a rolled-back event does not wake it');

# --- disabled
$node->safe_psql('wdb', "ALTER SYSTEM SET mlops.worker_enabled = off; SELECT pg_reload_conf()");
ok($node->poll_query_until('wdb', 'SELECT state FROM mlops.worker_status', 'disabled'), 'worker_enabled = off: state disabled');
$ticks = status($node, 'ticks');
$node->safe_psql('wdb', q{SELECT mlops.register_model('woff'); SELECT mlops.enqueue_retrain('woff')});
sleep 1;
is(status($node, 'ticks'), $ticks, 'a disabled worker does not tick, even when woken');
$node->safe_psql('wdb', "ALTER SYSTEM RESET mlops.worker_enabled; ALTER SYSTEM RESET mlops.naptime; SELECT pg_reload_conf()");
ok($node->poll_query_until('wdb', "SELECT state = 'idle' AND ticks > $ticks FROM mlops.worker_status"),
	'enabled again, it ticks');

# --- a monitor whose owner cannot read its source: recorded on the monitor, the loop goes on
$node->safe_psql('wdb', q{
	CREATE ROLE wnobody;
	CREATE TABLE secret (ts timestamptz, score float8);
	INSERT INTO mlops.monitors (name, source, value_column, time_column, method, threshold, window_size, owner)
	VALUES ('wsecret', 'public.secret', 'score', 'ts', 'psi', 0.2, '1 hour', 'wnobody');});
ok($node->poll_query_until('wdb', "SELECT last_sqlstate FROM mlops.monitors WHERE name = 'wsecret'", '42501'),
	"the monitor's permission error is recorded on the monitor");
$ticks = status($node, 'ticks');
ok($node->poll_query_until('wdb', "SELECT ticks > $ticks + 1 AND tick_errors = 0 FROM mlops.worker_status"),
	'the worker keeps ticking');

# --- a tick that fails: logged, recorded in worker_status, the loop goes on
$node->safe_psql('wdb', q{
	CREATE OR REPLACE FUNCTION mlops.evaluate_monitor(name text, recompute_from timestamptz DEFAULT NULL)
	    RETURNS SETOF mlops.drift_results LANGUAGE plpgsql AS $$
	BEGIN RAISE EXCEPTION 'evaluation of % cancelled', name USING ERRCODE = 'query_canceled'; END $$;
	INSERT INTO mlops.monitors (name, source, value_column, time_column, method, threshold, window_size, owner)
	VALUES ('wcancel', 'preds', 'score', 'ts', 'psi', 0.2, '1 hour', 'postgres');});
ok($node->poll_query_until('wdb', 'SELECT tick_errors >= 2 FROM mlops.worker_status'), 'failing ticks are counted');
like(status($node, 'last_error'), qr/^evaluation of wcancel cancelled \(SQLSTATE 57014\)$/, 'the last error is recorded');
my $pid = status($node, 'pid');
$node->safe_psql('wdb', "DELETE FROM mlops.monitors WHERE name IN ('wcancel', 'wsecret')");
$ticks = status($node, 'ticks');
ok($node->poll_query_until('wdb', "SELECT ticks > $ticks FROM mlops.worker_status"), 'it ticks again once the cause is gone');
is(status($node, 'pid'), $pid, 'the same process survived the failing ticks');

# --- SIGTERM: the worker exits at once (and comes back after its restart interval)
$node->safe_psql('wdb', "SELECT pg_terminate_backend($pid)");
$secs = $node->safe_psql('wdb', qq{
	CREATE TEMP TABLE t0 AS SELECT clock_timestamp() AS t;
	DO \$\$ BEGIN
	  FOR i IN 1 .. 100 LOOP EXIT WHEN NOT EXISTS (SELECT FROM pg_stat_activity WHERE pid = $pid); PERFORM pg_sleep(0.02); END LOOP;
	END \$\$;
	SELECT CASE WHEN EXISTS (SELECT FROM pg_stat_activity WHERE pid = $pid) THEN -1 ELSE 0 END});
is($secs, '0', 'SIGTERM stops the worker within a second');
is(status($node, 'state'), 'not running', 'worker_status says not running');

# --- hot standby (meanwhile the primary's worker restarts)
$node->backup('b1');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($node, 'b1', has_streaming => 1);
$standby->start;
ok($standby->poll_query_until('wdb', 'SELECT state FROM mlops.worker_status', 'standby'), 'on a hot standby the worker idles in state standby');
sleep 1;
is(status($standby, 'ticks'), '0', 'it does not tick on the standby');

ok($node->poll_query_until('wdb', "SELECT pid <> $pid AND ticks > 0 FROM mlops.worker_status"), 'the terminated worker was restarted');

# --- kill -9: the postmaster restarts everything, the worker works again
$pid = status($node, 'pid');
$log_offset = -s $node->logfile;
kill 'KILL', $pid;
ok($node->wait_for_log(qr/all server processes terminated; reinitializing/, $log_offset), 'kill -9 causes a crash restart');
ok($node->poll_query_until('wdb', "SELECT pid <> $pid AND ticks > 0 FROM mlops.worker_status"), 'after the crash restart the worker ticks');

# --- promotion: the standby's worker begins ticking
$standby->promote;
ok($standby->poll_query_until('wdb', "SELECT state = 'idle' AND ticks > 0 FROM mlops.worker_status"),
	'after promotion the worker ticks');
$standby->stop;

# --- DROP EXTENSION is not blocked; the worker waits for the extension again
$log_offset = -s $node->logfile;
$node->safe_psql('wdb', "SET lock_timeout = '5s'; DROP EXTENSION mlops CASCADE");
ok($node->wait_for_log(qr/extension "mlops" is not installed in database "wdb"/, $log_offset),
	'after DROP EXTENSION the worker waits for the extension');

# --- DROP DATABASE: another database is not blocked; the worker's own needs FORCE
$node->safe_psql('postgres', 'CREATE DATABASE other');
$node->safe_psql('postgres', 'DROP DATABASE other');
pass('DROP DATABASE of another database is not blocked');
my ($ret, $out, $err) = $node->psql('postgres', 'DROP DATABASE wdb WITH (FORCE)');
is($ret, 0, "DROP DATABASE ... WITH (FORCE) of the worker's database terminates the worker and succeeds");
is($node->safe_psql('postgres', "SELECT count(*) FROM pg_database WHERE datname = 'wdb'"), '0', 'the database is gone');

$node->stop;
done_testing();
