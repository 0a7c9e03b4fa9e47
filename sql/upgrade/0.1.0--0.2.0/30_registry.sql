-- mlops 0.1.0 -> 0.2.0: registry and audit.
-- Audit rows are chained at commit under a lock on the one row of
-- mlops.audit_head, instead of a table lock on audit_log held from the first
-- registry write to commit. Existing rows are chained already; the head row
-- holds no chain state (the tail is read from audit_log), so no migration of
-- data is needed beyond creating it.

CREATE TABLE mlops.audit_head (
    id int PRIMARY KEY CHECK (id = 1)
);
COMMENT ON TABLE mlops.audit_head IS 'the audit chain''s head lock: one row, locked by each transaction while it chains its audit rows at commit';
INSERT INTO mlops.audit_head (id) VALUES (1);
