#!/usr/bin/python3
"""Cross-check mlops.ks_2samp and mlops.ks_test against scipy.stats.ks_2samp.

Random samples of many sizes, with and without ties, on both the exact path
(max(m, n) <= 10000) and the asymptotic one, for all three alternatives.
Statistic: equal to 1e-12. P-value: relative error <= 1e-6 when SciPy's
p >= 1e-12, otherwise both below 1e-12 (+ 1e-14 absolute). Prints TAP.
"""
import warnings

import numpy as np
import psycopg2
from scipy import stats

warnings.simplefilter("ignore")
RTOL, PMIN = 1e-6, 1e-12
rng = np.random.default_rng(20260526)
conn = psycopg2.connect("")
conn.autocommit = True
cur = conn.cursor()
tests = []


def sample(n, shift, ties):
    x = rng.normal(shift, 1.0, n)
    if ties:
        x = np.round(x * ties) / ties
    return x


def close_p(p, ref):
    if ref >= PMIN:
        return abs(p - ref) <= RTOL * ref
    return p < PMIN + 1e-14


def check(name, cases):
    """cases: list of (ref, cur); compare every alternative; one TAP test."""
    bad = []
    for a, b in cases:
        for alt in ("two-sided", "greater", "less"):
            r = stats.ks_2samp(a, b, alternative=alt, method="auto")
            cur.execute("SELECT statistic, pvalue, n_ref, n_cur FROM mlops.ks_2samp(%s::float8[], %s::float8[], %s)",
                        (a.tolist(), b.tolist(), alt))
            d, p, m, n = cur.fetchone()
            ok = (m == len(a) and n == len(b) and abs(d - r.statistic) <= 1e-12
                  and close_p(p, r.pvalue))
            if not ok:
                bad.append(f"m={len(a)} n={len(b)} {alt}: D {d!r} vs {r.statistic!r}, p {p!r} vs {r.pvalue!r}")
    tests.append((not bad, f"{name}: {len(cases) * 3} comparisons", bad))


def sizes_cases(pairs, ties=0, shifts=(0.0, 0.1, 0.3, 0.8)):
    out = []
    for i, (m, n) in enumerate(pairs):
        out.append((sample(m, 0.0, ties), sample(n, shifts[i % len(shifts)], ties)))
    return out


small = [(int(rng.integers(1, 40)), int(rng.integers(1, 40))) for _ in range(40)]
check("exact, small samples", sizes_cases(small))
check("exact, small samples with ties", sizes_cases(small, ties=2))
medium = [(int(rng.integers(40, 1500)), int(rng.integers(40, 1500))) for _ in range(30)]
check("exact, medium samples", sizes_cases(medium))
check("exact, medium samples with ties", sizes_cases(medium, ties=4))
equal = [(n, n) for n in (1, 2, 7, 50, 333, 1000, 4000)]
check("exact, equal sizes (closed forms)", sizes_cases(equal, shifts=(0.0, 0.05, 0.2, 0.5)))
check("exact, equal sizes with ties", sizes_cases(equal, ties=3))
check("exact, up to 10000", sizes_cases([(10000, 9000), (10000, 37), (2500, 10000)], shifts=(0.03, 0.1, 0.05)))
# one-sided exact counts stop where C(m+n, m) overflows a double (m+n ~ 1030): SciPy then uses eq. 5.3
check("around the one-sided overflow fallback", sizes_cases([(500, 530), (520, 510), (510, 515), (300, 731), (600, 700)],
                                                           shifts=(0.0, 0.05, 0.2)))
# asymptotic: n_e <= 140 (Durbin / Miller), 140 < n_e <= 1e5 (Durbin, Smirnov), beyond (Pelz-Good)
asy = [(10001, 1), (12000, 5), (20000, 60), (15000, 130), (30000, 139), (10001, 150), (12000, 400),
       (25000, 3000), (40000, 20000), (10001, 10001)]
check("asymptotic, mixed sizes", sizes_cases(asy, shifts=(0.0, 0.02, 0.1, 0.3)))
check("asymptotic, with ties", sizes_cases(asy[:6], ties=5, shifts=(0.0, 0.2, 0.5)))
check("asymptotic, n_e above 1e5 (Pelz-Good)", sizes_cases([(250000, 260000)], shifts=(0.002,)))

# targeted: D values across the two-sided dispatcher's regions for the one-sample distribution
bad = []
for n in (1, 2, 5, 50, 140, 141, 1000, 20000, 100000, 100001, 500000):
    for x in np.concatenate([np.linspace(0.0, 1.0, 41), [0.3 / np.sqrt(n), 0.8 / np.sqrt(n), 1.2 / np.sqrt(n), 2 / np.sqrt(n)]]):
        x = float(min(max(x, 0.0), 1.0))
        ref = float(stats.kstwo.sf(x, n))
        # m = 2n' so that round(m*k/(m+k)) == n needs care: test through a pair with known n_e instead
        cur.execute("SELECT mlops._kolmogn_sf(%s, %s)", (n, x))
        p = cur.fetchone()[0]
        if not close_p(p, ref):
            bad.append(f"n={n} x={x!r}: {p!r} vs {ref!r}")
tests.append((not bad, "one-sample Kolmogorov survival function against scipy.stats.kstwo.sf", bad))

# the aggregate agrees with the function
cur.execute("CREATE TEMP TABLE ks_x(v float8, r bool)")
a, b = sample(700, 0, 10), sample(650, 0.2, 10)
cur.executemany("INSERT INTO ks_x VALUES (%s, %s)", [(float(v), True) for v in a] + [(float(v), False) for v in b])
cur.execute("SELECT (mlops.ks_test(v, r)).pvalue, (mlops.ks_test(v, r, 'less')).pvalue FROM ks_x")
p2, pl = cur.fetchone()
r2, rl = stats.ks_2samp(a, b).pvalue, stats.ks_2samp(a, b, alternative="less").pvalue
tests.append((close_p(p2, r2) and close_p(pl, rl), "ks_test aggregate matches scipy",
              [f"{p2} vs {r2}, {pl} vs {rl}"]))

print(f"1..{len(tests)}")
for i, (ok, name, diag) in enumerate(tests, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {name}")
    if not ok:
        for line in diag[:15]:
            print(f"# {line}")
