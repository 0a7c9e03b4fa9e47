# The upgrade path: a 0.1.0 database holding real data (test/upgrade/
# data-0.1.0.sql, made by fill-0.1.0.sql on 0.1.0) is updated with
# ALTER EXTENSION mlops UPDATE. Its catalog must then equal a fresh install
# of the current version (every object, column, constraint, index, trigger,
# function, grant and comment: test/upgrade/catalog.sql), and the data must
# still obey the rules: the audit chain verifies, governance and numbering
# carry on, params stay immutable, ended runs stay closed.
use strict;
use warnings;
use File::Basename qw(dirname);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $dir = dirname(__FILE__) . '/../upgrade';
my $node = PostgreSQL::Test::Cluster->new('upgrade');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'mlops'\n");
$node->start;

my $current = $node->safe_psql('postgres',
	"SELECT default_version FROM pg_available_extensions WHERE name = 'mlops'");
isnt($current, '0.1.0', "the current version ($current) is newer than 0.1.0");

# --- 0.1.0 with the data a 0.1.0 installation wrote
$node->safe_psql('postgres', 'CREATE DATABASE upgraded');
$node->safe_psql('postgres', 'CREATE DATABASE fresh');
$node->safe_psql('upgraded', q{
CREATE EXTENSION mlops VERSION '0.1.0';
SELECT mlops.create_roles();
CREATE ROLE upg_writer LOGIN IN ROLE mlops_writer;
CREATE ROLE upg_approver1 LOGIN IN ROLE mlops_approver;
CREATE ROLE upg_approver2 LOGIN IN ROLE mlops_approver;
CREATE ROLE upg_admin LOGIN IN ROLE mlops_admin;
});
my ($ret, $out, $err) = $node->psql('upgraded', undef,
	extra_params => [ '-v', 'ON_ERROR_STOP=1', '-f', "$dir/data-0.1.0.sql" ]);
is($ret, 0, 'the 0.1.0 data loads into a 0.1.0 catalog') or diag($err);
is($node->safe_psql('upgraded', 'SELECT mlops.verify_audit_chain() IS NULL'), 't',
	'the 0.1.0 audit chain verifies before the update');

# inputs 0.1.0 recorded by name and version alone: iris 1 and 2 (2 in two
# contexts), and version 3 alone of "gappy"
$node->safe_psql('upgraded', q{
ALTER TABLE mlops.run_inputs DISABLE TRIGGER ALL;
INSERT INTO mlops.run_inputs (run_id, dataset, version, context, created_by)
SELECT r.id, v.dataset, v.version, v.context, 'upg_writer'
  FROM mlops.runs r,
       (VALUES ('iris', 1, 'training'), ('iris', 2, 'training'), ('iris', 2, 'evaluation'),
               ('gappy', 3, 'training')) v(dataset, version, context)
 WHERE r.name = 'lr-0.1';
ALTER TABLE mlops.run_inputs ENABLE TRIGGER ALL;
});

# until the update, the new library refuses to work on the 0.1.0 objects,
# saying what to do (not failing on a column the old tables lack)
($ret, $out, $err) = $node->psql('upgraded',
	q{SELECT mlops.log_param((SELECT id FROM mlops.runs WHERE name = 'still-running'), 'before', 'update')});
like($err, qr/extension "mlops" is at version 0\.1\.0 in this database, but its library is version .*\n.*ALTER EXTENSION mlops UPDATE/,
	'before the update the library refuses with 55000 and the hint to update');
($ret, $out, $err) = $node->psql('upgraded', q{SELECT count(*) FROM mlops.search_runs('churn', '')});
like($err, qr/at version 0\.1\.0 in this database/, 'so does search_runs');

# 0.1.0 let clients choose ids: an experiment with an id ahead of its sequence
$node->safe_psql('upgraded', q{INSERT INTO mlops.experiments (id, name) VALUES (1000, 'explicit-id')});

($ret, $out, $err) = $node->psql('upgraded', 'ALTER EXTENSION mlops UPDATE');
is($ret, 0, 'ALTER EXTENSION mlops UPDATE succeeds') or diag($err);
is($node->safe_psql('upgraded', "SELECT extversion FROM pg_extension WHERE extname = 'mlops'"),
	$current, "the extension is at $current");

