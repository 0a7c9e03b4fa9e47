-- Monitors privileges (API.md -> Roles): admins create monitors; the owner
-- or an admin alters, drops, recomputes and reads drift_windows; writers
-- may also evaluate; readers read monitors, drift_results and
-- monitor_status; nobody but the extension owner writes the tables.
-- Rights follow session_user (the actor mlops records), so roles are
-- taken with SET SESSION AUTHORIZATION.
BEGIN;
SELECT plan(53);

SELECT lives_ok('SELECT mlops.create_roles()', 'roles exist');
CREATE ROLE mon_t_admin LOGIN IN ROLE mlops_admin;
CREATE ROLE mon_t_admin2 LOGIN IN ROLE mlops_admin;
CREATE ROLE mon_t_writer LOGIN IN ROLE mlops_writer;
CREATE ROLE mon_t_reader LOGIN IN ROLE mlops_reader;
CREATE ROLE mon_t_outsider LOGIN;
CREATE TABLE public.mon_t_src (ts timestamptz NOT NULL, v float8);
INSERT INTO public.mon_t_src SELECT date_bin('1 hour', now(), '1970-01-01') - interval '5 hours' + g * interval '1 minute', g % 7
  FROM generate_series(0, 299) g;
GRANT SELECT ON public.mon_t_src TO mon_t_admin, mon_t_writer, mon_t_reader, mon_t_outsider;

-- who may execute what: nothing for PUBLIC; the functions check the caller themselves
SELECT function_privs_are('mlops', f, args, 'public', ARRAY[]::text[], 'PUBLIC cannot execute mlops.' || f)
  FROM (VALUES ('create_monitor', ARRAY['text', 'text', 'regclass', 'text', 'text', 'text', 'double precision', 'interval',
                                        'jsonb', 'interval', 'timestamp with time zone', 'integer']),
               ('alter_monitor', ARRAY['text', 'double precision', 'interval', 'boolean']),
               ('drop_monitor', ARRAY['text']),
               ('evaluate_monitor', ARRAY['text', 'timestamp with time zone']),
               ('drift_windows', ARRAY['text', 'timestamp with time zone', 'timestamp with time zone'])) v(f, args);
SELECT table_privs_are('mlops', t, r, ARRAY['SELECT'], r || ' only reads mlops.' || t)
  FROM unnest(ARRAY['monitors', 'monitor_references', 'drift_results']) t,
       unnest(ARRAY['mlops_reader', 'mlops_writer', 'mlops_admin']) r;
SELECT ok(has_table_privilege('mlops_reader', 'mlops.monitor_status', 'SELECT')
          AND NOT has_table_privilege('mlops_admin', 'mlops.monitor_status', 'UPDATE'), 'readers read monitor_status');

-- an admin creates, alters, evaluates its monitor
SET SESSION AUTHORIZATION mon_t_admin;
SELECT lives_ok($$SELECT mlops.create_monitor('tap_mon', NULL, 'public.mon_t_src', 'v', 'ts')$$, 'admin: create_monitor');
SELECT is((SELECT owner::text FROM mlops.monitors WHERE name = 'tap_mon'), 'mon_t_admin', 'owner is the session user');
SELECT lives_ok($$SELECT mlops.alter_monitor('tap_mon', 0.5)$$, 'owner: alter_monitor');
SELECT lives_ok($$SELECT mlops.create_monitor('tap_mon2', NULL, 'public.mon_t_src', 'v', 'ts')$$, 'admin: a second monitor');
RESET SESSION AUTHORIZATION;

-- a writer evaluates (reading as the owner), but neither creates, changes, recomputes nor reads drift_windows
SET SESSION AUTHORIZATION mon_t_writer;
SELECT throws_ok($$SELECT mlops.create_monitor('tap_w', NULL, 'public.mon_t_src', 'v', 'ts')$$, '42501', NULL,
    'writer: no create_monitor');
SELECT throws_ok($$SELECT mlops.alter_monitor('tap_mon', 0.1)$$, '42501', NULL, 'writer: no alter_monitor');
SELECT throws_ok($$SELECT mlops.drop_monitor('tap_mon')$$, '42501', NULL, 'writer: no drop_monitor');
SELECT ok((SELECT count(*) FROM mlops.evaluate_monitor('tap_mon')) >= 5, 'writer: evaluate_monitor computes the windows');
SELECT throws_ok($$SELECT * FROM mlops.evaluate_monitor('tap_mon', now() - interval '1 day')$$, '42501', NULL,
    'writer: no recompute_from');
SELECT throws_ok($$SELECT * FROM mlops.drift_windows('tap_mon', now() - interval '1 day', now())$$, '42501', NULL,
    'writer: no drift_windows');
SELECT throws_ok($$INSERT INTO mlops.drift_results (monitor_id, window_start, window_end) SELECT id, now(), now() + interval '1 hour' FROM mlops.monitors$$,
    '42501', NULL, 'writer: no INSERT into drift_results');
