-- The mlops.* settings: defaults, reserved prefix, contexts.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS mlops;
RESET client_min_messages;
SELECT name, unit, context FROM mlops.settings ORDER BY name;
SHOW mlops.naptime;
SHOW mlops.worker_enabled;
SHOW mlops.webhook_timeout;
SHOW mlops.webhook_max_attempts;
SHOW mlops.webhook_allowed_hosts;
SHOW mlops.webhook_log_retention;
-- the prefix is reserved: a typo is an error, not a silent placeholder
SET mlops.naptme = '5s';
-- worker settings are server-wide
SET mlops.naptime = '5s';
SET mlops.database = 'other';
-- out of range values are refused
ALTER SYSTEM SET mlops.webhook_max_attempts = 0;
ALTER SYSTEM SET mlops.naptime = '1ms';
ALTER SYSTEM SET mlops.webhook_log_retention = '-1s';
