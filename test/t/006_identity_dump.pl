# Ids are GENERATED ALWAYS, and pg_dump / pg_restore still bring every
# dumped row back with its id and every identity sequence back to its
# position (ahead of the highest id after rolled-back inserts), so the first
# ids generated after a restore are the ones the source would have handed
# out next: new registrations and metric points do not collide. Custom
# format, plain text and plain text with INSERT statements alike.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('identity_dump');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'mlops'\n");
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE src');
$node->safe_psql('src', q{
CREATE EXTENSION mlops;
SELECT mlops.create_roles();
CREATE ROLE ids_writer IN ROLE mlops_writer;
CREATE ROLE ids_approver IN ROLE mlops_approver;
CREATE ROLE ids_admin IN ROLE mlops_admin;
});

# a writer tracks runs (one ended) and registers models from the ended one;
# an admin adds a stage, a move and a policy; an approver approves
$node->safe_psql('src', q{
SET ROLE ids_writer;
CREATE TEMP TABLE r AS SELECT mlops.start_run('ids', 'first', '{"lr": 0.1}', '{"team": "a"}') AS id;
SELECT mlops.log_metrics((SELECT id FROM r), ARRAY['loss', 'loss', 'acc'], ARRAY[0.5, 0.4, 0.9], ARRAY[1, 2, 2]::bigint[]);
SELECT mlops.log_artifact((SELECT id FROM r), 'model.bin', 's3://ids/model.bin');
SELECT mlops.register_dataset_version('iris', 's3://ids/iris/' || v) FROM generate_series(1, 2) v;
SELECT mlops.log_input((SELECT id FROM r), 'iris', 2);
SELECT mlops.end_run((SELECT id FROM r));
SELECT mlops.start_run('ids', 'open');
SELECT mlops.register_model('a');
SELECT mlops.register_model('b');
SELECT mlops.create_model_version('a', (SELECT id FROM r), 's3://ids/a/' || g) FROM generate_series(1, 2) g;
SELECT mlops.transition('a', 1, 'staging');
SELECT mlops.set_alias('a', 'champion', 1);
SELECT mlops.set_alias('a', 'champion', 2);
RESET ROLE;
SET ROLE ids_admin;
INSERT INTO mlops.stages (name, exclusive) VALUES ('canary', true);
INSERT INTO mlops.stage_transitions (from_stage, to_stage) VALUES ('staging', 'canary');
SELECT mlops.set_policy('a', 'production', 1);
RESET ROLE;
SET ROLE ids_writer;
SELECT mlops.request_transition('a', 1, 'production');
RESET ROLE;
SET ROLE ids_approver;
SELECT mlops.approve(1);
RESET ROLE;
SET ROLE ids_writer;
SELECT mlops.transition('a', 1, 'production');
});
# rolled back: the sequences of models, model_versions, metrics, params and
# experiments stand beyond the highest id
for my $sql (
	q{SELECT mlops.register_model('gone')},
	q{SELECT mlops.create_model_version('a', mlops.get_run('ids', 'first'), 's3://ids/gone')},
	q{SELECT mlops.log_metric(mlops.get_run('ids', 'open'), 'loss', 9)},
	q{SELECT mlops.log_param(mlops.get_run('ids', 'open'), 'gone', '1')},
	q{SELECT mlops.create_experiment('gone')})
{
	$node->safe_psql('src', "SET ROLE ids_writer; BEGIN; $sql; ROLLBACK;");
}

# every row of every table pg_dump dumps for the extension, and the
# position of every dumped sequence
my $state = q{
CREATE FUNCTION pg_temp.rows_of(t regclass) RETURNS text LANGUAGE plpgsql AS $$
DECLARE s text;
BEGIN
    EXECUTE format('SELECT string_agg(x::text, %L ORDER BY x::text) FROM %s x', E'\n', t) INTO s;
    RETURN s;
END $$;
CREATE FUNCTION pg_temp.seq_of(s regclass) RETURNS text LANGUAGE plpgsql AS $$
DECLARE v text;
BEGIN
    EXECUTE format('SELECT last_value || '' '' || is_called FROM %s', s) INTO v;
    RETURN v;
END $$;
SELECT string_agg(c.relname || CASE WHEN c.relkind = 'S' THEN ' at ' || pg_temp.seq_of(c.oid)
                                    ELSE E':\n' || coalesce(pg_temp.rows_of(c.oid), '') END,
                  E'\n' ORDER BY c.relname)
  FROM pg_extension e, unnest(e.extconfig) AS cfg(oid) JOIN pg_class c ON c.oid = cfg.oid
 WHERE e.extname = 'mlops';
};
my $before = $node->safe_psql('src', $state);
like($before, qr/^models_id_seq at 3 true$/m, 'the models sequence stands beyond the highest model id');
like($before, qr/^metrics_id_seq at 4 true$/m, 'the metrics sequence stands beyond the highest metric id');

