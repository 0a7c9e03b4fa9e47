-- Privilege contract and shape of the events outbox (src/events, 35_events.sql):
-- readers read it, nobody but the extension owner writes it, PUBLIC gets
-- nothing, pg_dump skips it; a writer's registry change still writes it.
BEGIN;
SELECT plan(19);

SELECT mlops.create_roles();
CREATE ROLE tap_ev_reader;   GRANT mlops_reader TO tap_ev_reader;
CREATE ROLE tap_ev_writer;   GRANT mlops_writer TO tap_ev_writer;
CREATE ROLE tap_ev_outsider LOGIN;

-- ------------------------------------------------------------ shape
SELECT has_table('mlops', 'outbox', 'table mlops.outbox exists');
SELECT col_is_pk('mlops', 'outbox', 'id', 'outbox has a single-column primary key');
SELECT ok((SELECT attidentity = 'a' FROM pg_attribute
            WHERE attrelid = 'mlops.outbox'::regclass AND attname = 'id'),
          'outbox ids are GENERATED ALWAYS');
SELECT columns_are('mlops', 'outbox',
    ARRAY['id', 'event', 'entity', 'payload', 'actor', 'created_at', 'dispatched_at'],
    'outbox columns');
SELECT ok(NOT EXISTS (SELECT FROM pg_extension e, unnest(e.extconfig) c
                       WHERE e.extname = 'mlops' AND c = 'mlops.outbox'::regclass),
          'the outbox is not dumped by pg_dump');

-- ------------------------------------------------------------ table privileges
SELECT table_privs_are('mlops', 'outbox', 'public', ARRAY[]::text[], 'PUBLIC has no privilege on the outbox');
SELECT table_privs_are('mlops', 'outbox', 'mlops_reader', ARRAY['SELECT'], 'readers only read the outbox');
SELECT table_privs_are('mlops', 'outbox', 'mlops_writer', ARRAY['SELECT'], 'writers only read the outbox');
SELECT table_privs_are('mlops', 'outbox', 'mlops_approver', ARRAY['SELECT'], 'approvers only read the outbox');
SELECT table_privs_are('mlops', 'outbox', 'mlops_admin', ARRAY['SELECT'], 'not even admins write the outbox');

-- ------------------------------------------------------------ as roles
INSERT INTO mlops.experiments (name) VALUES ('tap_events');
INSERT INTO mlops.runs (id, experiment_id)
SELECT '00000000-0000-0000-0000-0000000e0001', id FROM mlops.experiments WHERE name = 'tap_events';

SET ROLE tap_ev_writer;
SELECT ok(mlops.register_model('tap_ev') > 0, 'a writer registers a model');
SELECT is(mlops.create_model_version('tap_ev', '00000000-0000-0000-0000-0000000e0001', 's3://tap/ev'), 1,
    'a writer creates version 1');
SELECT lives_ok($$SELECT mlops.transition('tap_ev', 1, 'staging')$$, 'a writer changes a stage');
SELECT is((SELECT count(*)::int FROM mlops.outbox WHERE entity = 'model:tap_ev@1' AND event = 'stage.changed'), 1,
    'the change wrote one outbox row the writer cannot write itself');
SELECT throws_ok($$INSERT INTO mlops.outbox (event, entity, payload, actor, created_at)
                   VALUES ('stage.changed', 'x', '{}', 'x', now())$$, '42501', NULL, 'a writer cannot insert');
SELECT throws_ok($$UPDATE mlops.outbox SET dispatched_at = now()$$, '42501', NULL, 'a writer cannot update');
SELECT throws_ok($$DELETE FROM mlops.outbox$$, '42501', NULL, 'a writer cannot delete');
RESET ROLE;

SET ROLE tap_ev_reader;
SELECT lives_ok('SELECT count(*) FROM mlops.outbox', 'a reader reads the outbox');
RESET ROLE;

SET ROLE tap_ev_outsider;
SELECT throws_ok('SELECT count(*) FROM mlops.outbox', '42501', NULL, 'a role outside mlops_* cannot read the outbox');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
