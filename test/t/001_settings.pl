# Settings with and without shared_preload_libraries, and a reload.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# --- preloaded
my $node = PostgreSQL::Test::Cluster->new('preloaded');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'mlops'\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION mlops');

my %defaults = (
	'mlops.database'              => 'postgres',
	'mlops.naptime'               => '1s',
	'mlops.worker_enabled'        => 'on',
	'mlops.webhook_timeout'       => '5s',
	'mlops.webhook_max_attempts'  => '8',
	'mlops.webhook_allowed_hosts' => '',
	'mlops.webhook_log_retention' => '30d',
	'mlops.job_lease'             => '10min',);
for my $name (sort keys %defaults)
{
	is($node->safe_psql('postgres', "SHOW $name"), $defaults{$name}, "$name defaults to '$defaults{$name}'");
}
is($node->safe_psql('postgres', 'SELECT mlops.is_preloaded()'), 't', 'is_preloaded() is true when preloaded');
is($node->safe_psql('postgres', "SELECT count(*) FROM mlops.settings WHERE status LIKE 'unused:%'"),
	'0', 'every setting is read when mlops is preloaded');
is($node->safe_psql('postgres', "SELECT status FROM mlops.settings WHERE name = 'mlops.naptime'"),
	'active: read by the background scheduler', 'the scheduler settings are read by the scheduler');
is($node->safe_psql('postgres', "SELECT status FROM mlops.settings WHERE name = 'mlops.job_lease'"),
	'active: read by mlops.claim_job() and mlops.heartbeat_job()', 'mlops.job_lease is read by the job queue');
is($node->safe_psql('postgres', "SELECT context FROM pg_settings WHERE name = 'mlops.database'"),
	'postmaster', 'mlops.database needs a restart');

# a reload picks up a new value
$node->safe_psql('postgres', "ALTER SYSTEM SET mlops.naptime = '250ms'");
$node->reload;
ok($node->poll_query_until('postgres', 'SHOW mlops.naptime', '250ms'), 'reload applies mlops.naptime');

# a postmaster setting is reported as pending until restart
$node->safe_psql('postgres', "ALTER SYSTEM SET mlops.database = 'otherdb'");
$node->reload;
is($node->safe_psql('postgres', 'SHOW mlops.database'), 'postgres', 'mlops.database unchanged by reload');
ok($node->poll_query_until('postgres',
		"SELECT pending_restart FROM pg_settings WHERE name = 'mlops.database'", 't'),
	'mlops.database is pending a restart');
$node->restart;
is($node->safe_psql('postgres', 'SHOW mlops.database'), 'otherdb', 'mlops.database applied at restart');
is($node->safe_psql('postgres', 'SHOW mlops.naptime'), '250ms', 'naptime survives a restart');

# a typo in postgresql.conf is reported, not silently kept
$node->append_conf('postgresql.conf', "mlops.naptme = '5s'\n");
my $log_offset = -s $node->logfile;
$node->reload;
ok($node->wait_for_log(qr/invalid configuration parameter name "mlops\.naptme"/, $log_offset),
	'a misspelt mlops.* setting is reported in the log');
$node->stop;

# --- loaded on demand, without shared_preload_libraries
my $plain = PostgreSQL::Test::Cluster->new('plain');
$plain->init;
$plain->start;
$plain->safe_psql('postgres', 'CREATE EXTENSION mlops');
is($plain->safe_psql('postgres', 'SELECT mlops.version()'), '0.2.0', 'SQL functions work without preload');
is($plain->safe_psql('postgres', 'SELECT mlops.is_preloaded()'), 'f', 'is_preloaded() is false');
is($plain->safe_psql('postgres', 'SELECT state, pid IS NULL, ticks FROM mlops.worker_status'), 'not running|t|0',
	'without preloading there is no worker: worker_status says not running');
is($plain->safe_psql('postgres', 'SELECT mlops.version(); SHOW mlops.naptime;'), "0.2.0\n1s",
	'settings exist once the library is loaded');
like($plain->safe_psql('postgres', "SELECT DISTINCT status FROM mlops.settings WHERE name <> 'mlops.job_lease'"),
	qr/^unused: read by the background scheduler/, 'the settings view says the scheduler settings are unused');
like($plain->safe_psql('postgres', "SELECT description FROM mlops.settings WHERE name = 'mlops.naptime'"),
	qr/runs only when mlops is in shared_preload_libraries/, 'the setting description says the scheduler needs preloading');
$plain->stop;

done_testing();
