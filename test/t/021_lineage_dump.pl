# pg_dump / pg_restore of the lineage graph: nodes, edges and the impact
# projection of dataset versions (snapshotted and registered), runs with
# inputs and parents, model versions, a job, external datasets and ingested
# OpenLineage events come back with their ids; traversals, impacted_models,
# reproduce, mlops.lineage_edges and the received events answer the same in
# the restored database, and the graph keeps working there: new edges, the
# cycle check, new inputs reaching the projection, version numbering, the
# OpenLineage dataset versions and the repeated-event check.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('lineage_dump');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'mlops'\n");
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE src');

my $orders = 'postgres://wh:5432/shop.public.orders';
my $job = '5e1f0c2a-9b7d-4c3e-8a61-0d2f4b6c8e10';

# an Airflow DAG run, and a task run of it that reads and writes one table
# (a MERGE: the version it read, then the next one)
my $ev_dag = qq{{"eventType": "START", "eventTime": "2024-06-03T02:00:00Z",
  "producer": "https://github.com/apache/airflow/tree/providers-openlineage/1.14.0",
  "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/\$defs/RunEvent",
  "run": {"runId": "01905f3e-7b2a-7c11-9a43-2f6f0e1d0a01"},
  "job": {"namespace": "airflow://prod", "name": "shop_daily"}, "inputs": [], "outputs": []}};
my $ev_merge = qq{{"eventType": "COMPLETE", "eventTime": "2024-06-03T02:10:00.5Z",
  "producer": "https://github.com/apache/airflow/tree/providers-openlineage/1.14.0",
  "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/\$defs/RunEvent",
  "run": {"runId": "01905f3e-7c10-7e22-8b54-3a7a1f2e1b02",
          "facets": {"parent": {"run": {"runId": "01905f3e-7b2a-7c11-9a43-2f6f0e1d0a01"},
                                "job": {"namespace": "airflow://prod", "name": "shop_daily"}}}},
  "job": {"namespace": "airflow://prod", "name": "shop_daily.merge_orders"},
  "inputs": [{"namespace": "postgres://wh:5432", "name": "shop.public.orders"},
             {"namespace": "postgres://wh:5432", "name": "shop.staging.orders"}],
  "outputs": [{"namespace": "postgres://wh:5432", "name": "shop.public.orders"}]}};

$node->safe_psql('src', qq{
CREATE EXTENSION mlops;
SELECT mlops.create_roles();
CREATE TABLE raw (id integer, amount numeric, label text);
INSERT INTO raw SELECT g, g / 3.0, CASE WHEN g % 4 = 0 THEN 'spam' ELSE 'ham' END FROM generate_series(1, 300) g;
SELECT mlops.snapshot_table('raw', 'raw');
SELECT mlops.register_dataset_version('labels', 's3://b/labels/' || v) FROM generate_series(1, 2) v;
SELECT mlops.register_dataset_version('holdout', 's3://b/holdout/1', repeat('cd', 16), 40);
SELECT mlops.register_model('clf');
CREATE TABLE ids (k text PRIMARY KEY, id uuid NOT NULL);
-- prep reads raw\@1 and writes features\@1; a job schedules it
INSERT INTO ids SELECT 'prep', mlops.start_run('lineage', 'prep', '{"window": "7d"}');
SELECT mlops.log_input(id, 'raw', 1) FROM ids WHERE k = 'prep';
SELECT mlops.register_dataset_version('features', 's3://b/features/1');
SELECT mlops.add_lineage('run', id::text, 'dataset_version', 'features\@1', 'output') FROM ids WHERE k = 'prep';
SELECT mlops.add_lineage('job', '$job', 'run', id::text, 'scheduled') FROM ids WHERE k = 'prep';
SELECT mlops.add_lineage('external', 's3://landing/events.json', 'job', '$job', 'input');
SELECT mlops.end_run(id) FROM ids WHERE k = 'prep';
-- a sweep reads labels\@1; its two trials read features\@1 and build clf\@1, clf\@2
INSERT INTO ids SELECT 'sweep', mlops.start_run('lineage', 'sweep');
INSERT INTO ids SELECT 'trial' || t, mlops.start_run('lineage', 'trial ' || t, '{"lr": 0.1}',
                                                    parent_run => (SELECT id FROM ids WHERE k = 'sweep'))
  FROM generate_series(1, 2) t;
SELECT mlops.log_input(id, 'labels', 1) FROM ids WHERE k = 'sweep';
SELECT mlops.log_input(id, 'features', 1) FROM ids WHERE k = 'trial1';
SELECT mlops.log_input(id, 'features', 1, 'validation'), mlops.log_input(id, 'labels', 2) FROM ids WHERE k = 'trial2';
SELECT mlops.set_tag(id, 'git_commit', '9f3c2ab') FROM ids WHERE k = 'trial1';
SELECT mlops.create_model_version('clf', id, 's3://m/' || substr(k, 6)) FROM ids WHERE k LIKE 'trial%' ORDER BY k;
SELECT mlops.end_run(id) FROM ids WHERE k = 'trial1';
SELECT mlops.transition('clf', 1, 'staging');
-- OpenLineage: the warehouse table feeds raw\@1; its merged version labels\@2
SELECT mlops.ingest_openlineage('$ev_dag');
SELECT mlops.ingest_openlineage('$ev_merge');
SELECT mlops.add_lineage('external', '$orders', 'dataset_version', 'raw\@1', 'exported');
SELECT mlops.add_lineage('external', '$orders#2', 'dataset_version', 'labels\@2', 'exported');
});

