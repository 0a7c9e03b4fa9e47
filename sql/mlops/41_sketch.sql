-- Sketch types for drift (API.md -> Drift statistics): mlops.histogram
-- (fixed edges, exact integer counts, slides over window frames) and
-- mlops.qsketch (a KLL quantile sketch with a rank-error bound). Both are
-- mergeable, parallel safe and meant to be stored: a reference profile is
-- computed once and every later window is compared with it.

-- ---- mlops.histogram ------------------------------------------------------
CREATE TYPE mlops.histogram;

CREATE FUNCTION mlops.histogram_in(cstring) RETURNS mlops.histogram
    AS 'MODULE_PATHNAME', 'mlops_histogram_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.histogram_in(cstring) IS 'input function of mlops.histogram: {"edges": [...], "counts": [...], "nan": n}';
CREATE FUNCTION mlops.histogram_out(mlops.histogram) RETURNS cstring
    AS 'MODULE_PATHNAME', 'mlops_histogram_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.histogram_out(mlops.histogram) IS 'output function of mlops.histogram (valid JSON)';
CREATE FUNCTION mlops.histogram_recv(internal) RETURNS mlops.histogram
    AS 'MODULE_PATHNAME', 'mlops_histogram_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.histogram_recv(internal) IS 'binary input function of mlops.histogram (validated)';
CREATE FUNCTION mlops.histogram_send(mlops.histogram) RETURNS bytea
    AS 'MODULE_PATHNAME', 'mlops_histogram_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.histogram_send(mlops.histogram) IS 'binary output function of mlops.histogram';

CREATE TYPE mlops.histogram (
    INPUT = mlops.histogram_in,
    OUTPUT = mlops.histogram_out,
    RECEIVE = mlops.histogram_recv,
    SEND = mlops.histogram_send,
    INTERNALLENGTH = VARIABLE,
    STORAGE = extended
);
COMMENT ON TYPE mlops.histogram IS 'fixed-edge histogram: edges (strictly increasing), exact counts of the bins below, between and above them (a value equal to an edge falls in the upper bin) and a NaN bin';

-- aggregate support (internal state)
CREATE FUNCTION mlops.histogram_trans(internal, double precision, double precision[]) RETURNS internal
    AS 'MODULE_PATHNAME', 'mlops_histogram_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.histogram_trans(internal, double precision, double precision[]) IS 'internal: transition function of mlops.histogram(float8, float8[])';
CREATE FUNCTION mlops.histogram_inv(internal, double precision, double precision[]) RETURNS internal
    AS 'MODULE_PATHNAME', 'mlops_histogram_inv' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.histogram_inv(internal, double precision, double precision[]) IS 'internal: exact inverse transition of mlops.histogram(float8, float8[]) for sliding window frames';
CREATE FUNCTION mlops.histogram_merge_trans(internal, mlops.histogram) RETURNS internal
    AS 'MODULE_PATHNAME', 'mlops_histogram_merge_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.histogram_merge_trans(internal, mlops.histogram) IS 'internal: transition function of mlops.merge(histogram)';
CREATE FUNCTION mlops.histogram_combine(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'mlops_histogram_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.histogram_combine(internal, internal) IS 'internal: combine function of the histogram aggregates';
CREATE FUNCTION mlops.histogram_serial(internal) RETURNS bytea
    AS 'MODULE_PATHNAME', 'mlops_histogram_serial' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.histogram_serial(internal) IS 'internal: serialization function of the histogram aggregates';
CREATE FUNCTION mlops.histogram_deserial(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'mlops_histogram_deserial' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.histogram_deserial(bytea, internal) IS 'internal: deserialization function of the histogram aggregates';
CREATE FUNCTION mlops.histogram_final(internal) RETURNS mlops.histogram
    AS 'MODULE_PATHNAME', 'mlops_histogram_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.histogram_final(internal) IS 'internal: final function of the histogram aggregates';

CREATE AGGREGATE mlops.histogram(value double precision, edges double precision[]) (
    SFUNC = mlops.histogram_trans,
    STYPE = internal,
    FINALFUNC = mlops.histogram_final,
    COMBINEFUNC = mlops.histogram_combine,
    SERIALFUNC = mlops.histogram_serial,
    DESERIALFUNC = mlops.histogram_deserial,
    MSFUNC = mlops.histogram_trans,
    MINVFUNC = mlops.histogram_inv,
    MSTYPE = internal,
    MFINALFUNC = mlops.histogram_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.histogram(double precision, double precision[]) IS 'histogram of value over fixed edges (the same on every row); NULL values skipped, NaN counted in its own bin; NULL for no values; slides over window frames with an exact inverse';

CREATE AGGREGATE mlops.merge(mlops.histogram) (
    SFUNC = mlops.histogram_merge_trans,
    STYPE = internal,
    FINALFUNC = mlops.histogram_final,
    COMBINEFUNC = mlops.histogram_combine,
    SERIALFUNC = mlops.histogram_serial,
    DESERIALFUNC = mlops.histogram_deserial,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.merge(mlops.histogram) IS 'sum of histograms with identical edges (an error otherwise); NULLs skipped';

CREATE FUNCTION mlops.psi(reference mlops.histogram, current mlops.histogram) RETURNS double precision
    AS 'MODULE_PATHNAME', 'mlops_histogram_psi' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.psi(mlops.histogram, mlops.histogram) IS 'population stability index between two histograms with the same edges (empty-bin fill as mlops.psi); the NaN bin counts when either side has NaN';
CREATE FUNCTION mlops.edges(mlops.histogram) RETURNS double precision[]
    AS 'MODULE_PATHNAME', 'mlops_histogram_edges' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.edges(mlops.histogram) IS 'the bin edges of a histogram';
CREATE FUNCTION mlops.counts(mlops.histogram) RETURNS bigint[]
    AS 'MODULE_PATHNAME', 'mlops_histogram_counts' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.counts(mlops.histogram) IS 'counts of the regular bins, low to high: below the first edge, between edges, at or above the last edge (one more than the edges)';
CREATE FUNCTION mlops.nan_count(mlops.histogram) RETURNS bigint
    AS 'MODULE_PATHNAME', 'mlops_histogram_nan_count' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.nan_count(mlops.histogram) IS 'count of NaN values in a histogram';
CREATE FUNCTION mlops.total(mlops.histogram) RETURNS bigint
    AS 'MODULE_PATHNAME', 'mlops_histogram_total' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.total(mlops.histogram) IS 'count of all values in a histogram, NaN included';
