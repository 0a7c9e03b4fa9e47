#!/usr/bin/env bash
# The retraining job queue.
# (a) 8 pgbench clients drain 10,000 queued jobs (one per model): each
#     transaction pair is claim_job then complete_job, as a trainer does. The
#     anchor is the same two steps on a plain table of 10,000 rows (a bare
#     UPDATE ... WHERE id = (SELECT ... FOR UPDATE SKIP LOCKED), then an
#     UPDATE to done) by the same clients. Afterwards every job must be
#     succeeded, claimed once (attempts = 1) and completed once (one
#     job.completed event each). ratio = our tps / plain tps (target >= 0.3);
#     two alternating rounds, best of each (the machine is shared and noisy).
# (b) tick() with 100 enabled monitors, 100 schedule policies and 100 claimed
#     jobs, none of them due: pgbench's average latency of one client, as a
#     share of the 5 ms budget (ratio = ms / 5, target <= 1); a SELECT 1
#     round trip is measured beside it for scale.
. "$SRC_DIR/scripts/benchlib.sh"
JOBS=10000
CLIENTS=8
TICK_SECS=${JOBS_BENCH_TICK_SECS:-5}
tmp=$(mktemp -d)

psql -qX -v ON_ERROR_STOP=1 <<'SQL'
SET client_min_messages = warning;
INSERT INTO mlops.models (name) SELECT 'bench_job_' || g FROM generate_series(1, 10000) g;
CREATE TABLE public.bench_plain_jobs (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    model_id    bigint NOT NULL,
    status      text NOT NULL DEFAULT 'queued',
    claimed_by  text,
    claimed_at  timestamptz,
    lease_until timestamptz,
    attempts    integer NOT NULL DEFAULT 0,
    finished_at timestamptz,
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX ON public.bench_plain_jobs (created_at) WHERE status = 'queued';
SQL

# fill: 10,000 queued jobs in both queues, vacuumed
fill() {
    psql -qX -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
SET client_min_messages = warning;
DELETE FROM mlops.outbox WHERE entity LIKE 'job:%';
DELETE FROM mlops.jobs;
INSERT INTO mlops.jobs (model_id, reason, created_at)
SELECT id, '{"trigger": "manual", "by": "bench"}', clock_timestamp() FROM mlops.models WHERE name LIKE 'bench\_job\_%';
TRUNCATE public.bench_plain_jobs;
INSERT INTO public.bench_plain_jobs (model_id) SELECT id FROM mlops.models WHERE name LIKE 'bench\_job\_%';
VACUUM ANALYZE mlops.jobs;
VACUUM ANALYZE public.bench_plain_jobs;
SQL
}
cat >"$tmp/ours.sql" <<'EOF'
SELECT id AS job FROM mlops.claim_job('bench') \gset
SELECT mlops.complete_job(:job, 'succeeded');
EOF
cat >"$tmp/plain.sql" <<'EOF'
UPDATE public.bench_plain_jobs j SET status = 'claimed', claimed_by = 'bench', claimed_at = now(),
       lease_until = now() + interval '10 minutes', attempts = j.attempts + 1
 WHERE j.id = (SELECT q.id FROM public.bench_plain_jobs q WHERE q.status = 'queued'
                ORDER BY q.created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
RETURNING j.id AS job \gset
UPDATE public.bench_plain_jobs SET status = 'succeeded', finished_at = now() WHERE id = :job;
EOF
# tps FILE: transactions (claim + complete) per second of CLIENTS clients draining the queue
tps() {
    pgbench -n -M prepared -c $CLIENTS -j $CLIENTS -t $((JOBS / CLIENTS)) -f "$1" >"$tmp/out" 2>&1
    grep -q "actually processed: $JOBS/$JOBS" "$tmp/out" || { echo "pgbench failed:" >&2; cat "$tmp/out" >&2; }
    sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$tmp/out"
}
best_ours=0; best_plain=0
for round in 1 2; do
    fill; o=$(tps "$tmp/ours.sql")
    # every job claimed once, completed once, none lost
    check=$(psql -qXAt -c "SELECT string_agg(status || ' ' || n, ', ') FROM (SELECT status, count(*) n FROM mlops.jobs GROUP BY 1 ORDER BY 1) s" \
                 -c "SELECT count(*) FILTER (WHERE attempts <> 1) FROM mlops.jobs" \
                 -c "SELECT count(*) FROM (SELECT entity FROM mlops.outbox WHERE event = 'job.completed' GROUP BY 1 HAVING count(*) = 1) s" | paste -sd'|')
    echo "round $round: jobs by status: ${check%%|*}; claimed more than once: $(echo "$check" | cut -d'|' -f2); completed exactly once: ${check##*|}"
    [ "$check" = "succeeded $JOBS|0|$JOBS" ] || { echo "jobs: the queue lost or repeated jobs: $check" >&2; o=0; }
    p=$(tps "$tmp/plain.sql")
    pcheck=$(psql -qXAt -c "SELECT string_agg(status || ' ' || n, ', ') FROM (SELECT status, count(*) n FROM public.bench_plain_jobs GROUP BY 1) s")
    echo "round $round: claim_job + complete_job ${o} tps, plain SKIP LOCKED dequeue + update ${p} tps (plain: $pcheck)"
    best_plain=$(/usr/bin/python3 -c "print(max($best_plain, ${p:-0}))")
    best_ours=$(/usr/bin/python3 -c "print(max($best_ours, ${o:-0}))")
done

# (b) nothing due: 100 monitors evaluated an hour from now, 100 schedule
# policies due in a day, 100 claimed jobs with 10-minute leases
psql -qX -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
SET client_min_messages = warning;
DELETE FROM mlops.jobs;
CREATE TABLE public.bench_tick_source (ts timestamptz, score float8);
SELECT mlops.create_monitor('bench_tick_' || g, NULL, 'public.bench_tick_source', 'score', 'ts', schedule => '1 hour')
  FROM generate_series(1, 100) g;
SELECT mlops.tick();   -- the first check of each new monitor: nothing to compute, next one in an hour
SELECT mlops.create_retrain_policy('bench_job_' || g, 'schedule', every => '1 day') FROM generate_series(1, 100) g;
SELECT mlops.enqueue_retrain('bench_job_' || g) FROM generate_series(1, 100) g;
SELECT mlops.claim_job('bench') FROM generate_series(1, 100) g;
VACUUM ANALYZE mlops.monitors;
VACUUM ANALYZE mlops.jobs;
VACUUM ANALYZE mlops.retrain_policies;
SQL
echo 'SELECT mlops.tick();' >"$tmp/tick.sql"
echo 'SELECT 1;' >"$tmp/one.sql"
psql -qXAt -c "SELECT 'a tick with nothing due did: ' || mlops.tick()::text"
latency() { pgbench -n -M prepared -c 1 -T "$TICK_SECS" -f "$1" 2>&1 | sed -n 's/^latency average = \([0-9.]*\) ms.*/\1/p'; }
latency "$tmp/tick.sql" >/dev/null   # warm up
t=$(latency "$tmp/tick.sql"); one=$(latency "$tmp/one.sql")
echo "tick() with nothing due: $t ms per call; SELECT 1: $one ms ($(ratio "$t" "$one") x)"
psql -qXAt -c "SELECT 'after the timed ticks: ' || count(*) FILTER (WHERE status = 'claimed') || ' claimed jobs, ' || count(*) FILTER (WHERE status = 'queued') || ' queued' FROM mlops.jobs"

rm -rf "$tmp"
psql -qX -c "DROP TABLE public.bench_plain_jobs, public.bench_tick_source" >/dev/null
report "claim_job + complete_job, 8 pgbench clients, 10k jobs (tps)" "plain SKIP LOCKED dequeue + update, 10k rows" "$(ratio "$best_ours" "$best_plain")" ">= 0.3"
report "tick(), 100 monitors, nothing due (ms per call / 5 ms)" "the 5 ms budget" "$(ratio "$t" 5)" "<= 1"
