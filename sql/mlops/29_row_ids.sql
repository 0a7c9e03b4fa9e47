-- Identity ids a client cannot plant (src/common/row_ids.c). GENERATED
-- ALWAYS refuses an explicit id in a plain INSERT; INSERT ... OVERRIDING
-- SYSTEM VALUE and COPY still take one, so the BEFORE INSERT triggers of the
-- tables clients write refuse an id beyond what the identity sequence handed
-- out (the C triggers of tracking and the registry call the same check; this
-- trigger covers experiments, whose other trigger is not in C).
CREATE FUNCTION mlops._row_id_guard() RETURNS trigger
    AS 'MODULE_PATHNAME', 'mlops_row_id_guard' LANGUAGE C;
COMMENT ON FUNCTION mlops._row_id_guard() IS 'internal trigger: refuse a new row''s id that the identity sequence has not handed out';
CREATE TRIGGER experiments_05_row_id BEFORE INSERT ON mlops.experiments
    FOR EACH ROW EXECUTE FUNCTION mlops._row_id_guard();
COMMENT ON TRIGGER experiments_05_row_id ON mlops.experiments IS 'ids come from the identity sequence, also for OVERRIDING SYSTEM VALUE and COPY';
