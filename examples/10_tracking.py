#!/usr/bin/python3
"""mlops demo, part 10: experiment tracking from a notebook-like script.

Trains a small logistic regression with numpy for three learning rates, logs
params, per-epoch metrics, tags and an artifact reference into PostgreSQL
through mlops.*, ends the runs, then asks mlops.search_runs() for the best one.
Connection: PGHOST / PGPORT / PGDATABASE from the environment.
"""
import hashlib
import json

import numpy as np
import psycopg2


def say(text):
    print("\n== " + text)


def make_data(rng, n=600, d=4):
    """Two Gaussian blobs: a learnable, slightly noisy binary problem."""
    w_true = np.array([1.5, -2.0, 0.7, 0.0])
    x = rng.normal(size=(n, d))
    p = 1.0 / (1.0 + np.exp(-(x @ w_true + 0.3)))
    y = (rng.uniform(size=n) < p).astype(float)
    return x[:400], y[:400], x[400:], y[400:]


def train(cur, run, x, y, xv, yv, lr, epochs):
    """Gradient descent on the log loss; one log_metrics call per epoch."""
    w = np.zeros(x.shape[1])
    b = 0.0
    for epoch in range(1, epochs + 1):
        p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
        w -= lr * x.T @ (p - y) / len(y)
        b -= lr * float(np.mean(p - y))
        pv = 1.0 / (1.0 + np.exp(-(xv @ w + b)))
        eps = 1e-12
        loss = float(-np.mean(yv * np.log(pv + eps) + (1 - yv) * np.log(1 - pv + eps)))
        acc = float(np.mean((pv > 0.5) == (yv > 0.5)))
        cur.execute("SELECT mlops.log_metrics(%s, %s::jsonb, %s)",
                    (run, json.dumps({"val_loss": loss, "val_acc": acc}), epoch))
    return w, b, loss, acc


def main():
    conn = psycopg2.connect("")
    conn.autocommit = True
    cur = conn.cursor()
    rng = np.random.default_rng(7)
    x, y, xv, yv = make_data(rng)

    say("three runs of a numpy logistic regression, one per learning rate")
    print("Each run: mlops.start_run() with params and tags, one mlops.log_metrics() per epoch,")
    print("a model artifact reference, a dataset input, then mlops.end_run().")
    epochs = 30
    # The training data is a registered dataset version (its content hash as
    # the fingerprint), so each run's input names a version that exists.
    data = np.concatenate([x, y.reshape(-1, 1)], axis=1).tobytes()
    cur.execute("SELECT mlops.register_dataset_version('blobs', 'memory://mlops-demo/blobs', %s, %s)",
                (hashlib.sha256(data).hexdigest(), len(x)))
    blobs_version = cur.fetchone()[0]
    for lr in (0.01, 0.1, 1.0):
        cur.execute("SELECT mlops.start_run(%s, %s, %s::jsonb, %s::jsonb)",
                    ("demo-logreg", "lr=%g" % lr,
                     json.dumps({"lr": lr, "epochs": epochs, "model": "logistic_regression"}),
                     json.dumps({"framework": "numpy", "author": "demo"})))
        run = cur.fetchone()[0]
        w, b, loss, acc = train(cur, run, x, y, xv, yv, lr, epochs)
        blob = np.append(w, b).tobytes()
        cur.execute("SELECT mlops.log_artifact(%s, 'model.npy', %s, %s, %s)",
                    (run, "file:///tmp/mlops-demo/%s/model.npy" % run,
                     hashlib.sha256(blob).hexdigest(), len(blob)))
        cur.execute("SELECT mlops.log_input(%s, 'blobs', %s)", (run, blobs_version))
        cur.execute("SELECT mlops.set_tag(%s, 'converged', %s)", (run, "yes" if loss < 0.6 else "no"))
        cur.execute("SELECT mlops.end_run(%s)", (run,))
        print("  run %s  lr=%-5g  val_loss=%.4f  val_acc=%.3f" % (run, lr, loss, acc))

    say("a param is immutable: logging lr again with another value is refused")
    cur.execute("SELECT mlops.start_run('demo-logreg', 'scratch', '{\"lr\": 0.5}')")
    scratch = cur.fetchone()[0]
    try:
        cur.execute("SELECT mlops.log_param(%s, 'lr', '0.7')", (scratch,))
    except psycopg2.Error as e:
        print("  refused (SQLSTATE %s): %s" % (e.pgcode, e.pgerror.splitlines()[0]))
    cur.execute("SELECT mlops.end_run(%s, 'KILLED')", (scratch,))
    try:
        cur.execute("SELECT mlops.log_metric(%s, 'val_loss', 0.1)", (scratch,))
    except psycopg2.Error as e:
        print("  and nothing is logged into an ended run (SQLSTATE %s): %s"
              % (e.pgcode, e.pgerror.splitlines()[0]))

    say("search_runs: finished runs with val_acc > 0.7, best val_loss first (MLflow filter syntax)")
    flt = "metrics.val_acc > 0.7 AND attributes.status = 'FINISHED' AND tags.framework = 'numpy'"
    print("  filter:   " + flt)
    print("  order_by: metrics.val_loss ASC")
    cur.execute("""SELECT r.name, mlops.run_metric(r.id, 'val_loss'), mlops.run_metric(r.id, 'val_acc')
                     FROM mlops.search_runs('demo-logreg', %s, 'metrics.val_loss ASC') r""", (flt,))
    rows = cur.fetchall()
    for name, loss, acc in rows:
        print("  %-8s val_loss=%.4f val_acc=%.3f" % (name, loss, acc))
    best = rows[0][0]
    print("  best run: %s" % best)

    say("the BI views: run_summary (one row per run) and metric_history (one row per point)")
    cur.execute("""SELECT run_name, status, params->>'lr', metrics->>'val_loss', tags->>'converged'
                     FROM mlops.run_summary WHERE experiment = 'demo-logreg' ORDER BY start_time""")
    print("  %-8s %-9s %-5s %-20s %s" % ("run", "status", "lr", "val_loss", "converged"))
    for r in cur.fetchall():
        print("  %-8s %-9s %-5s %-20s %s" % tuple("" if v is None else v for v in r))
    cur.execute("""SELECT step, round(value::numeric, 4) FROM mlops.metric_history
                    WHERE experiment = 'demo-logreg' AND run_name = %s AND key = 'val_loss'
                      AND step IN (1, 10, 20, 30) ORDER BY step""", (best,))
    print("  learning curve of %s: %s" % (best, ", ".join("epoch %d: %s" % r for r in cur.fetchall())))
    cur.execute("SELECT uri, size_bytes FROM mlops.artifacts WHERE run_id = mlops.get_run('demo-logreg', %s)",
                (best,))
    uri, size = cur.fetchone()
    print("  its model artifact: %s (%d bytes, sha256 recorded)" % (uri, size))
    conn.close()


if __name__ == "__main__":
    main()
