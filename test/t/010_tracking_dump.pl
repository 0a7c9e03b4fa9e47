# pg_dump / pg_restore of tracked runs: ended runs, their params, metrics,
# tags, artifacts and inputs, created_by and latest_metrics come back as they
# were, and the tracking rules hold again afterwards.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('tracking_dump');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'mlops'\n");
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE src');
$node->safe_psql('src', 'CREATE EXTENSION mlops');
$node->safe_psql('src', 'SELECT mlops.create_roles()');
$node->safe_psql('postgres', 'CREATE ROLE alice LOGIN IN ROLE mlops_writer');

# alice tracks two runs; the first one ends
$node->safe_psql('src', q{
    CREATE TEMP TABLE r AS SELECT mlops.start_run('dump', 'ended', '{"lr": 0.1}', '{"team": "a"}') AS id;
    SELECT mlops.log_metrics((SELECT id FROM r), ARRAY['loss', 'loss', 'acc'], ARRAY[0.5, 'NaN', 0.9], ARRAY[1, 2, 2]::bigint[]);
    SELECT mlops.log_artifact((SELECT id FROM r), 'model.bin', 's3://b/model.bin');
    SELECT mlops.register_dataset_version('iris', 's3://b/iris/' || v) FROM generate_series(1, 2) v;
    SELECT mlops.log_input((SELECT id FROM r), 'iris', 2);
    SELECT mlops.end_run((SELECT id FROM r));
    SELECT mlops.start_run('dump', 'open', '{"lr": 0.2}');
}, extra_params => [ '-U', 'alice' ]);

my $fingerprint = q{
SELECT concat_ws(' | ',
  (SELECT string_agg(format('%s %s %s %s', name, status, created_by, end_time IS NOT NULL), ', ' ORDER BY name) FROM mlops.runs),
  (SELECT string_agg(format('%s=%s', key, value), ', ' ORDER BY key, value) FROM mlops.params),
  (SELECT string_agg(format('%s@%s=%s', key, step, value), ', ' ORDER BY key, step) FROM mlops.metrics),
  (SELECT string_agg(format('%s@%s=%s', key, step, value), ', ' ORDER BY key) FROM mlops.latest_metrics),
  (SELECT string_agg(format('%s=%s', key, value), ', ') FROM mlops.tags),
  (SELECT string_agg(format('%s %s %s', path, uri, created_by), ', ') FROM mlops.artifacts),
  (SELECT string_agg(format('%s@%s %s', dataset, version, created_by), ', ') FROM mlops.run_inputs),
  (SELECT string_agg(format('%s %s', name, created_by), ', ' ORDER BY name) FROM mlops.experiments))};
my $before = $node->safe_psql('src', $fingerprint);
like($before, qr/ended FINISHED alice t/, 'the source has alice\'s ended run');

my $dump = $node->basedir . '/tracking.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-d', $node->connstr('src'), '-f', $dump ], 'pg_dump succeeds');
$node->safe_psql('postgres', 'CREATE DATABASE dst');
$node->command_ok([ 'pg_restore', '--exit-on-error', '-d', $node->connstr('dst'), $dump ],
	'pg_restore of ended runs succeeds');
is($node->safe_psql('dst', $fingerprint), $before, 'runs, params, metrics, latest values, tags, artifacts, inputs and created_by restored as they were');

my $sql = $node->basedir . '/tracking.sql';
$node->command_ok([ 'pg_dump', '-d', $node->connstr('src'), '-f', $sql ], 'plain pg_dump succeeds');
$node->safe_psql('postgres', 'CREATE DATABASE dst2');
$node->command_ok([ 'psql', '-X', '-v', 'ON_ERROR_STOP=1', '-q', '-d', $node->connstr('dst2'), '-f', $sql ],
	'the plain dump replays');
is($node->safe_psql('dst2', $fingerprint), $before, 'the plain replay restores the same data');

# the rules hold again in the restored database
my ($rc, $out, $err) = $node->psql('dst',
	q{SELECT mlops.log_metric(mlops.get_run('dump', 'ended'), 'loss', 0.1, 9)}, extra_params => [ '-U', 'alice' ]);
like($err, qr/has ended \(status FINISHED\): cannot log metrics/, 'nothing can be logged into the restored ended run');
$node->safe_psql('dst', q{SELECT mlops.log_metric(mlops.get_run('dump', 'open'), 'loss', 0.3, 1)},
	extra_params => [ '-U', 'alice' ]);
is($node->safe_psql('dst', q{SELECT mlops.run_metric(mlops.get_run('dump', 'open'), 'loss')}), '0.3',
	'the restored open run takes new points and latest_metrics follows');
($rc, $out, $err) = $node->psql('dst',
	q{SET row_security = off; INSERT INTO mlops.metrics (run_id, key, value) SELECT id, 'x', 1 FROM mlops.runs WHERE name = 'ended'},
	extra_params => [ '-U', 'alice' ]);
like($err, qr/has ended/, 'row_security = off does not exempt a non-superuser');
$node->stop;

done_testing();
