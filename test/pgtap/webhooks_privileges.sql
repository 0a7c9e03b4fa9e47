-- Privilege contract of webhooks (src/webhooks, 55_webhooks.sql): admins
-- create, drop and redeliver and read every column; readers read every
-- column of mlops.webhooks but the secret, and the queue and the attempt
-- log; nobody writes the tables directly; PUBLIC gets nothing.
BEGIN;
SELECT plan(33);

SELECT mlops.create_roles();
CREATE ROLE tap_wh_reader;   GRANT mlops_reader TO tap_wh_reader;
CREATE ROLE tap_wh_writer;   GRANT mlops_writer TO tap_wh_writer;
CREATE ROLE tap_wh_approver; GRANT mlops_approver TO tap_wh_approver;
CREATE ROLE tap_wh_admin;    GRANT mlops_admin TO tap_wh_admin;
CREATE ROLE tap_wh_outsider;

-- ------------------------------------------------------------ table privileges
SELECT table_privs_are('mlops', t, 'public', ARRAY[]::text[], 'PUBLIC has no privilege on mlops.' || t)
  FROM unnest(ARRAY['webhooks', 'webhook_queue', 'webhook_deliveries']) t;
SELECT table_privs_are('mlops', t, 'mlops_reader', ARRAY['SELECT'], 'readers only read mlops.' || t)
  FROM unnest(ARRAY['webhook_queue', 'webhook_deliveries']) t;
SELECT table_privs_are('mlops', 'webhooks', 'mlops_reader', ARRAY[]::text[],
    'readers have no table-wide privilege on mlops.webhooks');
SELECT column_privs_are('mlops', 'webhooks', c, 'mlops_reader', ARRAY['SELECT'], 'readers read mlops.webhooks.' || c)
  FROM unnest(ARRAY['id', 'name', 'url', 'events', 'enabled', 'created_by', 'created_at']) c;
SELECT column_privs_are('mlops', 'webhooks', 'secret', 'mlops_reader', ARRAY[]::text[], 'readers do not read the secret');
SELECT table_privs_are('mlops', 'webhooks', 'mlops_admin', ARRAY['SELECT'], 'admins read mlops.webhooks, secret included');

-- ------------------------------------------------------------ function privileges
SELECT function_privs_are('mlops', f, a, 'mlops_admin', ARRAY['EXECUTE'], 'admins run mlops.' || f)
  FROM (VALUES ('create_webhook', ARRAY['text', 'text', 'text', 'text[]']), ('drop_webhook', ARRAY['text']),
               ('redeliver', ARRAY['uuid'])) v(f, a);
SELECT function_privs_are('mlops', f, a, 'public', ARRAY[]::text[], 'PUBLIC cannot run mlops.' || f)
  FROM (VALUES ('create_webhook', ARRAY['text', 'text', 'text', 'text[]']), ('drop_webhook', ARRAY['text']),
               ('redeliver', ARRAY['uuid'])) v(f, a);

-- ------------------------------------------------------------ acting as each role
SET LOCAL SESSION AUTHORIZATION tap_wh_admin;
SELECT lives_ok($$SELECT mlops.create_webhook('tap_wh', 'https://hooks.example.com/x', 'sekret')$$, 'an admin creates a webhook');
SELECT is((SELECT secret FROM mlops.webhooks WHERE name = 'tap_wh'), 'sekret', 'an admin reads the secret');
SELECT throws_ok($$UPDATE mlops.webhooks SET url = 'http://evil.test/'$$, '42501', NULL, 'an admin cannot update a webhook directly');
SELECT throws_ok($$INSERT INTO mlops.webhook_queue (webhook_id, event, payload, occurred_at)
                   SELECT id, 'job.queued', '{}', now() FROM mlops.webhooks$$, '42501', NULL, 'an admin cannot queue a delivery directly');
RESET SESSION AUTHORIZATION;
SET LOCAL SESSION AUTHORIZATION tap_wh_reader;
SELECT is((SELECT url FROM mlops.webhooks WHERE name = 'tap_wh'), 'https://hooks.example.com/x', 'a reader reads the URL');
SELECT throws_ok($$SELECT secret FROM mlops.webhooks$$, '42501', NULL, 'a reader cannot read the secret');
SELECT throws_ok($$SELECT * FROM mlops.webhooks$$, '42501', NULL, 'nor select every column');
SELECT lives_ok($$SELECT * FROM mlops.webhook_deliveries$$, 'a reader reads the attempts');
RESET SESSION AUTHORIZATION;
SET LOCAL SESSION AUTHORIZATION tap_wh_writer;
SELECT throws_ok($$SELECT mlops.create_webhook('w', 'https://x.test/')$$, '42501', NULL, 'a writer cannot create a webhook');
SELECT throws_ok($$SELECT secret FROM mlops.webhooks$$, '42501', NULL, 'a writer cannot read the secret');
RESET SESSION AUTHORIZATION;
SET LOCAL SESSION AUTHORIZATION tap_wh_approver;
SELECT throws_ok($$SELECT mlops.drop_webhook('tap_wh')$$, '42501', NULL, 'an approver cannot drop a webhook');
RESET SESSION AUTHORIZATION;
SET LOCAL SESSION AUTHORIZATION tap_wh_outsider;
SELECT throws_ok($$SELECT mlops.redeliver(gen_random_uuid())$$, '42501', NULL, 'an outsider cannot redeliver');
RESET SESSION AUTHORIZATION;

SELECT * FROM finish();
ROLLBACK;
