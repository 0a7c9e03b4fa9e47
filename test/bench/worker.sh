#!/usr/bin/env bash
# The background worker (mlops scheduler) and its webhook deliveries. The
# make bench cluster keeps the worker off and has the extension in another
# database than mlops.database, so this script starts a throwaway cluster of
# its own (mlops preloaded, mlops.database = 'postgres', naptime 1s) and a
# receiver on 127.0.0.1 (ThreadingHTTPServer, 200 after about 1 ms, logging
# the arrival time of every POST).
# (a) Idle CPU: 100 monitors on a small table, schedule '1 hour', each
#     evaluated once by the worker, then nothing due for 60 s: utime + stime
#     of the worker's process (/proc/<pid>/stat) as percent of one core,
#     ÷ 1% (target <= 1). The worker must tick all the while and evaluate
#     nothing.
# (b) Delivery rate: 1,000 job.queued events (enqueue_retrain of 1,000
#     models) queued while the worker is disabled, one webhook subscribed;
#     then the worker is enabled. Rate = POSTs per second at the receiver from
#     the first to the 1,000th. Anchor: a Python client (8 threads, one
#     http.client keep-alive connection each) posting the same 1,000 bodies to
#     the same receiver, timed the same way (the rate of urllib, a new
#     connection per POST as the worker opens, is printed beside it). Two rounds in alternating order,
#     best of each; ratio = worker rate / Python rate (target >= 0.5). Every
#     delivery must arrive once and be recorded delivered.
# (c) Event -> webhook latency: 20 enqueue_retrain commits, a random 0.3-1.3 s
#     apart (so they land anywhere in the naptime); from the client's clock
#     just before COMMIT to the POST's arrival; median ÷ 100 ms (target <= 1).
. "$SRC_DIR/scripts/benchlib.sh"
. "$SRC_DIR/scripts/lib.sh"
IDLE_SECS=${WORKER_BENCH_IDLE_SECS:-60}
tmp=$(mktemp -d /tmp/mlops-benchworker.XXXXXX)
receiver=
cleanup() {
    [ -n "$receiver" ] && kill "$receiver" 2>/dev/null
    stop_cluster "$tmp/cluster"
    rm -rf "$tmp"
}
trap cleanup EXIT
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

start_cluster "$tmp/cluster" "mlops.database = 'postgres'" "mlops.naptime = '1s'" \
    || { echo "worker: the cluster did not start" >&2; exit 1; }
export PGDATABASE=postgres

cat >"$tmp/receiver.py" <<'PY'
import json, os, socket, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
portfile, logfile = sys.argv[1], sys.argv[2]
lock = threading.Lock()
log = open(logfile, "a")

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args):
        pass
    def setup(self):
        super().setup()
        # headers and body go out in two writes: without this, Nagle and the
        # client's delayed ACK hold each answer back by about 40 ms
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        t = time.time()
        with lock:
            log.write(json.dumps({"t": t, "path": self.path,
                                  "delivery": self.headers.get("X-Mlops-Delivery"),
                                  "body": body.decode()}) + "\n")
            log.flush()
        time.sleep(0.001)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128    # the listen backlog of a real server, not socketserver's 5

