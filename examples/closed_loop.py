#!/usr/bin/python3
"""mlops demo, the closed loop: the background worker does the work.

Nothing here calls mlops.tick() or evaluate_monitor(): the worker
"mlops scheduler" (shared_preload_libraries = 'mlops', mlops.database =
this database) evaluates the monitor on its schedule and delivers the
webhooks. The script

  1. starts examples/receiver.py on 127.0.0.1 and points a webhook with a
     secret at it (it verifies X-Mlops-Signature and prints each event);
  2. creates a model, a prediction table, a monitor (PSI of 2-second windows
     against a reference period, due every second) and a drift policy;
  3. writes normal predictions and waits for the worker to judge them;
  4. injects drift; the worker finds the breach and queues a retraining job,
     and the job.queued webhook reaches the receiver;
  5. runs examples/trainer.py, which claims the job, trains, logs a run,
     registers a new version and completes the job;
  6. promotes the version: alice (a writer) requests production, bob (an
     approver, another login) approves, alice moves it; the stage.changed
     webhook reaches the receiver;
  7. stops the receiver.

Each step must happen within TIMEOUT seconds, or the script exits non-zero.
Connection: PGHOST / PGPORT / PGDATABASE / PGUSER (a superuser) from the environment.
"""
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time

import psycopg2

TIMEOUT = 20.0
HERE = os.path.dirname(os.path.abspath(__file__))
MODEL, MONITOR, TABLE = "fraud-live", "fraud-live-score", "fraud_predictions"


def say(text):
    print("\n== " + text, flush=True)


def fail(text):
    print("closed loop: FAILED: " + text, file=sys.stderr, flush=True)
    sys.exit(1)


def connect(user=None):
    conn = psycopg2.connect("", user=user) if user else psycopg2.connect("")
    conn.autocommit = True
    return conn


def one(cur, sql, args=None):
    cur.execute(sql, args)
    row = cur.fetchone()
    return row[0] if row is not None and len(row) == 1 else row