# every graph table with its ids, the edges view, the OpenLineage tables
my $tables = q{
SELECT string_agg(format('%s %s:%s %s %s %s %s', id, kind, key, run_id, dataset_version_id, model_version_id, created_at),
                  E'\n' ORDER BY id) FROM mlops.lineage_nodes;
SELECT string_agg(format('%s %s->%s %s %s %s', id, src_id, dst_id, relation, created_at, created_by), E'\n' ORDER BY id)
  FROM mlops.lineage_links;
SELECT string_agg(format('%s %s->%s %s', id, dataset_node_id, model_node_id, depth), E'\n' ORDER BY id) FROM mlops.lineage_impact;
SELECT string_agg(format('%s %s:%s -%s-> %s:%s %s %s', id, src_kind, src_key, relation, dst_kind, dst_key, created_at, created_by),
                  E'\n' ORDER BY id) FROM mlops.lineage_edges;
SELECT string_agg(format('%s %s %s', dataset, version, models_impacted), E'\n' ORDER BY dataset, version)
  FROM mlops.dataset_version_summary;
SELECT string_agg(format('%s %s %s %s %s %s/%s %s %s %s %s %s %s', id, digest, run_id, event_time, event_type, job_namespace,
                         job_name, parent_run_id, schema_url, producer, event::text, received_at, received_by), E'\n' ORDER BY id)
  FROM mlops.openlineage_event_log;
SELECT string_agg(format('%s %s %s', id, dataset, current_version), E'\n' ORDER BY id) FROM mlops.openlineage_datasets;
SELECT string_agg(format('%s %s %s %s %s %s', id, run_id, direction, dataset, version, node_key), E'\n' ORDER BY id)
  FROM mlops.openlineage_run_datasets;
SELECT string_agg(format('%s %s', run_id, created_at), E'\n' ORDER BY run_id) FROM mlops.openlineage_created_runs;
};

# what the graph answers, from every node and for every dataset and model
# version (with budgets small enough to cut some answers)
my $answers = q{
SELECT string_agg(format('%s:%s down [%s] up [%s] cut [%s]', n.kind, n.key,
         (SELECT string_agg(format('%s %s:%s %s %s', s.depth, s.kind, s.key, s.relation, s.truncated), '; ' ORDER BY o)
            FROM mlops.lineage_downstream(n.kind, n.key) WITH ORDINALITY s(depth, kind, key, relation, truncated, o)),
         (SELECT string_agg(format('%s %s:%s %s %s', s.depth, s.kind, s.key, s.relation, s.truncated), '; ' ORDER BY o)
            FROM mlops.lineage_upstream(n.kind, n.key) WITH ORDINALITY s(depth, kind, key, relation, truncated, o)),
         (SELECT string_agg(format('%s %s:%s %s %s', s.depth, s.kind, s.key, s.relation, s.truncated), '; ' ORDER BY o)
            FROM mlops.lineage_downstream(n.kind, n.key, max_depth => 2, max_nodes => 3)
                 WITH ORDINALITY s(depth, kind, key, relation, truncated, o))), E'\n' ORDER BY n.kind, n.key)
  FROM mlops.lineage_nodes n;
SELECT string_agg(format('%s@%s: %s', d.name, v.version,
         (SELECT string_agg(format('%s@%s %s %s', m.model, m.version, m.stage, m.depth), ', ' ORDER BY m.model, m.version)
            FROM mlops.impacted_models(d.name, v.version) m)), E'\n' ORDER BY d.name, v.version)
  FROM mlops.dataset_versions v JOIN mlops.datasets d ON d.id = v.dataset_id;
SELECT string_agg(mlops.reproduce(m.name, v.version)::text, E'\n' ORDER BY m.name, v.version)
  FROM mlops.model_versions v JOIN mlops.models m ON m.id = v.model_id;
};