server = Server(("127.0.0.1", 0), Handler)
with open(portfile + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(portfile + ".tmp", portfile)
server.serve_forever()
PY
/usr/bin/python3 "$tmp/receiver.py" "$tmp/port" "$tmp/requests.jsonl" &
receiver=$!

psql -qX -v ON_ERROR_STOP=1 >/dev/null <<'SQL' || { echo "worker: setup failed" >&2; exit 1; }
SET client_min_messages = warning;
CREATE EXTENSION mlops;
CREATE TABLE public.bench_worker_source (ts timestamptz, score float8);
INSERT INTO public.bench_worker_source
SELECT now() - g * interval '1 minute', random() FROM generate_series(1, 1000) g;
SELECT mlops.create_monitor('bench_worker_' || g, NULL, 'public.bench_worker_source', 'score', 'ts', schedule => '1 hour')
  FROM generate_series(1, 100) g;
SQL

/usr/bin/python3 - "$tmp" "$IDLE_SECS" >"$tmp/results" <<'PY'
import http.client, json, os, random, statistics, sys, threading, time, urllib.request
import psycopg2

tmp, idle_secs = sys.argv[1], int(sys.argv[2])
conn = psycopg2.connect("")
conn.autocommit = True

def out(*a):
    print(*a, file=sys.stderr, flush=True)

def q(sql, args=None):
    cur = conn.cursor()
    cur.execute(sql, args)
    return cur.fetchall() if cur.description else None

def one(sql, args=None):
    return q(sql, args)[0][0]

def wait(sql, secs, what):
    t0 = time.time()
    while time.time() - t0 < secs:
        if one(sql):
            return
        time.sleep(0.05)
    sys.exit("worker: timed out waiting for " + what)

def status():
    cur = conn.cursor()
    cur.execute("SELECT * FROM mlops.worker_status")
    return dict(zip([d[0] for d in cur.description], cur.fetchone()))

class Log:
    """The receiver's log, read incrementally."""
    def __init__(self, path):
        while not os.path.exists(path):
            time.sleep(0.01)
        self.f = open(path)
        self.buf = ""
        self.rows = []
    def poll(self):
        self.buf += self.f.read()
        *lines, self.buf = self.buf.split("\n")
        self.rows += [json.loads(l) for l in lines if l]
        return self.rows
    def under(self, prefix):
        return [r for r in self.poll() if r["path"].startswith(prefix)]

t0 = time.time()
while not os.path.exists(tmp + "/port"):
    if time.time() - t0 > 20:
        sys.exit("worker: the receiver did not start")
    time.sleep(0.02)
port = int(open(tmp + "/port").read())
base = "http://127.0.0.1:%d" % port
open(tmp + "/requests.jsonl", "a").close()
log = Log(tmp + "/requests.jsonl")

# ---------------------------------------------------------------- (a) idle CPU
wait("SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'mlops scheduler'", 60, "the worker")
wait("SELECT monitors_evaluated >= 100 FROM mlops.worker_status", 60, "the first evaluation of the monitors")
time.sleep(3)
pid = one("SELECT pid FROM pg_stat_activity WHERE backend_type = 'mlops scheduler'")
tck = os.sysconf("SC_CLK_TCK")

def cpu_ticks():
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])   # utime, stime (fields 14 and 15)

before, s0, w0 = cpu_ticks(), status(), time.time()
time.sleep(idle_secs)
after, s1, w1 = cpu_ticks(), status(), time.time()
cpu_pct = (after - before) / tck / (w1 - w0) * 100
ticks = s1["ticks"] - s0["ticks"]
evaluated = s1["monitors_evaluated"] - s0["monitors_evaluated"]
out("idle: worker pid %d used %.2f s CPU in %.1f s (%.3f%% of a core); %d ticks, %d monitor evaluations meanwhile"
    % (pid, (after - before) / tck, w1 - w0, cpu_pct, ticks, evaluated))
if ticks < idle_secs / 2 or evaluated != 0 or s1["pid"] != pid:
    sys.exit("worker: the idle worker did not tick once per naptime with nothing due")
print("idle_pct", cpu_pct)

# ---------------------------------------------------------------- (b) delivery rate
N = 1000
q("SELECT mlops.create_webhook('bench_rate', %s, NULL, '{job.queued}')", (base + "/rate/",))

def set_enabled(on):
    q("ALTER SYSTEM %s" % ("RESET mlops.worker_enabled" if on else "SET mlops.worker_enabled = off"))
    q("SELECT pg_reload_conf()")
    if not on:
        wait("SELECT state = 'disabled' FROM mlops.worker_status", 30, "the worker to be disabled")

def rate(rows):
    t = sorted(r["t"] for r in rows)
    return (len(t) - 1) / (t[-1] - t[0])

def worker_round(r):
    set_enabled(False)
    q("SELECT mlops.register_model('bench_rate_%d_' || g) FROM generate_series(1, %d) g" % (r, N))
    q("SELECT mlops.enqueue_retrain('bench_rate_%d_' || g) FROM generate_series(1, %d) g" % (r, N))
    seen = len(log.under("/rate/"))
    set_enabled(True)
    t0 = time.time()
    while len(log.under("/rate/")) < seen + N:
        if time.time() - t0 > 300:
            sys.exit("worker: only %d of %d deliveries arrived" % (len(log.under("/rate/")) - seen, N))
        time.sleep(0.05)
    wait("SELECT count(*) = %d FROM mlops.webhook_queue WHERE status = 'delivered'" % (r * N), 30,
         "the deliveries to be recorded")
    rows = log.under("/rate/")[seen:]
    for e in q("SELECT status, coalesce(error, status_code::text), count(*) FROM mlops.webhook_deliveries"
               " WHERE status <> 'delivered' GROUP BY 1, 2"):
        out("failed attempts: %s %s: %d" % e)
    if len(rows) != N or len({x["delivery"] for x in rows}) != N:
        sys.exit("worker: round %d: %d POSTs, %d delivery ids" % (r, len(rows), len({x["delivery"] for x in rows})))
    return rate(rows), [x["body"] for x in rows]

