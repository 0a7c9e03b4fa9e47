#!/usr/bin/env bash
# mlops.model_registry over 10,000 versions (100 models x 100, each built by a
# run with metrics, requested, approved twice, promoted and archived by its
# successor) and 100,000 audit rows, against the same question written by
# hand as a join over the base tables: every row of both, compared for the
# same answer. ratio = view time / hand-written time (target <= 1.5).
# The history is loaded the way pg_restore loads it (rows verbatim with their
# ids, triggers off) into a database of its own, so the audit chain of the shared benchmark
# database stays intact for the other benchmarks.
. "$SRC_DIR/scripts/benchlib.sh"
DB=mlops_bench_bi_views
dropdb --if-exists "$DB" && createdb "$DB" || exit 1
trap "dropdb --if-exists $DB" EXIT
export PGDATABASE=$DB
psql -qX -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION mlops;
SELECT mlops.create_roles();
SET session_replication_role = replica;
-- version (m, v) has id (m - 1) * 100 + v; its run is one of 1,000; t(m, v) is
-- when it was created, each step of its life a minute later
CREATE TEMP TABLE vv AS
SELECT m, v, (m - 1) * 100 + v AS id,
       pg_catalog.md5('run' || ((m * 100 + v) % 1000 + 1))::uuid AS run_id,
       '2026-01-01 00:00+00'::timestamptz + ((m - 1) * 100 + v) * interval '4 minutes' AS t0
  FROM generate_series(1, 100) m, generate_series(1, 100) v;
INSERT INTO mlops.experiments (id, name, created_by) OVERRIDING SYSTEM VALUE VALUES (1, 'bench_bi', 'bench');
INSERT INTO mlops.runs (id, experiment_id, name, status, start_time, end_time, created_by)
SELECT pg_catalog.md5('run' || g)::uuid, 1, 'r' || g, 'FINISHED', '2025-12-01', '2025-12-02', 'bench'
  FROM generate_series(1, 1000) g;
INSERT INTO mlops.latest_metrics (run_id, key, step, ts, value)
SELECT pg_catalog.md5('run' || g)::uuid, k, 0, '2025-12-01', (g % 97) / 100.0
  FROM generate_series(1, 1000) g, unnest(ARRAY['auc', 'f1', 'logloss']) k;
INSERT INTO mlops.models (id, name, created_by, created_at, last_version) OVERRIDING SYSTEM VALUE
SELECT m, 'bench_bi_' || m, 'bench', '2026-01-01', 100 FROM generate_series(1, 100) m;
INSERT INTO mlops.policies (model_id, to_stage, min_approvals, approver_role, gates, updated_by, updated_at)
SELECT m, 'production', 2, 'mlops_approver',
       '[{"metric":"auc","op":">=","value":0.1}, {"metric":"f1","op":">=","value":0.1}]', 'bench', '2026-01-01'
  FROM generate_series(1, 100) m;
-- steps: created t0, staging t0+1, production t0+2, archived at its successor's production
INSERT INTO mlops.model_versions (id, model_id, version, run_id, artifact_uri, stage, stage_exclusive,
                                  created_by, created_at, stage_changed_at) OVERRIDING SYSTEM VALUE
SELECT id, m, v, run_id, 's3://bench/' || m || '/' || v,
       CASE WHEN v = 100 THEN 'production' ELSE 'archived' END, v = 100, 'bench', t0,
       CASE WHEN v = 100 THEN t0 + interval '2 minutes' ELSE t0 + interval '6 minutes' END
  FROM vv;
INSERT INTO mlops.stage_history (model_version_id, model_id, stage, valid_from, valid_to)
SELECT id, m, s.stage, t0 + s.f * interval '1 minute',
       CASE WHEN s.stage = 'archived' THEN NULL
            WHEN s.stage = 'production' AND v = 100 THEN NULL
            ELSE t0 + s.t * interval '1 minute' END
  FROM vv, (VALUES ('none', 0, 1), ('staging', 1, 2), ('production', 2, 6), ('archived', 6, NULL)) s(stage, f, t)
 WHERE s.stage <> 'archived' OR v < 100;