my $tables_src = $node->safe_psql('src', $tables);
my $answers_src = $node->safe_psql('src', $answers);
is($node->safe_psql('src', q{SELECT count(*) FROM mlops.lineage_links}), '18',
	'the source graph has 18 edges: 5 inputs, 2 model versions, 3 parents, 2 OpenLineage inputs and an output, 5 added');
like($answers_src, qr/^raw\@1: clf\@1 staging 4, clf\@2 none 4$/m,
	'raw@1 reaches both model versions at depth 4 through features@1');
like($answers_src, qr/^labels\@2: clf\@2 none 2$/m, 'labels@2 reaches clf@2 directly');
like($answers_src, qr/^holdout\@1: $/m, 'holdout@1 reaches no model version');
like($answers_src,
	qr/^external:\Q$orders\E down \[1 dataset_version:raw\@1 exported f; 1 run:01905f3e-7c10-7e22-8b54-3a7a1f2e1b02 input f; 2 external:\Q$orders\E#2 output f; /m,
	'the MERGE wrote the next version of the table it read');
like($answers_src, qr/"git_commit": "9f3c2ab"/, 'reproduce reports the code version');

my $dump = $node->basedir . '/lineage.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-d', $node->connstr('src'), '-f', $dump ], 'pg_dump succeeds');
$node->safe_psql('postgres', 'CREATE DATABASE dst');
$node->command_ok([ 'pg_restore', '--exit-on-error', '-d', $node->connstr('dst'), $dump ], 'pg_restore succeeds');
is($node->safe_psql('dst', $tables), $tables_src,
	'nodes, edges, impact rows, lineage_edges and the OpenLineage tables restored with their ids');
is($node->safe_psql('dst', $answers), $answers_src,
	'lineage_downstream, lineage_upstream, impacted_models and reproduce answer the same');

my $sql = $node->basedir . '/lineage.sql';
$node->command_ok([ 'pg_dump', '-d', $node->connstr('src'), '-f', $sql ], 'plain pg_dump succeeds');
$node->safe_psql('postgres', 'CREATE DATABASE dst2');
$node->command_ok([ 'psql', '-X', '-v', 'ON_ERROR_STOP=1', '-q', '-d', $node->connstr('dst2'), '-f', $sql ],
	'the plain dump replays');
is($node->safe_psql('dst2', $tables), $tables_src, 'the plain replay restores the same tables');
is($node->safe_psql('dst2', $answers), $answers_src, 'and the same answers');

# the restored graph keeps working
my $max_ids = q{SELECT (SELECT max(id) FROM mlops.lineage_nodes) || ' ' || (SELECT max(id) FROM mlops.lineage_links)
                       || ' ' || (SELECT max(id) FROM mlops.lineage_impact)};
my ($nodes_max, $links_max, $impact_max) = split / /, $node->safe_psql('dst', $max_ids);
$node->safe_psql('dst', q{SELECT mlops.add_lineage('external', 's3://landing/holdout.csv', 'dataset_version', 'holdout@1', 'copied')});
is($node->safe_psql('dst', q{SELECT format('%s %s:%s %s %s', depth, kind, key, relation, truncated)
                               FROM mlops.lineage_upstream('dataset_version', 'holdout@1')}),
	'1 external:s3://landing/holdout.csv copied f', 'a new edge is added');
my ($rc, $out, $err) = $node->psql('dst', qq{\\set VERBOSITY verbose
SELECT mlops.add_lineage('model_version', 'clf\@1', 'external', '$orders', 'feedback')});
like($err, qr/ERROR:  23514: lineage edge model_version:clf\@1 -> external:\Q$orders\E would close a cycle/,
	'an edge closing a cycle through restored edges is refused (23514)');
($rc, $out, $err) = $node->psql('dst', qq{\\set VERBOSITY verbose
SELECT mlops.add_lineage('run', id::text, 'job', '$job', 'feedback') FROM ids WHERE k = 'prep'});
like($err, qr/ERROR:  23514: .* would close a cycle/, 'and so is one back to the restored job');
is($node->safe_psql('dst', q{SELECT count(*) FROM mlops.lineage_links}), '19', 'the refused edges left nothing');

is($node->safe_psql('dst', q{SELECT mlops.snapshot_table('raw', 'raw')}), '1',
	'a snapshot of the unchanged restored table is its restored version');
