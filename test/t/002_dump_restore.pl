# pg_dump of a database with mlops restores into a new database.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('dump');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'mlops'\n");
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE src');
$node->safe_psql('src', 'CREATE EXTENSION mlops');
$node->safe_psql('src', 'SELECT mlops.create_roles()');

my $dump = $node->basedir . '/src.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-d', $node->connstr('src'), '-f', $dump ], 'pg_dump succeeds');
$node->safe_psql('postgres', 'CREATE DATABASE dst');
$node->command_ok([ 'pg_restore', '--exit-on-error', '-d', $node->connstr('dst'), $dump ],
	'pg_restore into a new database succeeds');
is($node->safe_psql('dst', "SELECT extversion FROM pg_extension WHERE extname = 'mlops'"),
	'0.2.0', 'the extension is restored');
is($node->safe_psql('dst', 'SELECT mlops.version()'), '0.2.0', 'its functions work');
is($node->safe_psql('dst', "SELECT has_schema_privilege('mlops_reader', 'mlops', 'USAGE')"),
	't', 'role grants are in place after the restore');
is($node->safe_psql('dst', 'SELECT count(*) FROM mlops.role_grants'),
	$node->safe_psql('src', 'SELECT count(*) FROM mlops.role_grants'),
	'the grant manifest matches');

# the plain-text format restores too
my $sql = $node->basedir . '/src.sql';
$node->command_ok([ 'pg_dump', '-d', $node->connstr('src'), '-f', $sql ], 'plain pg_dump succeeds');
$node->safe_psql('postgres', 'CREATE DATABASE dst2');
$node->command_ok([ 'psql', '-X', '-v', 'ON_ERROR_STOP=1', '-q', '-d', $node->connstr('dst2'), '-f', $sql ],
	'the plain dump replays without errors');
is($node->safe_psql('dst2', 'SELECT mlops.version()'), '0.2.0', 'the extension works after the replay');
$node->stop;

done_testing();
