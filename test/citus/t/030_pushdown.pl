# Citus pushes qsketch_agg, histogram and merge down: each shard computes a
# partial state (worker_partial_agg) and the coordinator combines the states
# (coord_combine_agg), so only states travel, not rows. The exact two-sample
# statistics (psi, ks_test, wasserstein, jensen_shannon, hellinger,
# chi2_test, psi_categorical) need every value of both samples at once: their
# shard queries return the rows and the coordinator aggregates them.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use MlopsCitus;

my ($coord, @workers) = start_citus();

$coord->safe_psql('postgres', q{
SET citus.shard_count = 32;
CREATE TABLE obs (id bigint, x float8, cat text, is_ref boolean);
SELECT create_distributed_table('obs', 'id');
INSERT INTO obs SELECT g, sin(g) * 100, 'c' || (g % 5), g % 2 = 0 FROM generate_series(1, 20000) g;
CREATE TABLE parts (id bigint, h mlops.histogram, s mlops.qsketch);
SELECT create_distributed_table('parts', 'id');
INSERT INTO parts SELECT id % 10, mlops.histogram(x, '{-50,0,50}'), mlops.qsketch_agg(x)
  FROM obs GROUP BY id % 10;
});

sub explain
{
	my ($query) = @_;
	return $coord->safe_psql('postgres', "EXPLAIN (VERBOSE, COSTS OFF) $query");
}

for my $case (
	[ 'qsketch_agg(x)', 'SELECT mlops.qsketch_agg(x) FROM obs', 'mlops.qsketch_agg(double precision)' ],
	[ 'qsketch_agg(x, k)', 'SELECT mlops.qsketch_agg(x, 64) FROM obs', 'mlops.qsketch_agg(double precision,integer)' ],
	[ 'histogram(x, edges)', "SELECT mlops.histogram(x, '{-50,0,50}') FROM obs", 'mlops.histogram(double precision,double precision[])' ],
	[ 'merge(histogram)', 'SELECT mlops.merge(h) FROM parts', 'mlops.merge(mlops.histogram)' ],
	[ 'merge(qsketch)', 'SELECT mlops.merge(s) FROM parts', 'mlops.merge(mlops.qsketch)' ],
	[ 'qsketch_agg grouped by a non-distribution column',
	  'SELECT is_ref, mlops.qsketch_agg(x) FROM obs GROUP BY is_ref', 'mlops.qsketch_agg(double precision)' ])
{
	my ($label, $query, $agg) = @$case;
	my $plan = explain($query);
	like($plan, qr/worker_partial_agg\('\Q$agg\E'::regprocedure/,
		"$label: the shards compute partial states (worker_partial_agg)");
	my $oid = $coord->safe_psql('postgres', "SELECT '$agg'::regprocedure::oid");
	like($plan, qr/coord_combine_agg\('$oid'::oid, remote_scan\.\w+, NULL::mlops\.(qsketch|histogram)\)/,
		"$label: the coordinator combines them (coord_combine_agg)");
}

# and the pushed-down answers are right
is($coord->safe_psql('postgres', q{
SELECT mlops.total(mlops.qsketch_agg(x)) || ' ' || mlops.quantile(mlops.qsketch_agg(x), 0)
       || ' ' || mlops.quantile(mlops.qsketch_agg(x), 1) FROM obs}),
	$coord->safe_psql('postgres', 'SELECT count(x) || \' \' || min(x) || \' \' || max(x) FROM obs'),
	'pushed-down qsketch_agg: count and extremes exact');
is($coord->safe_psql('postgres', "SELECT mlops.counts(mlops.histogram(x, '{-50,0,50}')) FROM obs"),
	$coord->safe_psql('postgres', q{
SELECT ARRAY[count(*) FILTER (WHERE x < -50), count(*) FILTER (WHERE x >= -50 AND x < 0),
             count(*) FILTER (WHERE x >= 0 AND x < 50), count(*) FILTER (WHERE x >= 50)]::text FROM obs}),
	'pushed-down histogram: exact counts');
is($coord->safe_psql('postgres', 'SELECT mlops.merge(h)::text FROM parts'),
	$coord->safe_psql('postgres', "SELECT mlops.histogram(x, '{-50,0,50}')::text FROM obs"),
	'pushed-down merge(histogram) = histogram of all rows');
is($coord->safe_psql('postgres', 'SELECT mlops.histogram(x, NULL) FROM obs WHERE false'), '',
	'no rows: NULL');
$coord->safe_psql('postgres', q{
CREATE TABLE bad (id bigint, h mlops.histogram);
SELECT create_distributed_table('bad', 'id');
INSERT INTO bad SELECT g, mlops.histogram(g, CASE WHEN g = 1 THEN '{0,1}' ELSE '{0,2}' END::float8[])
  FROM generate_series(1, 2) g GROUP BY g;
});
my ($ret, $out, $err) = $coord->psql('postgres', 'SELECT mlops.merge(h) FROM bad');
isnt($ret, 0, 'merging histograms with different edges fails');
like($err, qr/cannot combine histograms with different edges/, '... with the error saying so');

# the exact statistics: rows are pulled to the coordinator (no partial state)
for my $agg ('mlops.psi(x, is_ref)', 'mlops.ks_test(x, is_ref)', 'mlops.wasserstein(x, is_ref)',
	'mlops.chi2_test(cat, is_ref)', 'mlops.psi_categorical(cat, is_ref)')
{
	my $plan = explain("SELECT $agg FROM obs");
	unlike($plan, qr/worker_partial_agg/, "$agg: no partial aggregation on the shards");
	like($plan, qr/Query: SELECT (x|cat) AS \w+, is_ref AS \w+ FROM public\.obs_\d+/,
		"$agg: the shards return the rows, the coordinator aggregates them");
}

done_testing();
