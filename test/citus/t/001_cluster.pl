# The three-node cluster the other tests use comes up: Citus and mlops are
# loaded on every node, both workers are active, a distributed table spreads
# its shards over both workers, and mlops's own catalog is not distributed.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use MlopsCitus;

my ($coord, @workers) = start_citus();

for my $node ($coord, @workers)
{
	is($node->safe_psql('postgres',
			"SELECT string_agg(extname, ',' ORDER BY extname) FROM pg_extension WHERE extname IN ('citus', 'mlops')"),
		'citus,mlops', $node->name . ': citus and mlops are installed');
	is($node->safe_psql('postgres', 'SHOW shared_preload_libraries'),
		'citus,mlops', $node->name . ': both libraries are preloaded');
}

is($coord->safe_psql('postgres',
		"SELECT count(*) FROM pg_dist_node WHERE isactive AND noderole = 'primary' AND groupid > 0"),
	'2', 'the coordinator knows two active workers');

$coord->safe_psql('postgres', q{
SET citus.shard_count = 32;
CREATE TABLE t (id bigint, x float8);
SELECT create_distributed_table('t', 'id');
INSERT INTO t SELECT g, g FROM generate_series(1, 1000) g;
});
is($coord->safe_psql('postgres',
		"SELECT count(*) FROM pg_dist_shard WHERE logicalrelid = 't'::regclass"),
	'32', 'the distributed table has 32 shards');
is($coord->safe_psql('postgres',
		"SELECT count(DISTINCT nodeport) FROM citus_shards WHERE table_name = 't'::regclass"),
	'2', 'its shards are spread over both workers');
is($coord->safe_psql('postgres', 'SELECT count(*), sum(x) FROM t'),
	'1000|500500', 'a query over it sees every row');

is($coord->safe_psql('postgres', q{
SELECT count(*) FROM pg_dist_partition p JOIN pg_class c ON c.oid = p.logicalrelid
 JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'mlops'}),
	'0', "none of mlops's tables is a Citus table");

done_testing();
