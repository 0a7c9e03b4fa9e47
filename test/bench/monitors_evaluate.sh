#!/usr/bin/env bash
# Monitor evaluation against the scan it rides on, on one prediction table
# (10 reference hours, then 720 hours of 10000 float8 rows each, 7.3M rows,
# indexed on the time column), serial plans throughout:
#   (a) evaluate_monitor of a psi monitor over 720 new hourly windows (7.2M
#       rows) against its stored time-range reference, versus SELECT sum(x)
#       over the same rows;
#   (b) evaluate_monitor of a ks monitor over one new 100-hour window (1M
#       rows) against its stored time-range reference (100k rows), versus
#       mlops.ks_test by hand over the same reference and window rows.
# Each round first resets the monitor (its results and computed_until, as
# the superuser) so that the windows are new again; the reference stays
# stored, as it is after a monitor's first evaluation.
. "$SRC_DIR/scripts/benchlib.sh"
psql -qX -v ON_ERROR_STOP=1 <<'SQL'
DROP TABLE IF EXISTS monitor_bench;
SELECT setseed(0.42);
CREATE TABLE monitor_bench (ts timestamptz NOT NULL, x float8);
INSERT INTO monitor_bench
SELECT date_bin('1 hour', now(), '1970-01-01') - interval '730 hours' + i * interval '0.36 seconds',
       sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) + CASE WHEN i >= 100000 THEN 0.05 ELSE 0 END
  FROM generate_series(0, 7300000 - 1) i;
CREATE INDEX monitor_bench_ts ON monitor_bench (ts);
VACUUM ANALYZE monitor_bench;
SELECT date_bin('1 hour', now(), '1970-01-01') - interval '730 hours' AS r0,
       date_bin('1 hour', now(), '1970-01-01') - interval '720 hours' AS r1 \gset
SELECT mlops.create_monitor('bench_psi', NULL, 'monitor_bench', 'x', 'ts', 'psi', 0.2, '1 hour',
       jsonb_build_object('from', :'r0'::timestamptz, 'to', :'r1'::timestamptz), start_at => :'r1') > 0;
SELECT mlops.create_monitor('bench_ks', NULL, 'monitor_bench', 'x', 'ts', 'ks', 0.1, '100 hours',
       jsonb_build_object('from', :'r0'::timestamptz, 'to', :'r1'::timestamptz),
       start_at => date_bin('100 hours', now(), '1970-01-01') - interval '100 hours') > 0;
-- the first evaluations store the references
SELECT count(*) FROM mlops.evaluate_monitor('bench_psi');
SELECT count(*) FROM mlops.evaluate_monitor('bench_ks');
SQL
export PGOPTIONS="-c max_parallel_workers_per_gather=0"
W=$(psql -qXAt -c "SELECT format('%L::timestamptz AND ts < %L::timestamptz', date_bin('1 hour', now(), '1970-01-01') - interval '720 hours', date_bin('1 hour', now(), '1970-01-01'))")
KW=$(psql -qXAt -c "SELECT format('%L::timestamptz AND ts < %L::timestamptz', date_bin('100 hours', now(), '1970-01-01') - interval '100 hours', date_bin('100 hours', now(), '1970-01-01'))")
R=$(psql -qXAt -c "SELECT format('%L::timestamptz AND ts < %L::timestamptz', date_bin('1 hour', now(), '1970-01-01') - interval '730 hours', date_bin('1 hour', now(), '1970-01-01') - interval '720 hours')")
Q_FLOOR="SELECT sum(x) FROM monitor_bench WHERE ts >= $W"
Q_KS="SELECT mlops.ks_test(x, is_ref) FROM (SELECT x, true AS is_ref FROM monitor_bench WHERE ts >= $R
      UNION ALL SELECT x, false FROM monitor_bench WHERE ts >= $KW) u"
# eval_time NAME: seconds of evaluate_monitor(NAME) after resetting its windows
eval_time() {
    psql -qXAt -v ON_ERROR_STOP=1 \
        -c "DELETE FROM mlops.drift_results WHERE monitor_id = (SELECT id FROM mlops.monitors WHERE name = '$1')" \
        -c "UPDATE mlops.monitors SET computed_until = NULL WHERE name = '$1'" \
        -c '\timing on' -c "SELECT count(*) FROM mlops.evaluate_monitor('$1')" 2>&1 \
        | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -n 1 | /usr/bin/python3 -c "import sys; print(float(sys.stdin.read()) / 1000.0)"
}
min2() { [ -z "$1" ] && { echo "$2"; return; }; /usr/bin/python3 -c "print(min($1, $2))"; }
floor=; psi=; ks=; ksh=
for round in 1 2 3; do
    floor=$(min2 "$floor" "$(sql_time "$Q_FLOOR" 1)")
    psi=$(min2 "$psi" "$(eval_time bench_psi)")
    ksh=$(min2 "$ksh" "$(sql_time "$Q_KS" 1)")
    ks=$(min2 "$ks" "$(eval_time bench_ks)")
done
windows=$(psql -qXAt -c "SELECT count(*) || ' psi windows, ks window n_cur ' || (SELECT max(n_cur) FROM mlops.drift_results r JOIN mlops.monitors m ON m.id = r.monitor_id WHERE m.name = 'bench_ks') FROM mlops.drift_results r JOIN mlops.monitors m ON m.id = r.monitor_id WHERE m.name = 'bench_psi'")
unset PGOPTIONS
echo "sum(x) ${floor}s, evaluate psi ${psi}s, ks_test by hand ${ksh}s, evaluate ks ${ks}s ($windows); load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
report "evaluate_monitor psi, 720 windows, 7.2M rows, stored range reference" "sum(x) same rows" "$(ratio "$psi" "$floor")" "<= 1.5"
report "evaluate_monitor ks, one 1M-row window, stored range reference" "ks_test by hand, reference + window" "$(ratio "$ks" "$ksh")" "<= 1.3"
psql -qX -c "SELECT mlops.drop_monitor('bench_psi'), mlops.drop_monitor('bench_ks')" -c "DROP TABLE monitor_bench" >/dev/null
