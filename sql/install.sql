-- CREATE / DROP EXTENSION, version(), script hygiene, a squatted schema.
SET client_min_messages = warning;
-- whatever an earlier test left behind
DROP EXTENSION IF EXISTS mlops CASCADE;
CREATE EXTENSION mlops;
SELECT extname, extversion, extrelocatable, extnamespace::regnamespace AS extschema
  FROM pg_extension WHERE extname = 'mlops';
SELECT mlops.version();
-- the C library and the catalog agree on the version
SELECT mlops.version() = (SELECT extversion FROM pg_extension WHERE extname = 'mlops') AS library_matches_catalog;
-- every table, view and function in schema mlops is a member of the extension
SELECT c.oid::regclass AS not_a_member
  FROM pg_class c
 WHERE c.relnamespace = 'mlops'::regnamespace AND c.relkind IN ('r', 'v', 'm', 'p', 'c')
   AND NOT EXISTS (SELECT 1 FROM pg_depend d
                    WHERE ((d.classid = 'pg_class'::regclass AND d.objid = c.oid)
                           -- a composite type (CREATE TYPE ... AS) is a member through its pg_type row
                           OR (c.relkind = 'c' AND d.classid = 'pg_type'::regclass AND d.objid = c.reltype))
                      AND d.deptype = 'e');
SELECT p.oid::regprocedure AS not_a_member
  FROM pg_proc p
 WHERE p.pronamespace = 'mlops'::regnamespace
   AND NOT EXISTS (SELECT 1 FROM pg_depend d
                    WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e');
-- SQL and plpgsql functions pin search_path (DESIGN.md script rules)
SELECT p.oid::regprocedure AS unpinned_search_path
  FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
 WHERE p.pronamespace = 'mlops'::regnamespace AND l.lanname IN ('sql', 'plpgsql')
   AND NOT coalesce(p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp'], false);
-- PUBLIC gets nothing on the schema; roles are granted by create_roles()
SELECT has_schema_privilege('public', 'mlops', 'USAGE') AS public_usage;
-- DROP EXTENSION removes everything it created
DROP EXTENSION mlops;
SELECT count(*) AS mlops_schemas FROM pg_namespace WHERE nspname = 'mlops';
SELECT count(*) AS leftover_functions FROM pg_proc WHERE proname IN ('create_roles', '_apply_grants', 'is_preloaded')
   AND pronamespace NOT IN ('pg_catalog'::regnamespace);
-- install, uninstall, install again
CREATE EXTENSION mlops;
DROP EXTENSION mlops;
-- a schema named mlops that is not the extension's: the install fails and touches nothing
RESET client_min_messages;
CREATE SCHEMA mlops;
CREATE TABLE mlops.mine (x int);
INSERT INTO mlops.mine VALUES (42);
\set VERBOSITY default
CREATE EXTENSION mlops;
\set VERBOSITY terse
SELECT * FROM mlops.mine;
SELECT count(*) AS extensions FROM pg_extension WHERE extname = 'mlops';
SELECT relname FROM pg_class WHERE relnamespace = 'mlops'::regnamespace ORDER BY relname;
SELECT count(*) AS functions FROM pg_proc WHERE pronamespace = 'mlops'::regnamespace;
DROP SCHEMA mlops CASCADE;
-- with the squatter gone, the install works; the other tests use this install
CREATE EXTENSION mlops;
SELECT mlops.version();
