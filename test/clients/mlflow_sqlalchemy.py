#!/usr/bin/python3
"""An MLflow user's day through SQLAlchemy (Debian's python3-sqlalchemy, 1.4,
2.0-style API): the mlops functions through text() with bound parameters,
and the tables through reflected Core tables and an automapped ORM class,
as an application with an ORM would use them. A training loop, MLflow's
search grammar with page tokens, deleting and restoring a run (through the
function and through the ORM), a model version with a signature and tags,
and a promotion approved by a second login.

PGHOST/PGPORT/PGDATABASE point at a database (mlops is created if missing)
where the connecting role is a superuser; the script makes its own login
roles. Prints TAP.
"""
import datetime
import json
import os
import sys

import psycopg2
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.automap import automap_base
from sqlalchemy.orm import Session

SUFFIX = f"{os.getpid()}_{int(datetime.datetime.now().timestamp())}"
EXP = f"sa-fraud-{SUFFIX}"
MODEL = f"sa-fraud-model-{SUFFIX}"
WRITER, APPROVER = "mlc_sa_writer", "mlc_sa_approver"
tests = []


def check(ok, name, diag=None):
    tests.append((bool(ok), name, [diag] if diag and not ok else []))


def engine_for(user=None):
    kw = {"user": user} if user else {}
    return sa.create_engine("postgresql+psycopg2://", creator=lambda: psycopg2.connect("", **kw), future=True)


def call(engine, sql, **params):
    with engine.begin() as conn:
        return conn.execute(sa.text(sql), params).fetchall()


def refused(engine, sql, sqlstate, **params):
    try:
        call(engine, sql, **params)
    except DBAPIError as e:
        code = getattr(e.orig, "pgcode", None)
        return code == sqlstate, f"{code}: {str(e.orig).strip()}"
    return False, "no error"


admin = engine_for()
with admin.begin() as conn:
    conn.execute(sa.text("SET client_min_messages = warning"))
    conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS mlops"))
    conn.execute(sa.text("SELECT mlops.create_roles()"))
    for role, group in ((WRITER, "mlops_writer"), (APPROVER, "mlops_approver")):
        if conn.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first() is None:
            conn.execute(sa.text(f'CREATE ROLE "{role}" LOGIN'))
        conn.execute(sa.text(f'GRANT {group} TO "{role}"'))
writer = engine_for(WRITER)
approver = engine_for(APPROVER)

# --- a training loop: start_run with a start time, log_metrics per epoch, end_run with an end time
t0 = datetime.datetime(2026, 11, 2, 8, 0, tzinfo=datetime.timezone.utc)
runs = {}
for i, depth in enumerate((3, 6, 9)):
    with writer.begin() as conn:
        run = conn.execute(sa.text("SELECT mlops.start_run(:e, :n, CAST(:p AS jsonb), CAST(:t AS jsonb), start_time => :s)"),
                           {"e": EXP, "n": f"depth-{depth}", "p": json.dumps({"max_depth": depth}),
                            "t": json.dumps({"model": "gbm"}), "s": t0 + datetime.timedelta(hours=i)}).scalar_one()
        for epoch in range(8):
            auc = 0.6 + depth * 0.01 + epoch * 0.02
            conn.execute(sa.text("SELECT mlops.log_metric(:r, 'auc', :v, :s)"), {"r": run, "v": auc, "s": epoch})
        conn.execute(sa.text("SELECT mlops.end_run(:r, 'FINISHED', :t)"),
                     {"r": run, "t": t0 + datetime.timedelta(hours=i, minutes=45)})
    runs[depth] = str(run)

# the tables through SQLAlchemy reflection: the new columns are there
meta = sa.MetaData()
runs_t = sa.Table("runs", meta, schema="mlops", autoload_with=writer)
exps_t = sa.Table("experiments", meta, schema="mlops", autoload_with=writer)
check({"lifecycle_stage", "deleted_time", "artifact_uri"} <= set(runs_t.c.keys()),
      "mlops.runs reflects with lifecycle_stage, deleted_time and artifact_uri", repr(runs_t.c.keys()))
with writer.connect() as conn:
    got = conn.execute(sa.select(runs_t.c.name, runs_t.c.status, runs_t.c.end_time - runs_t.c.start_time)
                       .join(exps_t, exps_t.c.id == runs_t.c.experiment_id)
                       .where(exps_t.c.name == EXP).order_by(runs_t.c.name)).fetchall()
check(len(got) == 3 and all(r[1] == "FINISHED" and r[2] == datetime.timedelta(minutes=45) for r in got),
      "three runs ended 45 minutes after their given start", repr(got))
ok, msg = refused(writer, "SELECT mlops.end_run(mlops.start_run(:e), 'FAILED', :t)", "22023",
                  e=EXP, t=t0 - datetime.timedelta(days=1))
check(ok, "an end before the start is refused (22023)", msg)

# --- search with MLflow's grammar, then page by page
found = [r[0] for r in call(writer, "SELECT name FROM mlops.search_runs(ARRAY[:e], :f, 'metrics.auc DESC', 10)",
                            e=EXP, f="metrics.auc >= 0.79 AND params.max_depth != '3' AND tags.model = 'gbm'")]
