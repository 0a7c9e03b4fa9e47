# search_runs stays responsive. Over 300 runs with params, tags and metrics,
# the largest filters and the largest order_by the limits allow answer within
# 1 s each (the target), even with the session asking for JIT: the bound is
# 2 s for the best of three tries, so that load on a shared machine does not
# fail it (compiling these statements with JIT took 20 s and more). pg_cancel_backend
# stops a search within 1 s (target and bound), both while it waits for a lock
# on mlops.runs and while it evaluates the largest filter over 100,000 runs.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

my $node = PostgreSQL::Test::Cluster->new('search_cancel');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'mlops'\n");
$node->start;
$node->safe_psql('postgres', q{
CREATE EXTENSION mlops;
SELECT mlops.create_experiment('small');
INSERT INTO mlops.runs (experiment_id, name, start_time)
SELECT e.id, 'run' || i, now() - i * interval '1 minute'
  FROM mlops.experiments e, generate_series(1, 300) i WHERE e.name = 'small';
INSERT INTO mlops.params (run_id, key, value)
SELECT r.id, 'p' || k, (abs(hashtext(r.name || k)) % 10)::text FROM mlops.runs r, generate_series(1, 10) k;
INSERT INTO mlops.tags (run_id, key, value)
SELECT r.id, 't' || k, (abs(hashtext(r.name || 't' || k)) % 5)::text FROM mlops.runs r, generate_series(1, 5) k;
INSERT INTO mlops.metrics (run_id, key, value)
SELECT r.id, 'm' || k, (abs(hashtext(r.name || 'm' || k)) % 100) / 100.0 FROM mlops.runs r, generate_series(1, 10) k;
ANALYZE;
-- seconds one search takes, and the number of runs it found
CREATE FUNCTION search_seconds(filter text, order_by text DEFAULT 'start_time DESC') RETURNS text
LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp(); n bigint;
BEGIN
    SELECT count(*) INTO n FROM mlops.search_runs('small', filter, order_by);
    RETURN extract(epoch FROM clock_timestamp() - t0) || ' ' || n;
END $$;
});

# The session asks for JIT, inlining and optimisation of every statement
# costing 1,000 or more: every statement a search runs over these runs, but
# none of the small statements calling it. The search must not compile its
# condition (compiling cannot be cancelled): it turns JIT off for its own
# statement.
my $eager_jit = 'SET jit = on; SET jit_above_cost = 1000; SET jit_inline_above_cost = 1000; '
  . 'SET jit_optimize_above_cost = 1000;';
my %largest = (
	'1,000 OR-ed params on 1,000 keys' => q{(SELECT string_agg(format('params.k%s = ''x''', g), ' OR ')
		FROM generate_series(1, 1000) g)},
	'1,000 AND-ed params on one key' => q{(SELECT string_agg('params.p1 != ''x''', ' AND ')
		FROM generate_series(1, 1000))},
	'1,000 OR-ed metric comparisons' => q{(SELECT string_agg(format('metrics.m%s > 2', g % 10 + 1), ' OR ')
		FROM generate_series(1, 1000) g)},
	'1,000 nested mixed terms' => q{(SELECT string_agg(format('(metrics.m%s < 0.%s AND tags.t%s != ''%s'' OR '
		|| 'params.p%s LIKE ''%%%s'' AND attributes.status != ''FAILED'')', g % 10 + 1, g % 10, g % 5 + 1, g % 5,
		g % 10 + 1, g % 7), ' OR ') FROM generate_series(1, 250) g)},
	'ten IN lists of 1,000 values, 64 KB' => q{(SELECT rpad(string_agg(format('params.p%s IN (%s)', k,
		(SELECT string_agg(quote_literal(g::text), ',') FROM generate_series(0, 999) g)), ' AND '), 65536)
		FROM generate_series(1, 10) k)},);
my $bound = 2;    # seconds; the target is 1
my $ten_metrics = q{(SELECT string_agg('metrics.m' || g || ' DESC', ', ') FROM generate_series(1, 10) g)};