# what the source hands out next
my $next = q{
SELECT (SELECT last_value + 1 FROM mlops.models_id_seq) || ' ' || (SELECT last_value + 1 FROM mlops.metrics_id_seq)
       || ' ' || (SELECT last_value + 1 FROM mlops.model_versions_id_seq)
};
my ($next_model, $next_metric, $next_version) = split / /, $node->safe_psql('src', $next);

my $dump = $node->basedir . '/ids.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-d', $node->connstr('src'), '-f', $dump ], 'pg_dump -Fc succeeds');
my $sql = $node->basedir . '/ids.sql';
$node->command_ok([ 'pg_dump', '-d', $node->connstr('src'), '-f', $sql ], 'plain pg_dump succeeds');
my $inserts = $node->basedir . '/ids-inserts.sql';
$node->command_ok([ 'pg_dump', '--column-inserts', '-d', $node->connstr('src'), '-f', $inserts ],
	'pg_dump --column-inserts succeeds');
like(slurp_file($inserts), qr/INSERT INTO mlops\.models \(id, [^)]*\) OVERRIDING SYSTEM VALUE VALUES \(1, 'a'/,
	'the INSERT statements of a dump give the ids with OVERRIDING SYSTEM VALUE');

my %restore = (
	custom => [ 'pg_restore', '--exit-on-error', '-d', undef, $dump ],
	plain => [ 'psql', '-X', '-v', 'ON_ERROR_STOP=1', '-q', '-d', undef, '-f', $sql ],
	inserts => [ 'psql', '-X', '-v', 'ON_ERROR_STOP=1', '-q', '-d', undef, '-f', $inserts ]);
for my $kind (sort keys %restore)
{
	my $db = "dst_$kind";
	my @cmd = map { defined $_ ? $_ : $node->connstr($db) } @{ $restore{$kind} };
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->command_ok(\@cmd, "$kind: the dump restores");
	is($node->safe_psql($db, $state), $before, "$kind: every row with its id and every sequence position restored");

	# the next ids are the source's next ids, and nothing collides
	my ($rc, $out, $err) = $node->psql($db, q{SET ROLE ids_writer; SELECT mlops.register_model('after')});
	is($err, '', "$kind: register_model after the restore succeeds");
	is($out, $next_model, "$kind: it gets the id the source would have handed out next");
	($rc, $out, $err) = $node->psql($db, q{SET ROLE ids_writer;
		SELECT mlops.log_metric(mlops.get_run('ids', 'open'), 'loss', 0.3, 1);
		SELECT max(id) FROM mlops.metrics});
	is($err, '', "$kind: log_metric after the restore succeeds");
	is($out, "\n$next_metric", "$kind: the point gets the next metric id");
	($rc, $out, $err) = $node->psql($db, q{SET ROLE ids_writer;
		SELECT mlops.create_model_version('a', mlops.get_run('ids', 'first'), 's3://ids/a/3');
		SELECT mlops._version_id('a', 3)});
	is($err, '', "$kind: create_model_version after the restore succeeds");
	is($out, "3\n$next_version", "$kind: version 3 gets the next version id");
	($rc, $out, $err) = $node->psql($db, q{SET ROLE ids_writer; INSERT INTO mlops.models (id, name) VALUES (99, 'x')});
	like($err, qr/cannot insert a non-DEFAULT value into column "id"/, "$kind: an explicit id is still refused");
	is($node->safe_psql($db, q{SELECT coalesce(mlops.verify_audit_chain()::text, 'intact')}), 'intact',
		"$kind: the audit chain continues intact");
}
$node->stop;

done_testing();
