#!/usr/bin/python3
"""Validate mlops.openlineage_events() against a JSON Schema of OpenLineage 2-0-2.

The schema below is written for this test: the subset of the spec's RunEvent
that is required (eventTime, producer, schemaURL, run.runId, job.namespace,
job.name), its types and formats, the eventType values, and the facets mlops
writes (every facet with _producer and _schemaURL; parent, version, schema).
Runs of every status, a parent, dataset versions with and without a schema,
model versions registered during and after a run (names with a random
suffix: the rows stay in the test database). Prints TAP.
"""
import json
import re
import uuid

import jsonschema
import psycopg2

UUID = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
URI = "^[A-Za-z][A-Za-z0-9+.-]*:[^\\s]+$"
TIME = "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$"
FACET = {"type": "object", "required": ["_producer", "_schemaURL"],
         "properties": {"_producer": {"type": "string", "pattern": URI},
                        "_schemaURL": {"type": "string", "pattern": URI}}}
DATASET = {
    "type": "object", "required": ["namespace", "name"],
    "properties": {
        "namespace": {"type": "string", "minLength": 1},
        "name": {"type": "string", "minLength": 1},
        "facets": {"type": "object", "additionalProperties": FACET, "properties": {
            "version": {"allOf": [FACET, {"required": ["datasetVersion"],
                                          "properties": {"datasetVersion": {"type": "string"}}}]},
            "schema": {"allOf": [FACET, {"properties": {"fields": {"type": "array", "items": {
                "type": "object", "required": ["name"],
                "properties": {"name": {"type": "string"}, "type": {"type": "string"}}}}}}]}}}}}
RUN_EVENT = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["eventTime", "producer", "schemaURL", "run", "job"],
    "properties": {
        "eventType": {"enum": ["START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER"]},
        "eventTime": {"type": "string", "pattern": TIME},
        "producer": {"type": "string", "pattern": URI},
        "schemaURL": {"const": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"},
        "run": {"type": "object", "required": ["runId"], "properties": {
            "runId": {"type": "string", "pattern": UUID},
            "facets": {"type": "object", "additionalProperties": FACET, "properties": {
                "parent": {"allOf": [FACET, {"required": ["run", "job"], "properties": {
                    "run": {"type": "object", "required": ["runId"],
                            "properties": {"runId": {"type": "string", "pattern": UUID}}},
                    "job": {"type": "object", "required": ["namespace", "name"],
                            "properties": {"namespace": {"type": "string"}, "name": {"type": "string"}}}}}]}}}}},
        "job": {"type": "object", "required": ["namespace", "name"], "properties": {
            "namespace": {"type": "string", "minLength": 1},
            "name": {"type": "string", "minLength": 1},
            "facets": {"type": "object", "additionalProperties": FACET}}},
        "inputs": {"type": "array", "items": DATASET},
        "outputs": {"type": "array", "items": DATASET},
    },
}
jsonschema.Draft202012Validator.check_schema(RUN_EVENT)
validator = jsonschema.Draft202012Validator(RUN_EVENT)
tests = []

conn = psycopg2.connect("")
conn.autocommit = True     # each call its own transaction: times move on
cur = conn.cursor()
sfx = uuid.uuid4().hex[:8]  # names of this run of the test
cur.execute("SET client_min_messages = warning")
cur.execute("CREATE EXTENSION IF NOT EXISTS mlops")
ds, model, exp = f"ol_cross_iris_{sfx}", f"ol_cross_model_{sfx}", f"ol_cross_{sfx}"
cur.execute("""SELECT mlops.register_dataset_version(%s, 's3://ol/iris/1',
               schema => '[{"name": "sepal_length", "type": "float8"}, {"name": "species", "type": "text"}]')""", (ds,))
cur.execute("SELECT mlops.register_dataset_version(%s, 's3://ol/iris/2')", (ds,))
cur.execute("SELECT mlops.register_model(%s)", (model,))
runs = {}
for name, parent, status in [("parent", None, None), ("ok", "parent", "FINISHED"),
                             ("failed", "parent", "FAILED"), ("killed", None, "KILLED"), ("open", None, None)]:
    cur.execute("SELECT mlops.start_run(%s, %s, parent_run => %s)", (exp, name, runs.get(parent)))
    runs[name] = cur.fetchone()[0]
