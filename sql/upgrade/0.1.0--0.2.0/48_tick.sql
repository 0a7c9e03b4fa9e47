-- mlops 0.1.0 -> 0.2.0, the scheduler's pass (sql/mlops/48_tick.sql): new in
-- 0.2.0, the same objects as a fresh install.

-- The next time a schedule policy is due after due: due + every, moved on in
-- steps of every past now() (ticks missed while nothing ran are skipped, not
-- caught up). every has no negative field (create_retrain_policy checks), so
-- each step moves forward.
CREATE FUNCTION mlops._next_due(due timestamptz, every interval) RETURNS timestamptz
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    nxt timestamptz := due OPERATOR(pg_catalog.+) every;
    prev timestamptz;
    step float8 := pg_catalog.date_part('epoch', every);
    k float8;
BEGIN
    -- jump most of a long gap at once (months count 30 days in the estimate: stay below it)
    IF nxt OPERATOR(pg_catalog.<=) pg_catalog.now() AND step OPERATOR(pg_catalog.>) 0 THEN
        k := pg_catalog.floor(0.9 OPERATOR(pg_catalog.*) pg_catalog.date_part('epoch', pg_catalog.now() OPERATOR(pg_catalog.-) nxt)
                              OPERATOR(pg_catalog./) step);
        IF k OPERATOR(pg_catalog.>=) 1 THEN
            nxt := nxt OPERATOR(pg_catalog.+) (every OPERATOR(pg_catalog.*) k);
        END IF;
    END IF;
    WHILE nxt OPERATOR(pg_catalog.<=) pg_catalog.now() LOOP
        prev := nxt;
        nxt := nxt OPERATOR(pg_catalog.+) every;
        IF nxt OPERATOR(pg_catalog.<=) prev THEN
            RETURN pg_catalog.now() OPERATOR(pg_catalog.+) interval '1 hour';
        END IF;
    END LOOP;
    RETURN nxt;
END
$fn$;
REVOKE ALL ON FUNCTION mlops._next_due(timestamptz, interval) FROM PUBLIC;
COMMENT ON FUNCTION mlops._next_due(timestamptz, interval) IS 'internal: when a schedule policy due at due is due next (the first due + k * every after now())';

CREATE FUNCTION mlops.tick() RETURNS jsonb
    AS 'MODULE_PATHNAME', 'mlops_tick' LANGUAGE C;
REVOKE ALL ON FUNCTION mlops.tick() FROM PUBLIC;
COMMENT ON FUNCTION mlops.tick() IS 'admins (the scheduler): expire job leases, evaluate due monitors, fire due schedule policies; returns counts of what it did';

-- tick finds the due monitors by this index when nothing is due
CREATE INDEX monitors_due_idx ON mlops.monitors (next_due) WHERE enabled;
COMMENT ON INDEX mlops.monitors_due_idx IS 'enabled monitors by when they are due: mlops.tick() finds the due ones by it';

INSERT INTO mlops.role_grants (role_name, privileges, object_kind, object_name) VALUES
    ('mlops_admin', 'EXECUTE', 'FUNCTION', 'mlops.tick()');
