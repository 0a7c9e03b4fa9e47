-- Privilege contract of mlops.create_roles() (API.md -> Roles).
BEGIN;
SELECT plan(26);

SELECT function_privs_are('mlops', 'create_roles', ARRAY[]::text[], 'public', ARRAY[]::text[],
    'PUBLIC cannot execute create_roles()');
SELECT schema_privs_are('mlops', 'public', ARRAY[]::text[], 'PUBLIC has no privilege on schema mlops');

SELECT lives_ok('SELECT mlops.create_roles()', 'create_roles() runs as superuser');
SELECT lives_ok('SELECT mlops.create_roles()', 'create_roles() is idempotent');

SELECT has_role(r, r || ' exists')
  FROM unnest(ARRAY['mlops_reader', 'mlops_writer', 'mlops_approver', 'mlops_admin']) r;
SELECT is((SELECT count(*)::int FROM pg_roles
            WHERE rolname IN ('mlops_reader', 'mlops_writer', 'mlops_approver', 'mlops_admin')
              AND NOT rolcanlogin AND NOT rolsuper AND NOT rolcreaterole AND NOT rolcreatedb),
          4, 'the four roles are NOLOGIN group roles without system privileges');

SELECT is_member_of('mlops_reader', 'mlops_writer', 'writers can read');
SELECT is_member_of('mlops_reader', 'mlops_approver', 'approvers can read');
SELECT is_member_of('mlops_writer', 'mlops_admin', 'admins can write');
SELECT is_member_of('mlops_approver', 'mlops_admin', 'admins can approve');
SELECT ok(NOT pg_has_role('mlops_writer', 'mlops_approver', 'MEMBER'), 'writers are not approvers');
SELECT ok(NOT pg_has_role('mlops_approver', 'mlops_writer', 'MEMBER'), 'approvers are not writers');
SELECT ok(NOT pg_has_role('mlops_reader', 'mlops_writer', 'MEMBER'), 'readers are not writers');

SELECT schema_privs_are('mlops', 'mlops_reader', ARRAY['USAGE'], 'readers can use schema mlops');
SELECT table_privs_are('mlops', 'role_grants', 'mlops_reader', ARRAY['SELECT'], 'readers can read role_grants');
SELECT table_privs_are('mlops', 'settings', 'mlops_reader', ARRAY['SELECT'], 'readers can read the settings view');
SELECT table_privs_are('mlops', 'role_grants', 'mlops_admin', ARRAY['SELECT'],
    'not even admins can change role_grants (inherited SELECT only)');

-- a login user who is a member of mlops_reader
CREATE ROLE mlops_tap_user LOGIN;
GRANT mlops_reader TO mlops_tap_user;
SET ROLE mlops_tap_user;
SELECT lives_ok('SELECT mlops.version()', 'a reader can call version()');
SELECT is((SELECT setting FROM mlops.settings WHERE name = 'mlops.naptime'), '1000', 'a reader sees the settings');
SELECT throws_ok('SELECT mlops.create_roles()', '42501', NULL, 'a reader cannot call create_roles()');
SELECT throws_ok('SELECT mlops._apply_grants()', '42501', NULL, 'a reader cannot call _apply_grants()');
SELECT throws_ok($$INSERT INTO mlops.role_grants (role_name, privileges, object_kind, object_name)
                   VALUES ('mlops_reader', 'ALL', 'SCHEMA', 'public')$$, '42501', NULL,
                 'a reader cannot add grants');
RESET ROLE;

-- without membership nothing in the schema is reachable
CREATE ROLE mlops_tap_outsider LOGIN;
SET ROLE mlops_tap_outsider;
SELECT throws_ok('SELECT mlops.version()', '42501', NULL, 'a role outside mlops_* cannot use the schema');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
