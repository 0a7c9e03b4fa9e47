#!/usr/bin/python3
"""Render mlops.drift_report() in a real browser.

Creates a monitor over a day of predictions (shifted in the last hours, one
hour without rows), evaluates it, writes its report to a file, and opens it
in headless Chromium:

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
    """A monitor over a day of predictions up to the last full hour: the last hours shift, one hour has no rows."""
    cur.execute("SET client_min_messages = warning")
    cur.execute("CREATE EXTENSION IF NOT EXISTS mlops")
    cur.execute("SELECT mlops.drop_monitor(name) FROM mlops.monitors WHERE name = %s", (MONITOR,))
    cur.execute("DROP TABLE IF EXISTS drift_render_preds")
    cur.execute("SELECT count(*) FROM mlops.models WHERE name = %s", (MODEL,))
    if cur.fetchone()[0] == 0:
        cur.execute("SELECT mlops.register_model(%s)", (MODEL,))
    cur.execute("SELECT date_trunc('hour', now())")
    end = cur.fetchone()[0]
    cur.execute("""
        CREATE TABLE drift_render_preds AS
        SELECT %(end)s - interval '24 hours' + i * interval '15 seconds' AS ts,
               (i * 7919 %% 1000) / 1000.0 + CASE WHEN i >= 20 * 240 THEN 0.25 ELSE 0 END AS score
          FROM generate_series(0, 24 * 240 - 1) i
         WHERE i / 240 <> 14""", {"end": end})
    cur.execute("""SELECT mlops.create_monitor(%(m)s, %(model)s, 'drift_render_preds', 'score', 'ts', 'psi', 0.1,
                                               '1 hour', jsonb_build_object('from', %(end)s - interval '24 hours',
                                                                            'to', %(end)s - interval '12 hours'))""",
                {"m": MONITOR, "model": MODEL, "end": end})
    cur.execute("SELECT count(*) FROM mlops.evaluate_monitor(%s)", (MONITOR,))
    return end


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
end = setup(cur)
cur.execute("SELECT mlops.drift_report(%(m)s, %(end)s - interval '24 hours', %(end)s)", {"m": MONITOR, "end": end})
page = cur.fetchone()[0]
cur.execute("""SELECT count(*) FILTER (WHERE breached), count(*) FILTER (WHERE statistic IS NOT NULL),
                      count(*) FILTER (WHERE statistic IS NULL)
                 FROM mlops.drift_results d JOIN mlops.monitors m ON m.id = d.monitor_id
                WHERE m.name = %(m)s AND window_start >= %(end)s - interval '24 hours' AND window_start < %(end)s""",
            {"m": MONITOR, "end": end})
breached, with_stat, without = cur.fetchone()
conn.close()
check(page.startswith("<!DOCTYPE html>") and "<script" not in page.lower(),
      "the report is an HTML page without a script")
check(breached > 0 and without == 1 and with_stat == 23,
      f"the evaluated monitor has breaches ({breached}) and one window without rows ({without})")

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
        gaps = dom.stdout.count('class="gap"')
        check(points == with_stat and marks == breached and bars == 10 and gaps == without,
              f"the parsed DOM has a point per window with a statistic ({points} of {with_stat}), "
              f"a red marker per breach ({marks} of {breached}), the 10 histogram bins ({bars}) "
              f"and a band per window without rows ({gaps})")
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