# --- the catalogs are equal
$node->safe_psql('fresh', 'CREATE EXTENSION mlops');
my $query = slurp_file("$dir/catalog.sql");
my @up = split /\n/, $node->safe_psql('upgraded', $query);
my @fr = split /\n/, $node->safe_psql('fresh', $query);
cmp_ok(scalar(@fr), '>', 300, 'the catalog description has a line per property');
my %in_up = map { $_ => 1 } @up;
my %in_fr = map { $_ => 1 } @fr;
my @missing = grep { !$in_up{$_} } @fr;
my @extra = grep { !$in_fr{$_} } @up;
is(scalar(@missing), 0, 'everything a fresh install has, the upgraded catalog has')
  or diag("only in a fresh install:\n  " . join("\n  ", @missing));
is(scalar(@extra), 0, 'the upgraded catalog has nothing a fresh install lacks')
  or diag("only after the upgrade:\n  " . join("\n  ", @extra));

# rows the extension itself provides (stages, moves, role grants)
for my $q (
	'SELECT name, exclusive, builtin FROM mlops.stages WHERE builtin ORDER BY name',
	'SELECT from_stage, to_stage FROM mlops.stage_transitions WHERE builtin ORDER BY 1, 2',
	'SELECT role_name, privileges, object_kind, object_name FROM mlops.role_grants ORDER BY 1, 3, 4, 2')
{
	is($node->safe_psql('upgraded', $q), $node->safe_psql('fresh', $q), "same provided rows: $q");
}

# --- the data obeys the rules after the update
sub as_user
{
	my ($user, $sql) = @_;
	return $node->psql('upgraded', $sql, extra_params => [ '-U', $user, '-v', 'ON_ERROR_STOP=1' ]);
}

is($node->safe_psql('upgraded', 'SELECT mlops.verify_audit_chain() IS NULL'), 't',
	'the audit chain verifies after the update');
is($node->safe_psql('upgraded', "SELECT mlops.production_version('churn')"), '2',
	'version 2 is in production');
is($node->safe_psql('upgraded', 'SELECT count(*) FROM mlops.metrics'), '40', 'every metric point is kept');

my $run = $node->safe_psql('upgraded', "SELECT id FROM mlops.runs WHERE name = 'lr-0.1'");
my $open = $node->safe_psql('upgraded', "SELECT id FROM mlops.runs WHERE name = 'still-running'");

# run inputs became references to dataset versions registered by the update
is($node->safe_psql('upgraded', q{
SELECT string_agg(format('%s@%s/%s=%s@%s %s', i.dataset, i.version, i.context, d.name, v.version, v.created_by), ', '
                  ORDER BY i.dataset, i.version, i.context)
  FROM mlops.run_inputs i
  JOIN mlops.dataset_versions v ON v.id = i.dataset_version_id
  JOIN mlops.datasets d ON d.id = v.dataset_id}),
	'gappy@3/training=gappy@3 upg_writer, iris@1/training=iris@1 upg_writer, '
	  . 'iris@2/evaluation=iris@2 upg_writer, iris@2/training=iris@2 upg_writer',
	'every 0.1.0 run input references the dataset version it names');
is($node->safe_psql('upgraded',
		"SELECT string_agg(format('%s:%s', name, last_version), ',' ORDER BY name) FROM mlops.datasets"),
	'gappy:3,iris:2', 'the version counters stand at the highest recorded version (gaps are kept)');
is($node->safe_psql('upgraded',
		"SELECT count(*) FROM mlops.dataset_versions WHERE uri IS NULL AND fingerprint IS NULL"),
	'3', 'one version per recorded (dataset, version), without uri or fingerprint');
