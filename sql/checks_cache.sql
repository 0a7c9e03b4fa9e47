-- The CHECK constraints of mlops's tables are read and planned once per
-- backend and reused by later statements: every change that could alter what
-- a constraint accepts is seen by the next statement of a warm session (a
-- constraint added or replaced, a function the planner inlined replaced by
-- CREATE OR REPLACE FUNCTION alone), through the API and through plain DML;
-- tables of other schemas keep the executor's own handling.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS mlops;
RESET client_min_messages;
\set SHOW_CONTEXT never
CREATE FUNCTION pg_temp.try(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
-- warm: statements writing experiments and model_versions keep their checks
SELECT mlops.create_experiment('warm_one') > 0 AS warm;
SELECT pg_temp.try($$UPDATE mlops.experiments SET name = 'warm_two' WHERE name = 'warm_one'$$) AS warm_update;
-- the built-in checks still refuse an empty name (the API checks it first)
SELECT pg_temp.try($$SELECT mlops.create_experiment('')$$) AS empty_name;
SELECT pg_temp.try($$UPDATE mlops.experiments SET name = '' WHERE name = 'warm_two'$$) AS empty_name_update;
-- a constraint an admin adds, calling an inlinable SQL function
CREATE FUNCTION public.exp_name_ok(n text) RETURNS boolean LANGUAGE sql IMMUTABLE
    AS $$ SELECT char_length(n) <= 20 $$;
ALTER TABLE mlops.experiments ADD CONSTRAINT experiments_name_ok CHECK (public.exp_name_ok(name)) NOT VALID;
SELECT pg_temp.try($$SELECT mlops.create_experiment('twelve_chars')$$) AS before_replace;
-- the function made stricter, the constraint untouched
CREATE OR REPLACE FUNCTION public.exp_name_ok(n text) RETURNS boolean LANGUAGE sql IMMUTABLE
    AS $$ SELECT char_length(n) <= 8 $$;
SELECT pg_temp.try($$SELECT mlops.create_experiment('thirteen_char')$$) AS after_replace_api;
SELECT pg_temp.try($$INSERT INTO mlops.experiments (name) VALUES ('thirteen_char')$$) AS after_replace_insert;
SELECT pg_temp.try($$UPDATE mlops.experiments SET name = 'thirteen_char' WHERE name = 'warm_two'$$) AS after_replace_update;
SELECT count(*) AS stored FROM mlops.experiments WHERE name = 'thirteen_char';
-- the constraint replaced under the same name by a looser one
ALTER TABLE mlops.experiments DROP CONSTRAINT experiments_name_ok,
    ADD CONSTRAINT experiments_name_ok CHECK (char_length(name) <= 30) NOT VALID;
SELECT pg_temp.try($$SELECT mlops.create_experiment('thirteen_char')$$) AS looser_again;
ALTER TABLE mlops.experiments DROP CONSTRAINT experiments_name_ok;
DROP FUNCTION public.exp_name_ok(text);
-- a table outside schema mlops: the executor's own path, same answers
CREATE TABLE public.other_checks (n text CHECK (char_length(n) <= 3));
SELECT pg_temp.try($$INSERT INTO public.other_checks VALUES ('abc')$$) AS other_ok,
       pg_temp.try($$INSERT INTO public.other_checks VALUES ('abcd')$$) AS other_refused;
DROP TABLE public.other_checks;
-- leave the database as found (install.sql creates the extension itself)
SET client_min_messages = warning;
DROP EXTENSION mlops CASCADE;
RESET client_min_messages;