cur.execute("SELECT mlops.log_input(%s, %s, 1)", (runs["ok"], ds))
cur.execute("SELECT mlops.log_input(%s, %s, 2, 'validation')", (runs["ok"], ds))
cur.execute("SELECT mlops.create_model_version(%s, %s, 's3://ol/m/1')", (model, runs["ok"]))
cur.execute("SELECT mlops.create_model_version(%s, %s, 's3://ol/m/2')", (model, runs["open"]))
for name in ("ok", "failed", "killed"):
    cur.execute("SELECT mlops.end_run(%s, (SELECT CASE %s WHEN 'ok' THEN 'FINISHED' WHEN 'failed' THEN 'FAILED' ELSE 'KILLED' END))",
                (runs[name], name))
cur.execute("SELECT mlops.create_model_version(%s, %s, 's3://ol/m/3')", (model, runs["ok"]))
cur.execute("SELECT e FROM mlops.openlineage_events() e")
events = [r[0] for r in cur.fetchall()]
ours = [e for e in events if e["run"]["runId"] in runs.values()]

bad = [(e["run"]["runId"], e.get("eventType"), err.message) for e in events for err in validator.iter_errors(e)]
tests.append((events and not bad, f"all {len(events)} events are valid 2-0-2 RunEvents",
              [f"{r} {t}: {m}" for r, t, m in bad[:10]]))
kinds = sorted((next(k for k, v in runs.items() if v == e["run"]["runId"]), e["eventType"]) for e in ours)
want = sorted([("parent", "START"), ("ok", "START"), ("ok", "COMPLETE"), ("ok", "OTHER"), ("failed", "START"),
               ("failed", "FAIL"), ("killed", "START"), ("killed", "ABORT"), ("open", "START"), ("open", "OTHER")])
tests.append((kinds == want, "START, then COMPLETE/FAIL/ABORT per status, OTHER for later model versions",
              [f"got {kinds}"]))
times = [e["eventTime"] for e in events]
tests.append((times == sorted(times), "events come in eventTime order", []))
ok_done = next(e for e in ours if e["run"]["runId"] == runs["ok"] and e["eventType"] == "COMPLETE")
tests.append((ok_done["run"]["facets"]["parent"]["run"]["runId"] == runs["parent"],
              "a child run's events carry the parent facet", []))
ins = sorted((i["name"], i["facets"]["version"]["datasetVersion"], "schema" in i["facets"]) for i in ok_done["inputs"])
tests.append((ins == [(ds, "1", True), (ds, "2", False)],
              "inputs are the dataset versions, a schema facet where the version has a schema", [f"got {ins}"]))
outs = [o["facets"]["version"]["datasetVersion"] for o in ok_done["outputs"]]
tests.append((outs == ["1"], "COMPLETE lists the model versions created up to the run's end", [f"got {outs}"]))
cur.execute("SELECT max(e->>'eventTime') FROM mlops.openlineage_events() e")
last = cur.fetchone()[0]
cur.execute("SELECT count(*), min(e->>'eventTime') FROM mlops.openlineage_events(%s) e", (last,))
n, first = cur.fetchone()
tests.append((n >= 1 and first == last, "since keeps the events at or after it", [f"{n} events from {first}"]))
# the schema can fail: a copy without runId or with a zone-less time is refused
broken = json.loads(json.dumps(ok_done))
del broken["run"]["runId"]
broken2 = json.loads(json.dumps(ok_done))
broken2["eventTime"] = re.sub("Z$", "", broken2["eventTime"])
tests.append((not validator.is_valid(broken) and not validator.is_valid(broken2),
              "the schema refuses an event without run.runId or with a time without zone", []))

print(f"1..{len(tests)}")
for i, (ok, name, diag) in enumerate(tests, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {name}")
    for d in diag if not ok else []:
        print(f"# {d}")
