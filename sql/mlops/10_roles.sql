-- Roles (API.md -> Roles). The group roles are cluster-wide, so they are not
-- created by CREATE EXTENSION: mlops.create_roles() creates them, and the
-- privileges each one gets are data in mlops.role_grants, which every concern's
-- script fills for its own objects. CREATE EXTENSION applies the grants too
-- when the roles already exist (a second database in the same cluster).

CREATE TABLE mlops.role_grants (
    id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    role_name   name NOT NULL CHECK (role_name OPERATOR(pg_catalog.=) ANY
                    (ARRAY['mlops_reader', 'mlops_writer', 'mlops_approver', 'mlops_admin']::name[])),
    privileges  text NOT NULL CHECK (privileges OPERATOR(pg_catalog.~) '^[A-Z, ]+$'),
    object_kind text NOT NULL CHECK (object_kind OPERATOR(pg_catalog.=) ANY
                    (ARRAY['SCHEMA', 'TABLE', 'SEQUENCE', 'FUNCTION'])),
    object_name text NOT NULL,
    UNIQUE (role_name, object_kind, object_name)
);
COMMENT ON TABLE mlops.role_grants IS 'privileges mlops.create_roles() grants to each mlops_* role; filled by the extension script';
REVOKE ALL ON mlops.role_grants FROM PUBLIC;

-- Apply mlops.role_grants for every role that exists.
CREATE FUNCTION mlops._apply_grants() RETURNS integer
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    g record;
    target text;
    n integer := 0;
BEGIN
    FOR g IN SELECT rg.role_name, rg.privileges, rg.object_kind, rg.object_name
               FROM mlops.role_grants rg
               JOIN pg_catalog.pg_roles r ON r.rolname OPERATOR(pg_catalog.=) rg.role_name
              ORDER BY rg.id
    LOOP
        -- Resolve the name through the catalogs so only real objects are granted.
        target := CASE
            WHEN g.object_kind OPERATOR(pg_catalog.=) 'SCHEMA'
                THEN pg_catalog.quote_ident(g.object_name::regnamespace::text)
            WHEN g.object_kind OPERATOR(pg_catalog.=) 'FUNCTION'
                THEN g.object_name::regprocedure::text
            ELSE g.object_name::regclass::text
        END;
        EXECUTE pg_catalog.format('GRANT %s ON %s %s TO %I',
                                  g.privileges, g.object_kind, target, g.role_name);
        n := n OPERATOR(pg_catalog.+) 1;
    END LOOP;
    RETURN n;
END
$fn$;
REVOKE ALL ON FUNCTION mlops._apply_grants() FROM PUBLIC;
COMMENT ON FUNCTION mlops._apply_grants() IS 'internal: grant mlops.role_grants to the mlops_* roles that exist';

-- Grant role "member" membership in "grp" unless it already has it.
CREATE FUNCTION mlops._grant_membership(grp_role name, member_role name) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_auth_members m
                    WHERE m.roleid OPERATOR(pg_catalog.=) grp_role::regrole
                      AND m.member OPERATOR(pg_catalog.=) member_role::regrole) THEN
        EXECUTE pg_catalog.format('GRANT %I TO %I', grp_role, member_role);
    END IF;
END
$fn$;
REVOKE ALL ON FUNCTION mlops._grant_membership(name, name) FROM PUBLIC;
COMMENT ON FUNCTION mlops._grant_membership(name, name) IS 'internal: idempotent GRANT grp_role TO member_role';

CREATE FUNCTION mlops.create_roles() RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    r name;
BEGIN
    -- Serialise concurrent callers: the second one sees the first one's roles.
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('mlops.create_roles'));
    FOREACH r IN ARRAY ARRAY['mlops_reader', 'mlops_writer', 'mlops_approver', 'mlops_admin']::name[]
    LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) r) THEN
            EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r);
        END IF;
    END LOOP;
    PERFORM mlops._grant_membership('mlops_reader', 'mlops_writer');
    PERFORM mlops._grant_membership('mlops_reader', 'mlops_approver');
    PERFORM mlops._grant_membership('mlops_writer', 'mlops_admin');
    PERFORM mlops._grant_membership('mlops_approver', 'mlops_admin');
    PERFORM mlops._apply_grants();
END
$fn$;
REVOKE ALL ON FUNCTION mlops.create_roles() FROM PUBLIC;
COMMENT ON FUNCTION mlops.create_roles() IS 'create the NOLOGIN roles mlops_reader, mlops_writer, mlops_approver, mlops_admin (if missing) and grant their privileges';

INSERT INTO mlops.role_grants (role_name, privileges, object_kind, object_name) VALUES
    ('mlops_reader', 'USAGE',   'SCHEMA',   'mlops'),
    ('mlops_reader', 'SELECT',  'TABLE',    'mlops.role_grants'),
    ('mlops_reader', 'SELECT',  'TABLE',    'mlops.settings');
