#!/usr/bin/python3
"""mlops demo: a retraining worker outside the database.

LISTENs on mlops_jobs (mlops sends a NOTIFY there when a job is queued),
takes jobs with mlops.claim_job() (FOR UPDATE SKIP LOCKED: any number of
trainers can run side by side), and for each one:

  1. starts a run and logs its params (the job, why it was queued),
  2. "trains": recalibrates the model's scores since the breached window
     (read from the monitor's source table), so that they match the
     reference again, with a heartbeat between the steps,
  3. logs the metrics (PSI of the day before and after the recalibration),
  4. ends the run and registers a model version built by it,
  5. completes the job with the run (mlops links job -> run in lineage).

A failing step completes the job as failed. With no job left the trainer
waits for a NOTIFY; it exits after --idle seconds without one (0: never).
Connection: PGHOST / PGPORT / PGDATABASE from the environment.
Usage: trainer.py [--idle SECONDS] [--worker NAME]
"""
import argparse
import json
import select
import socket
import time

import psycopg2
import psycopg2.extensions

def say(text):
    print("\n== " + text, flush=True)


def train(cur, job):
    """Recalibrate the scores since the breach onto the reference; returns (params, metrics)."""
    # the monitor's source (a regclass, quoted as needed) and its columns, quoted here
    cur.execute("""SELECT m.reference ->> 'from', m.reference ->> 'to', m.name, m.value_column,
                            m.source::regclass::text, quote_ident(m.value_column), quote_ident(m.time_column)
                     FROM mlops.monitors m WHERE m.id = (SELECT d.monitor_id FROM mlops.drift_results d
                                                         WHERE d.id = %s)""", (job["drift_result_id"],))
    ref_from, ref_to, monitor, column, table, score, ts = cur.fetchone()
    cur.execute(f"""SELECT avg({score}) FILTER (WHERE {ts} >= %(f)s AND {ts} < %(t)s),
                           stddev({score}) FILTER (WHERE {ts} >= %(f)s AND {ts} < %(t)s),
                           avg({score}) FILTER (WHERE {ts} >= %(c)s), stddev({score}) FILTER (WHERE {ts} >= %(c)s),
                           count(*) FILTER (WHERE {ts} >= %(c)s)
                      FROM {table}""",
                {"f": ref_from, "t": ref_to, "c": job["since"]})
    ref_mean, ref_sd, cur_mean, cur_sd, rows = cur.fetchone()
    cur.execute("SELECT mlops.heartbeat_job(%s)", (job["id"],))
    # PSI of the recent scores against the reference, raw and recalibrated
    cur.execute(f"""SELECT mlops.psi(score, is_ref), mlops.psi(CASE WHEN is_ref THEN score
                                                                    ELSE (score - %(cm)s) / %(cs)s * %(rs)s + %(rm)s END,
                                                               is_ref)
                      FROM (SELECT {score} AS score, {ts} < %(t)s AS is_ref FROM {table}
                             WHERE ({ts} >= %(f)s AND {ts} < %(t)s) OR {ts} >= %(c)s) s""",
                {"f": ref_from, "t": ref_to, "c": job["since"], "cm": cur_mean, "cs": cur_sd,
                 "rm": ref_mean, "rs": ref_sd})
    psi_before, psi_after = cur.fetchone()
    params = {"job": job["id"], "monitor": monitor, "column": column, "trained_since": job["since"],
              "method": "affine recalibration onto the reference"}
    metrics = {"rows": rows, "scale": ref_sd / cur_sd, "shift": ref_mean - cur_mean * ref_sd / cur_sd,
               "psi_before": psi_before, "psi_after": psi_after}
    return params, metrics


