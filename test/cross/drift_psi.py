#!/usr/bin/python3
"""Cross-check the binned and categorical drift statistics against NumPy/SciPy.

psi (reference quantiles by np.quantile's linear rule, equal-to-edge goes up,
NaN bin, Evidently fill), jensen_shannon (scipy.spatial.distance.jensenshannon
on the same bins), hellinger, wasserstein (scipy.stats.wasserstein_distance),
psi_threshold and the chi-square functions (scipy.stats.chi2), chi2_test
(scipy.stats.chi2_contingency(correction=False)), psi_categorical. Prints TAP.
"""
import warnings

import numpy as np
import psycopg2
from scipy import stats
from scipy.spatial import distance

warnings.simplefilter("ignore")
rng = np.random.default_rng(7)
conn = psycopg2.connect("")
conn.autocommit = True
cur = conn.cursor()
tests = []


def rel_ok(a, b, rtol=1e-9, atol=1e-12):
    return abs(a - b) <= rtol * abs(b) + atol


def bins_counts(ref, cu, bins):
    """Reference-quantile bins + NaN bin, the rule API.md states."""
    r = ref[~np.isnan(ref)]
    edges = np.quantile(r, np.arange(1, bins) / bins) if len(r) else np.array([])
    def count(x):
        c = np.zeros(bins + 1)
        nan = np.isnan(x)
        idx = np.searchsorted(edges, x[~nan], side="right")
        np.add.at(c, idx, 1)
        c[bins] = nan.sum()
        return c
    return count(ref), count(cu)


def shares_filled(c):
    s = c / c.sum()
    mn = s[s > 0].min()
    fill = mn * 1e-6 if mn <= 1e-4 else 1e-4
    return np.where(s == 0, fill, s)


def psi_ref(rc, cc):
    keep = (rc > 0) | (cc > 0)
    e, a = shares_filled(rc)[keep], shares_filled(cc)[keep]
    return float(np.sum((a - e) * np.log(a / e)))


def sample(n, shift, scale=1.0, ties=0, nan=0.0):
    x = rng.normal(shift, scale, n)
    if ties:
        x = np.round(x * ties) / ties
    if nan:
        x[rng.random(n) < nan] = np.nan
    return x


cases = []
for i in range(40):
    m, n = int(rng.integers(1, 3000)), int(rng.integers(1, 3000))
    bins = int(rng.choice([2, 3, 5, 10, 10, 20, 100]))
    ties = int(rng.choice([0, 0, 1, 4]))
    nan = float(rng.choice([0.0, 0.0, 0.05]))
    cases.append((sample(m, 0, 1, ties, nan), sample(n, rng.choice([0, 0.1, 0.5, 2]), rng.choice([1, 1.5]), ties, nan), bins))

bad_psi, bad_agg, bad_js, bad_h, bad_w = [], [], [], [], []
cur.execute("CREATE TEMP TABLE d(v float8, r bool)")
for ref, cu, bins in cases:
    rc, cc = bins_counts(ref, cu, bins)
    want = psi_ref(rc, cc)
    cur.execute("SELECT mlops.psi(%s::float8[], %s::float8[], %s)", (ref.tolist(), cu.tolist(), bins))
    got = cur.fetchone()[0]
    if not rel_ok(got, want):
        bad_psi.append(f"m={len(ref)} n={len(cu)} bins={bins}: {got!r} vs {want!r}")
    cur.execute("TRUNCATE d")
    cur.executemany("INSERT INTO d VALUES (%s, %s)",
                    [(float(v), True) for v in ref] + [(float(v), False) for v in cu])
    cur.execute("SELECT mlops.psi(v, r, %s), mlops.jensen_shannon(v, r, %s), mlops.hellinger(v, r, %s), "
                "mlops.wasserstein(v, r) FROM d WHERE v <> 'NaN' OR %s", (bins, bins, bins, True))
    gp, gjs, gh, gw = cur.fetchone()
    if not rel_ok(gp, want):
        bad_agg.append(f"bins={bins}: {gp!r} vs {want!r}")
    p, q = rc / rc.sum(), cc / cc.sum()
    wjs = float(distance.jensenshannon(p, q))
    if not rel_ok(gjs, wjs, 1e-7, 1e-9):
        bad_js.append(f"bins={bins}: {gjs!r} vs {wjs!r}")
    wh = float(np.sqrt(np.sum((np.sqrt(p) - np.sqrt(q)) ** 2) / 2))
    if not rel_ok(gh, wh):
        bad_h.append(f"bins={bins}: {gh!r} vs {wh!r}")
    if not (np.isnan(ref).any() or np.isnan(cu).any()):
        ww = float(stats.wasserstein_distance(ref, cu))
        if not rel_ok(gw, ww, 1e-9, 1e-12):
            bad_w.append(f"m={len(ref)} n={len(cu)}: {gw!r} vs {ww!r}")
    elif gw == gw:
        bad_w.append("NaN in a sample must give NaN")
