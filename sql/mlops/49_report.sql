-- Drift report (API.md -> Monitors, retraining, jobs): one self-contained
-- HTML page per monitor and time range (src/monitors/report.c). It reads the
-- monitor, its windows, the model's jobs and versions as the caller, so a
-- reader gets the page of what it may read itself.

CREATE FUNCTION mlops.drift_report(name text,
                                   from_ts timestamptz DEFAULT pg_catalog.now() OPERATOR(pg_catalog.-) '7 days'::interval,
                                   to_ts timestamptz DEFAULT pg_catalog.now())
    RETURNS text
    AS 'MODULE_PATHNAME', 'mlops_drift_report' LANGUAGE C STABLE;
COMMENT ON FUNCTION mlops.drift_report(text, timestamptz, timestamptz) IS 'an HTML page (inline CSS and SVG, no script) of a monitor''s windows starting in [from_ts, to_ts): statistic, thresholds, breaches, the worst window''s histograms, the jobs and versions that followed; a NULL bound is open';

REVOKE ALL ON FUNCTION mlops.drift_report(text, timestamptz, timestamptz) FROM PUBLIC;
INSERT INTO mlops.role_grants (role_name, privileges, object_kind, object_name) VALUES
    ('mlops_reader', 'EXECUTE', 'FUNCTION', 'mlops.drift_report(text, timestamptz, timestamptz)');
