# Drift aggregates over a table distributed by create_distributed_table over
# 32 shards give the answers they give over the same rows in a local table:
# exactly for the exact statistics and histograms, within the stated rank
# error for quantile sketches (whose compaction coins depend on how the rows
# were split, so the sketches themselves may differ).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use MlopsCitus;

my ($coord, @workers) = start_citus();

# 40,000 rows: enough for the default qsketch (k = 512) to compact; a few NaN
# and NULL values, a categorical column, reference and current halves.
$coord->safe_psql('postgres', q{
SET citus.shard_count = 32;
CREATE TABLE obs (id bigint, x float8, cat text, is_ref boolean);
SELECT create_distributed_table('obs', 'id');
INSERT INTO obs
SELECT g,
       CASE WHEN g % 997 = 0 THEN 'NaN'::float8 WHEN g % 991 = 0 THEN NULL
            ELSE sin(g) * 10 + (g % 13) + CASE WHEN g % 2 = 0 THEN 0 ELSE 0.7 END END,
       'c' || ((g * 7) % (CASE WHEN g % 2 = 0 THEN 9 ELSE 11 END)),
       g % 2 = 0
  FROM generate_series(1, 40000) g;
CREATE TABLE obs_local AS SELECT * FROM obs;
});
is($coord->safe_psql('postgres',
		"SELECT count(*) FROM citus_shards WHERE table_name = 'obs'::regclass"),
	'32', 'obs has 32 shards');
is($coord->safe_psql('postgres', 'SELECT count(*) FROM obs_local'), '40000',
	'the local copy has every row');

# same(label, expression): the expression over obs equals it over obs_local.
sub same
{
	my ($label, $expr) = @_;
	my $dist = $coord->safe_psql('postgres', "SELECT ($expr)::text FROM obs");
	my $local = $coord->safe_psql('postgres', "SELECT ($expr)::text FROM obs_local");
	isnt($local, '', "$label: local answer is not empty");
	is($dist, $local, "$label: distributed = local");
}

same('psi', 'mlops.psi(x, is_ref)');
same('psi, 20 bins', 'mlops.psi(x, is_ref, 20)');
same('ks_test', 'mlops.ks_test(x, is_ref)');
same('ks_test, greater', "mlops.ks_test(x, is_ref, 'greater')");
same('wasserstein', 'mlops.wasserstein(x, is_ref)');
same('jensen_shannon', 'mlops.jensen_shannon(x, is_ref)');
same('hellinger', 'mlops.hellinger(x, is_ref)');
same('chi2_test', 'mlops.chi2_test(cat, is_ref)');
same('psi_categorical', 'mlops.psi_categorical(cat, is_ref)');
same('histogram', "mlops.histogram(x, '{-5,0,2.5,5,10,20}')");
same('histogram, reference rows', "mlops.histogram(x, '{-5,0,2.5,5,10,20}') FILTER (WHERE is_ref)");

# grouped by a column that is not the distribution column
my $q = "SELECT is_ref, mlops.histogram(x, '{0,5,10}')::text, mlops.total(mlops.qsketch_agg(x)) FROM %s GROUP BY 1 ORDER BY 1";
is($coord->safe_psql('postgres', sprintf($q, 'obs')),
	$coord->safe_psql('postgres', sprintf($q, 'obs_local')),
	'histogram and qsketch_agg grouped by a non-distribution column: distributed = local');

# qsketch_agg: counts, NaN and the extremes are exact; quantiles within the
# sketch's rank error of the exact ranks in the local table.
$coord->safe_psql('postgres', q{
CREATE TABLE sk AS
SELECT 'dist' AS src, mlops.qsketch_agg(x) AS s FROM obs
UNION ALL SELECT 'dist64', mlops.qsketch_agg(x, 64) FROM obs
UNION ALL SELECT 'local', mlops.qsketch_agg(x) FROM obs_local;
});
is($coord->safe_psql('postgres', q{
SELECT string_agg(format('%s %s %s %s %s', src, mlops.total(s), mlops.nan_count(s),
                         mlops.quantile(s, 0), mlops.quantile(s, 1)), '; ' ORDER BY src) FROM sk}),
	$coord->safe_psql('postgres', q{
SELECT format('dist %1$s %2$s %3$s %4$s; dist64 %1$s %2$s %3$s %4$s; local %1$s %2$s %3$s %4$s',
              count(x), count(*) FILTER (WHERE x = 'NaN'),
              min(x) FILTER (WHERE x <> 'NaN'), max(x) FILTER (WHERE x <> 'NaN'))
  FROM obs_local}),
	'qsketch_agg: total, NaN count, min and max are exact');
# (the quantiles are computed once, not per row of the scan)
my $rank_check = q{
WITH q AS MATERIALIZED (
  SELECT i / 20.0 AS p, mlops.quantile(s, i / 20.0) AS v, mlops.rank_error(s) AS e
    FROM %s, generate_series(1, 19) i)
SELECT count(*) FROM q,
       LATERAL (SELECT count(*) FILTER (WHERE x < q.v)::float8 / count(*) AS lo,
                       count(*) FILTER (WHERE x <= q.v)::float8 / count(*) AS hi
                  FROM obs_local WHERE x <> 'NaN') r
 WHERE q.p < r.lo - q.e OR q.p > r.hi + q.e};
is($coord->safe_psql('postgres', sprintf($rank_check, 'sk')),
	'0', 'qsketch_agg: every distributed quantile is within the rank error of its exact rank');
cmp_ok($coord->safe_psql('postgres', "SELECT mlops.rank_error(s) FROM sk WHERE src = 'dist'"),
	'>', 0, 'the distributed sketch did compact (the bound is not trivially exact)');

# merge of stored states held in distributed tables
$coord->safe_psql('postgres', q{
SET citus.shard_count = 32;
CREATE TABLE parts (id bigint, h mlops.histogram, s mlops.qsketch);
SELECT create_distributed_table('parts', 'id');
INSERT INTO parts
SELECT id % 50, mlops.histogram(x, '{-5,0,2.5,5,10,20}'), mlops.qsketch_agg(x)
  FROM obs_local GROUP BY id % 50;
CREATE TABLE parts_local AS SELECT * FROM parts;
});
is($coord->safe_psql('postgres', 'SELECT mlops.merge(h)::text FROM parts'),
	$coord->safe_psql('postgres', 'SELECT mlops.merge(h)::text FROM parts_local'),
	'merge(histogram): distributed = local');
is($coord->safe_psql('postgres', 'SELECT mlops.merge(h)::text FROM parts'),
	$coord->safe_psql('postgres', "SELECT mlops.histogram(x, '{-5,0,2.5,5,10,20}')::text FROM obs_local"),
	'merge(histogram) of the parts = histogram of all rows');
is($coord->safe_psql('postgres', q{
SELECT format('%s %s %s %s', mlops.total(m), mlops.nan_count(m), mlops.quantile(m, 0), mlops.quantile(m, 1))
  FROM (SELECT mlops.merge(s) AS m FROM parts) q}),
	$coord->safe_psql('postgres', q{
SELECT format('%s %s %s %s', mlops.total(m), mlops.nan_count(m), mlops.quantile(m, 0), mlops.quantile(m, 1))
  FROM (SELECT mlops.merge(s) AS m FROM parts_local) q}),
	'merge(qsketch): total, NaN count, min and max: distributed = local');
is($coord->safe_psql('postgres', sprintf($rank_check, '(SELECT mlops.merge(s) AS s FROM parts) m')),
	'0', 'merge(qsketch): every quantile is within the rank error of its exact rank');

done_testing();
