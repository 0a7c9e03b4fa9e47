-- Views for BI tools and DBAs (API.md -> Tracking, views): the everyday
-- questions about the registry and the audit log as plain scalar columns a BI
-- tool charts and filters without jsonb (jsonb only as an extra column).
-- Names of people are logins (session_user), as audit_log.actor; the role
-- they acted as (current_user) is in the actor_role and changed_by_role columns.
--
-- A stage move and its audit row: the registry stamps a move with the clock
-- under the model's lock (stage_history.valid_from) and appends the
-- stage.change row (version.create for a new version's stage none) right
-- after, before the version can move again. So the audit row of a stay is the
-- earliest such row of the version's entity at or after the stay began and not
-- after it ended; a stay without one was written without the registry (an
-- import, or a superuser's direct write).

-- Finds the audit rows of one object in time order (the stay lookups above).
CREATE INDEX audit_log_entity_at_idx ON mlops.audit_log (entity, at, id);
COMMENT ON INDEX mlops.audit_log_entity_at_idx IS 'audit rows of one object in time order: the BI views find the audit row of each stage move by it';

-- --------------------------------------------------------------- settings

CREATE TABLE mlops.model_metric_columns (
    model_id  bigint NOT NULL REFERENCES mlops.models (id) ON DELETE CASCADE,
    position  smallint NOT NULL CHECK (position OPERATOR(pg_catalog.>=) 1 AND position OPERATOR(pg_catalog.<=) 3),
    metric    text NOT NULL CHECK (metric OPERATOR(pg_catalog.<>) '' AND pg_catalog.char_length(metric) OPERATOR(pg_catalog.<=) 250),
    PRIMARY KEY (model_id, position)
);
COMMENT ON TABLE mlops.model_metric_columns IS 'the run metrics mlops.model_registry and mlops.production_models show as metric_1 .. metric_3 for a model; a model without rows shows the metrics its policies'' gates name';
COMMENT ON COLUMN mlops.model_metric_columns.model_id IS 'the model (mlops.models.id)';
COMMENT ON COLUMN mlops.model_metric_columns.position IS 'which metric column: 1, 2 or 3';
COMMENT ON COLUMN mlops.model_metric_columns.metric IS 'metric key of the version''s run shown in that column';

CREATE TABLE mlops.leaderboard_metrics (
    metric    text PRIMARY KEY CHECK (metric OPERATOR(pg_catalog.<>) '' AND pg_catalog.char_length(metric) OPERATOR(pg_catalog.<=) 250),
    direction text NOT NULL CHECK (direction OPERATOR(pg_catalog.=) ANY (ARRAY['max', 'min']))
);
COMMENT ON TABLE mlops.leaderboard_metrics IS 'metrics mlops.experiment_leaderboard ranks runs by, and whether higher (max) or lower (min) is better; metrics a policy gate bounds from one side are ranked too unless listed here';
COMMENT ON COLUMN mlops.leaderboard_metrics.metric IS 'metric key';
COMMENT ON COLUMN mlops.leaderboard_metrics.direction IS 'max: the highest value wins; min: the lowest wins';

SELECT pg_catalog.pg_extension_config_dump('mlops.model_metric_columns', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.leaderboard_metrics', '');

-- ----------------------------------------------------------------- views

-- The metric names per model: its rows in model_metric_columns, or else the
-- first three metrics named by the gates of the policies that apply to it
-- (its own policy for a stage, else the '*' one), oldest policy first.
CREATE VIEW mlops._model_metric_names AS
WITH gate_metrics AS (
    SELECT m.id AS model_id, g.gate OPERATOR(pg_catalog.->>) 'metric' AS metric, p.id AS policy_id, g.n
      FROM mlops.models m
      JOIN mlops.policies p
        ON p.model_id OPERATOR(pg_catalog.=) m.id
           OR (p.model_id IS NULL
               AND NOT EXISTS (SELECT 1 FROM mlops.policies q
                                WHERE q.model_id OPERATOR(pg_catalog.=) m.id
                                  AND q.to_stage OPERATOR(pg_catalog.=) p.to_stage))
     CROSS JOIN LATERAL pg_catalog.jsonb_array_elements(
               CASE WHEN pg_catalog.jsonb_typeof(p.gates) OPERATOR(pg_catalog.=) 'array'
                    THEN p.gates ELSE '[]'::jsonb END) WITH ORDINALITY AS g(gate, n)
     WHERE NOT EXISTS (SELECT 1 FROM mlops.model_metric_columns c WHERE c.model_id OPERATOR(pg_catalog.=) m.id)
), first_named AS (
    SELECT DISTINCT ON (gm.model_id, gm.metric) gm.model_id, gm.metric, gm.policy_id, gm.n
      FROM gate_metrics gm
     WHERE gm.metric OPERATOR(pg_catalog.<>) ''
     ORDER BY gm.model_id, gm.metric, gm.policy_id, gm.n
), named AS (
    SELECT c.model_id, c.position::bigint AS position, c.metric
      FROM mlops.model_metric_columns c
    UNION ALL
    SELECT d.model_id, d.position, d.metric
      FROM (SELECT f.model_id, f.metric,
                   pg_catalog.row_number() OVER (PARTITION BY f.model_id ORDER BY f.policy_id, f.n) AS position
              FROM first_named f) d
     WHERE d.position OPERATOR(pg_catalog.<=) 3
)
SELECT n.model_id,
       pg_catalog.max(n.metric) FILTER (WHERE n.position OPERATOR(pg_catalog.=) 1) AS metric_1,
       pg_catalog.max(n.metric) FILTER (WHERE n.position OPERATOR(pg_catalog.=) 2) AS metric_2,
       pg_catalog.max(n.metric) FILTER (WHERE n.position OPERATOR(pg_catalog.=) 3) AS metric_3
  FROM named n
 GROUP BY n.model_id;
COMMENT ON VIEW mlops._model_metric_names IS 'internal: the metric shown in each metric column of mlops.model_registry per model (mlops.model_metric_columns, else the policies'' gate metrics)';
COMMENT ON COLUMN mlops._model_metric_names.model_id IS 'the model (mlops.models.id)';
COMMENT ON COLUMN mlops._model_metric_names.metric_1 IS 'metric key of column 1';
COMMENT ON COLUMN mlops._model_metric_names.metric_2 IS 'metric key of column 2';
COMMENT ON COLUMN mlops._model_metric_names.metric_3 IS 'metric key of column 3';

CREATE VIEW mlops.model_registry AS
SELECT m.name                                   AS model,
       v.version,
       v.stage,
       al.aliases,
       v.description,
       v.created_by::text                       AS created_by,
       v.created_at,
       v.stage_changed_at,
       mv.actor::text                           AS stage_changed_by,
       r.id                                     AS run_id,
       r.name                                   AS run_name,
       r.status                                 AS run_status,
       e.name                                   AS experiment,
       mc.metric_1                              AS metric_1_name,
       m1.value                                 AS metric_1_value,
       mc.metric_2                              AS metric_2_name,
       m2.value                                 AS metric_2_value,
       mc.metric_3                              AS metric_3_name,
       m3.value                                 AS metric_3_value,
       mv.request_id,
       ap.approved_by,
       ap.approved_at,
       v.artifact_uri
  FROM mlops.model_versions v
  JOIN mlops.models m ON m.id OPERATOR(pg_catalog.=) v.model_id
  JOIN mlops.runs r ON r.id OPERATOR(pg_catalog.=) v.run_id
  JOIN mlops.experiments e ON e.id OPERATOR(pg_catalog.=) r.experiment_id
  LEFT JOIN mlops._model_metric_names mc ON mc.model_id OPERATOR(pg_catalog.=) v.model_id
  LEFT JOIN mlops.latest_metrics m1
    ON m1.run_id OPERATOR(pg_catalog.=) v.run_id AND m1.key OPERATOR(pg_catalog.=) mc.metric_1
  LEFT JOIN mlops.latest_metrics m2
    ON m2.run_id OPERATOR(pg_catalog.=) v.run_id AND m2.key OPERATOR(pg_catalog.=) mc.metric_2
  LEFT JOIN mlops.latest_metrics m3
    ON m3.run_id OPERATOR(pg_catalog.=) v.run_id AND m3.key OPERATOR(pg_catalog.=) mc.metric_3
  -- current aliases are few: aggregated once, not per version
  LEFT JOIN (
        SELECT a.model_version_id, pg_catalog.string_agg(a.alias, ', ' ORDER BY a.alias) AS aliases
          FROM mlops.model_aliases a
         WHERE a.valid_to IS NULL
         GROUP BY a.model_version_id) al ON al.model_version_id OPERATOR(pg_catalog.=) v.id
  -- the audit row of the move into the current stage
  LEFT JOIN LATERAL (
        SELECT a.actor,
               CASE WHEN a.detail OPERATOR(pg_catalog.->>) 'request' OPERATOR(pg_catalog.~) '^[0-9]{1,18}$' THEN (a.detail OPERATOR(pg_catalog.->>) 'request')::bigint END AS request_id
          FROM mlops.audit_log a
         WHERE a.entity OPERATOR(pg_catalog.=) pg_catalog.format('model:%s@%s', m.name, v.version)
           AND a.at OPERATOR(pg_catalog.>=) v.stage_changed_at
           AND ((a.action OPERATOR(pg_catalog.=) 'stage.change'
                 AND a.detail OPERATOR(pg_catalog.->>) 'to' OPERATOR(pg_catalog.=) v.stage)
                OR (a.action OPERATOR(pg_catalog.=) 'version.create' AND v.stage OPERATOR(pg_catalog.=) 'none'))
         ORDER BY a.at, a.id
         LIMIT 1) mv ON true
  LEFT JOIN LATERAL (
        SELECT pg_catalog.string_agg(COALESCE(d.approver_session, d.approver)::text, ', ' ORDER BY d.at, d.id) AS approved_by,
               pg_catalog.max(d.at) AS approved_at
          FROM mlops.approvals d
         WHERE d.request_id OPERATOR(pg_catalog.=) mv.request_id
           AND d.decision OPERATOR(pg_catalog.=) 'approve') ap ON true;
COMMENT ON VIEW mlops.model_registry IS 'one row per model version: stage, aliases, who created and moved it, its run and experiment, three key metrics of the run (mlops.model_metric_columns, default the gate metrics), who approved the move into its stage';
COMMENT ON COLUMN mlops.model_registry.model IS 'model name';
COMMENT ON COLUMN mlops.model_registry.version IS 'version number (1, 2, ... per model)';
COMMENT ON COLUMN mlops.model_registry.stage IS 'current stage (none, staging, production, archived, or an added stage)';
COMMENT ON COLUMN mlops.model_registry.aliases IS 'aliases pointing at this version now, comma-separated in name order; NULL when none';
COMMENT ON COLUMN mlops.model_registry.description IS 'free-text description of the version';
COMMENT ON COLUMN mlops.model_registry.created_by IS 'login that created the version';
COMMENT ON COLUMN mlops.model_registry.created_at IS 'when the version was created';
COMMENT ON COLUMN mlops.model_registry.stage_changed_at IS 'when the version entered its current stage';
COMMENT ON COLUMN mlops.model_registry.stage_changed_by IS 'login that moved the version into its current stage (its creator for stage none); NULL when the move has no audit row (imported)';
COMMENT ON COLUMN mlops.model_registry.run_id IS 'the run that built the version';
COMMENT ON COLUMN mlops.model_registry.run_name IS 'name of that run';
COMMENT ON COLUMN mlops.model_registry.run_status IS 'status of that run (RUNNING, FINISHED, FAILED, KILLED, SCHEDULED)';
COMMENT ON COLUMN mlops.model_registry.experiment IS 'experiment of that run';
COMMENT ON COLUMN mlops.model_registry.metric_1_name IS 'key of the first metric column of the model';
COMMENT ON COLUMN mlops.model_registry.metric_1_value IS 'latest value of metric_1_name in the version''s run; NULL when not logged';
COMMENT ON COLUMN mlops.model_registry.metric_2_name IS 'key of the second metric column of the model';
COMMENT ON COLUMN mlops.model_registry.metric_2_value IS 'latest value of metric_2_name in the version''s run; NULL when not logged';
COMMENT ON COLUMN mlops.model_registry.metric_3_name IS 'key of the third metric column of the model';
COMMENT ON COLUMN mlops.model_registry.metric_3_value IS 'latest value of metric_3_name in the version''s run; NULL when not logged';
COMMENT ON COLUMN mlops.model_registry.request_id IS 'the transition request the move into the current stage consumed; NULL when the move was not governed';
COMMENT ON COLUMN mlops.model_registry.approved_by IS 'logins that approved that request, comma-separated in the order they approved';
COMMENT ON COLUMN mlops.model_registry.approved_at IS 'time of the last approval of that request';
COMMENT ON COLUMN mlops.model_registry.artifact_uri IS 'where the version''s artifact lives';

CREATE VIEW mlops.stage_history_readable AS
SELECT m.name                                   AS model,
       v.version,
       CASE WHEN mv.action OPERATOR(pg_catalog.=) 'stage.change' THEN mv.detail OPERATOR(pg_catalog.->>) 'from'
            WHEN mv.id IS NULL THEN
                (SELECT p.stage FROM mlops.stage_history p
                  WHERE p.model_id OPERATOR(pg_catalog.=) h.model_id
                    AND p.model_version_id OPERATOR(pg_catalog.=) h.model_version_id
                    AND p.valid_to OPERATOR(pg_catalog.=) h.valid_from
                  ORDER BY p.valid_from DESC, p.id DESC
                  LIMIT 1)
       END                                      AS from_stage,
       h.stage                                  AS to_stage,
       h.valid_from                             AS changed_at,
       h.valid_to                               AS left_at,
       mv.actor::text                           AS changed_by,
       COALESCE(mv.detail OPERATOR(pg_catalog.->>) 'current_user', mv.actor::text) AS changed_by_role,
       k.change_kind,
       CASE WHEN k.change_kind OPERATOR(pg_catalog.=) 'governed' THEN true
            WHEN k.change_kind OPERATOR(pg_catalog.=) 'replaced' THEN pr.governed
            WHEN k.change_kind OPERATOR(pg_catalog.=) 'import' THEN NULL
            ELSE false
       END                                      AS governed,
       rq.id                                    AS request_id,
       COALESCE(rq.requested_session, rq.requested_by)::text AS requested_by,
       rq.requested_at,
       ap.approved_by,
       mv.approvals,
       mv.detail OPERATOR(pg_catalog.->>) 'gates' AS gates_checked,
       mv.replaced_by_version,
       mv.detail OPERATOR(pg_catalog.->>) 'comment' AS comment,
       mv.id                                    AS audit_id
  FROM mlops.stage_history h
  JOIN mlops.model_versions v ON v.id OPERATOR(pg_catalog.=) h.model_version_id
  JOIN mlops.models m ON m.id OPERATOR(pg_catalog.=) v.model_id
  -- the audit row of this stay
  LEFT JOIN LATERAL (
        SELECT a.id, a.at, a.actor, a.action, a.detail,
               CASE WHEN a.detail OPERATOR(pg_catalog.->>) 'request' OPERATOR(pg_catalog.~) '^[0-9]{1,18}$' THEN (a.detail OPERATOR(pg_catalog.->>) 'request')::bigint END AS request_id,
               CASE WHEN a.detail OPERATOR(pg_catalog.->>) 'approvals' OPERATOR(pg_catalog.~) '^[0-9]{1,9}$' THEN (a.detail OPERATOR(pg_catalog.->>) 'approvals')::integer END AS approvals,
               CASE WHEN a.detail OPERATOR(pg_catalog.->>) 'replaced_by_version' OPERATOR(pg_catalog.~) '^[0-9]{1,9}$' THEN (a.detail OPERATOR(pg_catalog.->>) 'replaced_by_version')::integer END AS replaced_by_version
          FROM mlops.audit_log a
         WHERE a.entity OPERATOR(pg_catalog.=) pg_catalog.format('model:%s@%s', m.name, v.version)
           AND a.at OPERATOR(pg_catalog.>=) h.valid_from
           AND (h.valid_to IS NULL OR a.at OPERATOR(pg_catalog.<=) h.valid_to)
           AND ((a.action OPERATOR(pg_catalog.=) 'stage.change'
                 AND a.detail OPERATOR(pg_catalog.->>) 'to' OPERATOR(pg_catalog.=) h.stage)
                OR (a.action OPERATOR(pg_catalog.=) 'version.create' AND h.stage OPERATOR(pg_catalog.=) 'none'))
         ORDER BY a.at, a.id
         LIMIT 1) mv ON true
  -- for a version archived by a promotion: whether that promotion was governed
  LEFT JOIN LATERAL (
        SELECT pa.detail OPERATOR(pg_catalog.?) 'request' AS governed
          FROM mlops.audit_log pa
         WHERE mv.detail OPERATOR(pg_catalog.?) 'replaced_by_version'
           AND pa.entity OPERATOR(pg_catalog.=)
               pg_catalog.format('model:%s@%s', m.name, mv.detail OPERATOR(pg_catalog.->>) 'replaced_by_version')
           AND pa.action OPERATOR(pg_catalog.=) 'stage.change'
           AND pa.at OPERATOR(pg_catalog.>=) mv.at
         ORDER BY pa.at, pa.id
         LIMIT 1) pr ON true
  LEFT JOIN mlops.transition_requests rq
    ON rq.id OPERATOR(pg_catalog.=) mv.request_id
  LEFT JOIN LATERAL (
        SELECT pg_catalog.string_agg(COALESCE(d.approver_session, d.approver)::text, ', ' ORDER BY d.at, d.id) AS approved_by
          FROM mlops.approvals d
         WHERE d.request_id OPERATOR(pg_catalog.=) rq.id
           AND d.decision OPERATOR(pg_catalog.=) 'approve') ap ON true
  CROSS JOIN LATERAL (
        SELECT CASE WHEN mv.id IS NULL THEN 'import'
                    WHEN mv.action OPERATOR(pg_catalog.=) 'version.create' THEN 'created'
                    WHEN mv.detail OPERATOR(pg_catalog.?) 'request' THEN 'governed'
                    WHEN mv.detail OPERATOR(pg_catalog.?) 'replaced_by_version' THEN 'replaced'
                    WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_roles sr
                                  WHERE sr.rolsuper
                                    AND sr.rolname OPERATOR(pg_catalog.=)
                                        COALESCE(mv.detail OPERATOR(pg_catalog.->>) 'current_user', mv.actor::text))
                         THEN 'superuser'
                    ELSE 'direct'
               END AS change_kind) k;
COMMENT ON VIEW mlops.stage_history_readable IS 'every stage a model version entered (creation included): when, from where, who, through which request and approvals, and whether it was governed, a superuser''s direct change or an import';
COMMENT ON COLUMN mlops.stage_history_readable.model IS 'model name';
COMMENT ON COLUMN mlops.stage_history_readable.version IS 'version number';
COMMENT ON COLUMN mlops.stage_history_readable.from_stage IS 'stage the version left; NULL when it was created';
COMMENT ON COLUMN mlops.stage_history_readable.to_stage IS 'stage the version entered';
COMMENT ON COLUMN mlops.stage_history_readable.changed_at IS 'when it entered to_stage';
COMMENT ON COLUMN mlops.stage_history_readable.left_at IS 'when it left to_stage; NULL while it is still there';
COMMENT ON COLUMN mlops.stage_history_readable.changed_by IS 'login (session_user) that made the change; NULL for an import';
COMMENT ON COLUMN mlops.stage_history_readable.changed_by_role IS 'role (current_user) the change was made as';
COMMENT ON COLUMN mlops.stage_history_readable.change_kind IS 'created (new version), governed (an approved request was consumed), direct (no policy applied), superuser (direct, made as a role that is a superuser now), replaced (archived by the promotion of replaced_by_version), import (no audit row: restored or written around the registry)';
COMMENT ON COLUMN mlops.stage_history_readable.governed IS 'whether the change went through an approved request (for replaced: whether the promotion that archived it did); NULL for an import';
COMMENT ON COLUMN mlops.stage_history_readable.request_id IS 'the transition request the change consumed';
COMMENT ON COLUMN mlops.stage_history_readable.requested_by IS 'login that made that request';
COMMENT ON COLUMN mlops.stage_history_readable.requested_at IS 'when that request was made';
COMMENT ON COLUMN mlops.stage_history_readable.approved_by IS 'logins that approved that request, comma-separated in the order they approved';
COMMENT ON COLUMN mlops.stage_history_readable.approvals IS 'approvals that counted under the policy when the change was made';
COMMENT ON COLUMN mlops.stage_history_readable.gates_checked IS 'the policy gates as checked at the change, with the values read (e.g. auc=0.91 >= 0.85)';
COMMENT ON COLUMN mlops.stage_history_readable.replaced_by_version IS 'for change_kind replaced: the version whose promotion archived this one';
COMMENT ON COLUMN mlops.stage_history_readable.comment IS 'comment given with the move';
COMMENT ON COLUMN mlops.stage_history_readable.audit_id IS 'the change''s row in mlops.audit_log (mlops.audit_trail.chain_position)';

CREATE VIEW mlops.production_models AS
SELECT s.model,
       s.version,
       s.changed_at                             AS since,
       s.changed_by                             AS promoted_by,
       s.change_kind,
       s.governed,
       s.request_id,
       s.requested_by,
       s.requested_at,
       s.approved_by,
       s.approvals,
       s.gates_checked,
       r.metric_1_name,
       r.metric_1_value,
       r.metric_2_name,
       r.metric_2_value,
       r.metric_3_name,
       r.metric_3_value,
       r.run_id,
       r.run_name,
       r.experiment,
       r.artifact_uri,
       pv.version                               AS previous_version,
       pv.left_at                               AS previous_until
  FROM mlops.stage_history_readable s
  JOIN mlops.model_registry r
    ON r.model OPERATOR(pg_catalog.=) s.model AND r.version OPERATOR(pg_catalog.=) s.version
  JOIN mlops.models m ON m.name OPERATOR(pg_catalog.=) s.model
  -- the latest earlier stay of a version of this model in production
  LEFT JOIN LATERAL (
        SELECT pvv.version, h.valid_to AS left_at
          FROM mlops.stage_history h
          JOIN mlops.model_versions pvv ON pvv.id OPERATOR(pg_catalog.=) h.model_version_id
         WHERE h.model_id OPERATOR(pg_catalog.=) m.id
           AND h.stage OPERATOR(pg_catalog.=) 'production'
           AND h.valid_to IS NOT NULL
         ORDER BY h.valid_from DESC, h.id DESC
         LIMIT 1) pv ON true
 WHERE s.to_stage OPERATOR(pg_catalog.=) 'production' AND s.left_at IS NULL;
COMMENT ON VIEW mlops.production_models IS 'one row per model with a version in production: which version, since when, promoted by whom through which request and approvals, its gate values and key metrics, and the version in production before it';
COMMENT ON COLUMN mlops.production_models.model IS 'model name';
COMMENT ON COLUMN mlops.production_models.version IS 'the version in production now';
COMMENT ON COLUMN mlops.production_models.since IS 'when it entered production';
COMMENT ON COLUMN mlops.production_models.promoted_by IS 'login that moved it to production; NULL for an import';
COMMENT ON COLUMN mlops.production_models.change_kind IS 'how it got there: governed, direct, superuser or import (see mlops.stage_history_readable)';
COMMENT ON COLUMN mlops.production_models.governed IS 'whether the promotion consumed an approved request';
COMMENT ON COLUMN mlops.production_models.request_id IS 'the transition request the promotion consumed';
COMMENT ON COLUMN mlops.production_models.requested_by IS 'login that requested the promotion';
COMMENT ON COLUMN mlops.production_models.requested_at IS 'when the promotion was requested';
COMMENT ON COLUMN mlops.production_models.approved_by IS 'logins that approved it, comma-separated in the order they approved';
COMMENT ON COLUMN mlops.production_models.approvals IS 'approvals that counted under the policy at the promotion';
COMMENT ON COLUMN mlops.production_models.gates_checked IS 'the policy gates as checked at the promotion, with the values read';
COMMENT ON COLUMN mlops.production_models.metric_1_name IS 'key of the first metric column of the model (default: the gate metrics)';
COMMENT ON COLUMN mlops.production_models.metric_1_value IS 'latest value of metric_1_name in the version''s run';
COMMENT ON COLUMN mlops.production_models.metric_2_name IS 'key of the second metric column of the model';
COMMENT ON COLUMN mlops.production_models.metric_2_value IS 'latest value of metric_2_name in the version''s run';
COMMENT ON COLUMN mlops.production_models.metric_3_name IS 'key of the third metric column of the model';
COMMENT ON COLUMN mlops.production_models.metric_3_value IS 'latest value of metric_3_name in the version''s run';
COMMENT ON COLUMN mlops.production_models.run_id IS 'the run that built the version';
COMMENT ON COLUMN mlops.production_models.run_name IS 'name of that run';
COMMENT ON COLUMN mlops.production_models.experiment IS 'experiment of that run';
COMMENT ON COLUMN mlops.production_models.artifact_uri IS 'where the version''s artifact lives';
COMMENT ON COLUMN mlops.production_models.previous_version IS 'the version that was in production before (the latest earlier stay in production); NULL when none';
COMMENT ON COLUMN mlops.production_models.previous_until IS 'when previous_version left production';

CREATE VIEW mlops.pending_requests AS
SELECT rq.id                                    AS request_id,
       m.name                                   AS model,
       v.version,
       rq.from_stage,
       rq.to_stage,
       COALESCE(rq.requested_session, rq.requested_by)::text AS requested_by,
       rq.requested_at,
       rq.comment,
       ru.status                                AS run_status,
       ac.approvals,
       COALESCE(p.min_approvals, 0)             AS approvals_needed,
       p.approver_role::text                    AS approver_role,
       ac.approved_by,
       gt.gates,
       gt.failing_gates,
       CASE WHEN p.id IS NULL THEN true
            ELSE ac.approvals OPERATOR(pg_catalog.>=) p.min_approvals
                 AND gt.failing_gates IS NULL
                 AND ru.status OPERATOR(pg_catalog.=) ANY (ARRAY['FINISHED', 'FAILED', 'KILLED'])
                 AND COALESCE(ru.end_time OPERATOR(pg_catalog.<=) rq.requested_at, false)
       END                                      AS ready
  FROM mlops.transition_requests rq
  JOIN mlops.model_versions v ON v.id OPERATOR(pg_catalog.=) rq.model_version_id
  JOIN mlops.models m ON m.id OPERATOR(pg_catalog.=) v.model_id
  JOIN mlops.runs ru ON ru.id OPERATOR(pg_catalog.=) v.run_id
  -- the policy that governs the move: the model's own, else the '*' one
  LEFT JOIN LATERAL (
        SELECT p.id, p.min_approvals, p.approver_role, p.allow_self_approval, p.gates
          FROM mlops.policies p
         WHERE (p.model_id OPERATOR(pg_catalog.=) v.model_id OR p.model_id IS NULL)
           AND p.to_stage OPERATOR(pg_catalog.=) rq.to_stage
         ORDER BY p.model_id NULLS LAST
         LIMIT 1) p ON true
  -- approvals as the registry counts them: one per login, by current members
  -- of the approver role, not the requester (nor its login) unless allowed
  LEFT JOIN pg_catalog.pg_roles rs ON rs.oid OPERATOR(pg_catalog.=) rq.requested_session_id::oid
  CROSS JOIN LATERAL (
        SELECT pg_catalog.count(DISTINCT d.approver_session_id) FILTER (
                   WHERE p.id IS NULL
                      OR ((CASE WHEN dr.oid IS NULL THEN false
                                ELSE pg_catalog.pg_has_role(dr.oid, p.approver_role::oid, 'MEMBER') END)
                          AND (p.allow_self_approval
                               OR NOT COALESCE(d.approver_id::oid OPERATOR(pg_catalog.=) rq.requested_by_id::oid, false))
                          AND (p.allow_self_approval OR COALESCE(rs.rolsuper, false)
                               OR NOT COALESCE(d.approver_session_id::oid OPERATOR(pg_catalog.=) rq.requested_session_id::oid, false)))
               )::integer AS approvals,
               pg_catalog.string_agg(COALESCE(d.approver_session, d.approver)::text, ', ' ORDER BY d.at, d.id) AS approved_by
          FROM mlops.approvals d
          LEFT JOIN pg_catalog.pg_roles dr ON dr.oid OPERATOR(pg_catalog.=) d.approver_id::oid
         WHERE d.request_id OPERATOR(pg_catalog.=) rq.id
           AND d.decision OPERATOR(pg_catalog.=) 'approve') ac
  -- each gate of the policy, checked now as the registry would at the move
  LEFT JOIN LATERAL (
        SELECT pg_catalog.string_agg(c.label, ', ' ORDER BY c.n) AS gates,
               pg_catalog.string_agg(c.label OPERATOR(pg_catalog.||) ': ' OPERATOR(pg_catalog.||) c.found, '; ' ORDER BY c.n)
                   FILTER (WHERE NOT c.passes) AS failing_gates
          FROM (SELECT g.n,
                       pg_catalog.format('%s %s %s', g.metric, g.op, COALESCE(g.value::text, 'production')) AS label,
                       CASE WHEN lm.value IS NULL THEN pg_catalog.format('no metric %s', g.metric)
                            WHEN g.value IS NULL AND b.version IS NULL THEN pg_catalog.format('%s = %s, no production baseline', g.metric, lm.value)
                            WHEN g.value IS NULL AND b.value IS NULL
                                 THEN pg_catalog.format('production version %s has no metric %s', b.version, g.metric)
                            WHEN g.value IS NULL
                                 THEN pg_catalog.format('%s = %s, production version %s: %s', g.metric, lm.value, b.version, b.value)
                            ELSE pg_catalog.format('%s = %s', g.metric, lm.value)
                       END AS found,
                       CASE WHEN lm.value IS NULL THEN false
                            WHEN g.value IS NULL AND b.version IS NULL THEN true
                            WHEN t.threshold IS NULL THEN false
                            -- compared as the registry's C code does: NaN satisfies only !=
                            WHEN lm.value OPERATOR(pg_catalog.=) 'NaN'::double precision
                                 OR t.threshold OPERATOR(pg_catalog.=) 'NaN'::double precision
                                 THEN g.op OPERATOR(pg_catalog.=) '!='
                            WHEN g.op OPERATOR(pg_catalog.=) '>=' THEN lm.value OPERATOR(pg_catalog.>=) t.threshold
                            WHEN g.op OPERATOR(pg_catalog.=) '>' THEN lm.value OPERATOR(pg_catalog.>) t.threshold
                            WHEN g.op OPERATOR(pg_catalog.=) '<=' THEN lm.value OPERATOR(pg_catalog.<=) t.threshold
                            WHEN g.op OPERATOR(pg_catalog.=) '<' THEN lm.value OPERATOR(pg_catalog.<) t.threshold
                            WHEN g.op OPERATOR(pg_catalog.=) '=' THEN lm.value OPERATOR(pg_catalog.=) t.threshold
                            WHEN g.op OPERATOR(pg_catalog.=) '!=' THEN lm.value OPERATOR(pg_catalog.<>) t.threshold
                            ELSE false
                       END AS passes
                  FROM (SELECT e.n,
                               e.gate OPERATOR(pg_catalog.->>) 'metric' AS metric,
                               e.gate OPERATOR(pg_catalog.->>) 'op' AS op,
                               CASE WHEN pg_catalog.jsonb_typeof(e.gate OPERATOR(pg_catalog.->) 'value') OPERATOR(pg_catalog.=) 'number'
                                    THEN (e.gate OPERATOR(pg_catalog.->>) 'value')::double precision END AS value
                          FROM pg_catalog.jsonb_array_elements(
                                   CASE WHEN pg_catalog.jsonb_typeof(p.gates) OPERATOR(pg_catalog.=) 'array'
                                        THEN p.gates ELSE '[]'::jsonb END) WITH ORDINALITY AS e(gate, n)) g
                  LEFT JOIN mlops.latest_metrics lm
                    ON lm.run_id OPERATOR(pg_catalog.=) v.run_id AND lm.key OPERATOR(pg_catalog.=) g.metric
                  -- the production baseline of a gate without a value
                  LEFT JOIN LATERAL (
                        SELECT pv.version, plm.value
                          FROM mlops.model_versions pv
                          LEFT JOIN mlops.latest_metrics plm
                            ON plm.run_id OPERATOR(pg_catalog.=) pv.run_id AND plm.key OPERATOR(pg_catalog.=) g.metric
                         WHERE g.value IS NULL
                           AND pv.model_id OPERATOR(pg_catalog.=) v.model_id
                           AND pv.stage OPERATOR(pg_catalog.=) 'production'
                           AND pv.id OPERATOR(pg_catalog.<>) v.id
                         LIMIT 1) b ON true
                 CROSS JOIN LATERAL (SELECT COALESCE(g.value, b.value) AS threshold) t) c) gt ON true
 WHERE rq.status OPERATOR(pg_catalog.=) 'open';
COMMENT ON VIEW mlops.pending_requests IS 'open transition requests: what is asked, by whom, approvals so far and needed, and which policy gates would fail if the move were made now';
COMMENT ON COLUMN mlops.pending_requests.request_id IS 'request id (for mlops.approve() and mlops.reject())';
COMMENT ON COLUMN mlops.pending_requests.model IS 'model name';
COMMENT ON COLUMN mlops.pending_requests.version IS 'version number';
COMMENT ON COLUMN mlops.pending_requests.from_stage IS 'stage the version is in (and the request starts from)';
COMMENT ON COLUMN mlops.pending_requests.to_stage IS 'stage requested';
COMMENT ON COLUMN mlops.pending_requests.requested_by IS 'login that made the request';
COMMENT ON COLUMN mlops.pending_requests.requested_at IS 'when the request was made';
COMMENT ON COLUMN mlops.pending_requests.comment IS 'comment given with the request';
COMMENT ON COLUMN mlops.pending_requests.run_status IS 'status of the version''s run (a governed move needs it ended before the request)';
COMMENT ON COLUMN mlops.pending_requests.approvals IS 'approvals that count now: one per login, by current members of the approver role, not the requester unless the policy allows it';
COMMENT ON COLUMN mlops.pending_requests.approvals_needed IS 'approvals the policy requires (0: no policy governs the target stage)';
COMMENT ON COLUMN mlops.pending_requests.approver_role IS 'role whose members approve (NULL: no policy)';
COMMENT ON COLUMN mlops.pending_requests.approved_by IS 'logins that approved so far, comma-separated in the order they approved';
COMMENT ON COLUMN mlops.pending_requests.gates IS 'the policy''s gates, comma-separated (e.g. auc >= 0.85, auc >= production); NULL when none';
COMMENT ON COLUMN mlops.pending_requests.failing_gates IS 'the gates that would fail now, with the values read; NULL when all pass';
COMMENT ON COLUMN mlops.pending_requests.ready IS 'whether mlops.transition() would now make the move: enough approvals, passing gates, the run ended before the request (true when no policy applies)';

CREATE VIEW mlops.audit_trail AS
SELECT a.id                                     AS chain_position,
       a.at,
       a.actor::text                            AS actor,
       COALESCE(a.detail OPERATOR(pg_catalog.->>) 'current_user', a.actor::text) AS actor_role,
       a.action,
       o.object_kind,
       o.object_name,
       CASE WHEN o.object_kind OPERATOR(pg_catalog.=) 'policy'
            THEN NULLIF(o.object_name, '*')
            WHEN o.object_kind OPERATOR(pg_catalog.=) ANY (ARRAY['model', 'model_version', 'alias'])
            THEN o.object_name
       END                                      AS model,
       CASE WHEN o.object_kind OPERATOR(pg_catalog.=) ANY (ARRAY['model_version', 'alias'])
            THEN CASE WHEN COALESCE(a.detail OPERATOR(pg_catalog.->>) 'version',
                                   a.detail OPERATOR(pg_catalog.->>) 'previous_version') OPERATOR(pg_catalog.~) '^[0-9]{1,9}$' THEN (COALESCE(a.detail OPERATOR(pg_catalog.->>) 'version',
                                   a.detail OPERATOR(pg_catalog.->>) 'previous_version'))::integer END
       END                                      AS version,
       a.detail OPERATOR(pg_catalog.->>) 'alias' AS alias,
       CASE WHEN a.action OPERATOR(pg_catalog.=) ANY (ARRAY['stage.change', 'transition.request'])
            THEN a.detail OPERATOR(pg_catalog.->>) 'from'
            WHEN o.object_kind OPERATOR(pg_catalog.=) 'stage_transition'
            THEN pg_catalog.split_part(o.object_name, '->', 1)
       END                                      AS from_stage,
       CASE WHEN a.action OPERATOR(pg_catalog.=) ANY (ARRAY['stage.change', 'transition.request',
                                                           'transition.approve', 'transition.reject'])
            THEN a.detail OPERATOR(pg_catalog.->>) 'to'
            WHEN o.object_kind OPERATOR(pg_catalog.=) 'stage_transition'
            THEN pg_catalog.split_part(o.object_name, '->', 2)
            WHEN o.object_kind OPERATOR(pg_catalog.=) 'policy'
            THEN pg_catalog.substring(a.entity, '/([^/]*)$')
       END                                      AS to_stage,
       CASE WHEN a.detail OPERATOR(pg_catalog.->>) 'request' OPERATOR(pg_catalog.~) '^[0-9]{1,18}$' THEN (a.detail OPERATOR(pg_catalog.->>) 'request')::bigint END AS request_id,
       k.change_kind,
       CASE WHEN k.change_kind OPERATOR(pg_catalog.=) 'governed' THEN true
            WHEN k.change_kind OPERATOR(pg_catalog.=) 'replaced' THEN pr.governed
            WHEN k.change_kind IS NOT NULL THEN false
            WHEN pg_catalog.split_part(a.action, '.', 1) OPERATOR(pg_catalog.=) 'transition' THEN true
       END                                      AS governed,
       a.detail OPERATOR(pg_catalog.->>) 'comment' AS comment,
       a.entity,
       a.hash,
       a.detail
  FROM mlops.audit_log a
  CROSS JOIN LATERAL (
        SELECT f.kind AS object_kind,
               CASE WHEN f.kind OPERATOR(pg_catalog.=) ANY (ARRAY['model', 'model_version', 'alias'])
                    THEN a.detail OPERATOR(pg_catalog.->>) 'model'
                    WHEN f.kind OPERATOR(pg_catalog.=) 'stage'
                    THEN pg_catalog.substr(a.entity, 7)
                    WHEN f.kind OPERATOR(pg_catalog.=) 'stage_transition'
                    THEN pg_catalog.substr(a.entity, 18)
                    WHEN f.kind OPERATOR(pg_catalog.=) 'policy'
                    THEN pg_catalog.substring(a.entity, '^policy:(.*)/[^/]*$')
               END AS object_name
          FROM (SELECT CASE WHEN a.action OPERATOR(pg_catalog.=) 'stage.change'
                              OR pg_catalog.split_part(a.action, '.', 1) OPERATOR(pg_catalog.=) ANY (ARRAY['version', 'transition'])
                            THEN 'model_version'
                            ELSE pg_catalog.split_part(a.action, '.', 1)
                       END AS kind) f) o
  CROSS JOIN LATERAL (
        SELECT CASE WHEN a.action OPERATOR(pg_catalog.=) 'version.create' THEN 'created'
                    WHEN a.action OPERATOR(pg_catalog.<>) 'stage.change' THEN NULL
                    WHEN a.detail OPERATOR(pg_catalog.?) 'request' THEN 'governed'
                    WHEN a.detail OPERATOR(pg_catalog.?) 'replaced_by_version' THEN 'replaced'
                    WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_roles sr
                                  WHERE sr.rolsuper
                                    AND sr.rolname OPERATOR(pg_catalog.=)
                                        COALESCE(a.detail OPERATOR(pg_catalog.->>) 'current_user', a.actor::text))
                         THEN 'superuser'
                    ELSE 'direct'
               END AS change_kind) k
  LEFT JOIN LATERAL (
        SELECT pa.detail OPERATOR(pg_catalog.?) 'request' AS governed
          FROM mlops.audit_log pa
         WHERE a.detail OPERATOR(pg_catalog.?) 'replaced_by_version'
           AND a.action OPERATOR(pg_catalog.=) 'stage.change'
           AND pa.entity OPERATOR(pg_catalog.=)
               pg_catalog.format('model:%s@%s', a.detail OPERATOR(pg_catalog.->>) 'model',
                                 a.detail OPERATOR(pg_catalog.->>) 'replaced_by_version')
           AND pa.action OPERATOR(pg_catalog.=) 'stage.change'
           AND pa.at OPERATOR(pg_catalog.>=) a.at
         ORDER BY pa.at, pa.id
         LIMIT 1) pr ON true;
COMMENT ON VIEW mlops.audit_trail IS 'mlops.audit_log flattened: one row per audited registry change with who, what object, which version and stages, and whether it was governed; the raw detail as jsonb at the end';
COMMENT ON COLUMN mlops.audit_trail.chain_position IS 'the row''s id in mlops.audit_log, its position in the hash chain (negative only inside the writing transaction, before it commits)';
COMMENT ON COLUMN mlops.audit_trail.at IS 'when the change was made';
COMMENT ON COLUMN mlops.audit_trail.actor IS 'login (session_user) that made the change';
COMMENT ON COLUMN mlops.audit_trail.actor_role IS 'role (current_user) the change was made as';
COMMENT ON COLUMN mlops.audit_trail.action IS 'what was done: model.register, version.create, version.delete, stage.change, transition.request, transition.approve, transition.reject, alias.set, alias.delete, stage.insert/update/delete, stage_transition.insert/update/delete, policy.insert/update/delete';
COMMENT ON COLUMN mlops.audit_trail.object_kind IS 'kind of object changed: model, model_version, alias, stage, stage_transition or policy';
COMMENT ON COLUMN mlops.audit_trail.object_name IS 'its name: the model (for models, versions and aliases), the stage, from->to for a stage transition, the model or * for a policy';
COMMENT ON COLUMN mlops.audit_trail.model IS 'model concerned, if any (NULL for stages, transitions and * policies)';
COMMENT ON COLUMN mlops.audit_trail.version IS 'version concerned (for an alias: the version it now points at, or pointed at before a delete)';
COMMENT ON COLUMN mlops.audit_trail.alias IS 'alias concerned';
COMMENT ON COLUMN mlops.audit_trail.from_stage IS 'stage before: of a stage change or request, or the source of a stage transition';
COMMENT ON COLUMN mlops.audit_trail.to_stage IS 'stage after: of a stage change, request or decision; the target of a stage transition or policy';
COMMENT ON COLUMN mlops.audit_trail.request_id IS 'transition request concerned (requests, decisions and governed stage changes)';
COMMENT ON COLUMN mlops.audit_trail.change_kind IS 'for version.create and stage.change: created, governed, direct, superuser or replaced (see mlops.stage_history_readable)';
COMMENT ON COLUMN mlops.audit_trail.governed IS 'for stage changes: through an approved request (for replaced: the promotion that archived it was); true for requests and decisions; NULL for other actions';
COMMENT ON COLUMN mlops.audit_trail.comment IS 'comment given with the change';
COMMENT ON COLUMN mlops.audit_trail.entity IS 'the audited object as written in audit_log (model:churn@3, model:churn#champion, policy:churn/production, ...)';
COMMENT ON COLUMN mlops.audit_trail.hash IS 'the row''s SHA-256 in the chain (see mlops.verify_audit_chain())';
COMMENT ON COLUMN mlops.audit_trail.detail IS 'the full audit detail as jsonb (policy and stage changes carry before/after rows)';

CREATE VIEW mlops.audit_actor_summary AS
SELECT pg_catalog.date_trunc('month', a.at)::date AS month,
       a.actor::text                            AS actor,
       pg_catalog.count(*)                      AS actions,
       pg_catalog.count(*) FILTER (WHERE a.action OPERATOR(pg_catalog.=) 'transition.request') AS requests,
       pg_catalog.count(*) FILTER (WHERE a.action OPERATOR(pg_catalog.=) 'transition.approve') AS approvals,
       pg_catalog.count(*) FILTER (WHERE a.action OPERATOR(pg_catalog.=) 'transition.reject') AS rejections,
       pg_catalog.count(*) FILTER (WHERE a.action OPERATOR(pg_catalog.=) 'stage.change'
                                     AND a.detail OPERATOR(pg_catalog.->>) 'to' OPERATOR(pg_catalog.=) 'production') AS promotions,
       pg_catalog.count(*) FILTER (WHERE a.action OPERATOR(pg_catalog.=) 'stage.change') AS stage_changes,
       pg_catalog.count(*) FILTER (WHERE a.action OPERATOR(pg_catalog.=) 'stage.change'
                                     AND NOT a.detail OPERATOR(pg_catalog.?) 'request'
                                     AND NOT a.detail OPERATOR(pg_catalog.?) 'replaced_by_version') AS ungoverned_stage_changes,
       pg_catalog.count(*) FILTER (WHERE pg_catalog.split_part(a.action, '.', 1) OPERATOR(pg_catalog.=) ANY (ARRAY['stage', 'stage_transition', 'policy'])
                                     AND a.action OPERATOR(pg_catalog.<>) 'stage.change') AS config_changes,
       pg_catalog.min(a.at)                     AS first_at,
       pg_catalog.max(a.at)                     AS last_at
  FROM mlops.audit_log a
 GROUP BY 1, 2;
COMMENT ON VIEW mlops.audit_actor_summary IS 'per login and month (in the session''s TimeZone): how many registry changes of each kind it made';
COMMENT ON COLUMN mlops.audit_actor_summary.month IS 'first day of the month';
COMMENT ON COLUMN mlops.audit_actor_summary.actor IS 'login (session_user)';
COMMENT ON COLUMN mlops.audit_actor_summary.actions IS 'audited changes of every kind';
COMMENT ON COLUMN mlops.audit_actor_summary.requests IS 'transition requests made';
COMMENT ON COLUMN mlops.audit_actor_summary.approvals IS 'transition requests approved';
COMMENT ON COLUMN mlops.audit_actor_summary.rejections IS 'transition requests refused (rejected)';
COMMENT ON COLUMN mlops.audit_actor_summary.promotions IS 'versions moved to production';
COMMENT ON COLUMN mlops.audit_actor_summary.stage_changes IS 'stage changes of every kind (archiving by a promotion included)';
COMMENT ON COLUMN mlops.audit_actor_summary.ungoverned_stage_changes IS 'stage changes without an approved request (no policy applied), archiving by a promotion excluded';
COMMENT ON COLUMN mlops.audit_actor_summary.config_changes IS 'changes of stages, stage transitions and policies';
COMMENT ON COLUMN mlops.audit_actor_summary.first_at IS 'time of the first change in the month';
COMMENT ON COLUMN mlops.audit_actor_summary.last_at IS 'time of the last change in the month';

-- Finished runs only (a failed run's metrics do not make it the best),
-- active runs of active experiments only (deleted ones are hidden), and
-- finite values only (NaN would sort above every number).
CREATE VIEW mlops.experiment_leaderboard AS
WITH goals AS (
    SELECT lb.metric, lb.direction FROM mlops.leaderboard_metrics lb
    UNION ALL
    -- a gate that bounds a metric from below says higher is better (and vice versa)
    SELECT gd.metric, pg_catalog.min(gd.direction)
      FROM (SELECT g.gate OPERATOR(pg_catalog.->>) 'metric' AS metric,
                   CASE WHEN g.gate OPERATOR(pg_catalog.->>) 'op' OPERATOR(pg_catalog.=) ANY (ARRAY['>=', '>']) THEN 'max'
                        WHEN g.gate OPERATOR(pg_catalog.->>) 'op' OPERATOR(pg_catalog.=) ANY (ARRAY['<=', '<']) THEN 'min'
                   END AS direction
              FROM mlops.policies p
             CROSS JOIN LATERAL pg_catalog.jsonb_array_elements(
                       CASE WHEN pg_catalog.jsonb_typeof(p.gates) OPERATOR(pg_catalog.=) 'array'
                            THEN p.gates ELSE '[]'::jsonb END) AS g(gate)) gd
     WHERE gd.direction IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM mlops.leaderboard_metrics lb WHERE lb.metric OPERATOR(pg_catalog.=) gd.metric)
     GROUP BY gd.metric
    HAVING pg_catalog.count(DISTINCT gd.direction) OPERATOR(pg_catalog.=) 1
), ranked AS (
    SELECT e.name AS experiment, g.metric, g.direction, r.id AS run_id, r.name AS run_name, lm.value,
           r.start_time, r.end_time, r.created_by,
           pg_catalog.row_number() OVER (
               PARTITION BY e.id, g.metric
               ORDER BY CASE WHEN g.direction OPERATOR(pg_catalog.=) 'max' THEN OPERATOR(pg_catalog.-) lm.value ELSE lm.value END,
                        r.end_time, r.id) AS rank,
           pg_catalog.count(*) OVER (PARTITION BY e.id, g.metric) AS runs_compared
      FROM goals g
      JOIN mlops.latest_metrics lm ON lm.key OPERATOR(pg_catalog.=) g.metric
      JOIN mlops.runs r ON r.id OPERATOR(pg_catalog.=) lm.run_id
      JOIN mlops.experiments e ON e.id OPERATOR(pg_catalog.=) r.experiment_id
     WHERE r.status OPERATOR(pg_catalog.=) 'FINISHED'
       AND r.lifecycle_stage OPERATOR(pg_catalog.=) 'active'
       AND e.lifecycle_stage OPERATOR(pg_catalog.=) 'active'
       AND lm.value OPERATOR(pg_catalog.<>) ALL (ARRAY['NaN', 'Infinity', '-Infinity']::double precision[])
)
SELECT k.experiment,
       k.metric,
       k.direction,
       k.value,
       k.run_id,
       k.run_name,
       k.runs_compared,
       k.start_time,
       k.end_time,
       k.created_by::text                       AS created_by,
       (SELECT pg_catalog.string_agg(pa.key OPERATOR(pg_catalog.||) '=' OPERATOR(pg_catalog.||) pa.value, ', ' ORDER BY pa.key)
          FROM mlops.params pa WHERE pa.run_id OPERATOR(pg_catalog.=) k.run_id) AS params
  FROM ranked k
 WHERE k.rank OPERATOR(pg_catalog.=) 1;
COMMENT ON VIEW mlops.experiment_leaderboard IS 'per experiment and ranked metric (mlops.leaderboard_metrics, plus the metrics policy gates bound from one side): the best finished active run, its value and its params';
COMMENT ON COLUMN mlops.experiment_leaderboard.experiment IS 'experiment name';
COMMENT ON COLUMN mlops.experiment_leaderboard.metric IS 'metric key the runs are ranked by';
COMMENT ON COLUMN mlops.experiment_leaderboard.direction IS 'max: the highest value wins; min: the lowest wins';
COMMENT ON COLUMN mlops.experiment_leaderboard.value IS 'the best run''s latest value of the metric';
COMMENT ON COLUMN mlops.experiment_leaderboard.run_id IS 'the best run (ties: the one that ended first)';
COMMENT ON COLUMN mlops.experiment_leaderboard.run_name IS 'its name';
COMMENT ON COLUMN mlops.experiment_leaderboard.runs_compared IS 'finished active runs of the experiment with a finite value of the metric';
COMMENT ON COLUMN mlops.experiment_leaderboard.start_time IS 'when the best run started';
COMMENT ON COLUMN mlops.experiment_leaderboard.end_time IS 'when it ended';
COMMENT ON COLUMN mlops.experiment_leaderboard.created_by IS 'login that started it';
COMMENT ON COLUMN mlops.experiment_leaderboard.params IS 'its params as key=value, comma-separated in key order';

-- The tracking views, commented column by column for BI tools.
COMMENT ON COLUMN mlops.settings.name IS 'setting name (mlops.*)';
COMMENT ON COLUMN mlops.settings.setting IS 'current value';
COMMENT ON COLUMN mlops.settings.unit IS 'unit of the value, if any';
COMMENT ON COLUMN mlops.settings.context IS 'when it can be changed (postmaster, sighup, superuser, user)';
COMMENT ON COLUMN mlops.settings.description IS 'what it controls';
COMMENT ON COLUMN mlops.settings.status IS 'whether anything in this version reads it';
COMMENT ON COLUMN mlops.run_summary.experiment IS 'experiment name';
COMMENT ON COLUMN mlops.run_summary.run_id IS 'run id';
COMMENT ON COLUMN mlops.run_summary.run_name IS 'run name';
COMMENT ON COLUMN mlops.run_summary.status IS 'SCHEDULED, RUNNING, FINISHED, FAILED or KILLED';
COMMENT ON COLUMN mlops.run_summary.start_time IS 'when the run started';
COMMENT ON COLUMN mlops.run_summary.end_time IS 'when it ended; NULL while open';
COMMENT ON COLUMN mlops.run_summary.duration IS 'end_time - start_time';
COMMENT ON COLUMN mlops.run_summary.user_name IS 'login that started the run';
COMMENT ON COLUMN mlops.run_summary.parent_run_id IS 'parent run, if nested';
COMMENT ON COLUMN mlops.run_summary.params IS 'params as a jsonb object';
COMMENT ON COLUMN mlops.run_summary.metrics IS 'latest metric values as a jsonb object';
COMMENT ON COLUMN mlops.run_summary.tags IS 'tags as a jsonb object';
COMMENT ON COLUMN mlops.metric_history.experiment IS 'experiment name';
COMMENT ON COLUMN mlops.metric_history.run_id IS 'run id';
COMMENT ON COLUMN mlops.metric_history.run_name IS 'run name';
COMMENT ON COLUMN mlops.metric_history.key IS 'metric key';
COMMENT ON COLUMN mlops.metric_history.step IS 'step the point was logged at';
COMMENT ON COLUMN mlops.metric_history.ts IS 'when the point was logged';
COMMENT ON COLUMN mlops.metric_history.value IS 'the logged value (NaN and +-Infinity kept)';
COMMENT ON COLUMN mlops.metric_history.time IS 'ts again, named as a Grafana time-series panel expects';
COMMENT ON COLUMN mlops.metric_history.series IS 'run name (or id) and metric key, one series per run and metric: SELECT time, series, value';

INSERT INTO mlops.role_grants (role_name, privileges, object_kind, object_name) VALUES
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.model_metric_columns'),
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.leaderboard_metrics'),
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops._model_metric_names'),
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.model_registry'),
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.stage_history_readable'),
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.production_models'),
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.pending_requests'),
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.audit_trail'),
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.audit_actor_summary'),
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.experiment_leaderboard'),
    ('mlops_admin', 'INSERT, UPDATE, DELETE', 'TABLE', 'mlops.model_metric_columns'),
    ('mlops_admin', 'INSERT, UPDATE, DELETE', 'TABLE', 'mlops.leaderboard_metrics');
