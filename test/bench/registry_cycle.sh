#!/usr/bin/env bash
# Governed promotion throughput: 16 pgbench clients run request -> approve ->
# transition cycles (writer and approver roles, a '*' policy with a metric
# gate, archiving of the previous production version, audit chain, NOTIFY)
# over 200 models for 30 s. Anchor: the same cycle as plain SQL on plain
# tables without triggers (insert request, insert approval, archive the holder,
# promote, close the request), 16 clients, same run. Afterwards every
# invariant is checked; also 16 concurrent creators of versions of one model
# must get 1..n without gaps or duplicates.
. "$SRC_DIR/scripts/benchlib.sh"
DURATION=${REGISTRY_BENCH_SECONDS:-30}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

psql -qX -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
SET client_min_messages = warning;
SELECT mlops.create_roles();
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bench_writer') THEN
        CREATE ROLE bench_writer; CREATE ROLE bench_approver;
    END IF;
END $$;
GRANT mlops_writer TO bench_writer;
GRANT mlops_approver TO bench_approver;
INSERT INTO mlops.experiments (name) VALUES ('bench_registry');
INSERT INTO mlops.runs (id, experiment_id)
SELECT '00000000-0000-0000-0000-0000000be001', id FROM mlops.experiments WHERE name = 'bench_registry';
INSERT INTO mlops.latest_metrics (run_id, key, step, ts, value)
VALUES ('00000000-0000-0000-0000-0000000be001', 'auc', 0, now(), 0.9);
UPDATE mlops.runs SET status = 'FINISHED' WHERE id = '00000000-0000-0000-0000-0000000be001';
SELECT mlops.register_model('bench_' || g) FROM generate_series(1, 200) g;
SELECT mlops.create_model_version('bench_' || g, '00000000-0000-0000-0000-0000000be001', 's3://bench/' || g || '/' || v)
  FROM generate_series(1, 200) g, generate_series(1, 2) v ORDER BY g, v;
SELECT mlops.transition('bench_' || g, v, 'staging') FROM generate_series(1, 200) g, generate_series(1, 2) v;
SELECT mlops.transition('bench_' || g, 1, 'production') FROM generate_series(1, 200) g;
SELECT mlops.set_policy('*', 'production', 1, gates => '[{"metric":"auc","op":">=","value":0.5}]');
-- the anchor: equivalent plain tables, no triggers
CREATE TABLE bench_plain_versions (id bigserial PRIMARY KEY, model_id int, version int, stage text,
                                   UNIQUE (model_id, version));
CREATE UNIQUE INDEX ON bench_plain_versions (model_id) WHERE stage = 'production';
CREATE TABLE bench_plain_requests (id bigserial PRIMARY KEY, version_id bigint REFERENCES bench_plain_versions,
                                   to_stage text, status text, requested_by name);
CREATE TABLE bench_plain_approvals (id bigserial PRIMARY KEY, request_id bigint REFERENCES bench_plain_requests,
                                    approver name);
INSERT INTO bench_plain_versions (model_id, version, stage)
SELECT g, v, CASE v WHEN 1 THEN 'production' ELSE 'staging' END FROM generate_series(1, 200) g, generate_series(1, 2) v;
ANALYZE;
SQL

cat >"$WORK/governed.sql" <<'EOF2'
\set m :client_id + 1 + 16 * random(0, (199 - :client_id) / 16)
SET ROLE bench_writer;
SELECT v.version AS ver FROM mlops.model_versions v JOIN mlops.models m ON m.id = v.model_id WHERE m.name = 'bench_' || :m AND v.stage <> 'production' LIMIT 1 \gset
SELECT mlops.request_transition('bench_' || :m, :ver, 'production') AS req \gset
SET ROLE bench_approver;
SELECT mlops.approve(:req);
SET ROLE bench_writer;
SELECT mlops.transition('bench_' || :m, :ver, 'production');
RESET ROLE;
EOF2
cat >"$WORK/plain.sql" <<'EOF2'
\set m :client_id + 1 + 16 * random(0, (199 - :client_id) / 16)
SELECT id AS vid FROM bench_plain_versions WHERE model_id = :m AND stage <> 'production' LIMIT 1 \gset
INSERT INTO bench_plain_requests (version_id, to_stage, status, requested_by) VALUES (:vid, 'production', 'open', current_user) RETURNING id AS req \gset
INSERT INTO bench_plain_approvals (request_id, approver) VALUES (:req, current_user);
BEGIN;
UPDATE bench_plain_versions SET stage = 'archived' WHERE model_id = :m AND stage = 'production';
UPDATE bench_plain_versions SET stage = 'production' WHERE id = :vid;
UPDATE bench_plain_requests SET status = 'consumed' WHERE id = :req;
COMMIT;
EOF2