tests += [(not bad_psi, "psi(float8[], float8[], bins) matches the NumPy reference", bad_psi),
          (not bad_agg, "psi aggregate matches", bad_agg),
          (not bad_js, "jensen_shannon matches scipy jensenshannon (natural log)", bad_js),
          (not bad_h, "hellinger matches", bad_h),
          (not bad_w, "wasserstein matches scipy wasserstein_distance", bad_w)]

# chi-square distribution and the PSI threshold
bad = []
for df in (1, 2, 3, 9, 19, 99, 999, 9999):
    for p in (1e-10, 0.001, 0.05, 0.5, 0.9, 0.95, 0.99, 0.999999):
        cur.execute("SELECT mlops._chi2_ppf(%s, %s)", (p, df))
        got, want = cur.fetchone()[0], stats.chi2.ppf(p, df)
        if not rel_ok(got, want, 1e-9):
            bad.append(f"ppf({p}, {df}): {got!r} vs {want!r}")
    for x in (0.01, 0.5, 1, df * 0.5, df, df * 1.5, df * 3 + 10, df * 10 + 50):
        cur.execute("SELECT mlops._chi2_sf(%s, %s)", (x, df))
        got, want = cur.fetchone()[0], stats.chi2.sf(x, df)
        if want >= 1e-300 and not rel_ok(got, want, 1e-9, 0):
            bad.append(f"sf({x}, {df}): {got!r} vs {want!r}")
tests.append((not bad, "chi-square ppf and sf match scipy.stats.chi2", bad))
bad = []
for n_ref, n_cur, bins, alpha in [(1000, 1000, 10, 0.05), (100, 5000, 2, 0.01), (10**6, 10**6, 100, 0.001), (50, 60, 10000, 0.5)]:
    cur.execute("SELECT mlops.psi_threshold(%s, %s, %s, %s)", (n_ref, n_cur, bins, alpha))
    got = cur.fetchone()[0]
    want = stats.chi2.ppf(1 - alpha, bins - 1) * (1 / n_ref + 1 / n_cur)
    if not rel_ok(got, want, 1e-9):
        bad.append(f"{n_ref},{n_cur},{bins},{alpha}: {got!r} vs {want!r}")
tests.append((not bad, "psi_threshold = chi2.ppf(1-alpha, bins-1)(1/n_ref + 1/n_cur)", bad))

# categorical
bad_c, bad_pc = [], []
cur.execute("CREATE TEMP TABLE c(v text, r bool)")
for i in range(25):
    k = int(rng.integers(1, 30))
    pr = rng.dirichlet(np.ones(k))
    pc = rng.dirichlet(np.ones(k)) if i % 3 else pr
    a = rng.choice(k, int(rng.integers(1, 2000)), p=pr)
    b = rng.choice(k, int(rng.integers(1, 2000)), p=pc)
    cur.execute("TRUNCATE c")
    cur.executemany("INSERT INTO c VALUES (%s, %s)",
                    [(f"cat{v}", True) for v in a] + [(f"cat{v}", False) for v in b])
    cur.execute("SELECT (mlops.chi2_test(v, r)).*, mlops.psi_categorical(v, r) FROM c")
    st, pv, nr, nc, gpsi = cur.fetchone()
    cats = sorted(set(a) | set(b))
    table = np.array([[np.sum(a == c) for c in cats], [np.sum(b == c) for c in cats]])
    if len(cats) > 1:
        res = stats.chi2_contingency(table, correction=False)
        ws, wp = res[0], res[1]
    else:
        ws, wp = 0.0, 1.0
    if not (rel_ok(st, ws, 1e-9) and rel_ok(pv, wp, 1e-8, 1e-15) and nr == len(a) and nc == len(b)):
        bad_c.append(f"k={len(cats)}: ({st!r}, {pv!r}) vs ({ws!r}, {wp!r})")
    wpsi = psi_ref(table[0].astype(float), table[1].astype(float))
    if not rel_ok(gpsi, wpsi):
        bad_pc.append(f"k={len(cats)}: {gpsi!r} vs {wpsi!r}")
tests += [(not bad_c, "chi2_test matches scipy chi2_contingency(correction=False)", bad_c),
          (not bad_pc, "psi_categorical matches the NumPy reference", bad_pc)]

print(f"1..{len(tests)}")
for i, (ok, name, diag) in enumerate(tests, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {name}")
    if not ok:
        for line in diag[:15]:
            print(f"# {line}")
