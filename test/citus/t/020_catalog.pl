# With user tables distributed, mlops's own tables stay local tables of the
# coordinator and its API works from there: tracking, search, the registry
# with a stage change, and dataset snapshots of a distributed table (the same
# fingerprint as of a local copy of the same rows).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use MlopsCitus;

my ($coord, @workers) = start_citus();

$coord->safe_psql('postgres', q{
SET citus.shard_count = 32;
CREATE TABLE features (id bigint, f1 float8, f2 text, label boolean);
SELECT create_distributed_table('features', 'id');
INSERT INTO features
SELECT g, g * 0.25, 'v' || (g % 17), g % 3 = 0 FROM generate_series(1, 5000) g;
CREATE TABLE features_local AS SELECT * FROM features;
});

# tracking
my $run = $coord->safe_psql('postgres', q{
SELECT mlops.create_experiment('citus-exp');
SELECT mlops.start_run('citus-exp', 'r1', '{"lr": "0.1"}');
});
$run = (split /\n/, $run)[-1];
like($run, qr/^[0-9a-f-]{36}$/, 'start_run returns a run id');
$coord->safe_psql('postgres', qq{
SELECT mlops.log_metric('$run', 'acc', 0.5, 0);
SELECT mlops.log_metric('$run', 'acc', 0.9, 1);
SELECT mlops.start_run('citus-exp', 'r2', '{"lr": "0.2"}');
});
is($coord->safe_psql('postgres',
		q{SELECT string_agg(name, ',') FROM mlops.search_runs('citus-exp', 'metrics.acc > 0.8')}),
	'r1', 'search_runs finds the run by its latest metric');
$coord->safe_psql('postgres', qq{SELECT mlops.end_run('$run')});

# registry
$coord->safe_psql('postgres', qq{
SELECT mlops.register_model('citus-model');
SELECT mlops.create_model_version('citus-model', '$run', 's3://m/1');
SELECT mlops.transition('citus-model', 1, 'staging');
});
is($coord->safe_psql('postgres', q{
SELECT v.stage FROM mlops.model_versions v JOIN mlops.models m ON m.id = v.model_id
 WHERE m.name = 'citus-model' AND v.version = 1}),
	'staging', 'a model version moves to staging');
is($coord->safe_psql('postgres', 'SELECT mlops.verify_audit_chain() IS NULL'), 't',
	'the audit chain verifies');

# datasets: a snapshot of the distributed table equals one of its local copy
is($coord->safe_psql('postgres', q{
SELECT mlops.snapshot_table('feat-dist', 'features');
SELECT mlops.snapshot_table('feat-local', 'features_local');
SELECT count(DISTINCT fingerprint) || ' ' || min(row_count) || ' ' || max(row_count)
  FROM mlops.dataset_versions}),
	"1\n1\n1 5000 5000", 'snapshot_table of a distributed table: same fingerprint and row count as a local copy');
is($coord->safe_psql('postgres', q{
SELECT count(*) FROM (
  SELECT column_name, type, null_count, distinct_estimate, mlops.total(sketch), mlops.quantile(sketch, 0),
         mlops.quantile(sketch, 1), top_values::text
    FROM mlops.dataset_column_profiles p JOIN mlops.dataset_versions v ON v.id = p.dataset_version_id
   GROUP BY 1, 2, 3, 4, 5, 6, 7, 8) q}),
	'4', 'and the same exact parts of the column profiles (a sketch\'s coins depend on the scan order)');

# mlops's tables are local tables of the coordinator: none is known to Citus,
# and the workers' copies of them stayed empty
is($coord->safe_psql('postgres', q{
SELECT count(*) FROM pg_dist_partition p JOIN pg_class c ON c.oid = p.logicalrelid
 JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'mlops'}),
	'0', "no mlops table is a Citus table");
for my $w (@workers)
{
	is($w->safe_psql('postgres',
			'SELECT (SELECT count(*) FROM mlops.runs) + (SELECT count(*) FROM mlops.model_versions) + (SELECT count(*) FROM mlops.dataset_versions)'),
		'0', $w->name . ": nothing was written to mlops's tables on the worker");
}

done_testing();
