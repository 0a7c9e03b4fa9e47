# Replays the libFuzzer corpus (test/fuzz/corpus: seeds and every input that
# once broke a parser) through the server: binary inputs by binary COPY into
# qsketch_recv / histogram_recv, text inputs through qsketch_in /
# histogram_in. Each input is accepted or rejected with a data error; the
# server never crashes. Also feeds fresh random bytes the same way.
use strict;
use warnings;
use File::Basename qw(dirname);
use File::Spec;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $corpus = File::Spec->rel2abs(dirname(__FILE__) . '/../fuzz/corpus');
my $node = PostgreSQL::Test::Cluster->new('sketch_fuzz');
$node->init;
$node->start;
$node->safe_psql('postgres',
	'CREATE EXTENSION mlops; CREATE TABLE q (s mlops.qsketch); CREATE TABLE h (h mlops.histogram);');
my $copyfile = $node->basedir . '/payload.bin';

# A binary COPY file with one row holding one field with these bytes.
sub write_copy_file
{
	my ($bytes) = @_;
	open(my $fh, '>:raw', $copyfile) or die "cannot write $copyfile: $!";
	print $fh "PGCOPY\n\377\r\n\0", pack('N', 0), pack('N', 0);
	print $fh pack('n', 1), pack('N', length($bytes)), $bytes;
	print $fh pack('n', 0xffff);
	close($fh);
}

# Feed one input; returns 'accepted' or the SQLSTATE of the error.
sub feed
{
	my ($kind, $bytes) = @_;
	my ($sql, $table);
	if ($kind =~ /_bin$/)
	{
		write_copy_file($bytes);
		$table = $kind eq 'qs_bin' ? 'q' : 'h';
		$sql = "COPY $table FROM '$copyfile' (FORMAT binary)";
	}
	else
	{
		my $type = $kind eq 'qs_text' ? 'mlops.qsketch' : 'mlops.histogram';
		my $hex = unpack('H*', $bytes);
		$sql = "SELECT convert_from(decode('$hex', 'hex'), 'UTF8')::$type";
	}
	my ($ret, $out, $err) = $node->psql('postgres', "\\set VERBOSITY verbose\n$sql");
	return 'accepted' if $ret == 0;
	return $1 if $err =~ /ERROR:\s+([0-9A-Z]{5}):/;
	return "unexpected: $err";
}

my %allowed = map { $_ => 1 } qw(accepted 22P02 22P03 22021);
for my $kind (qw(hist_bin hist_text qs_bin qs_text))
{
	opendir(my $dh, "$corpus/$kind") or die "no corpus $corpus/$kind: $!";
	my @files = sort grep { -f "$corpus/$kind/$_" } readdir($dh);
	closedir($dh);
	ok(@files >= 2, "corpus $kind has inputs");
	my %seen;
	for my $f (@files)
	{
		my $bytes = slurp_file("$corpus/$kind/$f");
		my $outcome = feed($kind, $bytes);
		$seen{$outcome}++;
		ok($allowed{$outcome}, "$kind/$f: $outcome");
		is($node->safe_psql('postgres', 'SELECT 1'), '1', "server alive after $kind/$f")
		  if $f =~ /^crash-/;
	}
	# the seeds are valid values written by the server
	ok($seen{accepted}, "$kind: the seeds are accepted");
}

# fresh random bytes, with and without a valid version byte in front
srand(41);
my %random;
for my $i (1 .. 100)
{
	my $len = int(rand(300));
	my $bytes = ($i % 2 ? "\x01" : '') . join('', map { chr(int(rand(256))) } 1 .. $len);
	$random{feed($i % 4 < 2 ? 'qs_bin' : 'hist_bin', $bytes)}++;
}
ok(!grep({ !$allowed{$_} } keys %random), 'random bytes: accepted or a data error, ' .
	join(', ', map { "$_ x$random{$_}" } sort keys %random));
is($node->safe_psql('postgres', 'SELECT count(*) >= 0 FROM q, h'), 't', 'server alive after random bytes');
ok(!-s $node->logfile || slurp_file($node->logfile) !~ /terminated by signal/, 'no backend died');
$node->stop;
done_testing();
