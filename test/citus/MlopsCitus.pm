# A three-node Citus cluster for the test/citus suite: a coordinator and two
# workers on 127.0.0.1, each with shared_preload_libraries = 'citus,mlops',
# the workers added to the coordinator, and both extensions created in the
# database "postgres" of every node (Citus creates itself on workers it adds,
# mlops has to be on the workers because shard queries call its functions).
package MlopsCitus;
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Exporter 'import';
our @EXPORT = qw(start_citus);

sub _node
{
	my ($name) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init;
	$node->append_conf('postgresql.conf', qq{
listen_addresses = '127.0.0.1'
shared_preload_libraries = 'citus,mlops'
max_worker_processes = 16
mlops.worker_enabled = off
citus.shard_replication_factor = 1
});
	$node->start;
	$node->safe_psql('postgres', 'CREATE EXTENSION citus; CREATE EXTENSION mlops;');
	return $node;
}

# start_citus(): (coordinator, worker1, worker2), started and joined.
sub start_citus
{
	my $coord = _node('coordinator');
	my @workers = (_node('worker1'), _node('worker2'));
	$coord->safe_psql('postgres',
		"SELECT citus_set_coordinator_host('127.0.0.1', " . $coord->port . ')');
	$coord->safe_psql('postgres',
		"SELECT citus_add_node('127.0.0.1', " . $_->port . ')') for @workers;
	return ($coord, @workers);
}

1;
