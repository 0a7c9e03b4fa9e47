# The background workers "mlops launcher" and "mlops scheduler": start,
# idling without the extension, ticking, wake-up on commit, reload, disable,
# failing monitors and failing ticks, SIGTERM of either, kill -9, hot standby
# and promotion, DROP EXTENSION, DROP DATABASE and the other commands that
# need the database alone, a database that refuses connections, and the
# restart backoff of a scheduler that fails at start.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('primary');
$node->init(allows_streaming => 1);
$node->append_conf('postgresql.conf', "restart_after_crash = on\nmax_prepared_transactions = 2\n");
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

# The status read from database postgres, for when wdb is gone.
sub status_pg
{
	my ($cols) = @_;
	return $node->safe_psql('postgres', "SELECT $cols FROM mlops.worker_status");
}

# The pid of a worker in pg_stat_activity ('' when none runs).
sub worker_pid
{
	my ($type) = @_;
	return $node->safe_psql('postgres', "SELECT pid FROM pg_stat_activity WHERE backend_type = 'mlops $type'");
}

# How often $re matches in the server log from $offset on.
sub log_count
{
	my ($re, $offset) = @_;
	my @m = (slurp_file($node->logfile, $offset) =~ /$re/g);
	return scalar @m;
}

# --- start, without the extension
ok($node->poll_query_until('postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'mlops scheduler' AND application_name = 'mlops scheduler' AND datname = 'wdb'",
		'1'),
	'the worker shows in pg_stat_activity as mlops scheduler, connected to mlops.database');
