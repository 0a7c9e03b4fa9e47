# mlops.so exports only what the server looks up: the module magic, _PG_init
# and fmgr entry points (each with its pg_finfo_ record), all prefixed mlops_,
# so no helper can clash with another library's symbol under RTLD_GLOBAL.
use strict;
use warnings;
use PostgreSQL::Test::Utils;
use Test::More;

my ($libdir) = run_command([ 'pg_config', '--pkglibdir' ]);
chomp $libdir;
my $so = "$libdir/mlops.so";
ok(-f $so, "mlops.so is installed in $libdir");

my ($out, $err) = run_command([ 'nm', '-D', '--defined-only', $so ]);
my %exported;
for my $line (split /\n/, $out)
{
	my ($addr, $type, $name) = split ' ', $line;
	next unless defined $name;
	$exported{$name} = $type;
}
cmp_ok(scalar(keys %exported), '>', 50, 'nm lists the exported symbols');

my @bad;
for my $name (sort keys %exported)
{
	next if $name eq '_PG_init' || $name eq 'Pg_magic_func';
	# the postmaster finds the background workers' main functions by name
	next if $name eq 'mlops_worker_main' || $name eq 'mlops_launcher_main';
	if ($name =~ /^pg_finfo_(.*)$/)
	{
		push @bad, "$name (no entry point $1)" unless exists $exported{$1};
		push @bad, "$name (entry point not prefixed mlops_)" unless $1 =~ /^mlops_/;
		next;
	}
	push @bad, "$name (not an fmgr entry point)" unless exists $exported{"pg_finfo_$name"};
}
is(join(', ', @bad), '', 'every exported symbol is an mlops_ fmgr entry point, _PG_init, the module magic or a worker main');
ok(exists $exported{_PG_init}, '_PG_init is exported');
ok(exists $exported{mlops_worker_main}, 'the background worker main is exported');
ok(exists $exported{mlops_launcher_main}, 'the launcher main is exported');
ok(exists $exported{mlops_log_metric} && exists $exported{pg_finfo_mlops_log_metric},
	'an fmgr entry point and its info record are exported');

done_testing();
