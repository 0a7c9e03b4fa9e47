# 16 concurrent clients: version numbers stay 1..n without gap or duplicate,
# and concurrent promotions of random versions leave exactly one version in
# production, a consistent stage history and an intact audit chain; so do 16
# clients running multi-model promotion transactions.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('registry_concurrency');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'mlops'\nmax_connections = 40\n");
$node->start;
$node->safe_psql('postgres', q{
CREATE EXTENSION mlops;
INSERT INTO mlops.experiments (name) VALUES ('conc');
INSERT INTO mlops.runs (id, experiment_id, status) SELECT '00000000-0000-0000-0000-00000000cc01', id, 'FINISHED' FROM mlops.experiments;
SELECT mlops.register_model('numbers');
SELECT mlops.register_model('promote');
SELECT mlops.create_model_version('promote', '00000000-0000-0000-0000-00000000cc01', 's3://p/' || g) FROM generate_series(1, 20) g;
SELECT mlops.transition('promote', g, 'staging') FROM generate_series(1, 20) g;
});

my $create = $node->basedir . '/create.sql';
PostgreSQL::Test::Utils::append_to_file($create,
	"SELECT mlops.create_model_version('numbers', '00000000-0000-0000-0000-00000000cc01', 's3://n');\n");
$node->command_ok([ 'pgbench', '-n', '-c', '16', '-j', '4', '-t', '25', '-f', $create,
		$node->connstr('postgres') ], '16 clients create 400 versions of one model');
is($node->safe_psql('postgres', q{
	SELECT count(*) || ' ' || count(DISTINCT version) || ' ' || min(version) || ' ' || max(version) || ' ' ||
	       (SELECT last_version FROM mlops.models WHERE name = 'numbers')
	  FROM mlops.model_versions WHERE model_id = (SELECT id FROM mlops.models WHERE name = 'numbers')}),
	'400 400 1 400 400', 'versions are 1..400, distinct, and the counter agrees');

my $promote = $node->basedir . '/promote.sql';
PostgreSQL::Test::Utils::append_to_file($promote, q{
DO $$ BEGIN
    PERFORM mlops.transition('promote', 1 + (random() * 19)::int, 'production');
EXCEPTION WHEN object_not_in_prerequisite_state THEN NULL;   -- picked the version already in production
END $$;
});
$node->command_ok([ 'pgbench', '-n', '-c', '16', '-j', '4', '-t', '20', '-f', $promote,
		$node->connstr('postgres') ], '16 clients promote random versions at once');
is($node->safe_psql('postgres', q{
	SELECT count(*) FILTER (WHERE stage = 'production') || ' ' ||
	       count(*) FILTER (WHERE stage NOT IN ('production', 'archived', 'staging'))
	  FROM mlops.model_versions WHERE model_id = (SELECT id FROM mlops.models WHERE name = 'promote')}),
	'1 0', 'exactly one version is in production');
is($node->safe_psql('postgres', q{
	SELECT mlops.production_version('promote') =
	       (SELECT version FROM mlops.model_versions WHERE stage = 'production'
	           AND model_id = (SELECT id FROM mlops.models WHERE name = 'promote'))}),
	't', 'production_version() agrees with the table');
is($node->safe_psql('postgres', q{
	SELECT count(*) FROM mlops.model_versions v
	 WHERE (SELECT count(*) FROM mlops.stage_history h
	         WHERE h.model_version_id = v.id AND h.valid_to IS NULL AND h.stage = v.stage) <> 1}),
	'0', 'every version has exactly one open stage-history row, matching its stage');
is($node->safe_psql('postgres', q{
	SELECT count(*) FROM mlops.stage_history a JOIN mlops.stage_history b
	    ON a.model_id = b.model_id AND a.id < b.id AND a.model_version_id <> b.model_version_id
	 WHERE a.stage = 'production' AND b.stage = 'production'
	   AND a.valid_from < coalesce(b.valid_to, 'infinity') AND b.valid_from < coalesce(a.valid_to, 'infinity')}),
	'0', 'no two production intervals of one model overlap');
is($node->safe_psql('postgres', q{SELECT coalesce(mlops.verify_audit_chain()::text, 'intact')}), 'intact',
	'the audit chain written by 16 concurrent clients is intact');
cmp_ok($node->safe_psql('postgres', q{SELECT count(*) FROM mlops.audit_log WHERE action = 'stage.change'}), '>', 100,
	'the promotions were audited');
