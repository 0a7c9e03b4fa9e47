-- mlops 0.1.0 -> 0.2.0: module functions.
-- The C library's version can change without a new catalog: not IMMUTABLE.
ALTER FUNCTION mlops.version() STABLE;
