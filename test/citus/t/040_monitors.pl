# Monitors over a distributed prediction table: evaluate_monitor and
# drift_windows give the windows and values they give over a local copy of
# the same rows (the window scans run through Citus; the results are
# written to mlops's tables on the coordinator).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use MlopsCitus;

my ($coord, @workers) = start_citus();

# 48 hours of predictions, 60 an hour; from hour 40 on the score shifts by
# 0.5, the label changes its mix and accuracy drops from 90% to 60%.
$coord->safe_psql('postgres', q{
SET citus.shard_count = 32;
CREATE TABLE preds (id bigint, ts timestamptz NOT NULL, score float8, label text, correct boolean);
SELECT create_distributed_table('preds', 'id');
INSERT INTO preds
SELECT hr * 60 + m, timestamptz '2026-01-01 00:00+00' + (hr * 60 + m) * interval '1 minute',
       ((hr * 60 + m) * 7919 % 1000) / 1000.0 + CASE WHEN hr >= 40 THEN 0.5 ELSE 0 END,
       'c' || ((hr * 60 + m) * 13 % CASE WHEN hr >= 40 THEN 3 ELSE 5 END),
       (hr * 60 + m) % 10 < CASE WHEN hr >= 40 THEN 6 ELSE 9 END
  FROM generate_series(0, 47) hr, generate_series(0, 59) m;
CREATE TABLE preds_local AS SELECT * FROM preds;
CREATE INDEX ON preds_local (ts);
});
is($coord->safe_psql('postgres',
		"SELECT count(*) FROM citus_shards WHERE table_name = 'preds'::regclass"),
	'32', 'preds has 32 shards');

# one monitor per method and source; the reference is the previous window or
# the first day of the source
my @methods = (
	[ 'psi',             'score',   "'{}'" ],
	[ 'ks',              'score',   q{'{"from": "2026-01-01 00:00+00", "to": "2026-01-02 00:00+00"}'} ],
	[ 'wasserstein',     'score',   "'{}'" ],
	[ 'psi_categorical', 'label',   "'{}'" ],
	[ 'chi2',            'label',   q{'{"from": "2026-01-01 00:00+00", "to": "2026-01-02 00:00+00"}'} ],
	[ 'mean_change',     'correct', q{'{"from": "2026-01-01 00:00+00", "to": "2026-01-02 00:00+00"}'} ]);
for my $m (@methods)
{
	my ($method, $col, $ref) = @$m;
	for my $src ('preds', 'preds_local')
	{
		$coord->safe_psql('postgres', qq{
SELECT mlops.create_monitor('${method}_$src', NULL, '$src', '$col', 'ts', '$method', 0.2, '1 hour',
                            $ref, start_at => '2026-01-01 00:00+00')});
	}
}

my $cols = 'window_start, window_end, statistic, pvalue, n_ref, n_cur, threshold, breached, note';
for my $m (@methods)
{
	my $method = $m->[0];
	my $dist = $coord->safe_psql('postgres',
		"SELECT $cols FROM mlops.evaluate_monitor('${method}_preds') ORDER BY window_start");
	my $local = $coord->safe_psql('postgres',
		"SELECT $cols FROM mlops.evaluate_monitor('${method}_preds_local') ORDER BY window_start");
	my @rows = split /\n/, $local;
	cmp_ok(scalar(@rows), '>=', 47, "$method: the local monitor computes its windows");
	is($dist, $local, "$method: evaluate_monitor over the distributed table = over the local copy");
	like($local, qr/\|t\|/, "$method: some window is breached") if $method ne 'wasserstein';

	my $wq = "SELECT * FROM mlops.drift_windows('%s', '2026-01-01 00:00+00', '2026-01-03 00:00+00') ORDER BY 1";
	my $wdist = $coord->safe_psql('postgres', sprintf($wq, "${method}_preds"));
	my $wlocal = $coord->safe_psql('postgres', sprintf($wq, "${method}_preds_local"));
	cmp_ok(scalar(split /\n/, $wlocal), '>=', 47, "$method: drift_windows over the local copy");
	is($wdist, $wlocal, "$method: drift_windows over the distributed table = over the local copy");
}

# the results live on the coordinator only
is($coord->safe_psql('postgres',
		"SELECT count(*) FROM pg_dist_partition WHERE logicalrelid::text LIKE 'mlops.%'"),
	'0', 'no mlops table is a Citus table');
for my $w (@workers)
{
	is($w->safe_psql('postgres', 'SELECT count(*) FROM mlops.drift_results'), '0',
		'a worker\'s drift_results stays empty');
}

done_testing();
