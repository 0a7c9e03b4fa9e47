-- Trust is scoped to the statements a registry operation issues, not to the
-- backend while the operation runs: user code that an operation reaches (a
-- user trigger on a table it writes, a function it calls) runs as the
-- extension owner inside a security-restricted operation and must not be
-- able to write registry tables with those rights; a function or operator
-- planted on the caller's search_path is never called.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS mlops;
RESET client_min_messages;
SELECT mlops.create_roles();
\set VERBOSITY default
\pset null '<null>'
DELETE FROM mlops.policies WHERE model_id IS NULL;
CREATE ROLE regress_trust_writer LOGIN IN ROLE mlops_writer;
INSERT INTO mlops.experiments (name) VALUES ('regress_trust');
INSERT INTO mlops.runs (id, experiment_id, name, status) VALUES
    ('00000000-0000-0000-0000-0000000000c1', (SELECT id FROM mlops.experiments WHERE name = 'regress_trust'), 'c1', 'FINISHED'),
    ('00000000-0000-0000-0000-0000000000c2', (SELECT id FROM mlops.experiments WHERE name = 'regress_trust'), 'c2', 'FINISHED');
SET SESSION AUTHORIZATION regress_trust_writer;
SELECT mlops.register_model('trust_m') > 0 AS registered;
SELECT mlops.create_model_version('trust_m', '00000000-0000-0000-0000-0000000000c1', 's3://trust/1');
SELECT mlops.create_model_version('trust_m', '00000000-0000-0000-0000-0000000000c2', 's3://trust/2');
SELECT mlops.create_model_version('trust_m', '00000000-0000-0000-0000-0000000000c2', 's3://trust/3');
RESET SESSION AUTHORIZATION;
SELECT count(*) AS audit_rows_before FROM mlops.audit_log \gset

-- 1. a user trigger on stage_history forges an audit row
CREATE FUNCTION public.trust_forge_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO mlops.audit_log (at, actor, action, entity, detail, prev_hash, hash)
    VALUES (now(), 'nobody', 'forged', 'model:trust_m@1', '{}', NULL, md5(random()::text));
    RETURN NEW;
END $$;
CREATE TRIGGER trust_forge AFTER INSERT ON mlops.stage_history
    FOR EACH ROW EXECUTE FUNCTION public.trust_forge_audit();
SET SESSION AUTHORIZATION regress_trust_writer;
SELECT mlops.transition('trust_m', 1, 'staging');
RESET SESSION AUTHORIZATION;
DROP TRIGGER trust_forge ON mlops.stage_history;

-- 2. a user trigger on stage_history moves another version to production
CREATE FUNCTION public.trust_force_stage() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE mlops.model_versions SET stage = 'production'
     WHERE model_id = NEW.model_id AND version = 2;
    RETURN NULL;
END $$;
CREATE TRIGGER trust_force AFTER INSERT ON mlops.stage_history
    FOR EACH ROW WHEN (NEW.stage = 'staging') EXECUTE FUNCTION public.trust_force_stage();
SET SESSION AUTHORIZATION regress_trust_writer;
SELECT mlops.transition('trust_m', 3, 'staging');
RESET SESSION AUTHORIZATION;
DROP TRIGGER trust_force ON mlops.stage_history;

-- 3. a user trigger on audit_log deletes audit rows
CREATE FUNCTION public.trust_erase_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM mlops.audit_log WHERE id <> NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER trust_erase AFTER INSERT ON mlops.audit_log
    FOR EACH ROW EXECUTE FUNCTION public.trust_erase_audit();
SET SESSION AUTHORIZATION regress_trust_writer;
SELECT mlops.transition('trust_m', 2, 'staging');
RESET SESSION AUTHORIZATION;
DROP TRIGGER trust_erase ON mlops.audit_log;

-- cases 1-3: nothing was forged, erased or moved by the planted code
SELECT count(*) FILTER (WHERE action = 'forged') AS forged,
       count(*) - :audit_rows_before AS new_audit_rows
  FROM mlops.audit_log;
