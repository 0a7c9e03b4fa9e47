/*
 * drift_kdist.c: p-values of the Kolmogorov-Smirnov statistics.
 *
 * Two samples, exact (Hodges 1958): the share of monotone lattice paths from
 * (0,0) to (m,n) that touch the boundary |x/m - y/n| >= D, computed directly
 * as a probability (each point averages its two predecessors with weights
 * x/(x+y) and y/(x+y), Viehmann 2021), so it is a convex combination and never
 * overflows; closed forms when m = n. Large samples: the one-sample
 * Kolmogorov distribution at n_e = round(mn/(m+n)) for two-sided tests
 * (Simard & L'Ecuyer 2011: Ruben-Gambino ends, Durbin's matrix in the
 * Marsaglia-Tsang-Wang form, Pelz-Good, and Miller's 2 x Smirnov tail, with
 * the same switch-over points SciPy 1.10 uses), Hodges' eq. 5.3 one-sided.
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "miscadmin.h"

#include "drift/drift.h"

/* Largest sample SciPy's method='auto' still treats exactly. */
#define KS_MAX_EXACT_N 10000

/* ---------------------------------------------------------------------- */
/* Two samples, exact                                                      */
/* ---------------------------------------------------------------------- */

/* Greatest common divisor. */
static int64
ks_gcd(int64 a, int64 b)
{
	while (b != 0)
	{
		int64		t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/*
 * P(D_{n,n} >= h/n), two-sided: 2 * sum_{k>=1} (-1)^(k-1) C(2n,n-kh)/C(2n,n).
 * Consecutive terms differ by the factor r_k = C(2n,n-kh)/C(2n,n-(k-1)h), a
 * product of h simple ratios, so the sum is evaluated as
 * r_1 (1 - r_2 (1 - r_3 (...))) from the innermost term outwards.
 */
static double
ks2_square_two_sided(int64 n, int64 h)
{
	double		acc = 0.0;
	int64		k,
				j;

	for (k = n / h; k >= 0; k--)
	{
		double		r = 1.0;

		for (j = 0; j < h; j++)
			r *= (double) (n - k * h - j) / (double) (n + k * h + j + 1);
		acc = r * (1.0 - acc);
	}
	return 2.0 * acc;
}

/* P(D+_{n,n} >= h/n) = C(2n,n-h)/C(2n,n) as a product of h ratios. */
static double
ks2_square_one_sided(int64 n, int64 h)
{
	double		p = 1.0;
	int64		j;

	for (j = 0; j < h; j++)
		p *= (double) (n - j) / (double) (n + j + 1);
	return p;
}

/*
 * Share of lattice paths (0,0) -> (m,n), steps +1 in x or y, that reach a
 * point with a*x - b*y >= h (or |a*x - b*y| >= h when two_sided), where
 * a = n/g and b = m/g. A[y] holds, for the current column x, the share of
 * paths to (x,y) that have already touched the boundary: 1 outside the band,
 * and (x*A(x-1,y) + y*A(x,y-1))/(x+y) inside it.
 */
static double
ks2_lattice(int64 m, int64 n, int64 h, bool two_sided)
{
	int64		g = ks_gcd(m, n);
	int64		a = n / g,
				b = m / g;
	double	   *A = palloc(sizeof(double) * (n + 1));
	int64		x,
				y,
				lo,
				hi,
				prev_lo = 0;
	double		p;

	hi = two_sided ? Min((h - 1) / b, n) : n;
	for (y = 0; y <= n; y++)
		A[y] = (y <= hi) ? 0.0 : 1.0;
	for (x = 1; x <= m; x++)
	{
		double		left = 1.0;
		int64		num = a * x - h;

		CHECK_FOR_INTERRUPTS();
		lo = (num < 0) ? 0 : num / b + 1;
		hi = two_sided ? Min((a * x + h - 1) / b, n) : n;
		if (lo > hi)
		{
			pfree(A);
			return 1.0;			/* every path has left the band */
		}
		for (y = lo; y <= hi; y++)
		{
			left = (y == 0) ? A[0]
				: ((double) x * A[y] + (double) y * left) / (double) (x + y);
			A[y] = left;
		}
		for (y = prev_lo; y < lo; y++)
			A[y] = 1.0;
		prev_lo = lo;
	}
	p = A[n];
	pfree(A);
	return p;
}

/* log C(m+n, m) would not fit a float8: SciPy gives up the exact one-sided count. */
static bool
ks2_binom_overflows(int64 m, int64 n)
{
	double		lb = lgamma((double) (m + n + 1)) - lgamma((double) (m + 1))
	- lgamma((double) (n + 1));

	return lb > log(DBL_MAX);
}

/*
 * Exact p-value of the two-sample statistic *d (snapped to the lattice h/lcm
 * first, as SciPy does). Returns false where SciPy's exact attempt fails and
 * it falls back to the asymptotic formula.
 */
bool
drift_ks2_exact(int64 m, int64 n, double *d, int alternative, double *p)
{
	int64		g,
				lcm,
				h;
	double		prob;

	/* size first: (m/g)*n and rint(d*lcm) may overflow int64 for huge samples */
	if (m <= 0 || n <= 0 || Max(m, n) > KS_MAX_EXACT_N)
		return false;
	g = ks_gcd(m, n);
	lcm = (m / g) * n;
	h = (int64) rint(*d * (double) lcm);
	*d = (double) h / (double) lcm;
	if (h == 0)
	{
		*p = 1.0;
		return true;
	}
	if (alternative == DRIFT_ALT_TWO_SIDED)
		prob = (m == n) ? ks2_square_two_sided(n, h) : ks2_lattice(Max(m, n), Min(m, n), h, true);
	else if (m == n)
		prob = ks2_square_one_sided(n, h);
	else if (ks2_binom_overflows(m, n))
		return false;
	else
		prob = ks2_lattice(m, n, h, false);
	if (!(prob >= 0.0 && prob <= 1.0))
		return false;
	*p = prob;
	return true;
}

/*
 * Asymptotic p-value: two-sided, the one-sample Kolmogorov survival function
 * at n_e = round(mn/(m+n)) (half to even); one-sided, Hodges' eq. 5.3 with m
 * the larger sample.
 */
double
drift_ks2_asymp(int64 m, int64 n, double d, int alternative)
{
	double		big = (double) Max(m, n),
				small = (double) Min(m, n);
	double		en = big * small / (big + small);
	double		p;

	if (alternative == DRIFT_ALT_TWO_SIDED)
		p = drift_kolmogn_sf((int64) rint(en), d);
	else
	{
		double		z = sqrt(en) * d;

		p = exp(-2.0 * z * z - 2.0 * z * (big + 2.0 * small)
				/ sqrt(big * small * (big + small)) / 3.0);
	}
	return Min(Max(p, 0.0), 1.0);
}

/* ---------------------------------------------------------------------- */
/* One sample: Smirnov (one-sided) and Kolmogorov (two-sided)              */
/* ---------------------------------------------------------------------- */

/* log(n!/n^n), by lgamma in long double. */
static long double
ks_log_nfact_over_npow(int64 n)
{
	return lgammal((long double) n + 1.0L) - (long double) n * logl((long double) n);
}

/* log of the v-th Birnbaum-Tingey term C(n,v) (x+v/n)^(v-1) (1-x-v/n)^(n-v), given log C(n,v). */
static inline double
smirnov_log_term(int64 n, double x, int64 v, double logc)
{
	double		dn = (double) n;
	double		down = ((double) (n - v) - dn * x) / dn;

	if (down <= 0.0)
		return -INFINITY;
	return logc + (double) (v - 1) * log(x + (double) v / dn) + (double) (n - v) * log(down);
}

/* log C(n,v) from lgamma. */
static inline double
log_binom(int64 n, int64 v)
{
	return lgamma((double) n + 1.0) - lgamma((double) v + 1.0) - lgamma((double) (n - v) + 1.0);
}

/*
 * P(D+_n >= x), Smirnov/Birnbaum-Tingey:
 *   x * sum_{v=0}^{floor(n(1-x))} C(n,v) (x+v/n)^(v-1) (1-x-v/n)^(n-v).
 * Every term is positive and the terms are unimodal in v, so the largest is
 * found by bisection on the sign of t(v+1) - t(v), and the sum walks out
 * from it both ways until the terms fall below 1e-20 of it. Each term comes
 * from its logarithm in double (accurate to ~1e-10 absolute even for
 * n = 1e6). For n above a million, as SciPy, exp(-(6nx+1)^2/(18n)).
 */
double
drift_smirnov_sf(int64 n, double x)
{
	double		sum = 0.0,
				peak,
				logc,
				t;
	int64		v,
				lo,
				hi,
				last;

	if (isnan(x))
		return NAN;
	if (x <= 0.0)
		return 1.0;
	if (x >= 1.0)
		return 0.0;
	if (n == 1)
		return 1.0 - x;
	if (-2.0 * n * x * x < -708.3964185322641)
		return 0.0;
	if (n > 1000000)
		return exp(-pow(6.0 * n * x + 1.0, 2) / 18.0 / n);
	last = (int64) floor((double) n * (1.0 - x));
	lo = 0;
	hi = last;
	while (lo < hi)
	{
		int64		mid = lo + (hi - lo) / 2;

		if (smirnov_log_term(n, x, mid + 1, log_binom(n, mid + 1))
			> smirnov_log_term(n, x, mid, log_binom(n, mid)))
			lo = mid + 1;
		else
			hi = mid;
	}
	logc = log_binom(n, lo);
	peak = smirnov_log_term(n, x, lo, logc);
	/* downwards from the peak: log C(n,v-1) = log C(n,v) + log(v/(n-v+1)) */
	for (v = lo; v >= 0; v--)
	{
		t = smirnov_log_term(n, x, v, logc);
		if (t < peak - 46.0)
			break;
		sum += exp(t);
		logc += log((double) v / (double) (n - v + 1));
	}
	logc = log_binom(n, lo);
	for (v = lo + 1; v <= last; v++)
	{
		logc += log((double) (n - v + 1) / (double) v);
		t = smirnov_log_term(n, x, v, logc);
		if (t < peak - 46.0)
			break;
		sum += exp(t);
	}
	return Min(Max(x * sum, 0.0), 1.0);
}

/* Matrix product C = A B of k x k matrices (C distinct from A and B). */
static void
ks_matmul(const double *A, const double *B, double *C, int k)
{
	int			i,
				j,
				l;

	for (i = 0; i < k; i++)
	{
		double	   *c = C + i * k;

		for (j = 0; j < k; j++)
			c[j] = 0.0;
		for (l = 0; l < k; l++)
		{
			double		a = A[i * k + l];
			const double *b = B + l * k;

			if (a == 0.0)
				continue;
			for (j = 0; j < k; j++)
				c[j] += a * b[j];
		}
	}
}

/* Scale a matrix by a power of two so its largest entry is below 1; add the exponent to *e. */
static void
ks_rescale(double *A, int k, int *e)
{
	double		mx = 0.0;
	int			i,
				ex;

	for (i = 0; i < k * k; i++)
		mx = Max(mx, fabs(A[i]));
	if (mx == 0.0 || (mx > 0x1p-256 && mx < 0x1p256))
		return;
	(void) frexp(mx, &ex);
	for (i = 0; i < k * k; i++)
		A[i] = ldexp(A[i], -ex);
	*e += ex;
}

/*
 * P(D_n < d) by Durbin's matrix (Marsaglia, Tsang & Wang 2003): with
 * k = ceil(nd), h = k - nd and the (2k-1)-square matrix H of 1/(i-j+1)!
 * terms corrected in its first column and last row, P = n!/n^n (H^n)[k,k].
 */
static double
ks_durbin_cdf(int64 n, double d)
{
	double		nd = n * d;
	int			k,
				m,
				i,
				j,
				e_pow = 0,
				e_h = 0;
	double		h,
			   *H,
			   *P,
			   *T,
				fact,
				p;
	int64		nn;
	long double lp;

	if (d >= 1.0)
		return 1.0;
	if (nd <= 0.5)
		return 0.0;
	k = (int) ceil(nd);
	h = k - nd;
	m = 2 * k - 1;
	H = palloc0(sizeof(double) * m * m);
	P = palloc0(sizeof(double) * m * m);
	T = palloc(sizeof(double) * m * m);
	for (i = 0; i < m; i++)
	{
		fact = 1.0;
		for (j = i + 1; j >= 0; j--)
		{
			/* H[i][j] = 1/(i-j+1)! for j <= i+1 */
			if (j < m)
				H[i * m + j] = fact;
			fact /= (double) (i - j + 2);
		}
	}
	/* first column and last row: subtract h^i/i! terms; corner gets (2h-1)^m/m! back */
	fact = 1.0;
	for (i = 1; i <= m; i++)
	{
		fact /= i;
		H[(i - 1) * m] -= pow(h, i) * fact;
		H[(m - 1) * m + (m - i)] -= pow(h, i) * fact;
	}
	if (2.0 * h - 1.0 > 0.0)
		H[(m - 1) * m] += pow(2.0 * h - 1.0, m) * fact;
	for (i = 0; i < m; i++)
		P[i * m + i] = 1.0;
	for (nn = n; nn > 0; nn >>= 1)
	{
		if (nn & 1)
		{
			ks_matmul(P, H, T, m);
			memcpy(P, T, sizeof(double) * m * m);
			e_pow += e_h;
			ks_rescale(P, m, &e_pow);
		}
		if (nn > 1)
		{
			ks_matmul(H, H, T, m);
			memcpy(H, T, sizeof(double) * m * m);
			e_h *= 2;
			ks_rescale(H, m, &e_h);
		}
		CHECK_FOR_INTERRUPTS();
	}
	p = P[(k - 1) * m + (k - 1)];
	pfree(H);
	pfree(P);
	pfree(T);
	if (p <= 0.0)
		return 0.0;
	lp = logl((long double) p) + (long double) e_pow * M_LN2 + ks_log_nfact_over_npow(n);
	return (double) Min(expl(lp), 1.0L);
}

/*
 * P(D_n <= x) by the Pelz-Good (1976) expansion
 *   K0(z) + K1(z)/sqrt(n) + K2(z)/n + K3(z)/n^1.5,  z = x sqrt(n),
 * each K written with the theta-function series that converge fast for small z.
 */
static double
ks_pelz_good_cdf(int64 n, double x)
{
	double		z = sqrt((double) n) * x;
	double		z2 = z * z,
				z4 = z2 * z2,
				z6 = z4 * z2,
				z8 = z4 * z4;
	double		pi2 = M_PI * M_PI,
				pi4 = pi2 * pi2,
				pi6 = pi4 * pi2;
	double		s0 = 0.0,
				s1 = 0.0,
				s2 = 0.0,
				s3 = 0.0,
				t2 = 0.0,
				t3 = 0.0;
	double		w = sqrt(2.0 * M_PI);
	double		sn = sqrt((double) n);
	int			k,
				kmax;

	if (x <= 0.0)
		return 0.0;
	if (x >= 1.0)
		return 1.0;
	if (-pi2 / 8.0 / z2 < -708.0)
		return 0.0;
	kmax = (int) ceil(16.0 * z / M_PI);
	for (k = 1; k <= kmax; k++)
	{
		double		h2 = (k - 0.5) * (k - 0.5);	/* (k - 1/2)^2 */
		double		e = exp(-pi2 * h2 / (2.0 * z2));
		double		f = exp(-pi2 * (double) k * k / (2.0 * z2));
		double		kk = (double) k * k;

		s0 += e;
		s1 += (pi2 * h2 - z2) * e;
		s2 += (6.0 * z6 + 2.0 * z4 + pi2 * (2.0 * z4 - 5.0 * z2) * h2
			   + pi4 * (1.0 - 2.0 * z2) * h2 * h2) * e;
		s3 += (-30.0 * z6 - 90.0 * z8 + pi2 * (135.0 * z4 - 96.0 * z6) * h2
			   + pi4 * (212.0 * z4 - 60.0 * z2) * h2 * h2
			   + pi6 * (5.0 - 30.0 * z2) * h2 * h2 * h2) * e;
		t2 += kk * f;
		t3 += (3.0 * z2 - pi2 * kk) * kk * f;
	}
	s0 *= w / z;
	s1 *= w / (6.0 * z4);
	s2 = s2 * w / (72.0 * z6 * z) - t2 * pi2 * w / (36.0 * z2 * z);
	s3 = s3 * w / (6480.0 * z8 * z2) + t3 * pi2 * w / (216.0 * z6);
	return s0 + s1 / sn + s2 / (double) n + s3 / ((double) n * sn);
}

/* 1 - P(D_n < x) clipped to [0,1]. */
static double
ks_sf_from_cdf(double cdf)
{
	return Min(Max(1.0 - cdf, 0.0), 1.0);
}

/* 2 P(D+_n >= x) clipped: exact for x >= 1/2, Miller's approximation below. */
static double
ks_two_smirnov(int64 n, double x)
{
	return Min(2.0 * drift_smirnov_sf(n, x), 1.0);
}

/*
 * P(D_n >= x), the survival function of the one-sample two-sided statistic
 * (SciPy's kstwo.sf), with Simard & L'Ecuyer's choice of method by n and
 * n x^2. Where SciPy uses Pomeranz's recursion (n <= 140, 0.754693 < nx^2
 * <= 4) this uses Durbin's matrix: both are exact algorithms.
 */
double
drift_kolmogn_sf(int64 n, double x)
{
	double		t = n * x;
	double		nx2;

	if (n <= 0 || isnan(x))
		return NAN;
	if (x >= 1.0)
		return 0.0;
	if (x <= 0.0)
		return 1.0;
	if (t <= 1.0)
	{
		/* Ruben-Gambino: P(D_n < x) = n!/n^n (2t-1)^n for 1/(2n) < x <= 1/n */
		long double lc;

		if (t <= 0.5)
			return 1.0;
		lc = ks_log_nfact_over_npow(n) + (long double) n * logl(2.0L * t - 1.0L);
		return ks_sf_from_cdf((double) expl(lc));
	}
	if (t >= n - 1)
		return Min(2.0 * pow(1.0 - x, (double) n), 1.0);	/* Ruben-Gambino */
	if (x >= 0.5)
		return ks_two_smirnov(n, x);
	nx2 = t * x;
	if (n <= 140)
	{
		if (nx2 <= 4.0)
			return ks_sf_from_cdf(ks_durbin_cdf(n, x));
		return ks_two_smirnov(n, x);
	}
	if (nx2 >= 370.0)
		return 0.0;
	if (nx2 >= 2.2)
		return ks_two_smirnov(n, x);
	if (nx2 >= 18.0)
		return 0.0;
	if (n <= 100000 && n * pow(x, 1.5) <= 1.4)
		return ks_sf_from_cdf(ks_durbin_cdf(n, x));
	return ks_sf_from_cdf(ks_pelz_good_cdf(n, x));
}
