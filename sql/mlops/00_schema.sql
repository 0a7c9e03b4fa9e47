-- Schema, module functions and the settings view.
-- Rules (DESIGN.md): qualify everything, no CREATE OR REPLACE / IF NOT EXISTS,
-- SQL and plpgsql functions pin search_path.

-- A schema named mlops that is not ours must make the install fail, untouched.
DO $squat$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_namespace
               WHERE nspname OPERATOR(pg_catalog.=) 'mlops') THEN
        RAISE EXCEPTION 'schema "mlops" already exists and does not belong to extension mlops'
            USING ERRCODE = 'duplicate_schema',
                  HINT = 'Rename or drop the existing schema "mlops", then run CREATE EXTENSION mlops again.';
    END IF;
END
$squat$;

CREATE SCHEMA mlops;
COMMENT ON SCHEMA mlops IS 'mlops: experiment tracking, model registry, lineage, drift statistics and retraining';
REVOKE ALL ON SCHEMA mlops FROM PUBLIC;

CREATE FUNCTION mlops.version() RETURNS text
    AS 'MODULE_PATHNAME', 'mlops_version'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.version() IS 'version of the loaded mlops C library';

CREATE FUNCTION mlops.is_preloaded() RETURNS boolean
    AS 'MODULE_PATHNAME', 'mlops_is_preloaded'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mlops.is_preloaded() IS 'whether mlops was loaded through shared_preload_libraries';

-- Every mlops.* setting, and whether anything in this server reads it. Most
-- settings are read by the background scheduler (monitors, retraining,
-- webhooks), which runs only when mlops is in shared_preload_libraries;
-- mlops.job_lease is read by the job queue.
CREATE VIEW mlops.settings AS
SELECT s.name,
       s.setting,
       s.unit,
       s.context,
       s.short_desc AS description,
       CASE WHEN s.name OPERATOR(pg_catalog.=) 'mlops.job_lease'
            THEN 'active: read by mlops.claim_job() and mlops.heartbeat_job()'
            WHEN mlops.is_preloaded()
            THEN 'active: read by the background scheduler'
            ELSE 'unused: read by the background scheduler, which runs only when mlops is in shared_preload_libraries'
       END::text AS status
  FROM pg_catalog.pg_settings s
 WHERE s.name OPERATOR(pg_catalog.~~) 'mlops.%'
   -- evaluated before the scan: loads the library, so its settings exist
   AND mlops.is_preloaded() IS NOT NULL;
COMMENT ON VIEW mlops.settings IS 'the mlops.* server settings; status says whether anything in this version reads them';