SELECT version, stage FROM mlops.model_versions v
  JOIN mlops.models m ON m.id = v.model_id WHERE m.name = 'trust_m' ORDER BY version;
SELECT mlops.verify_audit_chain() AS first_broken;

-- 4. a BEFORE UPDATE user trigger on model_versions, reached when a
--    promotion archives the previous production version, forges an audit row
SET SESSION AUTHORIZATION regress_trust_writer;
SELECT mlops.register_model('trust_m4') > 0 AS registered;
SELECT mlops.create_model_version('trust_m4', '00000000-0000-0000-0000-0000000000c1', 's3://trust4/1');
SELECT mlops.create_model_version('trust_m4', '00000000-0000-0000-0000-0000000000c2', 's3://trust4/2');
SELECT mlops.transition('trust_m4', 1, 'staging');
SELECT mlops.transition('trust_m4', 1, 'production');
SELECT mlops.transition('trust_m4', 2, 'staging');
RESET SESSION AUTHORIZATION;
SELECT count(*) AS audit_rows_before FROM mlops.audit_log \gset
CREATE TRIGGER trust_forge_on_archive BEFORE UPDATE ON mlops.model_versions
    FOR EACH ROW WHEN (OLD.stage = 'production') EXECUTE FUNCTION public.trust_forge_audit();
SET SESSION AUTHORIZATION regress_trust_writer;
SELECT mlops.transition('trust_m4', 2, 'production');
RESET SESSION AUTHORIZATION;
DROP TRIGGER trust_forge_on_archive ON mlops.model_versions;
SELECT count(*) FILTER (WHERE action = 'forged') AS forged,
       count(*) - :audit_rows_before AS new_audit_rows
  FROM mlops.audit_log;
SELECT version, stage FROM mlops.model_versions v
  JOIN mlops.models m ON m.id = v.model_id WHERE m.name = 'trust_m4' ORDER BY version;

-- 5. a lower(text) and a text = operator planted in a schema first on the
--    caller's path are never called by a registry operation
CREATE SCHEMA trust_evil;
GRANT USAGE ON SCHEMA trust_evil TO PUBLIC;
CREATE TABLE trust_evil.calls (fn text);
GRANT INSERT ON trust_evil.calls TO PUBLIC;
CREATE FUNCTION trust_evil.lower(text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN INSERT INTO trust_evil.calls VALUES ('lower'); RETURN pg_catalog.lower($1); END $$;
CREATE FUNCTION trust_evil.texteq(text, text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN INSERT INTO trust_evil.calls VALUES ('='); RETURN pg_catalog.texteq($1, $2); END $$;
CREATE OPERATOR trust_evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = trust_evil.texteq);
SET SESSION AUTHORIZATION regress_trust_writer;
SET search_path = trust_evil, pg_catalog, public;
SELECT 'a' = 'a' AS planted_operator_resolves;
SELECT mlops.register_model('trust_evil_m') > 0 AS registered;
SELECT mlops.create_model_version('trust_evil_m', '00000000-0000-0000-0000-0000000000c1', 's3://evil/1');
SELECT mlops.request_transition('trust_evil_m', 1, 'staging') > 0 AS requested;
SELECT mlops.transition('trust_evil_m', 1, 'staging');
SELECT mlops.set_alias('trust_evil_m', 'champion', 1);
SELECT mlops.delete_alias('trust_evil_m', 'champion');
RESET search_path;
RESET SESSION AUTHORIZATION;
-- only the probe above called the planted operator
SELECT fn, count(*) FROM trust_evil.calls GROUP BY fn ORDER BY fn;
SELECT mlops.verify_audit_chain() AS first_broken;
DROP SCHEMA trust_evil CASCADE;
DROP FUNCTION public.trust_forge_audit(), public.trust_force_stage(),
              public.trust_erase_audit();
