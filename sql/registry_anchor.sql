-- audit_head() and verify_audit_chain(anchor): removing the newest audit rows
-- (tail truncation by a superuser) keeps every remaining link intact, so
-- verify_audit_chain() cannot see it; a stored anchor can.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS mlops;
RESET client_min_messages;
\set VERBOSITY default
\pset null '<null>'
INSERT INTO mlops.experiments (name) VALUES ('regress_anchor');
INSERT INTO mlops.runs (id, experiment_id, name, status) VALUES
    ('00000000-0000-0000-0000-0000000000a1', (SELECT id FROM mlops.experiments WHERE name = 'regress_anchor'), 'a1', 'FINISHED');
SELECT mlops.register_model('anchor_m') > 0 AS registered;
SELECT mlops.create_model_version('anchor_m', '00000000-0000-0000-0000-0000000000a1', 's3://anchor/' || g)
  FROM generate_series(1, 3) g;
-- the head is the newest row
SELECT (h).id = (SELECT max(id) FROM mlops.audit_log) AS head_is_newest,
       (h).hash = (SELECT hash FROM mlops.audit_log ORDER BY id DESC LIMIT 1) AS head_hash_matches
  FROM (SELECT mlops.audit_head() AS h) x;
SELECT id AS anchor_id, hash AS anchor_hash FROM mlops.audit_head() \gset
SELECT mlops.verify_audit_chain() AS first_broken,
       mlops.verify_audit_chain(:anchor_id, :'anchor_hash') AS first_broken_with_anchor;
-- later rows do not disturb an older anchor
SELECT mlops.transition('anchor_m', 1, 'staging');
SELECT mlops.verify_audit_chain(:anchor_id, :'anchor_hash') AS first_broken_with_anchor;
-- a wrong hash for the anchor's row is reported at the anchor
SELECT mlops.verify_audit_chain(:anchor_id, repeat('0', 64)) = :anchor_id AS wrong_hash_detected;
-- a superuser truncates the tail, the anchor's row included
DELETE FROM mlops.audit_log WHERE id >= :anchor_id - 1;
SELECT mlops.verify_audit_chain() AS first_broken_without_anchor;
SELECT mlops.verify_audit_chain(:anchor_id, :'anchor_hash') = :anchor_id AS truncation_detected;
-- a superuser rewrites an older row and re-chains everything after it
SELECT id AS anchor_id, hash AS anchor_hash FROM mlops.audit_head() \gset
UPDATE mlops.audit_log SET detail = detail || '{"rewritten": true}'
 WHERE id = (SELECT min(id) FROM mlops.audit_log WHERE entity = 'model:anchor_m');
DO $$
DECLARE
    r record;
    prev text;
BEGIN
    SELECT hash INTO prev FROM mlops.audit_log
     WHERE id < (SELECT min(id) FROM mlops.audit_log WHERE entity = 'model:anchor_m') ORDER BY id DESC LIMIT 1;
    FOR r IN SELECT * FROM mlops.audit_log
              WHERE id >= (SELECT min(id) FROM mlops.audit_log WHERE entity = 'model:anchor_m') ORDER BY id LOOP
        UPDATE mlops.audit_log SET prev_hash = prev,
               hash = mlops.audit_row_hash(r.id, r.at, r.actor, r.action, r.entity, r.detail, prev)
         WHERE id = r.id RETURNING hash INTO prev;
    END LOOP;
END $$;
SELECT mlops.verify_audit_chain() AS first_broken_without_anchor;
SELECT mlops.verify_audit_chain(:anchor_id, :'anchor_hash') = :anchor_id AS rewrite_detected;
-- both parts of the anchor are needed
SELECT mlops.verify_audit_chain(NULL, 'x');
