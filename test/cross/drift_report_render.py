#!/usr/bin/python3
"""Render mlops.drift_report() in a real browser.

Builds a monitor with a day of hourly windows (a breach in the last hours,
windows without a statistic), writes its report to a file, and opens it in
headless Chromium:

- the DOM Chromium parsed has the chart's points and the histogram's bars
  (the page is well-formed enough that nothing was dropped);
- a screenshot is not blank and shows the chart's own colours (the red of a
  breach marker, the bars of both histograms);
- the browser logged no console message while loading it.

How console messages are caught: with --enable-logging=stderr Chromium
writes every console message of the page to stderr as a line with
"INFO:CONSOLE" (or ERROR:CONSOLE), CSP violations included. The report
carries a Content-Security-Policy that allows nothing but inline styles, so
an external asset or a script would be refused and logged there. The same
check runs on a copy of the page with an inline script and an external image
planted in it, and must see them refused: this proves the check can fail.
Prints TAP.
"""
import os
import shutil
import struct
import subprocess
import tempfile
import zlib

import psycopg2

tests = []
MONITOR = 'render <"monitor"> & \'co\''
MODEL = "drift_render_model"


def check(ok, name, diag=()):
    tests.append((bool(ok), name, list(diag)))


def setup(cur):
    """A monitor with 24 hourly windows: the statistic rises past the threshold in the last hours."""
    cur.execute("SET client_min_messages = warning")
    cur.execute("CREATE EXTENSION IF NOT EXISTS mlops")
    cur.execute("SELECT count(*) FROM mlops.monitors WHERE name = %s", (MONITOR,))
    if cur.fetchone()[0]:
        return
    cur.execute("SELECT count(*) FROM mlops.models WHERE name = %s", (MODEL,))
    if cur.fetchone()[0] == 0:
        cur.execute("SELECT mlops.register_model(%s)", (MODEL,))
    cur.execute("""
        INSERT INTO mlops.monitors (name, model_id, source, value_column, time_column, method,
                                    threshold, window_size, owner)
        SELECT %s, id, 'public.render_preds', 'score', 'ts', 'psi', 0.2, '1 hour', current_user
          FROM mlops.models WHERE name = %s""", (MONITOR, MODEL))
    cur.execute("""
        INSERT INTO mlops.drift_results (monitor_id, window_start, window_end, statistic, n_ref, n_cur,
                                         threshold, breached, note, histogram)
        SELECT m.id, t, t + interval '1 hour', s, 2000, 200, 0.2, coalesce(s > 0.2, false),
               CASE WHEN s IS NULL THEN 'no current rows <none>' END,
               jsonb_build_object('edges', '[-2, -1, 0, 1, 2, 3]'::jsonb,
                                  'ref', '[300, 700, 700, 250, 50]'::jsonb,
                                  'cur', CASE WHEN i >= 20 THEN '[10, 40, 60, 60, 30]' ELSE '[30, 70, 70, 25, 5]' END::jsonb)
          FROM mlops.monitors m, generate_series(0, 23) i,
               LATERAL (SELECT timestamptz '2026-05-01 00:00+00' + i * interval '1 hour' AS t,
                               CASE WHEN i = 7 THEN NULL WHEN i >= 20 THEN 0.25 + 0.05 * (i - 20)
                                    ELSE 0.03 + 0.004 * i END AS s) x
         WHERE m.name = %s""", (MONITOR,))