def run_job(conn, cur, worker, job):
    """One claimed job, from run to model version; the job ends succeeded or failed."""
    model = job["model"]
    print(f"  claimed job {job['id']} for {model} ({job['why']})", flush=True)
    run = None
    try:
        cur.execute("SELECT mlops.start_run(%s, %s, '{}'::jsonb, %s::jsonb)",
                    (f"{model}-retraining", f"retrain {job['id'][:8]}",
                     json.dumps({"trainer": worker, "trigger": job["trigger"]})))
        run = cur.fetchone()[0]
        params, metrics = train(cur, job)
        cur.execute("SELECT mlops.log_params(%s, %s::jsonb)",
                    (run, json.dumps({k: str(v) for k, v in params.items()})))
        cur.execute("SELECT mlops.log_metrics(%s, %s::jsonb)", (run, json.dumps(metrics)))
        cur.execute("SELECT mlops.end_run(%s)", (run,))
        cur.execute("SELECT mlops.create_model_version(%s, %s, %s, %s)",
                    (model, run, f"file:///tmp/mlops-demo/{model}/{run}", "recalibrated after drift"))
        version = cur.fetchone()[0]
        cur.execute("SELECT mlops.complete_job(%s, 'succeeded', %s)", (job["id"], run))
        print(f"  run {run}: psi {metrics['psi_before']:.3f} -> {metrics['psi_after']:.3f} "
              f"on {metrics['rows']} rows; {model} version {version} registered; job succeeded", flush=True)
    except psycopg2.Error as e:
        print(f"  job {job['id']} failed: {e.pgerror or e}", flush=True)
        if run is not None:
            cur.execute("SELECT mlops.end_run(%s, 'FAILED')", (run,))
        cur.execute("SELECT mlops.complete_job(%s, 'failed', %s)", (job["id"], run))


def claim(cur, worker):
    """The next queued job (claim_job), with what the trainer needs of it, or None."""
    cur.execute("""SELECT j.id::text, m.name, q.why, j.reason ->> 'trigger', j.drift_result_id,
                          coalesce(d.window_start, now() - interval '1 day')
                     FROM mlops.claim_job(%s) j
                     JOIN mlops.models m ON m.id = j.model_id
                     JOIN mlops.job_queue q ON q.job = j.id
                     LEFT JOIN mlops.drift_results d ON d.id = j.drift_result_id
                    WHERE j.id IS NOT NULL""", (worker,))
    row = cur.fetchone()
    if row is None:
        return None
    return dict(zip(("id", "model", "why", "trigger", "drift_result_id", "since"), row))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--idle", type=float, default=3.0, help="exit after this many seconds without a job (0: never)")
    ap.add_argument("--worker", default=f"trainer@{socket.gethostname()}")
    args = ap.parse_args()

    conn = psycopg2.connect("")
    conn.autocommit = True  # each mlops call is its own transaction; NOTIFYs arrive between them
    cur = conn.cursor()
    cur.execute("LISTEN mlops_jobs")
    say(f"trainer {args.worker}: LISTEN mlops_jobs, then mlops.claim_job() until the queue is empty")
    done, idle_since = 0, time.monotonic()
    while True:
        job = claim(cur, args.worker)
        if job is not None:
            if job["trigger"] != "drift" or job["drift_result_id"] is None:
                # this trainer only knows drift recalibration; another trainer may do the rest
                print(f"  job {job['id']} ({job['why']}): not a drift job, failed", flush=True)
                cur.execute("SELECT mlops.complete_job(%s, 'failed')", (job["id"],))
            else:
                run_job(conn, cur, args.worker, job)
            done += 1
            idle_since = time.monotonic()
            continue
        left = None if args.idle == 0 else args.idle - (time.monotonic() - idle_since)
        if left is not None and left <= 0:
            break
        # sleep until a NOTIFY (a job was queued) or the idle limit
        if select.select([conn], [], [], left)[0]:
            conn.poll()
            for n in conn.notifies:
                print(f"  NOTIFY {n.channel}: {n.payload}", flush=True)
            conn.notifies.clear()
    print(f"  {done} job(s) done; no job for {args.idle:g} s, the trainer stops", flush=True)

    say("the model's jobs and versions afterwards")
    cur.execute("""SELECT q.model, q.status, q.why, q.claimed_by, r.name, v.version
                     FROM mlops.job_queue q
                     LEFT JOIN mlops.runs r ON r.id = q.run_id
                     LEFT JOIN mlops.model_versions v ON v.run_id = q.run_id
                    ORDER BY q.created_at""")
    for model, status, why, by, run_name, version in cur.fetchall():
        print(f"  {model:12} {status:10} {why}  by {by}  run {run_name}  version {version}")
    conn.close()


if __name__ == "__main__":
    main()
