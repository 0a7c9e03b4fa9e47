-- Run parents form no cycle: A -> B -> A by two UPDATEs of parent_run_id
-- (and longer cycles, and a cycle inside one INSERT) is refused with 22023;
-- before the fix only a run being its own parent was refused.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS mlops;
RESET client_min_messages;
\set SHOW_CONTEXT never
SELECT mlops.create_experiment('parents') > 0 AS created;
INSERT INTO mlops.runs (id, experiment_id, name)
SELECT ('00000000-0000-0000-0000-0000000000b' || g)::uuid, e.id, 'run ' || g
  FROM mlops.experiments e, generate_series(1, 4) g WHERE e.name = 'parents';
\set a '00000000-0000-0000-0000-0000000000b1'
\set b '00000000-0000-0000-0000-0000000000b2'
\set c '00000000-0000-0000-0000-0000000000b3'
\set d '00000000-0000-0000-0000-0000000000b4'
UPDATE mlops.runs SET parent_run_id = :'b' WHERE id = :'a';
UPDATE mlops.runs SET parent_run_id = :'a' WHERE id = :'b';
-- a longer cycle: c -> a -> b, then b -> c
UPDATE mlops.runs SET parent_run_id = :'a' WHERE id = :'c';
UPDATE mlops.runs SET parent_run_id = :'c' WHERE id = :'b';
UPDATE mlops.runs SET parent_run_id = :'c' WHERE id = :'d';
-- two rows of one statement
UPDATE mlops.runs SET parent_run_id = CASE id WHEN :'a' THEN :'d'::uuid ELSE :'a'::uuid END
 WHERE id IN (:'a', :'d');
UPDATE mlops.runs SET parent_run_id = :'a' WHERE id = :'a';
-- a cycle inside one INSERT
INSERT INTO mlops.runs (id, experiment_id, name, parent_run_id)
SELECT v.id, e.id, 'pair', v.parent FROM mlops.experiments e,
       (VALUES ('00000000-0000-0000-0000-0000000000e1'::uuid, '00000000-0000-0000-0000-0000000000e2'::uuid),
               ('00000000-0000-0000-0000-0000000000e2'::uuid, '00000000-0000-0000-0000-0000000000e1'::uuid)) v(id, parent)
 WHERE e.name = 'parents';
-- a tree is fine: moving a subtree elsewhere, and start_run with a parent
UPDATE mlops.runs SET parent_run_id = NULL WHERE id = :'d';
UPDATE mlops.runs SET parent_run_id = :'b' WHERE id = :'d';
SELECT mlops.start_run('parents', 'child', parent_run => :'d') IS NOT NULL AS child_started;
SELECT r.name, (SELECT p.name FROM mlops.runs p WHERE p.id = r.parent_run_id) AS parent
  FROM mlops.runs r JOIN mlops.experiments e ON e.id = r.experiment_id
 WHERE e.name = 'parents' ORDER BY r.name;
