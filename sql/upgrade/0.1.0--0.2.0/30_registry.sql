-- mlops 0.1.0 -> 0.2.0: registry and audit.
-- Audit rows are chained at commit under a lock on the one row of
-- mlops.audit_chain_head, instead of a table lock on audit_log held from the first
-- registry write to commit. Existing rows are chained already; the head row
-- holds no chain state (the tail is read from audit_log), so no migration of
-- data is needed beyond creating it.

CREATE TABLE mlops.audit_chain_head (
    id int PRIMARY KEY CHECK (id = 1)
);
COMMENT ON TABLE mlops.audit_chain_head IS 'the audit chain''s head lock: one row, locked by each transaction while it chains its audit rows at commit';
INSERT INTO mlops.audit_chain_head (id) VALUES (1);

-- Anchors against tail truncation: verify_audit_chain() checks that every row
-- links to its predecessor, which a superuser who deletes the newest rows (or
-- rewrites and re-chains rows) does not break. A DBA therefore stores the
-- chain's head outside the database from time to time, e.g. from cron:
--   psql -XAt -c "SELECT id || ' ' || hash FROM mlops.audit_head()" >> anchors.log
-- shipped to append-only storage (WORM bucket, another host, a ticket), and
-- later checks the chain against a stored anchor:
--   SELECT mlops.verify_audit_chain(<id>, '<hash>');
-- which is NULL only when the row with that id is still reached by the intact
-- chain and still has that hash.
CREATE FUNCTION mlops.audit_head(OUT id bigint, OUT hash text) RETURNS record
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    BEGIN ATOMIC
        SELECT a.id, a.hash FROM mlops.audit_log a
         WHERE a.id OPERATOR(pg_catalog.>) 0 ORDER BY a.id DESC LIMIT 1;
    END;
COMMENT ON FUNCTION mlops.audit_head() IS 'id and hash of the newest audit_log row: an anchor to store outside the database';

CREATE FUNCTION mlops.verify_audit_chain(expected_head_id bigint, expected_head_hash text) RETURNS bigint
    AS 'MODULE_PATHNAME', 'mlops_verify_audit_chain_anchor' LANGUAGE C STABLE;
COMMENT ON FUNCTION mlops.verify_audit_chain(bigint, text) IS 'as verify_audit_chain(), and the anchor''s id when the chain no longer reaches that row with that hash (rows removed or rewritten up to a stored anchor)';