tps() { sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$1" | head -n 1; }
# three back-to-back rounds of DURATION/3 seconds each (the order alternates);
# the ratio is the median of the per-round ratios, so a drift of the
# machine's speed between rounds cancels out
ROUND_SECS=$(( (DURATION + 2) / 3 ))
ratios=(); gfail=0
for round in 1 2 3; do
    for kind in governed plain; do
        [ $round = 2 ] && kind=$([ $kind = governed ] && echo plain || echo governed)
        pgbench -n -c 16 -j 2 -T "$ROUND_SECS" -f "$WORK/$kind.sql" >"$WORK/$kind.out" 2>&1
    done
    g=$(tps "$WORK/governed.out"); p=$(tps "$WORK/plain.out")
    grep -E '^(number of (transactions|failed)|latency average|tps)' "$WORK/governed.out" | sed "s/^/round $round governed: /"
    grep -E '^(number of transactions|latency average|tps)' "$WORK/plain.out" | sed "s/^/round $round plain:    /"
    [ -z "$g" ] && { echo "governed run failed:"; tail -n 20 "$WORK/governed.out"; g=0; }
    f=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$WORK/governed.out")
    gfail=$((gfail + ${f:-0}))
    ratios+=("$(/usr/bin/python3 -c "print(${g:-0} / max(${p:-0}, 1e-9))")")
done

# One client, the same two cycles alternately in rounds of 100: the backend's
# on-CPU time per cycle (/proc/PID/schedstat). On a machine that 16 clients
# keep busy, plain ÷ governed CPU per cycle bounds the throughput ratio above.
cpu_ratio=$(/usr/bin/python3 - <<'PY'
import psycopg2, random, statistics
random.seed(7)
c = psycopg2.connect(""); c.autocommit = True
cur = c.cursor(); cur.execute("SELECT pg_backend_pid()"); pid = cur.fetchone()[0]
def cpu(): return int(open(f'/proc/{pid}/schedstat').read().split()[0]) / 1e6
def governed(m):
    cur.execute("SET ROLE bench_writer")
    cur.execute("SELECT v.version FROM mlops.model_versions v JOIN mlops.models mm ON mm.id = v.model_id"
                " WHERE mm.name = %s AND v.stage <> 'production' LIMIT 1", ('bench_%d' % m,))
    ver = cur.fetchone()[0]
    cur.execute("SELECT mlops.request_transition(%s, %s, 'production')", ('bench_%d' % m, ver)); req = cur.fetchone()[0]
    cur.execute("SET ROLE bench_approver"); cur.execute("SELECT mlops.approve(%s)", (req,))
    cur.execute("SET ROLE bench_writer"); cur.execute("SELECT mlops.transition(%s, %s, 'production')", ('bench_%d' % m, ver))
    cur.execute("RESET ROLE")
def plain(m):
    cur.execute("SELECT id FROM bench_plain_versions WHERE model_id = %s AND stage <> 'production' LIMIT 1", (m,)); vid = cur.fetchone()[0]
    cur.execute("INSERT INTO bench_plain_requests (version_id, to_stage, status, requested_by)"
                " VALUES (%s, 'production', 'open', current_user) RETURNING id", (vid,)); req = cur.fetchone()[0]
    cur.execute("INSERT INTO bench_plain_approvals (request_id, approver) VALUES (%s, current_user)", (req,))
    cur.execute("BEGIN")
    cur.execute("UPDATE bench_plain_versions SET stage = 'archived' WHERE model_id = %s AND stage = 'production'", (m,))
    cur.execute("UPDATE bench_plain_versions SET stage = 'production' WHERE id = %s", (vid,))
    cur.execute("UPDATE bench_plain_requests SET status = 'consumed' WHERE id = %s", (req,))
    cur.execute("COMMIT")
ratios = []
for r in range(5):
    t = {}
    for f in (governed, plain):
        c0 = cpu()
        for i in range(100): f(random.randint(1, 200))
        t[f.__name__] = (cpu() - c0) / 100
    ratios.append(t['plain'] / t['governed'])
    print("round %d: backend CPU per cycle, governed %.2f ms, plain %.3f ms" % (r + 1, t['governed'], t['plain']), file=__import__('sys').stderr)
print(statistics.median(ratios))
PY
)

# 16 concurrent creators on one model
psql -qX -c "SELECT mlops.register_model('bench_versions')" >/dev/null
cat >"$WORK/create.sql" <<'EOF2'
SELECT mlops.create_model_version('bench_versions', '00000000-0000-0000-0000-0000000be001', 's3://bench/v');
EOF2
pgbench -n -c 16 -j 2 -T 5 -f "$WORK/create.sql" >"$WORK/create.out" 2>&1

violations=$(psql -qXAt <<'SQL'
WITH bench AS (SELECT id, name FROM mlops.models WHERE name LIKE 'bench\_%' AND name <> 'bench_versions'),
checks AS (
  -- exactly one production version per model
  SELECT count(*) AS n FROM bench b
   WHERE (SELECT count(*) FROM mlops.model_versions v WHERE v.model_id = b.id AND v.stage = 'production') <> 1
  UNION ALL
  -- production_version() agrees with the table
  SELECT count(*) FROM bench b
   WHERE mlops.production_version(b.name) IS DISTINCT FROM
         (SELECT v.version FROM mlops.model_versions v WHERE v.model_id = b.id AND v.stage = 'production')
  UNION ALL
  -- one open history row per version, matching its stage
  SELECT count(*) FROM mlops.model_versions v
   WHERE (SELECT count(*) FROM mlops.stage_history h WHERE h.model_version_id = v.id AND h.valid_to IS NULL
            AND h.stage = v.stage) <> 1
  UNION ALL
  -- every promotion into production consumed a request with an approval by someone else
  SELECT count(*) FROM mlops.transition_requests r
   WHERE r.status = 'consumed' AND NOT EXISTS (SELECT 1 FROM mlops.approvals a
          WHERE a.request_id = r.id AND a.decision = 'approve' AND a.approver <> r.requested_by)
  UNION ALL
  -- no request is left open (each cycle consumed its own)
  SELECT count(*) FROM mlops.transition_requests r WHERE r.status = 'open'
  UNION ALL
  -- version numbers 1..n, no gap, no duplicate, counter in step
  SELECT count(*) FROM mlops.models m
   WHERE m.last_version <> (SELECT count(*) FROM mlops.model_versions v WHERE v.model_id = m.id)
      OR m.last_version <> coalesce((SELECT max(version) FROM mlops.model_versions v WHERE v.model_id = m.id), 0)
  UNION ALL
  -- the audit chain is intact
  SELECT CASE WHEN mlops.verify_audit_chain() IS NULL THEN 0 ELSE 1 END
)
SELECT sum(n) FROM checks;
SQL
)
created=$(psql -qXAt -c "SELECT last_version FROM mlops.models WHERE name = 'bench_versions'")
# a run that produced no numbers counts as a violation, never as a pass
case "$violations" in ''|*[!0-9]*) echo "invariant check failed: '$violations'"; violations=1000000 ;; esac
[ -z "$p" ] && { echo "plain run failed:"; tail -n 20 "$WORK/plain.out"; ratios=(0); }
echo "governed ÷ plain cycles/s by round: ${ratios[*]} (failed governed transactions: ${gfail:-0})"
echo "concurrent creators: $created versions of one model, numbered without gap"
echo "invariant violations after the run: $violations"
report "governed request->approve->transition cycles/s, 16 clients, 200 models" \
    "same cycle on plain tables without triggers" \
    "$(median "${ratios[@]}")" ">= 0.35"
report "context: one client, backend CPU per cycle, plain ÷ governed" "governed cycle's CPU" "${cpu_ratio:-0}" ">= 0.35"
report "invariant violations after the governed run (+ failed cycles)" "zero expected" \
    "$(( violations + ${gfail:-0} ))" "<= 0"
