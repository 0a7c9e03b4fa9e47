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

-- Requesters and approvers are matched by role oid, not by name: a role
-- dropped and created again under the same name no longer inherits approvals,
-- and a renamed role keeps them. regrole columns dump as names, so a restore
-- into a cluster whose roles have other oids maps them by name. Rows whose
-- role no longer exists keep NULL (they never match a live role).
ALTER TABLE mlops.transition_requests
    ADD COLUMN requested_by_id regrole,
    ADD COLUMN requested_session_id regrole;
ALTER TABLE mlops.approvals
    ADD COLUMN approver_id regrole,
    ADD COLUMN approver_session_id regrole;
UPDATE mlops.transition_requests
   SET requested_by_id = pg_catalog.to_regrole(requested_by::pg_catalog.text),
       requested_session_id = pg_catalog.to_regrole(requested_session::pg_catalog.text);
UPDATE mlops.approvals
   SET approver_id = pg_catalog.to_regrole(approver::pg_catalog.text),
       approver_session_id = pg_catalog.to_regrole(approver_session::pg_catalog.text);
ALTER TABLE mlops.approvals
    DROP CONSTRAINT approvals_request_id_approver_key,
    DROP CONSTRAINT approvals_request_id_approver_session_key,
    ADD CONSTRAINT approvals_request_id_approver_id_key UNIQUE (request_id, approver_id),
    ADD CONSTRAINT approvals_request_id_approver_session_id_key UNIQUE (request_id, approver_session_id);

-- A NULL model name is refused as such (22004) instead of shown as "<NULL>".
CREATE OR REPLACE FUNCTION mlops._model_id(model text) RETURNS bigint
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    mid bigint;
BEGIN
    IF model IS NULL THEN
        RAISE EXCEPTION 'a model name must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT m.id INTO mid FROM mlops.models m WHERE m.name OPERATOR(pg_catalog.=) model;
    IF mid IS NULL THEN
        RAISE EXCEPTION 'model "%" does not exist', model
            USING ERRCODE = 'undefined_object', HINT = 'Register it with mlops.register_model().';
    END IF;
    RETURN mid;
END
$fn$;

-- An approver needs INSERT on mlops.approvals (granted to mlops_approver);
-- without it, say which role is missing rather than "permission denied for
-- table approvals".
CREATE FUNCTION mlops._decide(request bigint, decision text, comment text) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF NOT pg_catalog.has_table_privilege('mlops.approvals', 'INSERT') THEN
        RAISE EXCEPTION 'role "%" cannot % transition request %: it is not a member of role "mlops_approver"',
                        current_user, decision, request
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'An administrator grants it with: GRANT mlops_approver TO ' || pg_catalog.quote_ident(current_user::text) || ';';
    END IF;
    INSERT INTO mlops.approvals (request_id, decision, comment) VALUES (request, decision, comment);
END
$fn$;
COMMENT ON FUNCTION mlops._decide(bigint, text, text) IS 'internal: record an approval or rejection, or name the role the caller lacks';

CREATE OR REPLACE FUNCTION mlops.approve(request bigint, comment text DEFAULT NULL) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    PERFORM mlops._decide(request, 'approve', comment);
END
$fn$;
COMMENT ON FUNCTION mlops.approve(bigint, text) IS 'approve a transition request as the current role';

CREATE OR REPLACE FUNCTION mlops.reject(request bigint, comment text DEFAULT NULL) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    PERFORM mlops._decide(request, 'reject', comment);
END
$fn$;
COMMENT ON FUNCTION mlops.reject(bigint, text) IS 'reject (close) a transition request as the current role';


