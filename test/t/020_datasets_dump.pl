# pg_dump / pg_restore of datasets: table fingerprints (enum, array, domain,
# composite, jsonb, numeric columns) are equal in another database after a
# restore, the restored snapshots verify there, and versions, counters,
# profiles and run inputs come back as they were, numbering carrying on.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('datasets_dump');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'mlops'\n");
$node->start;
# a type and a table created in another database first, so that the oids of
# the restored enum and domain differ from the source's
$node->safe_psql('postgres', 'CREATE DATABASE src');
$node->safe_psql('postgres', 'CREATE DATABASE dst');
$node->safe_psql('dst', q{
CREATE TYPE shift AS ENUM ('x'); CREATE TABLE filler (a int); DROP TABLE filler; DROP TYPE shift;
CREATE TYPE other_enum AS ENUM ('p', 'q');});
$node->safe_psql('src', q{
CREATE EXTENSION mlops;
SELECT mlops.create_roles();
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN positive AS integer CHECK (VALUE > 0);
CREATE TYPE pair AS (x integer, y text);
CREATE TABLE features (id integer, m mood, ms mood[], tags text[], nums integer[], p positive, pr pair,
                       doc jsonb, amount numeric, score float8, at timestamptz);
INSERT INTO features
SELECT g, (ARRAY['sad', 'ok', 'happy'])[1 + g % 3]::mood, ARRAY[(ARRAY['sad', 'ok', 'happy'])[1 + g % 3], 'ok']::mood[],
       ARRAY['t' || g % 7, NULL], ARRAY[g, g * 2], 1 + g % 9, ROW(g, 'p' || g)::pair,
       jsonb_build_object('g', g, 'odd', g % 2 = 1), g / 7.0, CASE WHEN g % 100 = 0 THEN 'NaN' ELSE g * 0.25 END,
       '2024-01-01 00:00+00'::timestamptz + g * interval '1 minute'
  FROM generate_series(1, 5000) g;
CREATE TABLE labels (id integer, label text);
INSERT INTO labels SELECT g, CASE WHEN g % 3 = 0 THEN 'spam' ELSE 'ham' END FROM generate_series(1, 500) g;
SELECT mlops.snapshot_table('features', 'features');
SELECT mlops.snapshot_table('labels', 'labels', '{label}');
SELECT mlops.register_dataset_version('external', 's3://bucket/data.parquet', repeat('ab', 32), 10, '{"a": "int"}');
CREATE TEMP TABLE r AS SELECT mlops.start_run('dump', 'train') AS id;
SELECT mlops.log_input((SELECT id FROM r), 'features', 1);
SELECT mlops.log_input((SELECT id FROM r), 'external', 1, 'validation');
SELECT mlops.end_run((SELECT id FROM r));
});

my $fp_query = q{SELECT mlops.table_fingerprint('features') || ' ' || mlops.table_fingerprint('labels', '{label}')
                   || ' ' || mlops.table_fingerprint('features', '{ms,m}')};
my $fp_src = $node->safe_psql('src', $fp_query);
like($fp_src, qr/^[0-9a-f]{32} [0-9a-f]{32} [0-9a-f]{32}$/, 'the source tables have fingerprints');
my $state = q{
SELECT concat_ws(' | ',
  (SELECT string_agg(format('%s:%s', name, last_version), ',' ORDER BY name) FROM mlops.datasets),
  (SELECT string_agg(format('%s@%s %s %s %s %s %s', d.name, v.version, v.uri, v.fingerprint, v.row_count,
                            v.source_relation, v.source_columns), ', ' ORDER BY d.name, v.version)
     FROM mlops.dataset_versions v JOIN mlops.datasets d ON d.id = v.dataset_id),
  (SELECT string_agg(format('%s %s %s %s %s %s', p.column_name, p.null_count, p.distinct_estimate,
                            p.sketch::text, p.histogram::text, p.top_values), ', ' ORDER BY p.dataset_version_id, p.ordinal)
     FROM mlops.dataset_column_profiles p),
  (SELECT string_agg(format('%s@%s %s', i.dataset, i.version, d.name || '@' || v.version), ', ' ORDER BY i.dataset)
     FROM mlops.run_inputs i JOIN mlops.dataset_versions v ON v.id = i.dataset_version_id
     JOIN mlops.datasets d ON d.id = v.dataset_id))};
my $before = $node->safe_psql('src', $state);
is($node->safe_psql('src', q{SELECT mlops.verify_dataset_version('features', 1) AND mlops.verify_dataset_version('labels', 1)}),
	't', 'the snapshots verify in the source');

my $dump = $node->basedir . '/datasets.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-d', $node->connstr('src'), '-f', $dump ], 'pg_dump succeeds');
$node->command_ok([ 'pg_restore', '--exit-on-error', '-d', $node->connstr('dst'), $dump ], 'pg_restore succeeds');
isnt($node->safe_psql('dst', q{SELECT 'mood'::regtype::oid}), $node->safe_psql('src', q{SELECT 'mood'::regtype::oid}),
	'the restored enum has another oid');
is($node->safe_psql('dst', $fp_query), $fp_src,
	'fingerprints (enum, enum array, text and integer arrays, domain, composite, jsonb, numeric, NaN) equal after the restore');
is($node->safe_psql('dst', $state), $before, 'versions, counters, profiles and run inputs restored as they were');
is($node->safe_psql('dst', q{SELECT mlops.verify_dataset_version('features', 1) AND mlops.verify_dataset_version('labels', 1)}),
	't', 'verify_dataset_version is true in the restored database');

my $sql = $node->basedir . '/datasets.sql';
$node->command_ok([ 'pg_dump', '-d', $node->connstr('src'), '-f', $sql ], 'plain pg_dump succeeds');
$node->safe_psql('postgres', 'CREATE DATABASE dst2');
$node->command_ok([ 'psql', '-X', '-v', 'ON_ERROR_STOP=1', '-q', '-d', $node->connstr('dst2'), '-f', $sql ],
	'the plain dump replays');
is($node->safe_psql('dst2', $fp_query), $fp_src, 'fingerprints equal after a plain replay');
is($node->safe_psql('dst2', $state), $before, 'the plain replay restores the same datasets');

# the rules hold again: numbering carries on, versions stay immutable
is($node->safe_psql('dst', q{SELECT mlops.register_dataset_version('features', 's3://next')}), '2',
	'numbering continues after the restored versions');
is($node->safe_psql('dst', q{UPDATE features SET amount = amount + 1 WHERE id = 1;
	SELECT mlops.verify_dataset_version('features', 1)}), 'f', 'a changed restored table no longer verifies');
my ($rc, $out, $err) = $node->psql('dst', q{DELETE FROM mlops.dataset_versions});
like($err, qr/is immutable/, 'restored versions are immutable');
$node->stop;

done_testing();