INSERT INTO mlops.transition_requests (id, model_version_id, from_stage, to_stage, status, requested_by,
                                       requested_session, requested_at, closed_by, closed_at) OVERRIDING SYSTEM VALUE
SELECT id, id, 'staging', 'production', 'consumed', 'bench_dana', 'bench_dana',
       t0 + interval '70 seconds', 'bench_dana', t0 + interval '2 minutes' FROM vv;
INSERT INTO mlops.approvals (request_id, decision, approver, approver_session, at)
SELECT id, 'approve', a, a, t0 + interval '80 seconds' + n * interval '1 second'
  FROM vv, unnest(ARRAY['bench_alice', 'bench_bob']) WITH ORDINALITY x(a, n);
INSERT INTO mlops.model_aliases (model_id, alias, model_version_id, valid_from, set_by)
SELECT m, 'champion', id, t0 + interval '3 minutes', 'bench_dana' FROM vv WHERE v = 100;
-- ten audit rows per version: its creation, two stage changes, the request,
-- two approvals, its archiving (the newest: one more alias row), three alias rows
INSERT INTO mlops.audit_log (at, actor, action, entity, detail, hash)
SELECT t0 + a.s * interval '1 second', a.actor, a.action,
       CASE WHEN a.action = 'alias.set' THEN 'model:bench_bi_' || m || '#a' || a.n
            ELSE 'model:bench_bi_' || m || '@' || v END,
       (a.detail || jsonb_build_object('model', 'bench_bi_' || m, 'version', v))
           || CASE WHEN a.action ~ '^transition' OR a.detail ? 'approvals'
                   THEN jsonb_build_object('request', id) ELSE '{}' END,
       pg_catalog.md5(id || '/' || a.n) || pg_catalog.md5(a.n || '/' || id)
  FROM vv,
       LATERAL (VALUES
         (1, 0.001, 'bench_dana', 'version.create', '{}'::jsonb),
         (2, 60.001, 'bench_dana', 'stage.change', '{"from": "none", "to": "staging"}'),
         (3, 70, 'bench_dana', 'transition.request', '{"from": "staging", "to": "production"}'),
         (4, 81, 'bench_alice', 'transition.approve', '{"to": "production"}'),
         (5, 82, 'bench_bob', 'transition.approve', '{"to": "production"}'),
         (6, 120.001, 'bench_dana', 'stage.change',
             '{"from": "staging", "to": "production", "approvals": 2, "gates": "auc=0.5 >= 0.1, f1=0.5 >= 0.1"}'),
         (7, 360.0005, 'bench_dana', 'stage.change', '{"from": "production", "to": "archived"}'),
         (8, 180, 'bench_dana', 'alias.set', '{"alias": "a8"}'),
         (9, 181, 'bench_dana', 'alias.set', '{"alias": "a9"}'),
         (10, 182, 'bench_dana', 'alias.set', '{"alias": "a10"}')) a(n, s, actor, action, detail)
 WHERE a.n <> 7 OR v < 100
UNION ALL
SELECT t0 + interval '183 seconds', 'bench_dana', 'alias.set', 'model:bench_bi_' || m || '#champion',
       jsonb_build_object('model', 'bench_bi_' || m, 'alias', 'champion', 'version', v),
       pg_catalog.md5(id || '/champion') || pg_catalog.md5('champion/' || id)
  FROM vv WHERE v = 100;
UPDATE mlops.audit_log a SET detail = a.detail || jsonb_build_object('replaced_by_version', (a.detail ->> 'version')::int + 1)
 WHERE a.action = 'stage.change' AND a.detail ->> 'to' = 'archived';
RESET session_replication_role;
VACUUM ANALYZE;
SQL
counts=$(psql -qXAt -c "SELECT (SELECT count(*) FROM mlops.model_versions) || ' versions, ' || (SELECT count(*) FROM mlops.audit_log) || ' audit rows'")
echo "$counts"

