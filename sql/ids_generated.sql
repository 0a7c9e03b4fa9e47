-- Ids are GENERATED ALWAYS: an INSERT or UPDATE that names an id of its own
-- is refused (428C9), so no client takes an id the identity sequence hands
-- out later and makes the inserts of other users fail. Run ids are uuids a
-- client may choose; audit_log ids are numbered by the registry alone.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS mlops;
RESET client_min_messages;
SELECT mlops.create_roles();
\pset null '<null>'

-- every id column is an identity GENERATED ALWAYS but these
SELECT c.relname, a.atttypid::regtype AS type, a.attidentity AS identity,
       pg_get_expr(d.adbin, d.adrelid) AS "default"
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE c.relnamespace = 'mlops'::regnamespace AND c.relkind = 'r' AND a.attname = 'id'
   AND a.attidentity <> 'a'
 ORDER BY 1;

CREATE ROLE regress_ids_writer IN ROLE mlops_writer;
CREATE ROLE regress_ids_approver IN ROLE mlops_approver;
CREATE ROLE regress_ids_admin IN ROLE mlops_admin;
-- next_id(seq): the value the sequence hands out next
CREATE FUNCTION pg_temp.next_id(seq regclass) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
    EXECUTE format('SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM %s', seq) INTO n;
    RETURN n;
END $$;
-- id_state(): rows and highest id of every table with an identity id
CREATE FUNCTION pg_temp.id_state() RETURNS TABLE (tbl text, n bigint, max_id bigint) LANGUAGE plpgsql AS $$
DECLARE t regclass;
BEGIN
    FOR t IN SELECT a.attrelid::regclass FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
              WHERE c.relnamespace = 'mlops'::regnamespace AND a.attname = 'id' AND a.attidentity <> ''
              ORDER BY 1::text
    LOOP
        tbl := t::text;
        EXECUTE format('SELECT count(*), max(id) FROM %s', t) INTO n, max_id;
        RETURN NEXT;
    END LOOP;
END $$;

-- a writer's experiment, run (a run id of the client's choice), params, tags,
-- a model with a version and an open transition request
SET SESSION AUTHORIZATION regress_ids_writer;
SELECT mlops.create_experiment('regress_ids') AS exp \gset
INSERT INTO mlops.runs (id, experiment_id, name)
VALUES ('00000000-0000-0000-0000-0000000001d5', :exp, 'chosen id');
\set r '00000000-0000-0000-0000-0000000001d5'
SELECT id = :'r' AS run_id_as_chosen, status FROM mlops.runs WHERE name = 'chosen id';
SELECT mlops.log_param(:'r', 'p0', '0');
SELECT mlops.set_tag(:'r', 't0', '0');
SELECT mlops.register_model('regress_ids_m') AS m \gset
SELECT mlops.create_model_version('regress_ids_m', :'r', 's3://ids/1');
SELECT mlops._version_id('regress_ids_m', 1) AS v1 \gset
SELECT mlops.request_transition('regress_ids_m', 1, 'staging') AS req \gset
RESET SESSION AUTHORIZATION;

CREATE TEMP TABLE ids_before AS SELECT * FROM pg_temp.id_state();
SELECT pg_temp.next_id('mlops.experiments_id_seq') AS e_next, pg_temp.next_id('mlops.params_id_seq') AS p_next,
       pg_temp.next_id('mlops.tags_id_seq') AS t_next, pg_temp.next_id('mlops.metrics_id_seq') AS x_next,
       pg_temp.next_id('mlops.latest_metrics_id_seq') AS l_next, pg_temp.next_id('mlops.artifacts_id_seq') AS ar_next,
       pg_temp.next_id('mlops.run_inputs_id_seq') AS i_next, pg_temp.next_id('mlops.models_id_seq') AS m_next,
       pg_temp.next_id('mlops.model_versions_id_seq') AS v_next, pg_temp.next_id('mlops.stage_history_id_seq') AS h_next,
       pg_temp.next_id('mlops.transition_requests_id_seq') AS tr_next, pg_temp.next_id('mlops.approvals_id_seq') AS ap_next,
       pg_temp.next_id('mlops.model_aliases_id_seq') AS al_next, pg_temp.next_id('mlops.stages_id_seq') AS s_next,
       pg_temp.next_id('mlops.stage_transitions_id_seq') AS st_next, pg_temp.next_id('mlops.policies_id_seq') AS po_next