check(found == ["depth-9", "depth-6"], "search_runs: metrics, params and tags, best auc first", repr(found))
found = [r[0] for r in call(writer, "SELECT name FROM mlops.search_runs(ARRAY[:e], :f)",
                            e=EXP, f="attributes.run_name LIKE 'depth-%' AND metrics.auc < 0.79")]
check(found == ["depth-3"], "search_runs: LIKE on the run name", repr(found))
seen, token, pages = [], None, 0
while pages < 10:
    page = call(writer, "SELECT name, next_page_token FROM mlops.search_runs(ARRAY[:e], '', 'metrics.auc DESC', 1, :tok)",
                e=EXP, tok=token)
    pages += 1
    seen += [r[0] for r in page]
    token = page[-1][1] if page else None
    if token is None:
        break
check(seen == ["depth-9", "depth-6", "depth-3"] and pages == 3,
      f"paging one run at a time by auc visits each run once ({pages} pages)", repr(seen))

# --- delete and restore: the function, then the ORM (the same rules hold for plain UPDATEs)
call(writer, "SELECT mlops.delete_run(:r)", r=runs[3])
hidden = [r[0] for r in call(writer, "SELECT run_name FROM mlops.run_summary WHERE experiment = :e ORDER BY 1", e=EXP)]
check("depth-3" not in hidden and len(hidden) == 2, "run_summary hides the deleted run", repr(hidden))
Base = automap_base(metadata=sa.MetaData(schema="mlops"))
Base.prepare(autoload_with=writer, reflection_options={"only": ["runs", "experiments"]})
Run = Base.classes.runs
with Session(writer) as s:
    r = s.get(Run, runs[3])
    r.lifecycle_stage = "active"
    s.commit()
    s.refresh(r)
    check(r.lifecycle_stage == "active" and r.deleted_time is None, "the ORM restores the run (deleted_time cleared)")
    r = s.get(Run, runs[6])
    r.lifecycle_stage = "deleted"
    s.commit()
    s.refresh(r)
    check(r.deleted_time is not None, "the ORM deletes a run; the trigger stamps deleted_time")
with Session(approver) as s:
    r = s.get(Run, runs[6])
    r.lifecycle_stage = "active"
    try:
        s.commit()
        check(False, "another login cannot restore a run through the ORM")
    except DBAPIError as e:
        s.rollback()
        check(e.orig.pgcode == "42501", "another login cannot restore a run through the ORM (42501)", e.orig.pgcode)
call(writer, "SELECT mlops.restore_run(:r)", r=runs[6])

# --- a model version with a signature and tags
signature = {"inputs": '[{"type": "double", "name": "amount"}]', "outputs": '[{"type": "double"}]',
             "params": None}
call(writer, "SELECT mlops.register_model(:m)", m=MODEL)
version = call(writer, "SELECT mlops.create_model_version(:m, :r, :u, source => :s, signature => CAST(:sig AS jsonb), "
                       "tags => CAST(:tags AS jsonb))",
               m=MODEL, r=runs[9], u=f"s3://models/{MODEL}/1", s=f"runs:/{runs[9]}/model",
               sig=json.dumps(signature), tags=json.dumps({"framework": "xgboost"}))[0][0]
call(writer, "SELECT mlops.set_model_version_tag(:m, :v, 'reviewed', 'no')", m=MODEL, v=version)
call(writer, "SELECT mlops.delete_model_version_tag(:m, :v, 'reviewed')", m=MODEL, v=version)
mv = sa.Table("model_versions", sa.MetaData(), schema="mlops", autoload_with=writer)
with writer.connect() as conn:
    got = conn.execute(sa.select(mv.c.signature, mv.c.tags).where(mv.c.artifact_uri == f"s3://models/{MODEL}/1")).one()
check(got.signature == signature and got.tags == {"framework": "xgboost"},
      "the version keeps the signature as given and its tags", repr(got))
ok, msg = refused(writer, "UPDATE mlops.model_versions SET signature = NULL WHERE artifact_uri = :u", "42501",
                  u=f"s3://models/{MODEL}/1")
check(ok, "a version's signature cannot be changed afterwards (42501)", msg)

# --- approval by a second login
call(admin, "SELECT mlops.set_policy(:m, 'production', 1)", m=MODEL)
call(writer, "SELECT mlops.transition(:m, :v, 'staging')", m=MODEL, v=version)
req = call(writer, "SELECT mlops.request_transition(:m, :v, 'production')", m=MODEL, v=version)[0][0]
ok, msg = refused(writer, "SELECT mlops.transition(:m, :v, 'production')", "42501", m=MODEL, v=version)
check(ok, "promotion before the approval is refused (42501)", msg)
call(approver, "SELECT mlops.approve(:r)", r=req)
call(writer, "SELECT mlops.transition(:m, :v, 'production')", m=MODEL, v=version)
check(call(writer, "SELECT mlops.production_version(:m)", m=MODEL)[0][0] == version,
      "approved by the second login, the version is in production")

print(f"1..{len(tests)}")
for i, (ok, name, diag) in enumerate(tests, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {name}")
    for d in diag:
        print(f"# {d}")
print(f"# mlflow_sqlalchemy: {sum(1 for t in tests if t[0])} passed, {sum(1 for t in tests if not t[0])} failed")
sys.exit(0 if all(t[0] for t in tests) else 1)
