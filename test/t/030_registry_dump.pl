# pg_dump/pg_restore of a database with a governed registry: versions, stages,
# requests, approvals, policies, aliases and the audit chain come back as they
# were (the registry triggers take a superuser's verbatim rows), and the
# restored registry keeps working (counter, governance, chain).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('registry_dump');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'mlops'\n");
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE src');
$node->safe_psql('src', q{
CREATE EXTENSION mlops;
SELECT mlops.create_roles();
CREATE ROLE dump_writer IN ROLE mlops_writer;
CREATE ROLE dump_approver IN ROLE mlops_approver;
CREATE ROLE dump_admin IN ROLE mlops_admin;
INSERT INTO mlops.experiments (name) VALUES ('dump');
INSERT INTO mlops.runs (id, experiment_id) SELECT '00000000-0000-0000-0000-00000000dd01', id FROM mlops.experiments;
INSERT INTO mlops.latest_metrics (run_id, key, step, ts, value)
VALUES ('00000000-0000-0000-0000-00000000dd01', 'auc', 0, now(), 0.9);
UPDATE mlops.runs SET status = 'FINISHED' WHERE id = '00000000-0000-0000-0000-00000000dd01';
SET ROLE dump_admin;
INSERT INTO mlops.stages (name, exclusive) VALUES ('canary', true);
INSERT INTO mlops.stage_transitions (from_stage, to_stage) VALUES ('staging', 'canary');
RESET ROLE;
SET ROLE dump_writer;
SELECT mlops.register_model('m');
SELECT mlops.create_model_version('m', '00000000-0000-0000-0000-00000000dd01', 's3://m/' || g) FROM generate_series(1, 2) g;
SELECT mlops.transition('m', g, 'staging') FROM generate_series(1, 2) g;
RESET ROLE;
SET ROLE dump_admin;
SELECT mlops.set_policy('m', 'production', 1, gates => '[{"metric":"auc","op":">=","value":0.5}]');
RESET ROLE;
SET ROLE dump_writer;
SELECT mlops.request_transition('m', 1, 'production');
RESET ROLE;
SET ROLE dump_approver;
SELECT mlops.approve(1);
RESET ROLE;
SET ROLE dump_writer;
SELECT mlops.transition('m', 1, 'production');
SELECT mlops.set_alias('m', 'champion', 1);
SELECT mlops.transition('m', 2, 'canary');
});

my $state = q{
SELECT string_agg(format('%s:%s', version, stage), ',' ORDER BY version) FROM mlops.model_versions;
SELECT count(*) FROM mlops.audit_log;
SELECT coalesce(mlops.verify_audit_chain()::text, 'intact');
SELECT mlops.production_version('m') || '/' || mlops.model_version_by_alias('m', 'champion');
SELECT string_agg(name, ',' ORDER BY name) FROM mlops.stages;
SELECT count(*) FROM mlops.stage_transitions;
SELECT string_agg(status, ',' ORDER BY id) FROM mlops.transition_requests;
SELECT count(*) FROM mlops.approvals;
SELECT count(*) || ':' || max(gates::text) FROM mlops.policies;
SELECT count(*) FROM mlops.stage_history;
};
my $before = $node->safe_psql('src', $state);
like($before, qr/1:production,2:canary/, 'the source registry has a production and a canary version');

my $dump = $node->basedir . '/registry.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-d', $node->connstr('src'), '-f', $dump ], 'pg_dump succeeds');
$node->safe_psql('postgres', 'CREATE DATABASE dst');
$node->command_ok([ 'pg_restore', '--exit-on-error', '-d', $node->connstr('dst'), $dump ],
	'pg_restore succeeds with the registry triggers enabled');
is($node->safe_psql('dst', $state), $before, 'versions, stages, requests, approvals, policies, aliases and audit rows match');

# the restored registry keeps working
is($node->safe_psql('dst', q{SET ROLE dump_writer;
	SELECT mlops.create_model_version('m', '00000000-0000-0000-0000-00000000dd01', 's3://m/3')}),
	'3', 'the version counter continues after the restore');
my ($rc, $out, $err) = $node->psql('dst', q{SET ROLE dump_writer; SELECT mlops.transition('m', 3, 'staging');
	SELECT mlops.transition('m', 3, 'production')});
like($err, qr/needs an approved transition request/, 'the restored policy still governs production');
is($node->safe_psql('dst', q{SELECT coalesce(mlops.verify_audit_chain()::text, 'intact')}), 'intact',
	'the audit chain continues intact after new appends');

# the plain-text format replays too
my $sql = $node->basedir . '/registry.sql';
$node->command_ok([ 'pg_dump', '-d', $node->connstr('src'), '-f', $sql ], 'plain pg_dump succeeds');
$node->safe_psql('postgres', 'CREATE DATABASE dst2');
$node->command_ok([ 'psql', '-X', '-v', 'ON_ERROR_STOP=1', '-q', '-d', $node->connstr('dst2'), '-f', $sql ],
	'the plain dump replays without errors');
is($node->safe_psql('dst2', $state), $before, 'the replayed registry matches');
$node->stop;

done_testing();
