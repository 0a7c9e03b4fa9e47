-- mlops 0.1.0 -> 0.2.0: ids are GENERATED ALWAYS (sql/mlops/20_tracking.sql,
-- 30_registry.sql). An INSERT or UPDATE that names an id is refused instead
-- of taking an id the sequence hands out later, which would make other users'
-- inserts fail (COPY and OVERRIDING SYSTEM VALUE take given ids, as
-- pg_restore needs; for other roles than a superuser the triggers refuse an
-- id the sequence has not handed out, see the end of this file). The
-- sequences and the stored ids stay as they are.
-- Not changed: mlops.runs.id (a uuid clients may choose) and
-- mlops.audit_log.id (the registry renumbers its pending rows at commit).
ALTER TABLE mlops.experiments ALTER COLUMN id SET GENERATED ALWAYS;
ALTER TABLE mlops.params ALTER COLUMN id SET GENERATED ALWAYS;
ALTER TABLE mlops.tags ALTER COLUMN id SET GENERATED ALWAYS;
ALTER TABLE mlops.metrics ALTER COLUMN id SET GENERATED ALWAYS;
ALTER TABLE mlops.latest_metrics ALTER COLUMN id SET GENERATED ALWAYS;
ALTER TABLE mlops.artifacts ALTER COLUMN id SET GENERATED ALWAYS;
ALTER TABLE mlops.run_inputs ALTER COLUMN id SET GENERATED ALWAYS;
ALTER TABLE mlops.stages ALTER COLUMN id SET GENERATED ALWAYS;
ALTER TABLE mlops.stage_transitions ALTER COLUMN id SET GENERATED ALWAYS;
ALTER TABLE mlops.models ALTER COLUMN id SET GENERATED ALWAYS;
ALTER TABLE mlops.model_versions ALTER COLUMN id SET GENERATED ALWAYS;
ALTER TABLE mlops.stage_history ALTER COLUMN id SET GENERATED ALWAYS;
ALTER TABLE mlops.transition_requests ALTER COLUMN id SET GENERATED ALWAYS;
ALTER TABLE mlops.approvals ALTER COLUMN id SET GENERATED ALWAYS;
ALTER TABLE mlops.policies ALTER COLUMN id SET GENERATED ALWAYS;
ALTER TABLE mlops.model_aliases ALTER COLUMN id SET GENERATED ALWAYS;

-- 0.1.0 let clients choose ids: each sequence moves past the highest id
-- stored (never back), so the rows the sequence numbers from now on do not
-- collide with them.
DO $identity$
DECLARE
    t text;
    seq text;
    top bigint;
    last bigint;
    called boolean;
BEGIN
    FOREACH t IN ARRAY ARRAY['experiments', 'params', 'tags', 'metrics', 'latest_metrics', 'artifacts',
                             'run_inputs', 'stages', 'stage_transitions', 'models', 'model_versions',
                             'stage_history', 'transition_requests', 'approvals', 'policies', 'model_aliases',
                             'audit_log'] LOOP
        seq := pg_catalog.pg_get_serial_sequence(pg_catalog.format('mlops.%I', t), 'id');
        EXECUTE pg_catalog.format('SELECT pg_catalog.max(x.id) FROM mlops.%I x', t) INTO top;
        EXECUTE pg_catalog.format('SELECT s.last_value, s.is_called FROM %s s', seq) INTO last, called;
        IF top OPERATOR(pg_catalog.>) last OR (top OPERATOR(pg_catalog.=) last AND NOT called) THEN
            PERFORM pg_catalog.setval(seq, top, true);
        END IF;
    END LOOP;
END
$identity$;

-- OVERRIDING SYSTEM VALUE and COPY: see sql/mlops/29_row_ids.sql.
CREATE FUNCTION mlops._row_id_guard() RETURNS trigger
    AS 'MODULE_PATHNAME', 'mlops_row_id_guard' LANGUAGE C;
COMMENT ON FUNCTION mlops._row_id_guard() IS 'internal trigger: refuse a new row''s id that the identity sequence has not handed out';
CREATE TRIGGER experiments_05_row_id BEFORE INSERT ON mlops.experiments
    FOR EACH ROW EXECUTE FUNCTION mlops._row_id_guard();
COMMENT ON TRIGGER experiments_05_row_id ON mlops.experiments IS 'ids come from the identity sequence, also for OVERRIDING SYSTEM VALUE and COPY';