\gset

-- a writer cannot take the ids the sequences hand out next
SET SESSION AUTHORIZATION regress_ids_writer;
\set VERBOSITY default
INSERT INTO mlops.models (id, name)
VALUES (:m_next, 'regress_ids_p1'), (:m_next + 1, 'regress_ids_p2'), (:m_next + 2, 'regress_ids_p3');
\echo '   sqlstate' :SQLSTATE
\set VERBOSITY terse
INSERT INTO mlops.model_versions (id, model_id, run_id, artifact_uri) VALUES (:v_next, :m, :'r', 's3://ids/p');
\echo '   sqlstate' :SQLSTATE
INSERT INTO mlops.transition_requests (id, model_version_id, to_stage) VALUES (:tr_next, :v1, 'archived');
\echo '   sqlstate' :SQLSTATE
INSERT INTO mlops.model_aliases (id, model_id, alias, model_version_id) VALUES (:al_next, :m, 'planted', :v1);
\echo '   sqlstate' :SQLSTATE
INSERT INTO mlops.experiments (id, name) VALUES (:e_next, 'regress_ids_p');
\echo '   sqlstate' :SQLSTATE
INSERT INTO mlops.params (id, run_id, key, value) VALUES (:p_next, :'r', 'planted', '1');
\echo '   sqlstate' :SQLSTATE
INSERT INTO mlops.tags (id, run_id, key, value) VALUES (:t_next, :'r', 'planted', '1');
\echo '   sqlstate' :SQLSTATE
INSERT INTO mlops.metrics (id, run_id, key, value) VALUES (:x_next, :'r', 'planted', 1);
\echo '   sqlstate' :SQLSTATE
INSERT INTO mlops.metrics (id, run_id, key, value) SELECT :x_next + g, :'r', 'planted', g FROM generate_series(1, 3) g;
\echo '   sqlstate' :SQLSTATE
INSERT INTO mlops.artifacts (id, run_id, path, uri) VALUES (:ar_next, :'r', 'planted', 's3://ids/p');
\echo '   sqlstate' :SQLSTATE
INSERT INTO mlops.run_inputs (id, run_id, dataset, version) VALUES (:i_next, :'r', 'planted', 1);
\echo '   sqlstate' :SQLSTATE
-- nor move a row to one
UPDATE mlops.params SET id = :p_next WHERE run_id = :'r' AND key = 'p0';
\echo '   sqlstate' :SQLSTATE
UPDATE mlops.tags SET id = :t_next WHERE run_id = :'r' AND key = 't0';
\echo '   sqlstate' :SQLSTATE
UPDATE mlops.experiments SET id = :e_next WHERE id = :exp;
\echo '   sqlstate' :SQLSTATE
-- nor through OVERRIDING SYSTEM VALUE or COPY, which GENERATED ALWAYS lets
-- through: the triggers refuse an id the sequence has not handed out
\set VERBOSITY default
INSERT INTO mlops.models (id, name) OVERRIDING SYSTEM VALUE VALUES (:m_next, 'regress_ids_o1');
\echo '   sqlstate' :SQLSTATE
\set VERBOSITY terse
INSERT INTO mlops.model_versions (id, model_id, run_id, artifact_uri) OVERRIDING SYSTEM VALUE VALUES (:v_next, :m, :'r', 's3://ids/o');
\echo '   sqlstate' :SQLSTATE
INSERT INTO mlops.transition_requests (id, model_version_id, to_stage) OVERRIDING SYSTEM VALUE VALUES (:tr_next, :v1, 'archived');
\echo '   sqlstate' :SQLSTATE
INSERT INTO mlops.model_aliases (id, model_id, alias, model_version_id) OVERRIDING SYSTEM VALUE VALUES (:al_next, :m, 'planted', :v1);
\echo '   sqlstate' :SQLSTATE
INSERT INTO mlops.experiments (id, name) OVERRIDING SYSTEM VALUE VALUES (:e_next, 'regress_ids_o');
\echo '   sqlstate' :SQLSTATE
INSERT INTO mlops.params (id, run_id, key, value) OVERRIDING SYSTEM VALUE VALUES (:p_next, :'r', 'planted', '1');
\echo '   sqlstate' :SQLSTATE
INSERT INTO mlops.tags (id, run_id, key, value) OVERRIDING SYSTEM VALUE VALUES (:t_next, :'r', 'planted', '1');
\echo '   sqlstate' :SQLSTATE
INSERT INTO mlops.metrics (id, run_id, key, value) OVERRIDING SYSTEM VALUE VALUES (:x_next, :'r', 'planted', 1);
\echo '   sqlstate' :SQLSTATE
INSERT INTO mlops.artifacts (id, run_id, path, uri) OVERRIDING SYSTEM VALUE VALUES (:ar_next, :'r', 'planted', 's3://ids/o');
\echo '   sqlstate' :SQLSTATE
INSERT INTO mlops.run_inputs (id, run_id, dataset, version) OVERRIDING SYSTEM VALUE VALUES (:i_next, :'r', 'planted', 1);
\echo '   sqlstate' :SQLSTATE
COPY mlops.models (id, name) FROM STDIN;
9000000	regress_ids_copied
\.
\echo '   sqlstate' :SQLSTATE
COPY mlops.experiments (id, name) FROM STDIN;
9000000	regress_ids_copied
\.
\echo '   sqlstate' :SQLSTATE
-- audit_log keeps its own numbering: only the registry writes it
INSERT INTO mlops.audit_log (id, at, actor, action, entity, hash) VALUES (-1, now(), 'x', 'x', 'x', 'x');
\echo '   sqlstate' :SQLSTATE
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_ids_approver;
INSERT INTO mlops.approvals (id, request_id) VALUES (:ap_next, :req);
\echo '   sqlstate' :SQLSTATE
INSERT INTO mlops.approvals (id, request_id) OVERRIDING SYSTEM VALUE VALUES (:ap_next, :req);
\echo '   sqlstate' :SQLSTATE
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_ids_admin;
INSERT INTO mlops.stages (id, name) VALUES (:s_next, 'regress_ids_p');
\echo '   sqlstate' :SQLSTATE
INSERT INTO mlops.stage_transitions (id, from_stage, to_stage) VALUES (:st_next, 'none', 'production');
\echo '   sqlstate' :SQLSTATE
INSERT INTO mlops.policies (id, model_id, to_stage, approver_role) VALUES (:po_next, :m, 'production', 'mlops_approver');
\echo '   sqlstate' :SQLSTATE
INSERT INTO mlops.stages (id, name) OVERRIDING SYSTEM VALUE VALUES (:s_next, 'regress_ids_o');
\echo '   sqlstate' :SQLSTATE
INSERT INTO mlops.stage_transitions (id, from_stage, to_stage) OVERRIDING SYSTEM VALUE VALUES (:st_next, 'none', 'production');
\echo '   sqlstate' :SQLSTATE
INSERT INTO mlops.policies (id, model_id, to_stage, approver_role) OVERRIDING SYSTEM VALUE VALUES (:po_next, :m, 'production', 'mlops_approver');
\echo '   sqlstate' :SQLSTATE
RESET SESSION AUTHORIZATION;
-- the tables only the extension writes refuse an explicit id even from a superuser
INSERT INTO mlops.latest_metrics (id, run_id, key, step, ts, value) VALUES (:l_next, :'r', 'planted', 0, now(), 1);
\echo '   sqlstate' :SQLSTATE
INSERT INTO mlops.stage_history (id, model_version_id, model_id, stage, valid_from) VALUES (:h_next, :v1, :m, 'none', now());
\echo '   sqlstate' :SQLSTATE
\set VERBOSITY default

