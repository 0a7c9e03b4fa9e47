-- Drift statistics (API.md -> Drift statistics): exact two-sample statistics
-- in C. Every aggregate collects both samples in an internal state that
-- combines, serializes and deserializes, so all of them are parallel safe.

CREATE TYPE mlops.drift_result AS (
    statistic double precision,
    pvalue    double precision,
    n_ref     bigint,
    n_cur     bigint
);
COMMENT ON TYPE mlops.drift_result IS 'result of a two-sample drift test: statistic, p-value and the sample sizes';

-- Transition machinery shared by the exact aggregates.
CREATE FUNCTION mlops._drift_accum(internal, double precision, boolean) RETURNS internal
    LANGUAGE c PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_drift_accum';
COMMENT ON FUNCTION mlops._drift_accum(internal, double precision, boolean) IS 'internal: drift aggregate transition (value, is_reference)';
CREATE FUNCTION mlops._drift_accum(internal, double precision, boolean, integer) RETURNS internal
    LANGUAGE c PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_drift_accum_bins';
COMMENT ON FUNCTION mlops._drift_accum(internal, double precision, boolean, integer) IS 'internal: drift aggregate transition (value, is_reference, bins)';
CREATE FUNCTION mlops._drift_accum(internal, double precision, boolean, text) RETURNS internal
    LANGUAGE c PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_drift_accum_alt';
COMMENT ON FUNCTION mlops._drift_accum(internal, double precision, boolean, text) IS 'internal: drift aggregate transition (value, is_reference, alternative)';
CREATE FUNCTION mlops._drift_combine(internal, internal) RETURNS internal
    LANGUAGE c PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_drift_combine';
COMMENT ON FUNCTION mlops._drift_combine(internal, internal) IS 'internal: merge two partial drift aggregate states';
CREATE FUNCTION mlops._drift_serialize(internal) RETURNS bytea
    LANGUAGE c STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_drift_serialize';
COMMENT ON FUNCTION mlops._drift_serialize(internal) IS 'internal: serialize a drift aggregate state';
CREATE FUNCTION mlops._drift_serialize_grouped(internal) RETURNS bytea
    LANGUAGE c STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_drift_serialize_grouped';
COMMENT ON FUNCTION mlops._drift_serialize_grouped(internal) IS 'internal: serialize a drift aggregate state for a binned statistic (values grouped by their leading bits, not sorted)';
CREATE FUNCTION mlops._drift_deserialize(bytea, internal) RETURNS internal
    LANGUAGE c STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_drift_deserialize';
COMMENT ON FUNCTION mlops._drift_deserialize(bytea, internal) IS 'internal: deserialize a drift aggregate state (checks every length)';

-- Kolmogorov-Smirnov
CREATE FUNCTION mlops.ks_2samp(ref double precision[], cur double precision[],
                               alternative text DEFAULT 'two-sided')
    RETURNS mlops.drift_result
    LANGUAGE c STRICT IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_ks_2samp';
COMMENT ON FUNCTION mlops.ks_2samp(double precision[], double precision[], text) IS
    'two-sample Kolmogorov-Smirnov test as scipy.stats.ks_2samp(method=''auto''): exact p for max(n) <= 10000, else the Kolmogorov distribution at n_e = round(mn/(m+n)); alternative two-sided, greater or less';

CREATE FUNCTION mlops._ks_final(internal) RETURNS mlops.drift_result
    LANGUAGE c PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_ks_final';
COMMENT ON FUNCTION mlops._ks_final(internal) IS 'internal: final function of mlops.ks_test';