# multi-model transactions: 16 clients each promote their own two models in
# one transaction (even clients A then B under READ COMMITTED, odd clients B
# then A under REPEATABLE READ). Audit rows are chained at commit under the
# audit_chain_head lock: nothing waits on another client's models, nothing fails,
# and the chain is one linear sequence in id order.
$node->safe_psql('postgres', q{
SELECT mlops.register_model('multi_' || g) FROM generate_series(1, 32) g;
SELECT mlops.create_model_version('multi_' || g, '00000000-0000-0000-0000-00000000cc01', 's3://m/' || g || '/' || v)
  FROM generate_series(1, 32) g, generate_series(1, 2) v ORDER BY g, v;
SELECT mlops.transition('multi_' || g, v, 'staging') FROM generate_series(1, 32) g, generate_series(1, 2) v;
});
my $audit_before = $node->safe_psql('postgres', 'SELECT count(*) FROM mlops.audit_log');
my $multi = $node->basedir . '/multi.sql';
PostgreSQL::Test::Utils::append_to_file($multi, q{
\set first 2 * :client_id + 1 + :client_id % 2
\set second 2 * :client_id + 2 - :client_id % 2
\if :client_id % 2 = 0
BEGIN;
\else
BEGIN ISOLATION LEVEL REPEATABLE READ;
\endif
SELECT mlops.transition(m.name, v.version, 'production') FROM mlops.model_versions v JOIN mlops.models m ON m.id = v.model_id
 WHERE m.name = 'multi_' || :first AND v.stage <> 'production' ORDER BY v.version LIMIT 1;
SELECT mlops.transition(m.name, v.version, 'production') FROM mlops.model_versions v JOIN mlops.models m ON m.id = v.model_id
 WHERE m.name = 'multi_' || :second AND v.stage <> 'production' ORDER BY v.version LIMIT 1;
COMMIT;
});
$node->command_ok([ 'pgbench', '-n', '-c', '16', '-j', '4', '-t', '20', '-f', $multi,
		$node->connstr('postgres') ], '16 clients run two-model promotion transactions at once');
is($node->safe_psql('postgres', q{
	SELECT count(*) FROM mlops.models m WHERE m.name LIKE 'multi\_%'
	   AND (SELECT count(*) FROM mlops.model_versions v WHERE v.model_id = m.id AND v.stage = 'production') <> 1}),
	'0', 'every model of the multi-model run has one version in production');
is($node->safe_psql('postgres', q{SELECT coalesce(mlops.verify_audit_chain()::text, 'intact')}), 'intact',
	'the audit chain written by 16 clients in multi-model transactions is intact');
is($node->safe_psql('postgres', q{
	SELECT count(*) FILTER (WHERE id < 0) || ' ' || count(*) FILTER (WHERE prev_hash IS NULL) || ' ' ||
	       count(DISTINCT prev_hash) || ' ' || (count(*) - 1)
	  FROM mlops.audit_log}),
	'0 1 ' . join(' ', ($node->safe_psql('postgres', 'SELECT count(*) - 1 FROM mlops.audit_log')) x 2),
	'no pending rows are left; one chain: a single first row, every other row links to a distinct predecessor');
# 16 x 20 transactions x 2 promotions, each also archiving the previous holder (after the first)
cmp_ok($node->safe_psql('postgres', 'SELECT count(*) FROM mlops.audit_log') - $audit_before, '>=', 16 * 20 * 2,
	'every promotion of the multi-model run was audited');

# one login acting under two of its roles is still one person: no self-approval
$node->safe_psql('postgres', q{
SELECT mlops.create_roles();
CREATE ROLE carl LOGIN;
CREATE ROLE carl_builds IN ROLE mlops_writer;
CREATE ROLE carl_reviews IN ROLE mlops_approver;
GRANT carl_builds, carl_reviews TO carl;
CREATE ROLE dora LOGIN IN ROLE mlops_approver;
SELECT mlops.register_model('people');
SELECT mlops.create_model_version('people', '00000000-0000-0000-0000-00000000cc01', 's3://people');
SELECT mlops.transition('people', 1, 'staging');
SELECT mlops.set_policy('people', 'production', 1);
});
my $carl = $node->connstr('postgres') . ' user=carl';
my $req = $node->safe_psql('postgres', q{SET ROLE carl_builds; SELECT mlops.request_transition('people', 1, 'production')},
	connstr => $carl);
my ($rc, $out, $err) = $node->psql('postgres', "SET ROLE carl_reviews; SELECT mlops.approve($req)", connstr => $carl);
like($err, qr/cannot approve its own transition request/, 'the requester\'s login cannot approve under another role');
$node->safe_psql('postgres', "SELECT mlops.approve($req)", connstr => $node->connstr('postgres') . ' user=dora');
$node->safe_psql('postgres', q{SET ROLE carl_builds; SELECT mlops.transition('people', 1, 'production')},
	connstr => $carl);
is($node->safe_psql('postgres', q{SELECT actor || '/' || (detail->>'current_user') FROM mlops.audit_log
	WHERE action = 'stage.change' ORDER BY id DESC LIMIT 1}),
	'carl/carl_builds', 'another login approves; the audit names the login and its role');

$node->stop;

done_testing();