VIEW="SELECT * FROM mlops.model_registry"
HAND="SELECT m.name AS model, v.version, v.stage, al.aliases, v.description, v.created_by::text,
       v.created_at, v.stage_changed_at, sc.actor::text, r.id, r.name, r.status, e.name,
       'auc'::text, auc.value, 'f1'::text, f1.value, NULL::text, NULL::float8,
       (sc.detail ->> 'request')::bigint, ap.approved_by, ap.approved_at, v.artifact_uri
  FROM mlops.model_versions v
  JOIN mlops.models m ON m.id = v.model_id
  JOIN mlops.runs r ON r.id = v.run_id
  JOIN mlops.experiments e ON e.id = r.experiment_id
  LEFT JOIN mlops.latest_metrics auc ON auc.run_id = v.run_id AND auc.key = 'auc'
  LEFT JOIN mlops.latest_metrics f1 ON f1.run_id = v.run_id AND f1.key = 'f1'
  LEFT JOIN (SELECT a.model_version_id, string_agg(a.alias, ', ' ORDER BY a.alias) AS aliases
               FROM mlops.model_aliases a WHERE a.valid_to IS NULL GROUP BY 1) al ON al.model_version_id = v.id
  LEFT JOIN LATERAL (SELECT a.actor, a.detail FROM mlops.audit_log a
                      WHERE a.entity = 'model:' || m.name || '@' || v.version AND a.at >= v.stage_changed_at
                        AND ((a.action = 'stage.change' AND a.detail ->> 'to' = v.stage)
                             OR (a.action = 'version.create' AND v.stage = 'none'))
                      ORDER BY a.at, a.id LIMIT 1) sc ON true
  LEFT JOIN (SELECT d.request_id, string_agg(COALESCE(d.approver_session, d.approver)::text, ', ' ORDER BY d.at, d.id) AS approved_by,
                    max(d.at) AS approved_at
               FROM mlops.approvals d WHERE d.decision = 'approve' GROUP BY d.request_id) ap
    ON ap.request_id = (sc.detail ->> 'request')::bigint"
Q_VIEW="SELECT count(*), md5(string_agg(t::text, '|' ORDER BY t.model, t.version)) FROM ($VIEW) t"
Q_HAND="SELECT count(*), md5(string_agg(t::text, '|' ORDER BY t.model, t.version)) FROM ($HAND) t"

a=$(psql -qXAt -v ON_ERROR_STOP=1 -c "$Q_VIEW") || exit 1
b=$(psql -qXAt -v ON_ERROR_STOP=1 -c "$Q_HAND") || exit 1
echo "view: $a  hand-written: $b"
[ "$a" = "$b" ] || { echo "model_registry and the hand-written join disagree" >&2; exit 1; }
# the production versions show their approvers, every version its gate metrics
shown=$(psql -qXAt -c "SELECT count(*) FILTER (WHERE approved_by = 'bench_alice, bench_bob' AND stage = 'production') || ' '
                             || count(*) FILTER (WHERE metric_1_name = 'auc' AND metric_2_name = 'f1') FROM mlops.model_registry")
[ "$shown" = "100 10000" ] || { echo "expected 100 approved production versions and 10000 with metric columns, got $shown" >&2; exit 1; }

view=""; hand=""
for i in 1 2 3; do
    t=$(sql_time "$Q_VIEW" 1)
    view=$(/usr/bin/python3 -c "print(min(x for x in [$t, ${view:-1e9}]))")
    t=$(sql_time "$Q_HAND" 1)
    hand=$(/usr/bin/python3 -c "print(min(x for x in [$t, ${hand:-1e9}]))")
done
echo "model_registry over $counts: view ${view}s, hand-written join ${hand}s"
report "mlops.model_registry, 10k versions, 100k audit rows" \
    "hand-written join over the base tables, same rows" "$(ratio "$view" "$hand")" "<= 1.5"
