# OpenLineage round trip: the events mlops.openlineage_events() emits from
# one database, ingested by mlops.ingest_openlineage() into a second one,
# reproduce the first one's lineage edges: dataset version -> run (input),
# run -> model version (produced, an output there), parent run -> run.
# Dataset and model versions are external nodes in the second database,
# named by the namespace and version the events give them.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('openlineage_roundtrip');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'mlops'\n");
$node->start;
for my $db ('src', 'dst')
{
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, 'CREATE EXTENSION mlops');
}

$node->safe_psql('src', q{
    SELECT mlops.register_dataset_version('iris', 's3://d/iris/1', schema => '[{"name": "sepal", "type": "float8"}]');
    SELECT mlops.register_dataset_version('iris', 's3://d/iris/2');
    SELECT mlops.register_dataset_version('labels', 's3://d/labels/1');
    SELECT mlops.register_model('clf');
    CREATE TABLE r AS SELECT mlops.start_run('train', 'sweep') AS sweep;
    ALTER TABLE r ADD trial1 uuid, ADD trial2 uuid;
    UPDATE r SET trial1 = mlops.start_run('train', 'trial 1', parent_run => sweep),
                 trial2 = mlops.start_run('train', 'trial 2', parent_run => sweep);
    SELECT mlops.log_input(trial1, 'iris', 1), mlops.log_input(trial1, 'labels', 1),
           mlops.log_input(trial2, 'iris', 2, 'validation') FROM r;
    SELECT mlops.create_model_version('clf', trial1, 's3://m/1') FROM r;
    SELECT mlops.end_run(trial1) FROM r;
    SELECT mlops.end_run(trial2, 'FAILED') FROM r;
    SELECT mlops.create_model_version('clf', trial1, 's3://m/2') FROM r;
    DROP TABLE r;
});

# edges, the second database's naming: versions become the external nodes
# of their namespace, relation 'produced' an output
my $edges = q{
SELECT string_agg(format('%s:%s -%s-> %s:%s', src_kind, src_key, relation, dst_kind, dst_key), E'\n'
                  ORDER BY src_kind, src_key, relation, dst_kind, dst_key)
  FROM (SELECT CASE e.src_kind WHEN 'run' THEN 'run' ELSE 'external' END AS src_kind,
               CASE e.src_kind WHEN 'dataset_version' THEN 'mlops://src/datasets/' || e.src_key ELSE e.src_key END AS src_key,
               CASE e.relation WHEN 'produced' THEN 'output' ELSE e.relation END AS relation,
               CASE e.dst_kind WHEN 'run' THEN 'run' ELSE 'external' END AS dst_kind,
               CASE e.dst_kind WHEN 'model_version' THEN 'mlops://src/models/' || e.dst_key ELSE e.dst_key END AS dst_key
          FROM mlops.lineage_edges e) x};
my $want = $node->safe_psql('src', $edges);
is(scalar(() = $want =~ /\n/g) + 1, 7, 'the source has 7 edges: 2 parents, 3 inputs, 2 model versions');

my $events = $node->safe_psql('src', 'SELECT e::text FROM mlops.openlineage_events() e');
my @events = split /\n/, $events;
is(scalar @events, 6, 'six events: three STARTs, a COMPLETE, a FAIL, an OTHER for the later model version');
for my $ev (@events)
{
	$ev =~ s/'/''/g;
	$node->safe_psql('dst', "SELECT mlops.ingest_openlineage('$ev')");
}
is($node->safe_psql('dst', $edges), $want, 'the second database has the same edges');
my $runs = q{SELECT string_agg(format('%s %s %s %s', id, status, parent_run_id, end_time IS NOT NULL), ', ' ORDER BY id) FROM mlops.runs};
is($node->safe_psql('dst', $runs), $node->safe_psql('src', $runs),
	'its runs have the ids, statuses, parents and ends of the source');
is($node->safe_psql('dst', q{SELECT string_agg(DISTINCT e.name, ', ') FROM mlops.experiments e}),
	'mlops://src/train', 'the experiment is the job: namespace/name');

# the same events again change nothing
for my $ev (@events)
{
	$node->safe_psql('dst', "SELECT mlops.ingest_openlineage('$ev')");
}
is($node->safe_psql('dst', 'SELECT count(*) FROM mlops.openlineage_event_log'), '6', 'ingesting them again adds no event');
is($node->safe_psql('dst', $edges), $want, 'and no edge');

$node->stop;
done_testing();