def wait(what, check, timeout=TIMEOUT):
    """Poll check() until it returns something true; that value, or fail after timeout."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        value = check()
        if value:
            print("  ... %s after %.1f s" % (what, time.monotonic() - t0), flush=True)
            return value
        time.sleep(0.1)
    fail("%s: not within %g s" % (what, timeout))


class Receiver:
    """examples/receiver.py in the background, and the events it verified."""

    def __init__(self, secret):
        self.dir = tempfile.mkdtemp(prefix="mlops-demo-receiver.")
        self.log = os.path.join(self.dir, "events.jsonl")
        portfile = os.path.join(self.dir, "port")
        self.proc = subprocess.Popen([sys.executable, os.path.join(HERE, "receiver.py"), portfile, self.log],
                                     env=dict(os.environ, MLOPS_WEBHOOK_SECRET=secret))
        t0 = time.monotonic()
        while not os.path.exists(portfile):
            if self.proc.poll() is not None or time.monotonic() - t0 > TIMEOUT:
                fail("the receiver did not start")
            time.sleep(0.05)
        self.url = "http://127.0.0.1:%s/mlops" % open(portfile).read()

    def events(self, event, **match):
        if not os.path.exists(self.log):
            return []
        rows = [json.loads(line) for line in open(self.log) if line.strip()]
        return [r for r in rows if r["event"] == event and r["signature_ok"]
                and all(str((r["payload"] or {}).get(k)) == str(v) for k, v in match.items())]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)
        for name in os.listdir(self.dir):
            os.unlink(os.path.join(self.dir, name))
        os.rmdir(self.dir)


def main():
    admin = connect()
    cur = admin.cursor()

    say("the background worker is running in this database")
    wait("worker found", lambda: one(cur, """SELECT pid IS NOT NULL AND state IN ('idle', 'running')
                                               FROM mlops.worker_status"""))
    cur.execute("SELECT pid, state, ticks, current_setting('mlops.naptime') FROM mlops.worker_status")
    print("  mlops scheduler: pid %s, %s, %s ticks so far, naptime %s" % cur.fetchone(), flush=True)

    say("1. a local receiver, and a signed webhook pointing at it")
    secret = secrets.token_hex(16)
    receiver = Receiver(secret)
    try:
        print("  receiver at %s (verifies X-Mlops-Signature with the webhook's secret)" % receiver.url, flush=True)
        cur.execute("SELECT mlops.create_webhook('demo-receiver', %s, %s, "
                    "'{job.*, drift.breached, stage.changed, transition.*}')", (receiver.url, secret))
        loop(cur, receiver)
    finally:
        receiver.stop()
        print("  receiver stopped", flush=True)
    admin.close()


def loop(cur, receiver):
    say("2. a model, its prediction table, a monitor due every second and a drift policy")
    cur.execute("""
        SELECT setseed(0.25);
        CREATE TABLE %(t)s (ts timestamptz NOT NULL, score float8);
        CREATE INDEX ON %(t)s (ts);
        -- the reference: ten minutes of scores ~ N(0, 1), ending a minute ago
        INSERT INTO %(t)s
        SELECT now() - interval '11 minutes' + g * interval '100 ms',
               sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())
          FROM generate_series(0, 5999) g;
    """ % {"t": TABLE})
    cur.execute("SELECT mlops.register_model(%s, 'scores card payments; retrained when its inputs drift')", (MODEL,))
    cur.execute("""SELECT mlops.create_monitor(%s, %s, %s, 'score', 'ts', method => 'psi', threshold => 0.2,
                                               window_size => '2 seconds', schedule => '1 second', start_at => now(),
                                               reference => jsonb_build_object('from', now() - interval '11 minutes',
                                                                               'to', now() - interval '1 minute'))""",
                (MONITOR, MODEL, TABLE))
    cur.execute("SELECT mlops.create_retrain_policy(%s, 'drift', monitor => %s, cooldown => '1 hour')", (MODEL, MONITOR))
    print("  monitor %s: PSI of each 2-second window of %s.score against the reference (threshold 0.2)"
          % (MONITOR, TABLE), flush=True)

    def insert(shift, scale):
        """400 scores in the next whole window (it completes within 4 s); its end."""
        return one(cur, """
            WITH w AS (SELECT date_bin('2 seconds', now(), '1970-01-01') + interval '2 seconds' AS s)
            INSERT INTO %s
            SELECT w.s + g * interval '4 ms', %%s + %%s * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())
              FROM w, generate_series(0, 399) g
            RETURNING (SELECT s + interval '2 seconds' FROM w)""" % TABLE, (shift, scale))

    say("3. normal traffic: the worker evaluates the window on its own, no breach")
    end = insert(0.0, 1.0)
    wait("the worker evaluated the window",
         lambda: one(cur, "SELECT computed_until >= %s FROM mlops.monitors WHERE name = %s", (end, MONITOR)))
    cur.execute("""SELECT window_start, round(statistic::numeric, 3), breached FROM mlops.drift_results d
                     JOIN mlops.monitors m ON m.id = d.monitor_id
                    WHERE m.name = %s AND statistic IS NOT NULL ORDER BY window_start""", (MONITOR,))
    for row in cur.fetchall():
        print("  window %s: psi %s, breached %s" % row, flush=True)
    if one(cur, "SELECT count(*) FROM mlops.jobs j JOIN mlops.models m ON m.id = j.model_id WHERE m.name = %s",
           (MODEL,)):
        fail("normal traffic queued a retraining job")

    say("4. drift: the scores shift and widen; the worker finds the breach and queues a job")
    end = insert(0.8, 1.4)
    job = wait("the worker queued a retraining job",
               lambda: one(cur, """SELECT q.job::text FROM mlops.job_queue q
                                    WHERE q.model = %s AND q.status = 'queued'""", (MODEL,)))
    cur.execute("""SELECT d.window_start, round(d.statistic::numeric, 3), q.why
                     FROM mlops.job_queue q JOIN mlops.jobs j ON j.id = q.job
                     JOIN mlops.drift_results d ON d.id = j.drift_result_id WHERE q.job = %s""", (job,))
    print("  window %s: psi %s; job %s queued: %s" % (lambda r: (r[0], r[1], job[:8], r[2]))(cur.fetchone()), flush=True)
    wait("the signed job.queued webhook arrived", lambda: receiver.events("job.queued", model=MODEL))

    say("5. the trainer (examples/trainer.py) claims the job, trains, logs a run, registers a version")
    try:
        trainer = subprocess.run([sys.executable, os.path.join(HERE, "trainer.py"), "--idle", "2",
                                  "--worker", "demo-trainer"], timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        fail("the trainer did not finish within %g s" % TIMEOUT)
    if trainer.returncode != 0:
        fail("the trainer exited with %d" % trainer.returncode)
    row = one(cur, """SELECT j.status, v.version, r.name FROM mlops.jobs j
                        LEFT JOIN mlops.runs r ON r.id = j.run_id
                        LEFT JOIN mlops.model_versions v ON v.run_id = j.run_id
                       WHERE j.id = %s""", (job,))
    if row is None or row[0] != "succeeded" or row[1] is None:
        fail("the job did not end with a registered version: %s" % (row,))
    version = row[1]
    print("  job %s succeeded: run %r, %s version %s" % (job[:8], row[2], MODEL, version), flush=True)
    wait("the signed job.completed webhook arrived", lambda: receiver.events("job.completed", model=MODEL))

    say("6. governed promotion: production needs one approval by another login and psi_after <= 0.1")
    cur.execute("""DO $$ BEGIN
                     IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'demo_alice') THEN
                         CREATE ROLE demo_alice LOGIN IN ROLE mlops_writer;
                         CREATE ROLE demo_bob   LOGIN IN ROLE mlops_approver;
                     END IF;
                   END $$""")
    cur.execute("""SELECT mlops.set_policy(%s, 'production', 1,
                                            gates => '[{"metric": "psi_after", "op": "<=", "value": 0.1}]')""", (MODEL,))
    alice, bob = connect("demo_alice"), connect("demo_bob")
    acur, bcur = alice.cursor(), bob.cursor()
    acur.execute("SELECT mlops.transition(%s, %s, 'staging', 'recalibrated by the trainer')", (MODEL, version))
    req = one(acur, "SELECT mlops.request_transition(%s, %s, 'production', 'drift fixed: see the run')",
              (MODEL, version))
    print("  demo_alice (writer) moved version %s to staging and asked for production: request %s"
          % (version, req), flush=True)
    bcur.execute("SELECT mlops.approve(%s, 'psi back under the gate')", (req,))
    print("  demo_bob (approver, another login) approved request %s" % req, flush=True)
    acur.execute("SELECT mlops.transition(%s, %s, 'production', 'retrained after drift')", (MODEL, version))
    print("  demo_alice moved version %s to production; production_version(%r) = %s"
          % (version, MODEL, one(cur, "SELECT mlops.production_version(%s)", (MODEL,))), flush=True)
    alice.close()
    bob.close()
    wait("the signed stage.changed webhook (production) arrived",
         lambda: [e for e in receiver.events("stage.changed", model=MODEL)
                  if e["payload"].get("to") == "production"])

    say("7. what the worker delivered")
    cur.execute("""SELECT q.event, count(*), q.status, sum(q.attempts) FROM mlops.webhook_queue q
                     JOIN mlops.webhooks w ON w.id = q.webhook_id WHERE w.name = 'demo-receiver'
                    GROUP BY q.event, q.status ORDER BY 1, 3""")
    for row in cur.fetchall():
        print("  %-22s %s %s in %s attempt(s)" % row, flush=True)


if __name__ == "__main__":
    main()