def png_pixels(path):
    """Distinct pixel colours of an 8-bit RGB(A) PNG (Chromium's screenshot format), and the non-white count."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width, height, ctype = 8, b"", 0, 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype in (2, 6), f"unexpected PNG format depth {depth} type {ctype}"
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    prev = bytearray(stride)
    colours, nonwhite = set(), 0
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 0xFF
            elif f == 2:
                line[x] = (line[x] + b) & 0xFF
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 0xFF
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        for x in range(0, stride, bpp):
            px = bytes(line[x:x + 3])
            colours.add(px)
            if px != b"\xff\xff\xff":
                nonwhite += 1
        prev = line
    return colours, nonwhite


def console_lines(stderr):
    """The page's console messages in Chromium's log (see the module comment)."""
    return [l for l in stderr.splitlines() if ":CONSOLE" in l]


conn = psycopg2.connect("")
conn.autocommit = True
cur = conn.cursor()
setup(cur)
cur.execute("SELECT mlops.drift_report(%s, '2026-05-01', '2026-05-02')", (MONITOR,))
page = cur.fetchone()[0]
cur.execute("""SELECT count(*) FILTER (WHERE breached), count(*) FILTER (WHERE statistic IS NOT NULL)
                 FROM mlops.drift_results d JOIN mlops.monitors m ON m.id = d.monitor_id
                WHERE m.name = %s AND window_start >= '2026-05-01' AND window_start < '2026-05-02'""", (MONITOR,))
breached, with_stat = cur.fetchone()
conn.close()
check(page.startswith("<!DOCTYPE html>") and "<script" not in page.lower(),
      "the report is an HTML page without a script")

browser = shutil.which("chromium") or shutil.which("chromium-browser")
check(browser, "headless Chromium is installed", [] if browser else ["install the Debian package chromium"])
if browser:
    with tempfile.TemporaryDirectory() as tmp:
        html = os.path.join(tmp, "report.html")
        bad = os.path.join(tmp, "planted.html")
        png = os.path.join(tmp, "report.png")
        open(html, "w").write(page)
        # the control: an inline script and an external image, which the page's policy must refuse
        open(bad, "w").write(page.replace("</body>", "<img src=\"http://127.0.0.1:9/x.png\">"
                                                      "<script>console.error('planted')</script></body>"))
        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 f"--user-data-dir={tmp}/profile", "--enable-logging=stderr", "--v=0"]

        dom = subprocess.run([browser, *flags, "--dump-dom", f"file://{html}"],
                             capture_output=True, text=True, timeout=180)
        check(dom.returncode == 0 and "<svg" in dom.stdout, "Chromium renders the report and its DOM has the charts",
              [dom.stderr[-500:]] if dom.returncode else [])
        points = dom.stdout.count("<circle")
        marks = dom.stdout.count('class="pt breach"')
        bars = dom.stdout.count('class="bar ref"')
        check(points == with_stat and marks == breached and bars == 5,
              f"the parsed DOM has a point per window with a statistic ({points} of {with_stat}), "
              f"a red marker per breach ({marks} of {breached}) and the 5 histogram bins ({bars})")
        check("&lt;&quot;monitor&quot;&gt;" in dom.stdout or "&lt;\"monitor\"&gt;" in dom.stdout,
              "the monitor's name is text in the rendered DOM, not markup")
        msgs = console_lines(dom.stderr)
        check(not msgs, f"no console message while loading the report ({len(msgs)})", msgs[:5])

        ctl = subprocess.run([browser, *flags, "--dump-dom", f"file://{bad}"],
                             capture_output=True, text=True, timeout=180)
        refused = [l for l in console_lines(ctl.stderr) if "Content Security Policy" in l]
        check(len(refused) >= 2, f"control: a planted script and image are refused and logged ({len(refused)})",
              [] if refused else [ctl.stderr[-800:]])

        shot = subprocess.run([browser, *flags, "--window-size=1280,2000", f"--screenshot={png}", f"file://{html}"],
                              capture_output=True, text=True, timeout=180)
        ok = shot.returncode == 0 and os.path.exists(png)
        check(ok, "Chromium takes a screenshot of the report", [] if ok else [shot.stderr[-500:]])
        if ok:
            colours, nonwhite = png_pixels(png)
            check(len(colours) > 50 and nonwhite > 20000,
                  f"the screenshot is not blank ({len(colours)} distinct colours, {nonwhite} non-white pixels)")
            # the fills of a breach marker and of the two histograms' bars (report.c's CSS)
            want = {"breach marker": b"\xdc\x26\x26", "current bar": b"\x25\x63\xeb", "reference bar": b"\x9c\xa3\xaf"}
            missing = [k for k, v in want.items() if v not in colours]
            check(not missing, "the screenshot shows the breach markers and both histograms",
                  [f"missing colour of: {', '.join(missing)}"] if missing else [])
            msgs = console_lines(shot.stderr)
            check(not msgs, f"no console message while taking the screenshot ({len(msgs)})", msgs[:5])

print(f"1..{len(tests)}")
for i, (ok, name, diag) in enumerate(tests, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {name}")
    for d in diag:
        print(f"# {d}")
