-- mlops 0.1.0 -> 0.2.0: the sketch aggregates keep their state as an
-- mlops.histogram / mlops.qsketch value (a read-write expanded object while
-- rows are added) instead of internal, so a distributed engine such as Citus
-- can compute partial states where the rows are and combine them (it ships
-- only states of real types). The moving-aggregate form of histogram keeps
-- its internal state. An aggregate's state type cannot be altered: the
-- aggregates are created again, with their comments.
DROP AGGREGATE mlops.histogram(double precision, double precision[]);
DROP AGGREGATE mlops.merge(mlops.histogram);
DROP AGGREGATE mlops.qsketch_agg(double precision);
DROP AGGREGATE mlops.qsketch_agg(double precision, integer);
DROP AGGREGATE mlops.merge(mlops.qsketch);
DROP FUNCTION mlops.histogram_merge_trans(internal, mlops.histogram);
DROP FUNCTION mlops.histogram_combine(internal, internal);
DROP FUNCTION mlops.histogram_serial(internal);
DROP FUNCTION mlops.histogram_deserial(bytea, internal);
DROP FUNCTION mlops.qsketch_agg_trans(internal, double precision);
DROP FUNCTION mlops.qsketch_agg_trans(internal, double precision, integer);
DROP FUNCTION mlops.qsketch_merge_trans(internal, mlops.qsketch);
DROP FUNCTION mlops.qsketch_combine(internal, internal);
DROP FUNCTION mlops.qsketch_serial(internal);
DROP FUNCTION mlops.qsketch_deserial(bytea, internal);
DROP FUNCTION mlops.qsketch_final(internal);
COMMENT ON FUNCTION mlops.histogram_trans(internal, double precision, double precision[]) IS 'internal: moving-aggregate transition function of mlops.histogram(float8, float8[])';
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

-- a readable view of a sketch: its text form is now compact base64
CREATE FUNCTION mlops.qsketch_json(mlops.qsketch) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'mlops_qsketch_json' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.qsketch_json(mlops.qsketch) IS 'every field of a sketch as jsonb (k, n, nan, min, max, var, wsum, rng, levels: the retained items per level); the text form is compact base64';
