-- A stage move reads the model's latest history entry (a move's time is never
-- before it) by one probe of an index, however long the model's history:
-- before, it read every history row of the model, so each move of a
-- long-lived model cost more than the last. Counts the rows that this
-- transaction read from mlops.stage_history by sequential scans and the
-- entries it read from its indexes (pg_stat_get_xact_tuples_returned, after
-- pg_stat_force_next_flush() so that earlier pending counts are flushed).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS mlops;
RESET client_min_messages;
\set SHOW_CONTEXT never
SELECT mlops.create_experiment('history-scale') > 0 AS created;
INSERT INTO mlops.runs (id, experiment_id, name, status)
SELECT '00000000-0000-0000-0000-0000000000b5', e.id, 'h', 'FINISHED'
  FROM mlops.experiments e WHERE e.name = 'history-scale';
SELECT mlops.register_model('history-scale') > 0 AS registered;
SELECT mlops.create_model_version('history-scale', '00000000-0000-0000-0000-0000000000b5', 's3://h/' || g)
  FROM generate_series(1, 2) g;
-- history rows and index entries of stage_history read in this transaction
CREATE FUNCTION pg_temp.history_entries_read() RETURNS bigint
LANGUAGE sql AS $$
SELECT pg_stat_get_xact_tuples_returned('mlops.stage_history'::regclass)
       + (SELECT sum(pg_stat_get_xact_tuples_returned(i.indexrelid))::bigint
            FROM pg_index i WHERE i.indrelid = 'mlops.stage_history'::regclass) $$;
-- one move of version 2, on a short history
SELECT pg_stat_force_next_flush();
BEGIN;
SELECT mlops.transition('history-scale', 2, 'staging');
SELECT pg_temp.history_entries_read() AS read_short \gset
COMMIT;
-- 300 more moves of version 1 (staging <-> archived)
DO $$
BEGIN
    PERFORM mlops.transition('history-scale', 1, 'staging');
    FOR i IN 1..150 LOOP
        PERFORM mlops.transition('history-scale', 1, 'archived');
        PERFORM mlops.transition('history-scale', 1, 'staging');
    END LOOP;
END $$;
SELECT count(*) AS history_rows FROM mlops.stage_history h
  JOIN mlops.models m ON m.id = h.model_id WHERE m.name = 'history-scale';
ANALYZE mlops.stage_history;
-- the same kind of move of version 2 on the long history reads about as
-- many (before: every row of the model's history, 306)
SELECT pg_stat_force_next_flush();
BEGIN;
SELECT mlops.transition('history-scale', 2, 'none');
SELECT pg_temp.history_entries_read() AS read_long \gset
COMMIT;
SELECT :read_short <= 4 AS short_few, :read_long <= :read_short + 2 AS long_as_few;
-- and the times still never go back: each entry starts where the last ended
SELECT count(*) AS overlapping
  FROM mlops.stage_history a JOIN mlops.stage_history b
    ON a.model_id = b.model_id AND a.id < b.id AND b.valid_from < a.valid_from
  JOIN mlops.models m ON m.id = a.model_id WHERE m.name = 'history-scale';
SELECT h.stage, h.valid_to IS NULL AS current
  FROM mlops.stage_history h JOIN mlops.model_versions v ON v.id = h.model_version_id
  JOIN mlops.models m ON m.id = v.model_id
 WHERE m.name = 'history-scale' AND v.version = 2 ORDER BY h.id;
