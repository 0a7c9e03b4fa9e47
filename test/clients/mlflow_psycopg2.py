#!/usr/bin/python3
"""An MLflow user's day through psycopg2 (Debian's python3-psycopg2), calling
the mlops SQL functions the README's "Coming from MLflow" table maps MLflow's
client calls to: a training loop with start and end times, searches with
MLflow's filter grammar and page tokens, deleting and restoring a run, a model
version with a signature and tags, and a promotion approved by a second login.

PGHOST/PGPORT/PGDATABASE point at a database (mlops is created if missing)
where the connecting role is a superuser; the script makes its own login
roles. Prints TAP.
"""
import datetime
import os
import sys

import psycopg2
import psycopg2.extras

psycopg2.extras.register_uuid()
SUFFIX = f"{os.getpid()}_{int(datetime.datetime.now().timestamp())}"
EXP = f"pg2-churn-{SUFFIX}"
MODEL = f"pg2-churn-model-{SUFFIX}"
WRITER, APPROVER = "mlc_pg2_writer", "mlc_pg2_approver"
tests = []


def check(ok, name, diag=None):
    tests.append((bool(ok), name, [diag] if diag and not ok else []))


def connect(user=None):
    conn = psycopg2.connect("", **({"user": user} if user else {}))
    conn.autocommit = True
    return conn


def refused(conn, sql, args, sqlstate):
    """Run a statement that must fail with sqlstate; returns (ok, message)."""
    try:
        with conn.cursor() as cur:
            cur.execute(sql, args)
    except psycopg2.Error as e:
        return e.pgcode == sqlstate, f"{e.pgcode}: {e.pgerror.strip() if e.pgerror else e}"
    return False, "no error"


def one(conn, sql, args=()):
    with conn.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchone()


def rows(conn, sql, args=()):
    with conn.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall()


admin = connect()
with admin.cursor() as cur:
    cur.execute("SET client_min_messages = warning")
    cur.execute("CREATE EXTENSION IF NOT EXISTS mlops")
    cur.execute("SELECT mlops.create_roles()")
    for role, group in ((WRITER, "mlops_writer"), (APPROVER, "mlops_approver")):
        cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,))
        if cur.fetchone() is None:
            cur.execute(f'CREATE ROLE "{role}" LOGIN')
        cur.execute(f'GRANT {group} TO "{role}"')

writer = connect(WRITER)
approver = connect(APPROVER)

# --- mlflow.start_run / log_metric / log_params / end_run: a training loop
t0 = datetime.datetime(2026, 11, 1, 9, 0, tzinfo=datetime.timezone.utc)
runs = {}
for i, lr in enumerate(("0.1", "0.01", "0.001")):
    run = one(writer, "SELECT mlops.start_run(%s, %s, %s::jsonb, %s::jsonb, start_time => %s)",
              (EXP, f"lr-{lr}", psycopg2.extras.Json({"lr": lr, "epochs": 10}),
               psycopg2.extras.Json({"team": "churn"}), t0 + datetime.timedelta(hours=i)))[0]
    runs[lr] = run
    for epoch in range(10):
        acc = 0.5 + (0.04 if lr == "0.01" else 0.03) * epoch
        one(writer, "SELECT mlops.log_metrics(%s, %s::jsonb, %s)",
            (run, psycopg2.extras.Json({"acc": acc, "loss": 1 - acc}), epoch))
    one(writer, "SELECT mlops.end_run(%s, 'FINISHED', %s)", (run, t0 + datetime.timedelta(hours=i, minutes=30)))
got = rows(writer, "SELECT r.name, r.status, r.end_time - r.start_time FROM mlops.runs r "
                   "JOIN mlops.experiments e ON e.id = r.experiment_id WHERE e.name = %s ORDER BY r.name", (EXP,))
check(len(got) == 3 and all(s == "FINISHED" and d == datetime.timedelta(minutes=30) for _, s, d in got),
      "three runs logged 10 epochs each and ended 30 minutes after their given start", repr(got))
check(one(writer, "SELECT mlops.run_metric(%s, 'acc')", (runs["0.01"],))[0] == 0.5 + 0.04 * 9,
      "the latest acc of the best run is its last epoch's")
ok, msg = refused(writer, "SELECT mlops.end_run(mlops.start_run(%s, 'late'), 'FINISHED', %s)",
                  (EXP, t0 - datetime.timedelta(days=1)), "22023")
check(ok, "an end before the start is refused (22023)", msg)

# --- client.set_tag with mlflow.runName renames; MlflowClient.rename... (update_run)
one(writer, "SELECT mlops.set_tag(mlops.start_run(%s, 'scratch'), 'mlflow.runName', 'scratch-renamed')", (EXP,))
check(one(writer, "SELECT count(*) FROM mlops.runs r JOIN mlops.experiments e ON e.id = r.experiment_id "
                  "WHERE e.name = %s AND r.name = 'scratch-renamed'", (EXP,))[0] == 1,
      "the tag mlflow.runName renames the run")

# --- mlflow.search_runs with MLflow's filter grammar
found = rows(writer, "SELECT name FROM mlops.search_runs(ARRAY[%s], %s, 'metrics.acc DESC', 10)",
             (EXP, "metrics.acc > 0.7 AND params.lr IN ('0.01', '0.001') AND attributes.status = 'FINISHED'"))
check([r[0] for r in found] == ["lr-0.01", "lr-0.001"],
      "search_runs: metrics, params IN and attributes, ordered by the latest acc", repr(found))
