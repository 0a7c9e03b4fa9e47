-- Domain events (src/events): a stage or alias change writes one mlops.outbox
-- row in the transaction of its cause, as the extension owner; a rolled-back
-- cause leaves nothing; only the owner writes the outbox, readers read it.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS mlops CASCADE;  -- a fresh install: no rows from other test files
CREATE EXTENSION mlops;
RESET client_min_messages;
SELECT mlops.create_roles();
\set VERBOSITY default
\pset null '<null>'

CREATE ROLE regress_ev_writer;
CREATE ROLE regress_ev_admin;
CREATE ROLE regress_ev_reader;
CREATE ROLE regress_ev_outsider;
GRANT mlops_writer TO regress_ev_writer;
GRANT mlops_admin TO regress_ev_admin;
GRANT mlops_reader TO regress_ev_reader;

INSERT INTO mlops.experiments (name) VALUES ('regress_events');
INSERT INTO mlops.runs (id, experiment_id)
SELECT '00000000-0000-0000-0000-00000000e001', id FROM mlops.experiments WHERE name = 'regress_events';

-- the outbox: no pg_dump registration, no privilege for PUBLIC, SELECT for readers
SELECT 'mlops.outbox'::regclass = ANY (extconfig) AS dumped FROM pg_extension WHERE extname = 'mlops';
SELECT grantee, privilege_type FROM information_schema.role_table_grants
 WHERE table_schema = 'mlops' AND table_name = 'outbox' AND grantee <> current_user ORDER BY 1, 2;
SELECT count(*) AS described_columns FROM pg_attribute a
 WHERE a.attrelid = 'mlops.outbox'::regclass AND a.attnum > 0 AND NOT a.attisdropped
   AND col_description(a.attrelid, a.attnum) IS NOT NULL;

-- a writer without any privilege on the outbox emits events through the registry
SET SESSION AUTHORIZATION regress_ev_writer;
SELECT mlops.register_model('ev_churn') > 0 AS registered;
SELECT mlops.create_model_version('ev_churn', '00000000-0000-0000-0000-00000000e001', 's3://ev/' || g)
  FROM generate_series(1, 2) g;
SELECT count(*) AS events_before FROM mlops.outbox;   -- registering emits nothing (yet)
SELECT mlops.transition('ev_churn', 1, 'staging');
SELECT event, entity, payload, actor FROM mlops.outbox ORDER BY id;
SELECT mlops.set_alias('ev_churn', 'champion', 1);
SELECT event, entity, payload, actor FROM mlops.outbox WHERE id > 1 ORDER BY id;
-- the actor is session_user, also under SET ROLE
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_ev_admin;
SET ROLE mlops_writer;
SELECT mlops.transition('ev_churn', 2, 'staging');
RESET ROLE;
SELECT event, entity, payload->>'to' AS to_stage, actor FROM mlops.outbox WHERE id > 2 ORDER BY id;

-- a promotion that archives the previous holder: one event per version moved
SELECT mlops.transition('ev_churn', 1, 'production');
SELECT mlops.transition('ev_churn', 2, 'production');
SELECT event, entity, payload - 'actor' AS payload, actor FROM mlops.outbox WHERE id > 3 ORDER BY id;
SELECT max(id) AS last_id FROM mlops.outbox \gset

-- a rolled-back promotion leaves no outbox row (the row is seen inside its transaction)
BEGIN;
SELECT mlops.transition('ev_churn', 1, 'production');
SELECT count(*) AS inside FROM mlops.outbox WHERE id > :last_id;
ROLLBACK;
SELECT count(*) AS after_rollback FROM mlops.outbox WHERE id > :last_id;
-- also when a savepoint is rolled back, the rest of the transaction's events stay
BEGIN;
SAVEPOINT s;
SELECT mlops.set_alias('ev_churn', 'champion', 2);
ROLLBACK TO SAVEPOINT s;
SELECT mlops.delete_alias('ev_churn', 'champion');
COMMIT;
SELECT event, entity, payload - 'actor' AS payload FROM mlops.outbox WHERE id > :last_id ORDER BY id;
-- a plain UPDATE (an ORM) is a stage change like any other
UPDATE mlops.model_versions SET stage = 'staging'
 WHERE model_id = (SELECT id FROM mlops.models WHERE name = 'ev_churn') AND version = 1;
SELECT event, entity, payload->>'from' AS from_stage, payload->>'to' AS to_stage
  FROM mlops.outbox ORDER BY id DESC LIMIT 1;
RESET SESSION AUTHORIZATION;

-- transition requests and approvals are events too (a rejection is not)
SELECT mlops.end_run('00000000-0000-0000-0000-00000000e001');
CREATE ROLE regress_ev_approver IN ROLE mlops_approver;
SELECT max(id) AS last_id FROM mlops.outbox \gset
SET SESSION AUTHORIZATION regress_ev_admin;
SELECT mlops.set_policy('ev_churn', 'archived', 1);
SELECT mlops.request_transition('ev_churn', 1, 'archived') AS req1 \gset
SELECT mlops.request_transition('ev_churn', 2, 'archived') AS req2 \gset
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_ev_approver;
SELECT mlops.approve(:req1);
SELECT mlops.reject(:req2);
RESET SESSION AUTHORIZATION;
SELECT event, entity, payload - 'request' AS payload, actor,
       (payload->>'request')::bigint IN (:req1, :req2) AS names_its_request
  FROM mlops.outbox WHERE id > :last_id ORDER BY id;
SELECT max(id) AS last_id FROM mlops.outbox \gset

-- nobody but the owner writes the outbox
SET ROLE regress_ev_writer;
INSERT INTO mlops.outbox (event, entity, payload, actor, created_at)
VALUES ('stage.changed', 'model:ev_churn@1', '{}', 'regress_ev_writer', now());
\echo '   sqlstate' :SQLSTATE
UPDATE mlops.outbox SET payload = '{}';
\echo '   sqlstate' :SQLSTATE
DELETE FROM mlops.outbox;
\echo '   sqlstate' :SQLSTATE
TRUNCATE mlops.outbox;
\echo '   sqlstate' :SQLSTATE
RESET ROLE;
SET ROLE regress_ev_admin;
DELETE FROM mlops.outbox;
\echo '   sqlstate' :SQLSTATE
RESET ROLE;
-- a reader reads it
SET ROLE regress_ev_reader;
SELECT count(*) > 0 AS reader_reads FROM mlops.outbox;
UPDATE mlops.outbox SET dispatched_at = now();
\echo '   sqlstate' :SQLSTATE
RESET ROLE;
-- a role without any mlops role reads nothing
SET ROLE regress_ev_outsider;
SELECT count(*) FROM mlops.outbox;
\echo '   sqlstate' :SQLSTATE
RESET ROLE;
SELECT max(id) = :last_id AS outbox_unchanged FROM mlops.outbox;

-- event kinds are family.verb
\set VERBOSITY terse
INSERT INTO mlops.outbox (event, entity, payload, actor, created_at)
VALUES ('StageChanged', 'x', '{}', 'x', now());
\echo '   sqlstate' :SQLSTATE
\set VERBOSITY default

-- clean up
DROP ROLE regress_ev_writer, regress_ev_admin, regress_ev_reader, regress_ev_outsider, regress_ev_approver;
SET client_min_messages = warning;
DROP EXTENSION mlops CASCADE;  -- install.sql, next in order, starts without it
RESET client_min_messages;
