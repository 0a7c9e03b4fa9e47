-- mlops 0.1.0 -> 0.2.0: the binned drift aggregates (psi, jensen_shannon,
-- hellinger) serialize their partial states with the values grouped by their
-- leading bits instead of sorted, so a parallel plan's workers do a third of
-- a sort's passes and the leader selects the reference quantiles within
-- their groups. CREATE OR REPLACE keeps each aggregate's oid, owner, grants
-- and comment.
CREATE FUNCTION mlops._drift_serialize_grouped(internal) RETURNS bytea
    LANGUAGE c STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'mlops_drift_serialize_grouped';
COMMENT ON FUNCTION mlops._drift_serialize_grouped(internal) IS 'internal: serialize a drift aggregate state for a binned statistic (values grouped by their leading bits, not sorted)';

CREATE OR REPLACE AGGREGATE mlops.psi(value double precision, is_reference boolean) (
    SFUNC = mlops._drift_accum, STYPE = internal, SSPACE = 16384,
    FINALFUNC = mlops._psi_final,
    COMBINEFUNC = mlops._drift_combine,
    SERIALFUNC = mlops._drift_serialize_grouped, DESERIALFUNC = mlops._drift_deserialize,
    PARALLEL = SAFE
);

CREATE OR REPLACE AGGREGATE mlops.psi(value double precision, is_reference boolean, bins integer) (
    SFUNC = mlops._drift_accum, STYPE = internal, SSPACE = 16384,
    FINALFUNC = mlops._psi_final,
    COMBINEFUNC = mlops._drift_combine,
    SERIALFUNC = mlops._drift_serialize_grouped, DESERIALFUNC = mlops._drift_deserialize,
    PARALLEL = SAFE
);

CREATE OR REPLACE AGGREGATE mlops.jensen_shannon(value double precision, is_reference boolean) (
    SFUNC = mlops._drift_accum, STYPE = internal, SSPACE = 16384,
    FINALFUNC = mlops._jensen_shannon_final,
    COMBINEFUNC = mlops._drift_combine,
    SERIALFUNC = mlops._drift_serialize_grouped, DESERIALFUNC = mlops._drift_deserialize,
    PARALLEL = SAFE
);

CREATE OR REPLACE AGGREGATE mlops.jensen_shannon(value double precision, is_reference boolean, bins integer) (
    SFUNC = mlops._drift_accum, STYPE = internal, SSPACE = 16384,
    FINALFUNC = mlops._jensen_shannon_final,
    COMBINEFUNC = mlops._drift_combine,
    SERIALFUNC = mlops._drift_serialize_grouped, DESERIALFUNC = mlops._drift_deserialize,
    PARALLEL = SAFE
);

CREATE OR REPLACE AGGREGATE mlops.hellinger(value double precision, is_reference boolean) (
    SFUNC = mlops._drift_accum, STYPE = internal, SSPACE = 16384,
    FINALFUNC = mlops._hellinger_final,
    COMBINEFUNC = mlops._drift_combine,
    SERIALFUNC = mlops._drift_serialize_grouped, DESERIALFUNC = mlops._drift_deserialize,
    PARALLEL = SAFE
);

CREATE OR REPLACE AGGREGATE mlops.hellinger(value double precision, is_reference boolean, bins integer) (
    SFUNC = mlops._drift_accum, STYPE = internal, SSPACE = 16384,
    FINALFUNC = mlops._hellinger_final,
    COMBINEFUNC = mlops._drift_combine,
    SERIALFUNC = mlops._drift_serialize_grouped, DESERIALFUNC = mlops._drift_deserialize,
    PARALLEL = SAFE
);