is($node->safe_psql('postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'mlops launcher' AND application_name = 'mlops launcher' AND datname IS NULL"),
	'1', 'the launcher shows in pg_stat_activity as mlops launcher, connected to no database');
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
is(status($node, 'launcher_pid = ' . worker_pid('launcher') . ', restarts, last_exit_at IS NULL, last_exit IS NULL, next_start_at IS NULL'),
	't|0|t|t|t', 'worker_status: the launcher pid, no restart, no failure, no start due');

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

# --- SIGTERM: the worker exits at once, and the launcher starts it again a
# second later; all in one session, so the status is read before that restart
my @after = split /\n/, $node->safe_psql('wdb', qq{
	SELECT pg_terminate_backend($pid);
	DO \$\$ BEGIN
	  FOR i IN 1 .. 50 LOOP EXIT WHEN NOT EXISTS (SELECT FROM pg_stat_activity WHERE pid = $pid); PERFORM pg_sleep(0.02); END LOOP;
	END \$\$;
	SELECT CASE WHEN EXISTS (SELECT FROM pg_stat_activity WHERE pid = $pid) THEN -1 ELSE 0 END;
	DO \$\$ BEGIN
	  FOR i IN 1 .. 50 LOOP EXIT WHEN (SELECT last_exit_at IS NOT NULL FROM mlops.worker_status); PERFORM pg_sleep(0.01); END LOOP;
	END \$\$;
	SELECT state || '|' || last_exit || '|' || (next_start_at > last_exit_at) FROM mlops.worker_status;});
is($after[1], '0', 'SIGTERM stops the worker within a second');
like($after[2], qr/^not running\|/, 'worker_status says not running');
like($after[2], qr/\|terminating background worker "mlops scheduler" due to administrator command\|true$/,
	'worker_status shows the exit the launcher did not ask for and when it starts the scheduler again');

# --- hot standby (meanwhile the primary's worker restarts)
$node->backup('b1');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($node, 'b1', has_streaming => 1);
$standby->start;
ok($standby->poll_query_until('wdb', 'SELECT state FROM mlops.worker_status', 'standby'), 'on a hot standby worker_status says standby');
sleep 1;
is(status($standby, "ticks || '|' || (pid IS NULL) || '|' || (launcher_pid IS NULL)"), '0|true|true', 'no scheduler and no launcher run on the standby');
is($standby->safe_psql('postgres', "SELECT count(*) FROM pg_stat_activity WHERE backend_type LIKE 'mlops %'"), '0',
	'pg_stat_activity shows none there');

ok($node->poll_query_until('wdb', "SELECT pid <> $pid AND ticks > 0 FROM mlops.worker_status"), 'the terminated worker was restarted');
is(status($node, 'restarts'), '1', 'worker_status counts the restart');

# --- kill -9: the postmaster restarts everything, the worker works again
$pid = status($node, 'pid');
$log_offset = -s $node->logfile;
kill 'KILL', $pid;
ok($node->wait_for_log(qr/all server processes terminated; reinitializing/, $log_offset), 'kill -9 causes a crash restart');
ok($node->poll_query_until('wdb', "SELECT pid <> $pid AND ticks > 0 FROM mlops.worker_status"), 'after the crash restart the worker ticks');

# --- SIGTERM of the launcher stops the scheduler too; the postmaster starts the launcher again
$pid = status($node, 'pid');
my $lpid = worker_pid('launcher');
$node->safe_psql('postgres', "SELECT pg_terminate_backend($lpid)");
$secs = $node->safe_psql('postgres', qq{
	DO \$\$ BEGIN
	  FOR i IN 1 .. 50 LOOP EXIT WHEN NOT EXISTS (SELECT FROM pg_stat_activity WHERE pid IN ($pid, $lpid)); PERFORM pg_sleep(0.02); END LOOP;
	END \$\$;
	SELECT CASE WHEN EXISTS (SELECT FROM pg_stat_activity WHERE pid IN ($pid, $lpid)) THEN -1 ELSE 0 END});
is($secs, '0', 'SIGTERM stops the launcher and the scheduler within a second');
ok($node->poll_query_until('wdb', "SELECT launcher_pid <> $lpid AND pid <> $pid AND ticks > 0 FROM mlops.worker_status"),
	'both start again and the scheduler ticks');

# --- promotion: the standby's worker begins ticking
$standby->promote;
ok($standby->poll_query_until('wdb', "SELECT state = 'idle' AND ticks > 0 FROM mlops.worker_status"),
	'after promotion the worker ticks');
$standby->stop;

# --- DROP EXTENSION is not blocked; the worker waits for the extension again
$pid = status($node, 'pid');
$log_offset = -s $node->logfile;
$node->safe_psql('wdb', "SET lock_timeout = '5s'; DROP EXTENSION mlops CASCADE");
ok($node->wait_for_log(qr/extension "mlops" is not installed in database "wdb"/, $log_offset),
	'after DROP EXTENSION the worker waits for the extension');
is(worker_pid('scheduler'), $pid, 'the same scheduler ran through DROP EXTENSION');

# the status is read from database postgres from here on, wdb comes and goes
$node->safe_psql('postgres', 'CREATE EXTENSION mlops');
is(status_pg('state'), 'no extension', 'worker_status reads the same from another database');

# --- DROP DATABASE of another database is not touched
$log_offset = -s $node->logfile;
$node->safe_psql('postgres', 'CREATE DATABASE other');
$node->safe_psql('postgres', 'DROP DATABASE other');
is(worker_pid('scheduler'), $pid, 'DROP DATABASE of another database leaves the scheduler alone');

# --- a role that may not drop it leaves the scheduler alone
my ($ret, $out, $err) = $node->psql('postgres', 'DROP DATABASE wdb', extra_params => [ '-U', 'wplain' ]);
like($err, qr/must be owner of database wdb/, 'DROP DATABASE by a role that does not own it fails');
is(worker_pid('scheduler'), $pid, 'and the scheduler was not stopped for it');

# --- a DROP DATABASE that fails: the scheduler comes back after the pause
$node->safe_psql('wdb', 'BEGIN; CREATE TABLE held (); PREPARE TRANSACTION \'held\'');
($ret, $out, $err) = $node->psql('postgres', 'DROP DATABASE wdb');
like($err, qr/database "wdb" is being accessed by other users.*prepared transaction/s, 'DROP DATABASE fails while a prepared transaction uses the database');
ok($node->poll_query_until('postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'mlops scheduler' AND datname = 'wdb' AND pid <> $pid", '1'),
	'the launcher starts the scheduler again, the database is still there');
$node->safe_psql('wdb', "COMMIT PREPARED 'held'");

# --- a plain DROP DATABASE while the scheduler runs
$pid = worker_pid('scheduler');
$log_offset = -s $node->logfile;
($ret, $out, $err) = $node->psql('postgres', 'DROP DATABASE wdb');
is($ret, 0, "a plain DROP DATABASE of the scheduler's database succeeds while it runs") or diag($err);
like(slurp_file($node->logfile, $log_offset), qr/mlops launcher: stopping the scheduler for a command on database "wdb"/,
	'the launcher stopped the scheduler for it');
ok($node->wait_for_log(qr/mlops launcher: database "wdb" does not exist; waiting/, $log_offset),
	'the launcher says the database is missing');
sleep 3;
is(log_count(qr/database "wdb" does not exist; waiting/, $log_offset), 1, 'once, not once per naptime');
is(log_count(qr/background worker "mlops scheduler" \(PID \d+\) exited/, $log_offset), 1, 'and starts no scheduler');
is(status_pg("state || '|' || (pid IS NULL) || '|' || (launcher_pid IS NOT NULL)"), 'no database|true|true',
	'worker_status says no database; the launcher waits');

# --- the database and the extension again: the scheduler ticks
$node->safe_psql('postgres', 'CREATE DATABASE wdb');
$node->safe_psql('wdb', 'CREATE EXTENSION mlops');
ok($node->poll_query_until('wdb', "SELECT state = 'idle' AND ticks > 0 FROM mlops.worker_status"),
	'after CREATE DATABASE and CREATE EXTENSION the scheduler ticks again');

# --- ALTER DATABASE ... RENAME, there and back
$log_offset = -s $node->logfile;
($ret, $out, $err) = $node->psql('postgres', 'ALTER DATABASE wdb RENAME TO wdb_renamed');
is($ret, 0, "ALTER DATABASE ... RENAME of the scheduler's database succeeds while it runs") or diag($err);
ok($node->wait_for_log(qr/mlops launcher: database "wdb" does not exist; waiting/, $log_offset),
	'the launcher waits for a database named mlops.database');
$node->safe_psql('postgres', 'ALTER DATABASE wdb_renamed RENAME TO wdb');
ok($node->poll_query_until('wdb', "SELECT state = 'idle' AND ticks > 0 FROM mlops.worker_status"),
	'renamed back, the scheduler ticks again');

# --- CREATE DATABASE ... TEMPLATE and ALTER DATABASE ... SET TABLESPACE
$pid = worker_pid('scheduler');
($ret, $out, $err) = $node->psql('postgres', 'CREATE DATABASE wcopy TEMPLATE wdb');
is($ret, 0, "CREATE DATABASE ... TEMPLATE of the scheduler's database succeeds while it runs") or diag($err);
ok($node->poll_query_until('wdb', "SELECT pid <> $pid AND ticks > 0 FROM mlops.worker_status"),
	'the scheduler runs again after the copy');
my $tsdir = PostgreSQL::Test::Utils::tempdir;
$node->safe_psql('postgres', "CREATE TABLESPACE wts LOCATION '$tsdir'");
$pid = worker_pid('scheduler');
($ret, $out, $err) = $node->psql('postgres', 'ALTER DATABASE wdb SET TABLESPACE wts');
is($ret, 0, "ALTER DATABASE ... SET TABLESPACE of the scheduler's database succeeds while it runs") or diag($err);
ok($node->poll_query_until('wdb', "SELECT pid <> $pid AND ticks > 0 FROM mlops.worker_status"),
	'the scheduler runs again in the moved database');
is($node->safe_psql('postgres', 'SELECT restarts FROM mlops.worker_status'), '0',
	'none of these stops counted as a failure');

# --- a database that refuses connections: the launcher waits, says so once
$node->safe_psql('postgres', 'ALTER DATABASE wdb ALLOW_CONNECTIONS false');
$pid = worker_pid('scheduler');
$log_offset = -s $node->logfile;
$node->safe_psql('postgres', "SELECT pg_terminate_backend($pid)");
ok($node->wait_for_log(qr/mlops launcher: database "wdb" does not allow connections; waiting/, $log_offset),
	'the launcher does not start the scheduler in a database that refuses connections');
sleep 3;
is(log_count(qr/does not allow connections; waiting/, $log_offset), 1, 'it says so once');
is(worker_pid('scheduler'), '', 'no scheduler runs');
is(status_pg('state'), 'no database', 'worker_status says no database');
$node->safe_psql('postgres', 'ALTER DATABASE wdb ALLOW_CONNECTIONS true');
ok($node->poll_query_until('wdb', "SELECT state = 'idle' AND ticks > 0 FROM mlops.worker_status"),
	'once it allows connections the scheduler ticks');

# --- a scheduler that fails at start: restarts back off, no crash loop
my $oid = $node->safe_psql('postgres', "SELECT d.oid FROM pg_database d WHERE datname = 'wdb'");
my $dbdir = $node->safe_psql('postgres', "SELECT pg_tablespace_location(t.oid) FROM pg_tablespace t WHERE spcname = 'wts'");
my ($version_file) = glob("$dbdir/PG_*/$oid/PG_VERSION");
ok(defined $version_file && -f $version_file, 'the database directory has its PG_VERSION');
rename($version_file, "$version_file.aside") or die "rename: $!";
my $restarts = status_pg('restarts');
$pid = worker_pid('scheduler');
$log_offset = -s $node->logfile;
$node->safe_psql('postgres', "SELECT pg_terminate_backend($pid)");
sleep 10;
my $log = slurp_file($node->logfile, $log_offset);
my @delays = ($log =~ /the scheduler exited unexpectedly; starting it again in (\d+) s/g);
my @starts = ($log =~ /background worker "mlops scheduler" \(PID \d+\) exited/g);
ok(@delays >= 2 && (!grep { $delays[$_] <= $delays[$_ - 1] } 1 .. $#delays),
	'the delays between restarts grow (' . join(', ', @delays) . ' s)');
ok(@starts >= 2 && @starts <= 5, 'at most a handful of start attempts in 10 s, not a crash loop (' . scalar(@starts) . ')');
like($log, qr/FATAL:  .*PG_VERSION|FATAL:  .*not a valid data directory/, 'the scheduler failed at start');
like(status_pg("last_exit || '|' || (restarts > $restarts) || '|' || (next_start_at > last_exit_at)"),
	qr/not a valid data directory\|true\|true$/, 'worker_status shows the failure, the restarts and the next start');
rename("$version_file.aside", $version_file) or die "rename: $!";
ok($node->poll_query_until('wdb', "SELECT state = 'idle' AND ticks > 0 AND next_start_at IS NULL FROM mlops.worker_status"),
	'repaired, the scheduler starts at its next attempt and ticks');

$node->stop;
done_testing();