SELECT throws_ok($$UPDATE mlops.monitors SET threshold = 9$$, '42501', NULL, 'writer: no UPDATE of monitors');
RESET SESSION AUTHORIZATION;
SELECT is((SELECT last_sqlstate FROM mlops.monitors WHERE name = 'tap_mon'), NULL, 'the writer''s evaluation succeeded as the owner');

-- a reader reads everything monitors produce, but evaluates and writes nothing
SET SESSION AUTHORIZATION mon_t_reader;
SELECT ok((SELECT count(*) FROM mlops.monitors) = 2, 'reader: reads monitors');
SELECT ok((SELECT count(*) FROM mlops.drift_results) >= 5, 'reader: reads drift_results');
SELECT ok((SELECT count(*) FROM mlops.monitor_references) = 0, 'reader: reads monitor_references');
SELECT is((SELECT method FROM mlops.monitor_status WHERE monitor = 'tap_mon'), 'psi', 'reader: reads monitor_status');
SELECT throws_ok($$SELECT * FROM mlops.evaluate_monitor('tap_mon')$$, '42501', NULL, 'reader: no evaluate_monitor');
SELECT throws_ok($$SELECT * FROM mlops.drift_windows('tap_mon', now() - interval '1 day', now())$$, '42501', NULL,
    'reader: no drift_windows');
SELECT throws_ok($$SELECT mlops.create_monitor('tap_r', NULL, 'public.mon_t_src', 'v', 'ts')$$, '42501', NULL,
    'reader: no create_monitor');
SELECT throws_ok($$SELECT mlops.drop_monitor('tap_mon')$$, '42501', NULL, 'reader: no drop_monitor');
SELECT throws_ok($$DELETE FROM mlops.drift_results$$, '42501', NULL, 'reader: no DELETE from drift_results');
SELECT throws_ok($$DELETE FROM mlops.monitor_references$$, '42501', NULL, 'reader: no DELETE from monitor_references');
SELECT throws_ok($$INSERT INTO mlops.monitors (name, source, value_column, time_column, method, owner) VALUES ('x', 'y', 'v', 't', 'psi', 'mon_t_reader')$$,
    '42501', NULL, 'reader: no INSERT into monitors');
RESET SESSION AUTHORIZATION;

-- an outsider sees nothing
SET SESSION AUTHORIZATION mon_t_outsider;
SELECT throws_ok($$SELECT * FROM mlops.monitors$$, '42501', NULL, 'outsider: no monitors');
SELECT throws_ok($$SELECT * FROM mlops.monitor_status$$, '42501', NULL, 'outsider: no monitor_status');
SELECT throws_ok($$SELECT * FROM mlops.evaluate_monitor('tap_mon')$$, '42501', NULL, 'outsider: no evaluate_monitor');
RESET SESSION AUTHORIZATION;

-- another admin may change and drop any monitor
SET SESSION AUTHORIZATION mon_t_admin2;
SELECT lives_ok($$SELECT mlops.alter_monitor('tap_mon2', enabled => false)$$, 'another admin: alter_monitor');
SELECT ok((SELECT count(*) FROM mlops.drift_windows('tap_mon', now() - interval '6 hours', now())) >= 5,
    'another admin: drift_windows');
SELECT lives_ok($$SELECT mlops.drop_monitor('tap_mon2')$$, 'another admin: drop_monitor');
RESET SESSION AUTHORIZATION;

-- an owner that is no admin any more still manages its own monitor, and only that
REVOKE mlops_admin FROM mon_t_admin;
GRANT mlops_reader TO mon_t_admin;
SET SESSION AUTHORIZATION mon_t_admin;
SELECT lives_ok($$SELECT mlops.alter_monitor('tap_mon', schedule => '1 hour')$$, 'owner: alter_monitor without admin');
SELECT ok((SELECT count(*) FROM mlops.drift_windows('tap_mon', now() - interval '6 hours', now())) >= 5,
    'owner: drift_windows without admin');
SELECT lives_ok($$SELECT * FROM mlops.evaluate_monitor('tap_mon', now() - interval '3 hours')$$, 'owner: recompute_from');
SELECT throws_ok($$SELECT mlops.create_monitor('tap_mon3', NULL, 'public.mon_t_src', 'v', 'ts')$$, '42501', NULL,
    'former admin: no create_monitor');
SELECT lives_ok($$SELECT mlops.drop_monitor('tap_mon')$$, 'owner: drop_monitor without admin');
RESET SESSION AUTHORIZATION;
SELECT is((SELECT count(*)::int FROM mlops.monitors), 0, 'every monitor dropped');
SELECT is((SELECT count(*)::int FROM mlops.drift_results), 0, 'their results went with them');

SELECT * FROM finish();
ROLLBACK;