($ret, $out, $err) = as_user('upg_writer', q{SELECT mlops.register_dataset_version('gappy', 's3://gappy/4')});
is($out, '4', 'numbering of an upgraded dataset continues after its highest version') or diag($err);
($ret, $out, $err) = as_user('upg_writer', "SELECT mlops.log_input('$open', 'gappy', 1)");
like($err, qr/version 1 of dataset "gappy" does not exist/, 'a version the gap left out is unknown (42704)');
($ret, $out, $err) = as_user('upg_writer', "SELECT mlops.log_input('$open', 'iris', 2)");
is($ret, 0, 'an upgraded dataset version can be logged as an input') or diag($err);
($ret, $out, $err) = as_user('upg_writer', "SELECT mlops.log_param('$open', 'k', '6')");
like($err, qr/param "k"/, 'a param of an upgraded run stays immutable');
($ret, $out, $err) = as_user('upg_writer', "SELECT mlops.log_metric('$run', 'auc', 0.5)");
like($err, qr/FINISHED|ended|not running/i, 'an ended run stays closed to metrics');
($ret, $out, $err) = as_user('upg_writer', "SELECT mlops.log_metric('$open', 'auc', 0.93, 1)");
is($ret, 0, 'an open run takes metrics') or diag($err);
is($node->safe_psql('upgraded',
		"SELECT value FROM mlops.latest_metrics WHERE run_id = '$open' AND key = 'auc'"),
	'0.93', 'latest_metrics follows');

# governance carries on: the next version number, a refused self-approval,
# a governed promotion that archives the previous holder
($ret, $out, $err) = as_user('upg_writer', q{
SELECT mlops.create_model_version('churn', id, 's3://bucket/new') FROM mlops.runs WHERE name = 'child'});
is($ret, 0, 'a new version can be created') or diag($err);
is($node->safe_psql('upgraded', "SELECT max(version) FROM mlops.model_versions"), '4',
	'version numbering continues at 4');
($ret, $out, $err) = as_user('upg_writer', q{SELECT mlops.transition('churn', 3, 'staging')});
is($ret, 0, 'version 3 moves to staging') or diag($err);
my $req = $node->safe_psql('upgraded', "SELECT mlops.request_transition('churn', 3, 'production')",
	extra_params => [ '-U', 'upg_writer' ]);
($ret, $out, $err) = as_user('upg_writer', q{SELECT mlops.transition('churn', 3, 'production')});
isnt($ret, 0, 'promotion without approvals is refused');
($ret, $out, $err) = as_user('upg_approver1', "SELECT mlops.approve($req)");
is($ret, 0, 'first approval') or diag($err);
($ret, $out, $err) = as_user('upg_approver2', "SELECT mlops.approve($req)");
is($ret, 0, 'second approval') or diag($err);
($ret, $out, $err) = as_user('upg_writer', q{SELECT mlops.transition('churn', 3, 'production')});
is($ret, 0, 'the approved promotion succeeds') or diag($err);
is($node->safe_psql('upgraded',
		"SELECT string_agg(version || ':' || stage, ',' ORDER BY version) FROM mlops.model_versions"),
	'1:archived,2:archived,3:production,4:none', 'the previous holder is archived, one version in production');
is($node->safe_psql('upgraded', 'SELECT mlops.verify_audit_chain() IS NULL'), 't',
	'the chain verifies after new registry writes');
is($node->safe_psql('upgraded',
		"SELECT string_agg(event || ' ' || entity || ' ' || (payload->>'to') || ' ' || actor, ',' ORDER BY id) FROM mlops.outbox"),
	'stage.changed model:churn@3 staging upg_writer,transition.requested model:churn@3 production upg_writer,'
	  . 'transition.approved model:churn@3 production upg_approver1,'
	  . 'transition.approved model:churn@3 production upg_approver2,'
	  . 'stage.changed model:churn@2 archived upg_writer,stage.changed model:churn@3 production upg_writer',
	'stage changes, the request and its approvals after the update write the outbox');
is($node->safe_psql('upgraded',
		"SELECT mlops.model_version_by_alias('churn', 'challenger')"), '3', 'aliases survive');

# the update moved each identity sequence past the ids stored
is($node->safe_psql('upgraded', "SELECT mlops.create_experiment('after-update') > 1000"), 't',
	'a new experiment takes an id after the one a 0.1.0 client chose');

done_testing();
