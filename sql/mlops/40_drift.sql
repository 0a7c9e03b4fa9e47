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