# the best of three tries: seconds and runs found
sub best_of_three
{
	my ($filter, $order_by) = @_;
	my ($best, $runs);
	for (1 .. 3)
	{
		my ($s, $n) = split / /,
		  $node->safe_psql('postgres', "$eager_jit SELECT search_seconds($filter, $order_by)");
		($best, $runs) = ($s, $n) if !defined $best || $s < $best;
	}
	return ($best, $runs);
}

for my $name (sort keys %largest)
{
	my ($s, $runs) = best_of_three($largest{$name}, "'start_time DESC'");
	note "$name: ${s}s, $runs runs";
	cmp_ok($s, '<', $bound, "filter of $name answers within $bound s");
}
my ($s, $runs) = best_of_three("''", $ten_metrics);
note "order_by ten metrics: ${s}s, $runs runs";
is($runs, 300, 'order_by on ten metrics returns every run');
cmp_ok($s, '<', $bound, "order_by on ten metrics answers within $bound s");
($s, $runs) = best_of_three($largest{'1,000 OR-ed params on 1,000 keys'}, $ten_metrics);
note "largest filter and order_by: ${s}s, $runs runs";
cmp_ok($s, '<', $bound, "the largest filter with the largest order_by answers within $bound s");

# Start a search in session $search, wait until $ready holds for its backend,
# cancel it from session $control, and return the seconds until the client
# has the whole error, and the error.
sub cancel_search
{
	my ($search, $control, $pid, $statement, $ready) = @_;
	my $timer = IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default);

	$search->{stderr} = '';
	$search->{stdin} .= "$statement;\n";
	$search->{run}->pump_nb();
	$node->poll_query_until('postgres', "SELECT $ready FROM pg_stat_activity WHERE pid = $pid")
	  or die "the search did not start";
	my $t0 = time;
	$control->query_safe("SELECT pg_cancel_backend($pid)");
	pump_until($search->{run}, $timer, \$search->{stderr}, qr/LOCATION:[^\n]*\n/);
	my $took = time - $t0;
	my $error = $search->{stderr};
	$search->{stderr} = '';
	return ($took, $error);
}

my $control = $node->background_psql('postgres');
my $search = $node->background_psql('postgres', on_error_stop => 0);
my $pid = $search->query_safe('SELECT pg_backend_pid()');
$search->query_safe("\\set VERBOSITY verbose\n\\set SHOW_CONTEXT never\n$eager_jit");

# a search waiting for the lock another session holds on mlops.runs
my $locker = $node->background_psql('postgres');
$locker->query_safe('BEGIN; LOCK TABLE mlops.runs IN ACCESS EXCLUSIVE MODE');
my ($took, $error) = cancel_search($search, $control, $pid,
	"SELECT count(*) FROM mlops.search_runs('small', 'params.p1 = ''1''')",
	"wait_event_type = 'Lock'");
note "cancelled while waiting for the lock after ${took}s: $error";
like($error, qr/ERROR:  57014: canceling statement due to user request/, 'a search waiting for a lock is cancelled (57014)');
cmp_ok($took, '<', 1, 'the cancelled search waiting for a lock returns within 1 s');
$locker->query_safe('ROLLBACK');
$locker->quit;

# a search evaluating 1,000 LIKE patterns for each of 100,000 runs
$node->safe_psql('postgres', q{
SELECT mlops.create_experiment('large');
INSERT INTO mlops.runs (experiment_id, name)
SELECT e.id, 'run' || i FROM mlops.experiments e, generate_series(1, 100000) i WHERE e.name = 'large';
ANALYZE mlops.runs;
});
my $slow = q{SELECT count(*) FROM mlops.search_runs('large', (SELECT string_agg(format('attributes.run_name LIKE ''%%%s%%x''', g), ' OR ') FROM generate_series(1, 1000) g))};
($took, $error) = cancel_search($search, $control, $pid, $slow,
	"state = 'active' AND query LIKE '%search_runs(''large''%' AND query_start < clock_timestamp() - interval '0.3 s'");
note "cancelled while evaluating after ${took}s: $error";
like($error, qr/ERROR:  57014: canceling statement due to user request/, 'a search over many runs is cancelled (57014)');
cmp_ok($took, '<', 1, 'the cancelled search over many runs returns within 1 s');
is($search->query_safe('SELECT 1'), '1', 'the session is usable after the cancel');
$search->quit;
$control->quit;

done_testing();
