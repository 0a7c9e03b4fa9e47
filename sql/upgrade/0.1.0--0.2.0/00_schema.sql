-- mlops 0.1.0 -> 0.2.0: module functions.
-- The C library's version can change without a new catalog: not IMMUTABLE.
ALTER FUNCTION mlops.version() STABLE;
COMMENT ON FUNCTION mlops.is_preloaded() IS 'whether mlops was loaded through shared_preload_libraries';

-- mlops.job_lease is read by the job queue; the others by the background
-- scheduler, which runs only when mlops is preloaded: the view says so.
CREATE OR REPLACE VIEW mlops.settings AS
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