found = rows(writer, "SELECT name FROM mlops.search_runs(ARRAY[%s], %s)", (EXP, "tags.team = 'churn' AND params.lr = '0.1'"))
check([r[0] for r in found] == ["lr-0.1"], "search_runs: tags and params", repr(found))

# --- paging with page tokens, as MlflowClient.search_runs(page_token=...)
seen, token, pages = [], None, 0
while True:
    page = rows(writer, "SELECT name, next_page_token FROM mlops.search_runs(ARRAY[%s], '', 'start_time ASC', 2, %s)",
                (EXP, token))
    pages += 1
    seen += [r[0] for r in page]
    token = page[-1][1] if page else None
    if token is None or pages > 10:
        break
all_runs = [r[0] for r in rows(writer, "SELECT name FROM mlops.search_runs(ARRAY[%s], '', 'start_time ASC', 1000)", (EXP,))]
check(len(all_runs) >= 4 and seen == all_runs and pages == (len(all_runs) + 1) // 2,
      f"paging 2 at a time returns every run once, in order ({len(seen)} runs, {pages} pages)", repr((seen, all_runs)))

# --- MlflowClient.delete_run / restore_run
one(writer, "SELECT mlops.delete_run(%s)", (runs["0.1"],))
active = [r[0] for r in rows(writer, "SELECT name FROM mlops.search_runs(ARRAY[%s], '', 'start_time ASC', 100)", (EXP,))]
deleted = [r[0] for r in rows(writer, "SELECT name FROM mlops.search_runs(ARRAY[%s], '', 'start_time ASC', 100, NULL, 'deleted')", (EXP,))]
check("lr-0.1" not in active and deleted == ["lr-0.1"], "a deleted run leaves the active view for the deleted one",
      repr((active, deleted)))
ok, msg = refused(writer, "SELECT mlops.set_tag(%s, 'x', 'y')", (runs["0.1"],), "55000")
check(ok, "a deleted run takes no tags (55000)", msg)
ok, msg = refused(approver, "SELECT mlops.restore_run(%s)", (runs["0.1"],), "42501")
check(ok, "another login cannot restore it (42501)", msg)
one(writer, "SELECT mlops.restore_run(%s)", (runs["0.1"],))
check(one(writer, "SELECT lifecycle_stage, deleted_time FROM mlops.runs WHERE id = %s", (runs["0.1"],)) == ("active", None),
      "restore_run brings it back")

# --- MlflowClient.create_registered_model / create_model_version(source, run_link, tags) with a signature
signature = {"inputs": '[{"type": "double", "name": "tenure"}, {"type": "string", "name": "plan"}]',
             "outputs": '[{"type": "long"}]'}
best = runs["0.01"]
one(writer, "SELECT mlops.register_model(%s, 'churn classifier')", (MODEL,))
one(writer, "SELECT mlops.set_model_tag(%s, 'domain', 'retention')", (MODEL,))
version = one(writer, "SELECT mlops.create_model_version(%s, %s, %s, 'best lr', %s, %s, %s::jsonb, %s::jsonb)",
              (MODEL, best, f"s3://models/{MODEL}/1", f"runs:/{best}/model", f"https://ci.example/{best}",
               psycopg2.extras.Json(signature), psycopg2.extras.Json({"validated": "pending"})))[0]
one(writer, "SELECT mlops.set_model_version_tag(%s, %s, 'validated', 'yes')", (MODEL, version))
got = one(writer, "SELECT v.signature, v.tags, v.source FROM mlops.model_versions v JOIN mlops.models m "
                  "ON m.id = v.model_id WHERE m.name = %s AND v.version = %s", (MODEL, version))
check(version == 1 and got[0] == signature and got[1] == {"validated": "yes"} and got[2] == f"runs:/{best}/model",
      "version 1 keeps the signature as MLflow records it, its source and its tags", repr(got))

# --- the approval flow: writer requests, a second login approves, writer promotes
with admin.cursor() as cur:
    cur.execute("SELECT mlops.set_policy(%s, 'production', 1)", (MODEL,))
one(writer, "SELECT mlops.transition(%s, %s, 'staging')", (MODEL, version))
ok, msg = refused(writer, "SELECT mlops.transition(%s, %s, 'production')", (MODEL, version), "42501")
check(ok, "promotion without an approval is refused (42501)", msg)
req = one(writer, "SELECT mlops.request_transition(%s, %s, 'production', 'auc is fine')", (MODEL, version))[0]
ok, msg = refused(writer, "SELECT mlops.approve(%s)", (req,), "42501")
check(ok, "the requesting writer, who is no approver, cannot approve (42501)", msg)
one(approver, "SELECT mlops.approve(%s, 'looks good')", (req,))
one(writer, "SELECT mlops.transition(%s, %s, 'production')", (MODEL, version))
check(one(writer, "SELECT mlops.production_version(%s)", (MODEL,))[0] == version,
      "after the second login's approval the version is in production")
check(one(writer, "SELECT mlops.verify_audit_chain() IS NULL")[0], "the audit chain verifies")

print(f"1..{len(tests)}")
for i, (ok, name, diag) in enumerate(tests, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {name}")
    for d in diag:
        print(f"# {d}")
print(f"# mlflow_psycopg2: {sum(1 for t in tests if t[0])} passed, {sum(1 for t in tests if not t[0])} failed")
sys.exit(0 if all(t[0] for t in tests) else 1)
