/*
 * drift_chi2.c: the chi-square distribution for chi2_test p-values and the
 * chi-square-calibrated PSI threshold, from the regularized incomplete gamma
 * function (power series below a+1, Lentz's continued fraction above).
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "drift/drift.h"

#define CHI2_EPS 1e-16
#define CHI2_MAXIT 100000

/* log(e^-x x^a / Gamma(a)): the common prefactor of P(a,x) and Q(a,x). */
static double
gamma_log_prefactor(double a, double x)
{
	return a * log(x) - x - lgamma(a);
}

/* P(a,x) by the series sum x^n / (a (a+1) ... (a+n)), for x < a + 1. */
static double
gamma_p_series(double a, double x)
{
	double		term = 1.0 / a,
				sum = term,
				ap = a;
	int			i;

	for (i = 0; i < CHI2_MAXIT; i++)
	{
		ap += 1.0;
		term *= x / ap;
		sum += term;
		if (fabs(term) < fabs(sum) * CHI2_EPS)
			break;
	}
	return sum * exp(gamma_log_prefactor(a, x));
}

/* Q(a,x) by the continued fraction (modified Lentz), for x >= a + 1. */
static double
gamma_q_fraction(double a, double x)
{
	double		tiny = DBL_MIN / DBL_EPSILON;
	double		b = x + 1.0 - a,
				c = 1.0 / tiny,
				d = 1.0 / b,
				h = d;
	int			i;

	for (i = 1; i < CHI2_MAXIT; i++)
	{
		double		an = -i * (i - a),
					del;

		b += 2.0;
		d = an * d + b;
		if (fabs(d) < tiny)
			d = tiny;
		c = b + an / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1.0 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1.0) < CHI2_EPS)
			break;
	}
	return exp(gamma_log_prefactor(a, x)) * h;
}

/* Upper regularized incomplete gamma Q(a,x) = 1 - P(a,x). */
static double
gamma_q(double a, double x)
{
	if (x <= 0.0)
		return 1.0;
	if (isinf(x))
		return 0.0;
	if (x < a + 1.0)
		return 1.0 - gamma_p_series(a, x);
	return gamma_q_fraction(a, x);
}

/* Lower regularized incomplete gamma P(a,x) = 1 - Q(a,x). */
static double
gamma_p(double a, double x)
{
	if (x <= 0.0)
		return 0.0;
	if (isinf(x))
		return 1.0;
	if (x < a + 1.0)
		return gamma_p_series(a, x);
	return 1.0 - gamma_q_fraction(a, x);
}

/* P(X >= x) for X chi-square with df degrees of freedom. */
double
drift_chi2_sf(double x, double df)
{
	if (isnan(x))
		return NAN;
	return Min(Max(gamma_q(df / 2.0, x / 2.0), 0.0), 1.0);
}

/* Chi-square density, for Newton steps. */
static double
chi2_pdf(double x, double df)
{
	double		a = df / 2.0;

	if (x <= 0.0)
		return 0.0;
	return exp((a - 1.0) * log(x / 2.0) - x / 2.0 - lgamma(a)) / 2.0;
}

/*
 * Rough standard normal quantile (Abramowitz & Stegun 26.2.23) of the lower
 * tail p, its upper tail q = 1 - p given as well: a starting point only.
 */
static double
normal_quantile_rough(double p, double q)
{
	double		tail = (p < 0.5) ? p : q;
	double		t = sqrt(-2.0 * log(tail));
	double		z = t - (2.515517 + 0.802853 * t + 0.010328 * t * t)
	/ (1.0 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t);

	return (p < 0.5) ? -z : z;
}

/*
 * The x with P(X <= x) = p and P(X > x) = q for X chi-square(df), where
 * p + q = 1 and the small one of them is given exactly (1 - alpha loses
 * alpha's digits when alpha is tiny): safeguarded Newton on the small tail
 * from the Wilson-Hilferty start, bisecting whenever a step would leave the
 * bracket.
 */
static double
chi2_quantile(double p, double q, double df)
{
	double		z = normal_quantile_rough(p, q);
	double		c = 2.0 / (9.0 * df);
	double		x = df * pow(Max(1.0 - c + z * sqrt(c), 0.01), 3);
	double		lo = 0.0,
				hi = INFINITY;
	int			i;

	if (p <= 0.0)
		return 0.0;
	if (q <= 0.0)
		return INFINITY;
	for (i = 0; i < 500; i++)
	{
		/* p - P(x) = Q(x) - q, from whichever tail is small */
		double		f = (p < 0.5) ? p - gamma_p(df / 2.0, x / 2.0)
		: gamma_q(df / 2.0, x / 2.0) - q;
		double		dens = chi2_pdf(x, df);
		double		nx;

		if (f == 0.0)
			break;
		if (f > 0.0)
			lo = x;				/* tail too heavy: x too small */
		else
			hi = x;
		nx = (dens > 0.0) ? x + f / dens : NAN;
		if (!(nx > lo && nx < hi))
			nx = isinf(hi) ? Max(2.0 * x, 1.0) : (lo + hi) / 2.0;
		if (fabs(nx - x) <= 1e-15 * Max(fabs(x), 1e-300))
		{
			x = nx;
			break;
		}
		x = nx;
	}
	return x;
}

/* The x with P(X <= x) = p for X chi-square(df). */
double
drift_chi2_ppf(double p, double df)
{
	return chi2_quantile(p, 1.0 - p, df);
}

/* The x with P(X > x) = q for X chi-square(df), exact for a tiny q. */
double
drift_chi2_isf(double q, double df)
{
	return chi2_quantile(1.0 - q, q, df);
}