-- Stage moves and alias changes are stamped with the clock under the model's
-- lock instead of the transaction's start time.
-- Changes are stamped with the clock when they are made under the model's
-- lock (not the transaction's start), so "as of now()" means "as of this
-- moment": an as_of at or after the transaction's start is read at the
-- current clock, which sees the transaction's own changes and every change
-- its snapshot sees. A change becomes visible at commit, slightly after its
-- stamp; a reader asking about that window gets the new state a moment early.
CREATE FUNCTION mlops._as_of(as_of timestamptz) RETURNS timestamptz
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
    RETURN CASE WHEN as_of OPERATOR(pg_catalog.>=) pg_catalog.now()
                THEN GREATEST(as_of, pg_catalog.clock_timestamp()) ELSE as_of END;
COMMENT ON FUNCTION mlops._as_of(timestamptz) IS 'internal: the time an as_of argument is read at (now() and later: the current clock)';

CREATE OR REPLACE FUNCTION mlops.model_version_by_alias(model text, alias text,
                                             as_of timestamptz DEFAULT pg_catalog.now()) RETURNS integer
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    BEGIN ATOMIC
        SELECT v.version
          FROM mlops.model_aliases a
          JOIN mlops.model_versions v ON v.id OPERATOR(pg_catalog.=) a.model_version_id
         CROSS JOIN mlops._as_of(as_of) t(at)
         WHERE a.model_id OPERATOR(pg_catalog.=) mlops._model_id(model)
           AND a.alias OPERATOR(pg_catalog.=) model_version_by_alias.alias
           AND a.valid_from OPERATOR(pg_catalog.<=) t.at
           AND (a.valid_to IS NULL OR a.valid_to OPERATOR(pg_catalog.>) t.at)
         ORDER BY a.valid_from DESC, a.id DESC
         LIMIT 1;
    END;
COMMENT ON FUNCTION mlops.model_version_by_alias(text, text, timestamptz) IS 'the version an alias pointed at, at time as_of (default now), or NULL';

CREATE OR REPLACE FUNCTION mlops.production_version(model text, as_of timestamptz DEFAULT pg_catalog.now()) RETURNS integer
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    BEGIN ATOMIC
        SELECT v.version
          FROM mlops.stage_history h
          JOIN mlops.model_versions v ON v.id OPERATOR(pg_catalog.=) h.model_version_id
         CROSS JOIN mlops._as_of(as_of) t(at)
         WHERE h.model_id OPERATOR(pg_catalog.=) mlops._model_id(model)
           AND h.stage OPERATOR(pg_catalog.=) 'production'
           AND h.valid_from OPERATOR(pg_catalog.<=) t.at
           AND (h.valid_to IS NULL OR h.valid_to OPERATOR(pg_catalog.>) t.at)
         ORDER BY h.valid_from DESC, h.id DESC
         LIMIT 1;
    END;
COMMENT ON FUNCTION mlops.production_version(text, timestamptz) IS 'the version of a model that was in production at time as_of (default now), or NULL';

-- Registry calls look their arguments up in one statement each (no nested
-- function calls on the hot path); approve and reject keep their plans.
CREATE OR REPLACE FUNCTION mlops._version_id(model text, version integer) RETURNS bigint
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    vid bigint;
BEGIN
    SELECT v.id INTO vid FROM mlops.models m
      JOIN mlops.model_versions v ON v.model_id OPERATOR(pg_catalog.=) m.id
     WHERE m.name OPERATOR(pg_catalog.=) model
       AND v.version OPERATOR(pg_catalog.=) _version_id.version;
    IF vid IS NULL THEN
        PERFORM mlops._model_id(model);  -- names a missing model first
        RAISE EXCEPTION 'version % of model "%" does not exist', version, model
            USING ERRCODE = 'undefined_object', HINT = 'Create it with mlops.create_model_version().';
    END IF;
    RETURN vid;
END
$fn$;
COMMENT ON FUNCTION mlops._version_id(text, integer) IS 'internal: id of a model version, or an error';

CREATE OR REPLACE FUNCTION mlops.request_transition(model text, version integer, to_stage text,
                                         comment text DEFAULT NULL) RETURNS bigint
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    vid bigint := mlops._version_id(model, version);
    rid bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM mlops.stages s WHERE s.name OPERATOR(pg_catalog.=) to_stage) THEN
        RAISE EXCEPTION 'stage "%" does not exist', to_stage
            USING ERRCODE = 'undefined_object', HINT = 'The stages are listed in mlops.stages.';
    END IF;
    INSERT INTO mlops.transition_requests (model_version_id, to_stage, comment)
    VALUES (vid, to_stage, comment)
    RETURNING id INTO rid;
    RETURN rid;
END
$fn$;
COMMENT ON FUNCTION mlops.request_transition(text, integer, text, text) IS 'ask for a stage transition of a model version; returns the request id';

CREATE OR REPLACE FUNCTION mlops.transition(model text, version integer, to_stage text,
                                 comment text DEFAULT NULL) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    vid bigint := mlops._version_id(model, version);
    cur text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM mlops.stages s WHERE s.name OPERATOR(pg_catalog.=) to_stage) THEN
        RAISE EXCEPTION 'stage "%" does not exist', to_stage
            USING ERRCODE = 'undefined_object', HINT = 'The stages are listed in mlops.stages.';
    END IF;
    PERFORM mlops._prepare_transition(vid, comment);
    SELECT v.stage INTO cur FROM mlops.model_versions v WHERE v.id OPERATOR(pg_catalog.=) vid;
    IF cur OPERATOR(pg_catalog.=) to_stage THEN
        RAISE EXCEPTION 'version % of model "%" is already in stage "%"', version, model, to_stage
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    UPDATE mlops.model_versions SET stage = to_stage WHERE id OPERATOR(pg_catalog.=) vid;
END
$fn$;
COMMENT ON FUNCTION mlops.transition(text, integer, text, text) IS 'move a model version to a stage; the registry triggers enforce the state machine, approvals and gates';

-- Each stage move reads the model's latest move (its time is never before it):
-- an index probe instead of a scan of the model's whole stage history.
CREATE INDEX stage_history_model_time_idx ON mlops.stage_history (model_id, valid_from);
COMMENT ON INDEX mlops.stage_history_model_time_idx IS 'a model''s latest stage move, read by every move (its time is never before it): one index probe however long the history';

-- set_policy(NULL, ...) named no model and created the '*' policy: a NULL model
-- is an error now, as everywhere else.
CREATE OR REPLACE FUNCTION mlops.set_policy(model text, to_stage text, min_approvals integer DEFAULT 1,
                                 approver_role regrole DEFAULT 'mlops_approver'::text::regrole,
                                 allow_self_approval boolean DEFAULT false,
                                 gates jsonb DEFAULT '[]') RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    mid bigint;
BEGIN
    IF model IS DISTINCT FROM '*' THEN
        mid := mlops._model_id(model);
    END IF;
    PERFORM mlops._check_stage(to_stage);
    UPDATE mlops.policies p
       SET min_approvals = set_policy.min_approvals, approver_role = set_policy.approver_role,
           allow_self_approval = set_policy.allow_self_approval, gates = set_policy.gates
     WHERE (p.model_id OPERATOR(pg_catalog.=) mid OR (p.model_id IS NULL AND mid IS NULL)) AND p.to_stage OPERATOR(pg_catalog.=) set_policy.to_stage;
    IF NOT FOUND THEN
        INSERT INTO mlops.policies (model_id, to_stage, min_approvals, approver_role, allow_self_approval, gates)
        VALUES (mid, to_stage, min_approvals, approver_role, allow_self_approval, gates);
    END IF;
END
$fn$;
