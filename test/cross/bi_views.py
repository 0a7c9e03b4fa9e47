#!/usr/bin/python3
"""Reflect every view of schema mlops with SQLAlchemy, as a BI tool's driver would.

Each view must reflect, every column with a type SQLAlchemy knows that is not an
array or a composite (a BI tool shows neither), and every column commented. Also
checks that every SQL block of doc/audit.md is run by sql/bi_audit_guide.sql.
Prints TAP.
"""
import os
import re
import warnings

import psycopg2
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import NullType

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
BI_VIEWS = ["model_registry", "production_models", "pending_requests", "stage_history_readable",
            "audit_trail", "audit_actor_summary", "experiment_leaderboard", "metric_history"]
tests = []

engine = sa.create_engine("postgresql+psycopg2://", creator=lambda: psycopg2.connect(""), future=True)
with engine.connect() as conn:
    conn.execute(sa.text("SET client_min_messages = warning"))
    conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS mlops"))
    conn.commit()
insp = sa.inspect(engine)
views = sorted(insp.get_view_names(schema="mlops"))
missing = [v for v in BI_VIEWS if v not in views]
tests.append((not missing, f"the BI views are reflected ({len(views)} views in schema mlops)",
              [f"missing: {', '.join(missing)}"] if missing else []))

for view in views:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cols = insp.get_columns(view, schema="mlops")
    bad = []
    for c in cols:
        if isinstance(c["type"], ARRAY):
            bad.append(f"{c['name']}: array {c['type']!r}")
        elif isinstance(c["type"], NullType):
            bad.append(f"{c['name']}: type SQLAlchemy does not know (composite or unknown)")
        if not c.get("comment"):
            bad.append(f"{c['name']}: no comment")
    bad += [f"warning: {w.message}" for w in caught]
    types = ", ".join(sorted({type(c["type"]).__name__ for c in cols}))
    tests.append((not bad, f"mlops.{view}: {len(cols)} columns of types {types}", bad))

# A query a BI tool would send: the view's rows through SQLAlchemy Core.
with engine.connect() as conn:
    meta = sa.MetaData()
    try:
        t = sa.Table("production_models", meta, schema="mlops", autoload_with=conn)
        rows = conn.execute(sa.select(t.c.model, t.c.version, t.c.since).order_by(t.c.model)).fetchall()
        tests.append((True, f"SELECT through a reflected Table works ({len(rows)} rows)", []))
    except Exception as e:  # noqa: BLE001 - report any failure as a TAP failure
        tests.append((False, "SELECT through a reflected Table works", [repr(e)]))

# The audit guide's SQL is what its regression test runs.
doc = open(os.path.join(ROOT, "doc", "audit.md")).read()
guide = open(os.path.join(ROOT, "sql", "bi_audit_guide.sql")).read()
blocks = re.findall(r"```sql\n(.*?)```", doc, re.S)
unrun = [b.splitlines()[0] for b in blocks if b not in guide]
tests.append((blocks and not unrun, f"every SQL block of doc/audit.md ({len(blocks)}) is run by sql/bi_audit_guide.sql",
              [f"not run: {u}" for u in unrun]))

print(f"1..{len(tests)}")
for i, (ok, name, diag) in enumerate(tests, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {name}")
    for d in diag:
        print(f"# {d}")
