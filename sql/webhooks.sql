-- Webhooks (src/webhooks/admin.c, 55_webhooks.sql): create_webhook,
-- drop_webhook and redeliver with their errors (SQLSTATE, message naming the
-- object, nothing half-written), the secret hidden from readers by a column
-- grant, and what pg_dump keeps.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS mlops CASCADE;  -- a fresh install: no rows from other test files
CREATE EXTENSION mlops;
RESET client_min_messages;
SELECT mlops.create_roles();
\set VERBOSITY default
\pset null '<null>'
-- SQLSTATE, message and hint of a statement's error
CREATE FUNCTION pg_temp.try(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    st text; msg text; hint text;
BEGIN
    EXECUTE q;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, hint = PG_EXCEPTION_HINT;
    RETURN st || ': ' || regexp_replace(msg, '[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}', '<uuid>', 'g')
        || coalesce(E'\nHINT: ' || nullif(hint, ''), '');
END
$$;
-- what the webhook tables hold, to show that a refused call changed nothing
CREATE VIEW pg_temp.state AS
SELECT (SELECT string_agg(name || '=' || url || ' ' || events::text, ', ' ORDER BY id) FROM mlops.webhooks) AS webhooks,
       (SELECT string_agg(status || '/' || attempts, ', ' ORDER BY created_at, delivery_id) FROM mlops.webhook_queue) AS queue,
       (SELECT count(*) FROM mlops.webhook_deliveries) AS attempts;
GRANT SELECT ON pg_temp.state TO PUBLIC;

CREATE ROLE regress_wh_admin IN ROLE mlops_admin;
CREATE ROLE regress_wh_reader IN ROLE mlops_reader;
CREATE ROLE regress_wh_writer IN ROLE mlops_writer;

-- ------------------------------------------------------------ create_webhook
SET SESSION AUTHORIZATION regress_wh_admin;
SELECT mlops.create_webhook('all', 'https://hooks.example.com/mlops', 'k3y') AS all_id \gset
SELECT mlops.create_webhook('jobs', 'HTTP://127.0.0.1:8080/jobs', events => '{job.*, stage.changed}') > :all_id AS later_id;
SELECT name, url, secret, events, enabled, created_by FROM mlops.webhooks ORDER BY id;
-- bad URLs: only http and https, with a host
SELECT pg_temp.try($$SELECT mlops.create_webhook('bad', 'ftp://example.com/x')$$);
SELECT pg_temp.try($$SELECT mlops.create_webhook('bad', 'file:///etc/passwd')$$);
SELECT pg_temp.try($$SELECT mlops.create_webhook('bad', 'http://')$$);
SELECT pg_temp.try($$SELECT mlops.create_webhook('bad', 'https:///path')$$);
SELECT pg_temp.try($$SELECT mlops.create_webhook('bad', 'http://exa mple.com/')$$);
SELECT pg_temp.try($$SELECT mlops.create_webhook('bad', 'example.com')$$);
-- bad event lists
SELECT pg_temp.try($$SELECT mlops.create_webhook('bad', 'http://x.test/', events => '{job.nope}')$$);
SELECT pg_temp.try($$SELECT mlops.create_webhook('bad', 'http://x.test/', events => '{model.*}')$$);
SELECT pg_temp.try($$SELECT mlops.create_webhook('bad', 'http://x.test/', events => '{job.}')$$);
SELECT pg_temp.try($$SELECT mlops.create_webhook('bad', 'http://x.test/', events => '{**}')$$);
SELECT pg_temp.try($$SELECT mlops.create_webhook('bad', 'http://x.test/', events => '{job.queued, NULL}')$$);
SELECT pg_temp.try($$SELECT mlops.create_webhook('bad', 'http://x.test/', events => '{}')$$);
SELECT pg_temp.try($$SELECT mlops.create_webhook('bad', 'http://x.test/', events => '{{job.queued}}')$$);
SELECT pg_temp.try($$SELECT mlops.create_webhook('bad', 'http://x.test/', events => NULL)$$);
-- missing or duplicate names
SELECT pg_temp.try($$SELECT mlops.create_webhook(NULL, 'http://x.test/')$$);
SELECT pg_temp.try($$SELECT mlops.create_webhook('', 'http://x.test/')$$);
SELECT pg_temp.try($$SELECT mlops.create_webhook('bad', NULL)$$);
SELECT pg_temp.try($$SELECT mlops.create_webhook('jobs', 'http://other.test/')$$);
SELECT * FROM pg_temp.state;
RESET SESSION AUTHORIZATION;

-- ------------------------------------------------------------ who may
SET SESSION AUTHORIZATION regress_wh_writer;
SELECT pg_temp.try($$SELECT mlops.create_webhook('w', 'http://x.test/')$$);
SELECT pg_temp.try($$SELECT mlops.drop_webhook('all')$$);
SELECT pg_temp.try($$SELECT mlops.redeliver(gen_random_uuid())$$);
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_wh_reader;
-- readers see every column but the secret
SELECT name, url, events, enabled, created_by FROM mlops.webhooks ORDER BY id;
SELECT pg_temp.try($$SELECT secret FROM mlops.webhooks$$);
SELECT pg_temp.try($$SELECT * FROM mlops.webhooks$$);
SELECT pg_temp.try($$SELECT count(*) FROM mlops.webhook_queue$$);
SELECT pg_temp.try($$SELECT count(*) FROM mlops.webhook_deliveries$$);
SELECT pg_temp.try($$UPDATE mlops.webhooks SET url = 'http://evil.test/'$$);
SELECT pg_temp.try($$INSERT INTO mlops.webhook_queue (webhook_id, event, payload, occurred_at) VALUES (1, 'job.queued', '{}', now())$$);
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_wh_admin;
-- admins read the secret but write only through the functions
SELECT name, secret FROM mlops.webhooks ORDER BY id;
SELECT pg_temp.try($$UPDATE mlops.webhooks SET secret = 'x'$$);
SELECT pg_temp.try($$DELETE FROM mlops.webhook_deliveries$$);
RESET SESSION AUTHORIZATION;

-- ------------------------------------------------------------ redeliver
-- deliveries as the worker leaves them: one delivered, one dead, one pending
INSERT INTO mlops.webhook_queue (delivery_id, webhook_id, outbox_id, event, payload, occurred_at, status, attempts, next_attempt_at, last_error, delivered_at, created_at)
SELECT ('00000000-0000-4000-8000-00000000000' || n)::uuid, w.id, n, 'job.queued', '{}', now(),
       s, a, '2020-01-01', e, CASE WHEN s = 'delivered' THEN now() END, '2020-01-01'::timestamptz + n * interval '1 s'
  FROM mlops.webhooks w,
       (VALUES (1, 'delivered', 1, NULL), (2, 'dead', 8, 'HTTP 500'), (3, 'pending', 2, 'HTTP 503')) v(n, s, a, e)
 WHERE w.name = 'all';
INSERT INTO mlops.webhook_deliveries (delivery_id, webhook_id, event, attempt, status, status_code, outbox_id)
SELECT '00000000-0000-4000-8000-000000000001', w.id, 'job.queued', 1, 'delivered', 200, 1
  FROM mlops.webhooks w WHERE w.name = 'all';
SET SESSION AUTHORIZATION regress_wh_admin;
SELECT pg_temp.try($$SELECT mlops.redeliver('00000000-0000-4000-8000-000000000009')$$);
SELECT pg_temp.try($$SELECT mlops.redeliver('00000000-0000-4000-8000-000000000003')$$);
SELECT pg_temp.try($$SELECT mlops.redeliver(NULL)$$);
SELECT * FROM pg_temp.state;
SELECT mlops.redeliver('00000000-0000-4000-8000-000000000001');
SELECT mlops.redeliver('00000000-0000-4000-8000-000000000002');
-- both queued again under their own ids, attempts from zero, due now; the
-- attempt log keeps the earlier attempts
SELECT delivery_id, status, attempts, last_error, delivered_at, next_attempt_at > '2020-01-01' AS due_now
  FROM mlops.webhook_queue ORDER BY delivery_id;
SELECT * FROM pg_temp.state;
-- a queued delivery cannot be redelivered a second time
SELECT pg_temp.try($$SELECT mlops.redeliver('00000000-0000-4000-8000-000000000001')$$);

-- ------------------------------------------------------------ drop_webhook
SELECT pg_temp.try($$SELECT mlops.drop_webhook('nope')$$);
SELECT pg_temp.try($$SELECT mlops.drop_webhook(NULL)$$);
SELECT mlops.drop_webhook('all');
-- its deliveries go with it
SELECT * FROM pg_temp.state;
RESET SESSION AUTHORIZATION;

-- ------------------------------------------------------------ pg_dump
-- the webhooks (configuration) are dumped; the queue and the attempts are
-- delivery state of the outbox and are not
SELECT c::regclass AS dumped
  FROM pg_extension e, unnest(e.extconfig) c
 WHERE e.extname = 'mlops' AND c::regclass::text ~ 'webhook'
 ORDER BY 1;

DROP ROLE regress_wh_admin, regress_wh_reader, regress_wh_writer;