def python_round(r, bodies, prefix="/anchor/"):
    seen = len(log.under(prefix))
    def post(part):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for b in part:
            if prefix == "/urllib/":    # a new connection per POST, as the worker opens
                with urllib.request.urlopen(urllib.request.Request(
                        base + prefix + str(r), data=b.encode(),
                        headers={"Content-Type": "application/json"}), timeout=30) as resp:
                    resp.read()
                continue
            c.request("POST", prefix + str(r), body=b.encode(), headers={"Content-Type": "application/json"})
            resp = c.getresponse()
            resp.read()
            if resp.status != 200:
                raise RuntimeError("status %d" % resp.status)
        c.close()
    threads = [threading.Thread(target=post, args=(bodies[i::8],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    t0 = time.time()
    while len(log.under(prefix)) < seen + len(bodies):
        if time.time() - t0 > 30:
            sys.exit("worker: the Python client's POSTs did not all arrive")
        time.sleep(0.05)
    return rate(log.under(prefix)[seen:])

ours, theirs = [], []
r1, bodies = worker_round(1)
ours.append(r1)
theirs.append(python_round(1, bodies))
theirs.append(python_round(2, bodies))
ours.append(worker_round(2)[0])
fresh = python_round(1, bodies, "/urllib/")
s = status()
out("delivery: worker %s POSTs/s, Python 8 threads %s POSTs/s (rounds 1, 2; keep-alive), "
    "%.0f POSTs/s with urllib (a connection per POST); bodies %d-%d bytes; "
    "worker counters: %d delivered, %d failed attempts, %d dead"
    % (" / ".join("%.0f" % x for x in ours), " / ".join("%.0f" % x for x in theirs), fresh,
       min(map(len, bodies)), max(map(len, bodies)),
       s["deliveries_delivered"], s["delivery_failures"], s["deliveries_dead"]))
if s["delivery_failures"] or s["deliveries_dead"]:
    sys.exit("worker: deliveries failed")
print("rate_ours", max(ours))
print("rate_python", max(theirs))

# ---------------------------------------------------------------- (c) latency
q("SELECT mlops.drop_webhook('bench_rate')")
q("SELECT mlops.create_webhook('bench_latency', %s, NULL, '{job.queued}')", (base + "/latency/",))
q("SELECT mlops.register_model('bench_latency_' || g) FROM generate_series(1, 20) g")
client = psycopg2.connect("")
lat = []
for i in range(1, 21):
    m = "bench_latency_%d" % i
    time.sleep(random.uniform(0.3, 1.3))
    cur = client.cursor()
    cur.execute("SELECT mlops.enqueue_retrain(%s)", (m,))
    t0 = time.time()
    client.commit()
    arrived = None
    while arrived is None:
        for r in log.under("/latency/"):
            if json.loads(r["body"])["payload"].get("model") == m:
                arrived = r["t"]
        if arrived is None:
            if time.time() - t0 > 30:
                sys.exit("worker: the event of %s never arrived" % m)
            time.sleep(0.001)
    lat.append((arrived - t0) * 1000)
out("latency (ms): median %.1f, min %.1f, max %.1f, all: %s"
    % (statistics.median(lat), min(lat), max(lat), " ".join("%.0f" % x for x in lat)))
print("latency_ms", statistics.median(lat))
PY
rc=$?
[ $rc -eq 0 ] || { echo "worker: the measurements failed" >&2; exit 1; }
val() { sed -n "s/^$1 //p" "$tmp/results"; }
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
report "idle worker, 100 monitors, nothing due (% of a core / 1%)" "1% of a core" "$(ratio "$(val idle_pct)" 1)" "<= 1"
report "webhook deliveries/s, 1,000 queued, local receiver" "Python client, 8 threads, same bodies and receiver" \
    "$(ratio "$(val rate_ours)" "$(val rate_python)")" ">= 0.5"
report "commit -> webhook POST latency, median of 20 (ms / 100 ms)" "100 ms" "$(ratio "$(val latency_ms)" 100)" "<= 1"