CREATE AGGREGATE mlops.ks_test(value double precision, is_reference boolean) (
    SFUNC = mlops._drift_accum, STYPE = internal, SSPACE = 16384,
    FINALFUNC = mlops._ks_final,
    COMBINEFUNC = mlops._drift_combine,
    SERIALFUNC = mlops._drift_serialize, DESERIALFUNC = mlops._drift_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.ks_test(double precision, boolean) IS
    'two-sample Kolmogorov-Smirnov test over rows (is_reference true = reference sample), two-sided, as mlops.ks_2samp';

CREATE AGGREGATE mlops.ks_test(value double precision, is_reference boolean, alternative text) (
    SFUNC = mlops._drift_accum, STYPE = internal, SSPACE = 16384,
    FINALFUNC = mlops._ks_final,
    COMBINEFUNC = mlops._drift_combine,
    SERIALFUNC = mlops._drift_serialize, DESERIALFUNC = mlops._drift_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.ks_test(double precision, boolean, text) IS
    'two-sample Kolmogorov-Smirnov test over rows with an alternative (two-sided, greater, less), as mlops.ks_2samp';

CREATE FUNCTION mlops._kolmogn_sf(n bigint, x double precision) RETURNS double precision
    LANGUAGE c STRICT IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_kolmogn_sf';
COMMENT ON FUNCTION mlops._kolmogn_sf(bigint, double precision) IS
    'internal: survival function P(D_n >= x) of the one-sample two-sided Kolmogorov statistic (as scipy.stats.kstwo.sf)';

-- Population stability index
CREATE FUNCTION mlops.psi(ref double precision[], cur double precision[], bins integer DEFAULT 10)
    RETURNS double precision
    LANGUAGE c STRICT IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_psi_arrays';
COMMENT ON FUNCTION mlops.psi(double precision[], double precision[], integer) IS
    'population stability index on the reference''s quantiles at k/bins (linear interpolation, a value equal to an edge goes up, open end bins, NaN its own bin); empty share -> 1e-4 (or min_nonzero*1e-6)';

CREATE FUNCTION mlops._psi_final(internal) RETURNS double precision
    LANGUAGE c PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_psi_final';
COMMENT ON FUNCTION mlops._psi_final(internal) IS 'internal: final function of mlops.psi aggregates';

CREATE AGGREGATE mlops.psi(value double precision, is_reference boolean) (
    SFUNC = mlops._drift_accum, STYPE = internal, SSPACE = 16384,
    FINALFUNC = mlops._psi_final,
    COMBINEFUNC = mlops._drift_combine,
    SERIALFUNC = mlops._drift_serialize_grouped, DESERIALFUNC = mlops._drift_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.psi(double precision, boolean) IS
    'population stability index over rows on 10 reference-quantile bins, as mlops.psi(float8[], float8[])';

CREATE AGGREGATE mlops.psi(value double precision, is_reference boolean, bins integer) (
    SFUNC = mlops._drift_accum, STYPE = internal, SSPACE = 16384,
    FINALFUNC = mlops._psi_final,
    COMBINEFUNC = mlops._drift_combine,
    SERIALFUNC = mlops._drift_serialize_grouped, DESERIALFUNC = mlops._drift_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.psi(double precision, boolean, integer) IS
    'population stability index over rows on bins reference-quantile bins, as mlops.psi(float8[], float8[], int)';

CREATE FUNCTION mlops.psi_threshold(n_ref bigint, n_cur bigint, bins integer DEFAULT 10,
                                    alpha double precision DEFAULT 0.05)
    RETURNS double precision
    LANGUAGE c STRICT IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_psi_threshold';
COMMENT ON FUNCTION mlops.psi_threshold(bigint, bigint, integer, double precision) IS
    'chi-square-calibrated critical PSI: chi2.ppf(1 - alpha, bins - 1) * (1/n_ref + 1/n_cur)';

CREATE FUNCTION mlops._chi2_ppf(p double precision, df double precision) RETURNS double precision
    LANGUAGE c STRICT IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_chi2_ppf';
COMMENT ON FUNCTION mlops._chi2_ppf(double precision, double precision) IS 'internal: chi-square quantile (as scipy.stats.chi2.ppf)';
CREATE FUNCTION mlops._chi2_sf(x double precision, df double precision) RETURNS double precision
    LANGUAGE c STRICT IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_chi2_sf';
COMMENT ON FUNCTION mlops._chi2_sf(double precision, double precision) IS 'internal: chi-square survival function (as scipy.stats.chi2.sf)';

-- Distances between numeric samples
CREATE FUNCTION mlops._wasserstein_final(internal) RETURNS double precision
    LANGUAGE c PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_wasserstein_final';
COMMENT ON FUNCTION mlops._wasserstein_final(internal) IS 'internal: final function of mlops.wasserstein';
CREATE FUNCTION mlops._jensen_shannon_final(internal) RETURNS double precision
    LANGUAGE c PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_jensen_shannon_final';
COMMENT ON FUNCTION mlops._jensen_shannon_final(internal) IS 'internal: final function of mlops.jensen_shannon';
CREATE FUNCTION mlops._hellinger_final(internal) RETURNS double precision
    LANGUAGE c PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_hellinger_final';
COMMENT ON FUNCTION mlops._hellinger_final(internal) IS 'internal: final function of mlops.hellinger';

CREATE AGGREGATE mlops.wasserstein(value double precision, is_reference boolean) (
    SFUNC = mlops._drift_accum, STYPE = internal, SSPACE = 16384,
    FINALFUNC = mlops._wasserstein_final,
    COMBINEFUNC = mlops._drift_combine,
    SERIALFUNC = mlops._drift_serialize, DESERIALFUNC = mlops._drift_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.wasserstein(double precision, boolean) IS
    'exact Wasserstein-1 (earth mover''s) distance between the reference and current samples, as scipy.stats.wasserstein_distance';

CREATE AGGREGATE mlops.jensen_shannon(value double precision, is_reference boolean) (
    SFUNC = mlops._drift_accum, STYPE = internal, SSPACE = 16384,
    FINALFUNC = mlops._jensen_shannon_final,
    COMBINEFUNC = mlops._drift_combine,
    SERIALFUNC = mlops._drift_serialize_grouped, DESERIALFUNC = mlops._drift_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.jensen_shannon(double precision, boolean) IS
    'Jensen-Shannon distance (natural log) on 10 reference-quantile bins, as scipy.spatial.distance.jensenshannon';
CREATE AGGREGATE mlops.jensen_shannon(value double precision, is_reference boolean, bins integer) (
    SFUNC = mlops._drift_accum, STYPE = internal, SSPACE = 16384,
    FINALFUNC = mlops._jensen_shannon_final,
    COMBINEFUNC = mlops._drift_combine,
    SERIALFUNC = mlops._drift_serialize_grouped, DESERIALFUNC = mlops._drift_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.jensen_shannon(double precision, boolean, integer) IS
    'Jensen-Shannon distance (natural log) on bins reference-quantile bins';

CREATE AGGREGATE mlops.hellinger(value double precision, is_reference boolean) (
    SFUNC = mlops._drift_accum, STYPE = internal, SSPACE = 16384,
    FINALFUNC = mlops._hellinger_final,
    COMBINEFUNC = mlops._drift_combine,
    SERIALFUNC = mlops._drift_serialize_grouped, DESERIALFUNC = mlops._drift_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.hellinger(double precision, boolean) IS
    'Hellinger distance ||sqrt(p) - sqrt(q)|| / sqrt(2) on 10 reference-quantile bins';
CREATE AGGREGATE mlops.hellinger(value double precision, is_reference boolean, bins integer) (
    SFUNC = mlops._drift_accum, STYPE = internal, SSPACE = 16384,
    FINALFUNC = mlops._hellinger_final,
    COMBINEFUNC = mlops._drift_combine,
    SERIALFUNC = mlops._drift_serialize_grouped, DESERIALFUNC = mlops._drift_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.hellinger(double precision, boolean, integer) IS
    'Hellinger distance on bins reference-quantile bins';

-- Categorical drift
CREATE FUNCTION mlops._cat_accum(internal, text, boolean) RETURNS internal
    LANGUAGE c PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_cat_accum';
COMMENT ON FUNCTION mlops._cat_accum(internal, text, boolean) IS 'internal: categorical drift transition (value, is_reference)';
CREATE FUNCTION mlops._cat_combine(internal, internal) RETURNS internal
    LANGUAGE c PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_cat_combine';
COMMENT ON FUNCTION mlops._cat_combine(internal, internal) IS 'internal: merge two partial categorical drift states';
CREATE FUNCTION mlops._cat_serialize(internal) RETURNS bytea
    LANGUAGE c STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_cat_serialize';
COMMENT ON FUNCTION mlops._cat_serialize(internal) IS 'internal: serialize a categorical drift state';
CREATE FUNCTION mlops._cat_deserialize(bytea, internal) RETURNS internal
    LANGUAGE c STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_cat_deserialize';
COMMENT ON FUNCTION mlops._cat_deserialize(bytea, internal) IS 'internal: deserialize a categorical drift state (checks every length)';
CREATE FUNCTION mlops._psi_categorical_final(internal) RETURNS double precision
    LANGUAGE c PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_psi_categorical_final';
COMMENT ON FUNCTION mlops._psi_categorical_final(internal) IS 'internal: final function of mlops.psi_categorical';
CREATE FUNCTION mlops._chi2_test_final(internal) RETURNS mlops.drift_result
    LANGUAGE c PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_chi2_test_final';
COMMENT ON FUNCTION mlops._chi2_test_final(internal) IS 'internal: final function of mlops.chi2_test';

CREATE AGGREGATE mlops.psi_categorical(value text, is_reference boolean) (
    SFUNC = mlops._cat_accum, STYPE = internal, SSPACE = 4096,
    FINALFUNC = mlops._psi_categorical_final,
    COMBINEFUNC = mlops._cat_combine,
    SERIALFUNC = mlops._cat_serialize, DESERIALFUNC = mlops._cat_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.psi_categorical(text, boolean) IS
    'population stability index over categories (one bin per category seen in either sample, same empty-share fill as psi)';

CREATE AGGREGATE mlops.chi2_test(value text, is_reference boolean) (
    SFUNC = mlops._cat_accum, STYPE = internal, SSPACE = 4096,
    FINALFUNC = mlops._chi2_test_final,
    COMBINEFUNC = mlops._cat_combine,
    SERIALFUNC = mlops._cat_serialize, DESERIALFUNC = mlops._cat_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.chi2_test(text, boolean) IS
    'chi-square test of homogeneity of categories between reference and current (scipy.stats.chi2_contingency without correction), p from the chi-square distribution with K-1 degrees of freedom';

-- Decoders of serialized aggregate states, with the deserializers' checks (for tests).
CREATE FUNCTION mlops._drift_state_info(state bytea) RETURNS text
    LANGUAGE c STRICT IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_drift_state_info';
COMMENT ON FUNCTION mlops._drift_state_info(bytea) IS 'internal: decode a serialized numeric drift state as _drift_deserialize does and describe it';
CREATE FUNCTION mlops._cat_state_info(state bytea) RETURNS text
    LANGUAGE c STRICT IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_cat_state_info';
COMMENT ON FUNCTION mlops._cat_state_info(bytea) IS 'internal: decode a serialized categorical drift state as _cat_deserialize does and describe it';
CREATE FUNCTION mlops._drift_state_encode(param integer, ref double precision[], cur double precision[]) RETURNS bytea
    LANGUAGE c STRICT IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_drift_state_encode';
COMMENT ON FUNCTION mlops._drift_state_encode(integer, double precision[], double precision[]) IS 'internal: the serialized numeric drift state of two samples (for tests)';
-- Functions that decode caller-supplied bytes: nobody but a superuser calls them
-- directly (the aggregates call their deserializers with the owner's rights).
REVOKE EXECUTE ON FUNCTION mlops._drift_deserialize(bytea, internal) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION mlops._cat_deserialize(bytea, internal) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION mlops._drift_state_info(bytea) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION mlops._cat_state_info(bytea) FROM PUBLIC;
