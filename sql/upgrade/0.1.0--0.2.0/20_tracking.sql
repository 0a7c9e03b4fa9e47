-- mlops 0.1.0 -> 0.2.0, tracking (sql/mlops/2*_tracking*.sql): turns a 0.1.0
-- catalog into what the 0.2.0 install script creates.

-- The params rule finds an existing param by a probe of the unique
-- (run_id, key) index instead of a cached plan steered by enable_seqscan = off.
CREATE FUNCTION mlops._param_value(run uuid, key text) RETURNS text
    AS 'MODULE_PATHNAME', 'mlops_param_value' LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION mlops._param_value(uuid, text) IS 'internal: the value of a run''s param (NULL when unset), by the unique (run_id, key) index of mlops.params';

CREATE OR REPLACE FUNCTION mlops._params_rules() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    old_value text;
BEGIN
    IF mlops._restoring() THEN
        RETURN NEW;
    END IF;
    PERFORM mlops._check_text('param key', NEW.key, 250);
    IF NEW.key OPERATOR(pg_catalog.~) '[\x01-\x1f\x7f]' THEN
        RAISE EXCEPTION 'param key % contains a control character', pg_catalog.to_json(NEW.key)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Keys may not contain control characters such as newlines or tabs.';
    END IF;
    PERFORM mlops._check_text(pg_catalog.format('value of param "%s"', NEW.key), NEW.value, 8000, true);
    IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN
        IF (NEW.run_id, NEW.key) IS DISTINCT FROM (OLD.run_id, OLD.key) THEN
            RAISE EXCEPTION 'param "%" of run % cannot be moved or renamed', OLD.key, OLD.run_id
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = 'Params are immutable once set.';
        END IF;
        old_value := OLD.value;
    ELSE
        old_value := mlops._param_value(NEW.run_id, NEW.key);
        IF old_value OPERATOR(pg_catalog.=) NEW.value THEN
            RETURN NULL;                -- already set to this value
        END IF;
    END IF;
    IF old_value OPERATOR(pg_catalog.<>) NEW.value THEN
        RAISE EXCEPTION 'param "%" of run % is already set to "%"', NEW.key, NEW.run_id, old_value
            USING ERRCODE = 'unique_violation',
                  DETAIL = pg_catalog.format('The new value %L differs; params are immutable once set.', NEW.value),
                  HINT = 'Start a new run for another value, or use a tag for something that changes.';
    END IF;
    RETURN NEW;
END
$fn$;
COMMENT ON FUNCTION mlops._params_rules() IS 'internal trigger: params are immutable once set';

-- Param and tag keys refuse control characters.
CREATE OR REPLACE FUNCTION mlops._tags_rules() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF mlops._restoring() THEN
        RETURN NEW;
    END IF;
    PERFORM mlops._check_text('tag key', NEW.key, 250);
    IF NEW.key OPERATOR(pg_catalog.~) '[\x01-\x1f\x7f]' THEN
        RAISE EXCEPTION 'tag key % contains a control character', pg_catalog.to_json(NEW.key)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Keys may not contain control characters such as newlines or tabs.';
    END IF;
    PERFORM mlops._check_text(pg_catalog.format('value of tag "%s"', NEW.key), NEW.value, 8000, true);
    RETURN NEW;
END
$fn$;
COMMENT ON FUNCTION mlops._tags_rules() IS 'internal trigger: tag key and value limits';
