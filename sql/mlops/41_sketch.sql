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

-- Aggregate state: an mlops.histogram (so a distributed engine can ship a
-- partial state with the type's I/O functions), kept as a read-write expanded
-- object while rows are counted and flattened only by the final function.
-- The moving-aggregate form (window frames) keeps an internal state.
CREATE FUNCTION mlops.histogram_trans(internal, double precision, double precision[]) RETURNS internal
    AS 'MODULE_PATHNAME', 'mlops_histogram_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.histogram_trans(internal, double precision, double precision[]) IS 'internal: moving-aggregate transition function of mlops.histogram(float8, float8[])';
CREATE FUNCTION mlops.histogram_inv(internal, double precision, double precision[]) RETURNS internal
    AS 'MODULE_PATHNAME', 'mlops_histogram_inv' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.histogram_inv(internal, double precision, double precision[]) IS 'internal: exact inverse transition of mlops.histogram(float8, float8[]) for sliding window frames';
CREATE FUNCTION mlops.histogram_final(internal) RETURNS mlops.histogram
    AS 'MODULE_PATHNAME', 'mlops_histogram_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.histogram_final(internal) IS 'internal: moving-aggregate final function of mlops.histogram(float8, float8[])';

CREATE FUNCTION mlops.histogram_state_step(mlops.histogram, double precision, double precision[]) RETURNS mlops.histogram
    AS 'MODULE_PATHNAME', 'mlops_histogram_state_step' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.histogram_state_step(mlops.histogram, double precision, double precision[]) IS 'internal: transition function of mlops.histogram(float8, float8[]) (updates its state in place)';
CREATE FUNCTION mlops.histogram_state_merge(mlops.histogram, mlops.histogram) RETURNS mlops.histogram
    AS 'MODULE_PATHNAME', 'mlops_histogram_state_merge' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.histogram_state_merge(mlops.histogram, mlops.histogram) IS 'internal: transition function of mlops.merge(histogram) and combine function of the histogram aggregates (updates its state in place)';
CREATE FUNCTION mlops.histogram_state_final(mlops.histogram) RETURNS mlops.histogram
    AS 'MODULE_PATHNAME', 'mlops_histogram_state_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.histogram_state_final(mlops.histogram) IS 'internal: final function of the histogram aggregates (NULL when nothing was counted)';

CREATE AGGREGATE mlops.histogram(value double precision, edges double precision[]) (
    SFUNC = mlops.histogram_state_step,
    STYPE = mlops.histogram,
    FINALFUNC = mlops.histogram_state_final,
    COMBINEFUNC = mlops.histogram_state_merge,
    MSFUNC = mlops.histogram_trans,
    MINVFUNC = mlops.histogram_inv,
    MSTYPE = internal,
    MFINALFUNC = mlops.histogram_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.histogram(double precision, double precision[]) IS 'histogram of value over fixed edges (the same on every row); NULL values skipped, NaN counted in its own bin; NULL for no values; slides over window frames with an exact inverse';

CREATE AGGREGATE mlops.merge(mlops.histogram) (
    SFUNC = mlops.histogram_state_merge,
    STYPE = mlops.histogram,
    FINALFUNC = mlops.histogram_state_final,
    COMBINEFUNC = mlops.histogram_state_merge,
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

-- ---- mlops.qsketch --------------------------------------------------------
CREATE TYPE mlops.qsketch;

CREATE FUNCTION mlops.qsketch_in(cstring) RETURNS mlops.qsketch
    AS 'MODULE_PATHNAME', 'mlops_qsketch_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.qsketch_in(cstring) IS 'input function of mlops.qsketch (validated)';
CREATE FUNCTION mlops.qsketch_out(mlops.qsketch) RETURNS cstring
    AS 'MODULE_PATHNAME', 'mlops_qsketch_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.qsketch_out(mlops.qsketch) IS 'output function of mlops.qsketch';
CREATE FUNCTION mlops.qsketch_recv(internal) RETURNS mlops.qsketch
    AS 'MODULE_PATHNAME', 'mlops_qsketch_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.qsketch_recv(internal) IS 'binary input function of mlops.qsketch (every field and count validated)';
CREATE FUNCTION mlops.qsketch_send(mlops.qsketch) RETURNS bytea
    AS 'MODULE_PATHNAME', 'mlops_qsketch_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.qsketch_send(mlops.qsketch) IS 'binary output function of mlops.qsketch';

CREATE TYPE mlops.qsketch (
    INPUT = mlops.qsketch_in,
    OUTPUT = mlops.qsketch_out,
    RECEIVE = mlops.qsketch_recv,
    SEND = mlops.qsketch_send,
    INTERNALLENGTH = VARIABLE,
    STORAGE = extended
);
COMMENT ON TYPE mlops.qsketch IS 'mergeable KLL quantile sketch of float8 values (default k = 512: rank error about 0.5%, at most 16 kB); NaN counted apart';

-- Aggregate state: an mlops.qsketch (so a distributed engine can ship a
-- partial state with the type's I/O functions), kept as a read-write expanded
-- object while values are inserted and flattened only by the final function.
CREATE FUNCTION mlops.qsketch_state_step(mlops.qsketch, double precision) RETURNS mlops.qsketch
    AS 'MODULE_PATHNAME', 'mlops_qsketch_state_step' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.qsketch_state_step(mlops.qsketch, double precision) IS 'internal: transition function of mlops.qsketch_agg(float8) (updates its state in place)';
CREATE FUNCTION mlops.qsketch_state_step(mlops.qsketch, double precision, integer) RETURNS mlops.qsketch
    AS 'MODULE_PATHNAME', 'mlops_qsketch_state_step_k' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.qsketch_state_step(mlops.qsketch, double precision, integer) IS 'internal: transition function of mlops.qsketch_agg(float8, int) (updates its state in place)';
CREATE FUNCTION mlops.qsketch_state_merge(mlops.qsketch, mlops.qsketch) RETURNS mlops.qsketch
    AS 'MODULE_PATHNAME', 'mlops_qsketch_state_merge' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.qsketch_state_merge(mlops.qsketch, mlops.qsketch) IS 'internal: transition function of mlops.merge(qsketch) and combine function of the qsketch aggregates (updates its state in place)';
CREATE FUNCTION mlops.qsketch_state_final(mlops.qsketch) RETURNS mlops.qsketch
    AS 'MODULE_PATHNAME', 'mlops_qsketch_state_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mlops.qsketch_state_final(mlops.qsketch) IS 'internal: final function of the qsketch aggregates';

CREATE AGGREGATE mlops.qsketch_agg(value double precision) (
    SFUNC = mlops.qsketch_state_step,
    STYPE = mlops.qsketch,
    FINALFUNC = mlops.qsketch_state_final,
    COMBINEFUNC = mlops.qsketch_state_merge,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.qsketch_agg(double precision) IS 'quantile sketch (k = 512) of value; NULLs skipped, NaN counted apart, NULL for no values';
CREATE AGGREGATE mlops.qsketch_agg(value double precision, k integer) (
    SFUNC = mlops.qsketch_state_step,
    STYPE = mlops.qsketch,
    FINALFUNC = mlops.qsketch_state_final,
    COMBINEFUNC = mlops.qsketch_state_merge,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.qsketch_agg(double precision, integer) IS 'quantile sketch of value with top capacity k (16 to 16384; error about 2.5/k)';
CREATE AGGREGATE mlops.merge(mlops.qsketch) (
    SFUNC = mlops.qsketch_state_merge,
    STYPE = mlops.qsketch,
    FINALFUNC = mlops.qsketch_state_final,
    COMBINEFUNC = mlops.qsketch_state_merge,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE mlops.merge(mlops.qsketch) IS 'merge of quantile sketches (the smaller k wins); NULLs skipped';

CREATE FUNCTION mlops.quantile(sketch mlops.qsketch, q double precision) RETURNS double precision
    AS 'MODULE_PATHNAME', 'mlops_qsketch_quantile' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.quantile(mlops.qsketch, double precision) IS 'estimated percentile_disc(q) of the non-NaN values (exact while the sketch is exact; q = 0 and 1 give the exact min and max)';
CREATE FUNCTION mlops.cdf(sketch mlops.qsketch, x double precision) RETURNS double precision
    AS 'MODULE_PATHNAME', 'mlops_qsketch_cdf' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.cdf(mlops.qsketch, double precision) IS 'estimated share of the non-NaN values <= x';
CREATE FUNCTION mlops.rank_error(sketch mlops.qsketch) RETURNS double precision
    AS 'MODULE_PATHNAME', 'mlops_qsketch_rank_error' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.rank_error(mlops.qsketch) IS 'bound on |cdf error| of one query holding with probability >= 99% (0 for an exact sketch), from the sketch''s own compaction record';
CREATE FUNCTION mlops.ks(a mlops.qsketch, b mlops.qsketch,
                         OUT statistic double precision, OUT lower double precision, OUT upper double precision)
    AS 'MODULE_PATHNAME', 'mlops_qsketch_ks' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.ks(mlops.qsketch, mlops.qsketch) IS 'two-sample KS statistic of two sketches and an interval [lower, upper] that holds the exact D of the raw values (with probability >= 1 - 1e-6; always when the sketches are exact)';
CREATE FUNCTION mlops.psi(reference mlops.qsketch, current mlops.qsketch, bins integer DEFAULT 10) RETURNS double precision
    AS 'MODULE_PATHNAME', 'mlops_qsketch_psi' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.psi(mlops.qsketch, mlops.qsketch, integer) IS 'population stability index on bins cut at the reference sketch''s quantiles (2 to 10000 bins; a NaN bin when either side has NaN)';
CREATE FUNCTION mlops.quantile_edges(sketch mlops.qsketch, bins integer DEFAULT 10) RETURNS double precision[]
    AS 'MODULE_PATHNAME', 'mlops_qsketch_quantile_edges' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.quantile_edges(mlops.qsketch, integer) IS 'the sketch''s quantiles at 1/bins .. (bins-1)/bins without duplicates: edges for mlops.histogram()';
CREATE FUNCTION mlops.total(mlops.qsketch) RETURNS bigint
    AS 'MODULE_PATHNAME', 'mlops_qsketch_total' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.total(mlops.qsketch) IS 'count of all values summarised by a sketch, NaN included';
CREATE FUNCTION mlops.nan_count(mlops.qsketch) RETURNS bigint
    AS 'MODULE_PATHNAME', 'mlops_qsketch_nan_count' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.nan_count(mlops.qsketch) IS 'count of NaN values in a sketch (kept outside the quantile summary)';
CREATE FUNCTION mlops.qsketch_json(mlops.qsketch) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'mlops_qsketch_json' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.qsketch_json(mlops.qsketch) IS 'every field of a sketch as jsonb (k, n, nan, min, max, var, wsum, rng, levels: the retained items per level); the text form is compact base64';