-- nothing was written, and no sequence moved
SELECT s.tbl AS changed FROM (SELECT * FROM pg_temp.id_state() EXCEPT SELECT * FROM ids_before) s ORDER BY 1;
SELECT pg_temp.next_id('mlops.models_id_seq') = :m_next AS models_seq_unmoved,
       pg_temp.next_id('mlops.metrics_id_seq') = :x_next AS metrics_seq_unmoved;

-- the ids named above go to the next registrations, points, params...
SET SESSION AUTHORIZATION regress_ids_writer;
SELECT g, mlops.register_model('regress_ids_m' || g) = :m_next + g - 1 AS planned_id
  FROM generate_series(1, 3) g ORDER BY g;
SELECT mlops.log_metric(:'r', 'loss', 0.5, 1);
SELECT mlops.log_metrics(:'r', ARRAY['loss', 'acc'], ARRAY[0.4, 0.9], ARRAY[2, 2]::bigint[]);
SELECT key, step, id - :x_next AS id_offset FROM mlops.metrics WHERE run_id = :'r' ORDER BY id;
SELECT key, id - :l_next AS id_offset FROM mlops.latest_metrics WHERE run_id = :'r' ORDER BY id;
SELECT mlops.create_experiment('regress_ids_2') = :e_next AS experiment_planned_id;
SELECT mlops.log_param(:'r', 'lr', '0.1');
SELECT id = :p_next AS param_planned_id FROM mlops.params WHERE run_id = :'r' AND key = 'lr';
SELECT mlops.set_tag(:'r', 'team', 'ids');
SELECT id = :t_next AS tag_planned_id FROM mlops.tags WHERE run_id = :'r' AND key = 'team';
SELECT mlops.log_artifact(:'r', 'model.bin', 's3://ids/model.bin') = :ar_next AS artifact_planned_id;
SELECT mlops.register_dataset_version('iris', 's3://ids/iris') >= 1 AS registered;
SELECT mlops.log_input(:'r', 'iris', 1);
SELECT id = :i_next AS input_planned_id FROM mlops.run_inputs WHERE run_id = :'r';
SELECT mlops.create_model_version('regress_ids_m', :'r', 's3://ids/2') AS version;
SELECT mlops._version_id('regress_ids_m', 2) = :v_next AS version_planned_id;
SELECT id = :h_next AS history_planned_id FROM mlops.stage_history WHERE model_version_id = :v_next;
SELECT mlops.request_transition('regress_ids_m', 2, 'staging') = :tr_next AS request_planned_id;
SELECT mlops.set_alias('regress_ids_m', 'champion', 1);
SELECT id = :al_next AS alias_planned_id FROM mlops.model_aliases WHERE model_id = :m AND alias = 'champion';
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_ids_approver;
SELECT mlops.approve(:req);
SELECT id = :ap_next AS approval_planned_id FROM mlops.approvals WHERE request_id = :req;
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_ids_admin;
INSERT INTO mlops.stages (name) VALUES ('regress_ids_stage') RETURNING id = :s_next AS stage_planned_id;
INSERT INTO mlops.stage_transitions (from_stage, to_stage) VALUES ('staging', 'regress_ids_stage')
RETURNING id = :st_next AS move_planned_id;
SELECT mlops.set_policy('regress_ids_m', 'production', 1);
SELECT id = :po_next AS policy_planned_id FROM mlops.policies WHERE model_id = :m;
RESET SESSION AUTHORIZATION;
SELECT mlops.verify_audit_chain() AS first_broken_audit_row;

-- clean up (install.sql, next in order, starts without the extension)
DROP ROLE regress_ids_writer, regress_ids_approver, regress_ids_admin;
SET client_min_messages = warning;
DROP EXTENSION mlops CASCADE;
RESET client_min_messages;
