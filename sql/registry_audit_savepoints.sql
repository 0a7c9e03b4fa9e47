-- Audit rows appended in subtransactions: a rolled-back savepoint or a
-- PL/pgSQL exception block takes its rows with it, a released one hands them
-- to its parent; the rows that remain are chained at commit, in the order
-- they were appended, and the chain verifies.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS mlops;
SELECT coalesce(max(id), 0) AS mark FROM mlops.audit_log \gset
BEGIN;
SELECT mlops.register_model('sp_a') > 0 AS a;
SAVEPOINT s1;
SELECT mlops.register_model('sp_b') > 0 AS b;
SAVEPOINT s2;
SELECT mlops.register_model('sp_c') > 0 AS c;
RELEASE SAVEPOINT s2;
ROLLBACK TO SAVEPOINT s1;
SELECT mlops.register_model('sp_d') > 0 AS d;
SAVEPOINT s3;
SELECT mlops.register_model('sp_e') > 0 AS e;
SAVEPOINT s4;
SELECT mlops.register_model('sp_f') > 0 AS f;
ROLLBACK TO SAVEPOINT s4;
RELEASE SAVEPOINT s3;
-- pending rows are visible to their own transaction
SELECT entity, id < 0 AS pending FROM mlops.audit_log WHERE id < 0 ORDER BY id DESC;
COMMIT;
SELECT entity FROM mlops.audit_log WHERE id > :mark ORDER BY id;
-- an exception block rolls back its subtransaction
DO $$
BEGIN
    PERFORM mlops.register_model('sp_g');
    BEGIN
        PERFORM mlops.register_model('sp_h');
        RAISE EXCEPTION 'undo sp_h';
    EXCEPTION WHEN raise_exception THEN
        NULL;
    END;
    PERFORM mlops.register_model('sp_i');
END $$;
SELECT entity FROM mlops.audit_log WHERE id > :mark ORDER BY id;
-- a transaction whose every append was rolled back chains nothing
BEGIN;
SAVEPOINT s;
SELECT mlops.register_model('sp_j') > 0 AS j;
ROLLBACK TO SAVEPOINT s;
COMMIT;
SELECT count(*) AS rows_after_mark, count(*) FILTER (WHERE id < 0) AS pending_left
  FROM mlops.audit_log WHERE id > :mark OR id < 0;
-- each row links to the one before, the new rows' ids follow each other, the chain verifies
SELECT bool_and(prev_hash = lag_hash) AS linked, bool_and(id = lag_id + 1 OR lag_id = :mark) AS consecutive
  FROM (SELECT id, prev_hash, lag(hash) OVER (ORDER BY id) AS lag_hash, lag(id) OVER (ORDER BY id) AS lag_id
          FROM mlops.audit_log WHERE id >= :mark AND id > 0) x
 WHERE lag_id IS NOT NULL;
SELECT mlops.verify_audit_chain() IS NULL AS chain_intact;
SELECT name FROM mlops.models WHERE name LIKE 'sp\_%' ORDER BY name;
