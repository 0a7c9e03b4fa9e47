#!/usr/bin/python3
"""Render two BI views as a BI table widget would show them, in a real browser.

Builds a small governed history, turns mlops.production_models and
mlops.audit_trail into an HTML page with `psql --html` (the cheapest stand-in
for a BI tool's table widget), opens it in headless Chromium, and checks that
the rendered page is not blank: the browser's DOM has both tables with their
rows, and the screenshot has more than one colour. Prints TAP.
"""
import os
import shutil
import struct
import subprocess
import tempfile
import zlib

import psycopg2

tests = []
MODEL = "bi_render_churn"
RUN = "00000000-0000-0000-0000-00000000b1d0"


def check(ok, name, diag=()):
    tests.append((bool(ok), name, list(diag)))


def setup():
    conn = psycopg2.connect("")
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("SET client_min_messages = warning")
    cur.execute("CREATE EXTENSION IF NOT EXISTS mlops")
    cur.execute("SELECT count(*) FROM mlops.models WHERE name = %s", (MODEL,))
    if cur.fetchone()[0] == 0:
        cur.execute("SELECT mlops.create_experiment('bi_render')")
        cur.execute("INSERT INTO mlops.runs (id, experiment_id, name) "
                    "SELECT %s, id, 'render-run' FROM mlops.experiments WHERE name = 'bi_render'", (RUN,))
        cur.execute("SELECT mlops.log_metric(%s, 'auc', 0.91)", (RUN,))
        cur.execute("SELECT mlops.end_run(%s)", (RUN,))
        cur.execute("SELECT mlops.register_model(%s, 'rendered by a browser')", (MODEL,))
        for v in (1, 2):
            cur.execute("SELECT mlops.create_model_version(%s, %s, %s)", (MODEL, RUN, f"s3://render/{v}"))
            cur.execute("SELECT mlops.transition(%s, %s, 'staging')", (MODEL, v))
            cur.execute("SELECT mlops.transition(%s, %s, 'production')", (MODEL, v))
    conn.close()


def html_of(query):
    out = subprocess.run(["psql", "-X", "--html", "-c", query], check=True,
                         capture_output=True, text=True).stdout
    return out


def png_colours(path):
    """Distinct pixel values of an 8-bit RGB(A) PNG (Chromium's screenshot format)."""
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
    colours = set()
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
            colours.add(bytes(line[x:x + 3]))
        prev = line
        if len(colours) > 16:
            break
    return colours


setup()
page = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>mlops</title></head><body>"
        "<h1>production_models</h1>"
        + html_of(f"SELECT model, version, since, promoted_by, change_kind, previous_version "
                  f"FROM mlops.production_models WHERE model = '{MODEL}'")
        + "<h1>audit_trail</h1>"
        + html_of("SELECT * FROM mlops.audit_trail ORDER BY at DESC LIMIT 20")
        + "</body></html>")
browser = shutil.which("chromium") or shutil.which("chromium-browser")
check(browser, "headless Chromium is installed", [] if browser else ["install the Debian package chromium"])
if browser:
    with tempfile.TemporaryDirectory() as tmp:
        html = os.path.join(tmp, "views.html")
        png = os.path.join(tmp, "views.png")
        open(html, "w").write(page)
        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 f"--user-data-dir={tmp}/profile", "--window-size=1280,900"]
        dom = subprocess.run([browser, *flags, "--dump-dom", f"file://{html}"],
                             capture_output=True, text=True, timeout=120)
        check(dom.returncode == 0 and "<table" in dom.stdout,
              "Chromium renders the page and its DOM has the tables",
              [dom.stderr[-500:]] if dom.returncode else [])
        rows = dom.stdout.count("<tr")
        check(MODEL in dom.stdout and rows >= 4,
              f"the rendered DOM shows the production model and the audit rows ({rows} table rows)")
        shot = subprocess.run([browser, *flags, f"--screenshot={png}", f"file://{html}"],
                              capture_output=True, text=True, timeout=120)
        ok = shot.returncode == 0 and os.path.exists(png)
        check(ok, "Chromium takes a screenshot of the page", [] if ok else [shot.stderr[-500:]])
        if ok:
            colours = png_colours(png)
            check(len(colours) > 2, f"the screenshot is not blank ({len(colours)}+ distinct colours)")

print(f"1..{len(tests)}")
for i, (ok, name, diag) in enumerate(tests, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {name}")
    for d in diag:
        print(f"# {d}")