is($node->safe_psql('dst', q{UPDATE raw SET amount = amount + 1 WHERE id = 7; SELECT mlops.snapshot_table('raw', 'raw')}), '2',
	'a snapshot of the changed table gets the next number');
is($node->safe_psql('dst', q{SELECT mlops.register_dataset_version('labels', 's3://b/labels/3')}), '3',
	'a registered version gets the next number');
$node->safe_psql('dst', q{SELECT mlops.log_input(id, 'holdout', 1), mlops.log_input(id, 'labels', 3) FROM ids WHERE k = 'trial2'});
is($node->safe_psql('dst', q{SELECT string_agg(format('%s:%s@%s %s', d, m.model, m.version, m.depth), ', ' ORDER BY d)
                               FROM unnest(ARRAY['holdout', 'labels']) d, mlops.impacted_models(d, CASE d WHEN 'labels' THEN 3 ELSE 1 END) m}),
	'holdout:clf@2 2, labels:clf@2 2', 'new inputs of the restored run reach its model version');
is($node->safe_psql('dst', q{SELECT mlops.create_model_version('clf', id, 's3://m/3') FROM ids WHERE k = 'trial2'}), '3',
	'a new model version of the restored run');
is($node->safe_psql('dst', q{SELECT string_agg(format('%s@%s %s', model, version, depth), ', ' ORDER BY version)
                               FROM mlops.impacted_models('raw', 1)}),
	'clf@1 4, clf@2 4, clf@3 4', 'reaches the projection of the restored upstream datasets');
is($node->safe_psql('dst', q{SELECT count(*) FROM mlops.lineage_nodes n JOIN mlops.lineage_links l ON l.dst_id = n.id
                               WHERE n.key = 'clf@3' AND l.id > } . $links_max . q{ AND n.id > } . $nodes_max),
	'1', 'new nodes and edges take ids after the restored ones');
is($node->safe_psql('dst', q{SELECT count(*) FILTER (WHERE id > } . $impact_max . q{) || ' of ' || count(*) FROM mlops.lineage_impact}),
	'8 of 15', 'and so do the impact rows: holdout@1 and labels@3 reach clf@2, six dataset versions clf@3');

# OpenLineage after the restore: the same event changes nothing; a new run
# reads the table's current version (#2) and writes the next (#3)
my $ol_state = q{SELECT (SELECT count(*) FROM mlops.openlineage_event_log) || ' ' || (SELECT count(*) FROM mlops.lineage_links)};
my $ol_before = $node->safe_psql('dst', $ol_state);
is($node->safe_psql('dst', qq{SELECT mlops.ingest_openlineage('$ev_merge')}), '01905f3e-7c10-7e22-8b54-3a7a1f2e1b02',
	'the restored event again returns its run');
is($node->safe_psql('dst', $ol_state), $ol_before, 'and adds no event and no edge');
my $ev_next = $ev_merge;
$ev_next =~ s/7c10-7e22-8b54-3a7a1f2e1b02/7d00-7e22-8b54-3a7a1f2e1b03/;
$ev_next =~ s/2024-06-03T02:10:00\.5Z/2024-06-04T02:10:00Z/;
$node->safe_psql('dst', qq{SELECT mlops.ingest_openlineage('$ev_next')});
is($node->safe_psql('dst', q{SELECT string_agg(format('%s:%s -%s-> %s:%s', src_kind, src_key, relation, dst_kind, dst_key), E'\n'
                                               ORDER BY relation, src_key)
                               FROM mlops.lineage_edges WHERE '01905f3e-7d00-7e22-8b54-3a7a1f2e1b03' IN (src_key, dst_key)}),
	"external:$orders#2 -input-> run:01905f3e-7d00-7e22-8b54-3a7a1f2e1b03\n"
	  . "external:postgres://wh:5432/shop.staging.orders -input-> run:01905f3e-7d00-7e22-8b54-3a7a1f2e1b03\n"
	  . "run:01905f3e-7d00-7e22-8b54-3a7a1f2e1b03 -output-> external:$orders#3\n"
	  . "run:01905f3e-7b2a-7c11-9a43-2f6f0e1d0a01 -parent-> run:01905f3e-7d00-7e22-8b54-3a7a1f2e1b03",
	'a new run reads the restored current version of the table and writes the next');
is($node->safe_psql('dst', q{SELECT string_agg(format('%s %s', dataset, current_version), ', ' ORDER BY dataset)
                               FROM mlops.openlineage_datasets}),
	"$orders 3, postgres://wh:5432/shop.staging.orders 1", 'the table is at version 3');
$node->stop;

done_testing();
