# "Every domain event goes through events/emit" (DESIGN.md): no C file outside
# src/events/ queues a NOTIFY or writes mlops.outbox, and no SQL fragment
# sends a NOTIFY (pg_notify or the NOTIFY command) on its own.
use strict;
use warnings;
use File::Basename qw(dirname);
use File::Find;
use PostgreSQL::Test::Utils;
use Test::More;

my $root = dirname(__FILE__) . '/../..';
my (@c, @sql);
find(sub { push @c, $File::Find::name if /\.[ch]$/ }, "$root/src");
find(sub { push @sql, $File::Find::name if /\.sql$/ }, "$root/sql/mlops", "$root/sql/upgrade");
cmp_ok(scalar(@c), '>', 10, 'the C sources are found');
cmp_ok(scalar(@sql), '>', 5, 'the SQL fragments are found');
ok((grep { m{/src/events/events\.c$} } @c), 'src/events/events.c exists');

my @bad;
for my $f (@c)
{
	next if $f =~ m{/src/events/};
	my $text = slurp_file($f);
	push @bad, "$f: Async_Notify" if $text =~ /\bAsync_Notify\s*\(/;
	push @bad, "$f: pg_notify" if $text =~ /\bpg_notify\b/i;
	push @bad, "$f: NOTIFY statement" if $text =~ /"[^"\n]*\bNOTIFY\s+[a-z_"]/;
	push @bad, "$f: writes mlops.outbox" if $text =~ /\b(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+mlops\.outbox\b/i;
}
is(join("\n", @bad), '', 'only src/events/ queues NOTIFY or writes the outbox');

@bad = ();
for my $f (@sql)
{
	my $text = slurp_file($f);
	$text =~ s/--[^\n]*//g;    # comments may mention NOTIFY
	$text =~ s/\bIS\s+'(?:[^']|'')*'//g;    # and so may COMMENT ON ... IS '...'
	push @bad, "$f: pg_notify" if $text =~ /\bpg_notify\b/i;
	push @bad, "$f: NOTIFY" if $text =~ /\bNOTIFY\s+\w/i;
}
is(join("\n", @bad), '', 'no SQL fragment sends a NOTIFY itself');

done_testing();
