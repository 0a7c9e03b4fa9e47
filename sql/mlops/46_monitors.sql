-- Monitors (API.md -> Monitors, retraining, jobs): a value column of a source
-- table or view, cut into time windows aligned to window_size (as date_bin
-- does), each window compared with a reference by a drift statistic or a
-- performance signal; one mlops.drift_results row per computed window.
-- Evaluation (src/monitors/) runs with the monitor owner's privileges.

CREATE TABLE mlops.monitors (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name              text NOT NULL UNIQUE
                      CONSTRAINT monitors_name_length CHECK (pg_catalog.char_length(name) OPERATOR(pg_catalog.<=) 250
                                                             AND name OPERATOR(pg_catalog.<>) ''),
    model_id          bigint REFERENCES mlops.models (id),
    source            text NOT NULL,
    value_column      text NOT NULL,
    time_column       text NOT NULL,
    method            text NOT NULL CONSTRAINT monitors_method
                      CHECK (method OPERATOR(pg_catalog.=) ANY (ARRAY['psi', 'ks', 'wasserstein', 'jensen_shannon',
                             'hellinger', 'psi_categorical', 'chi2', 'mean_change', 'p95_change'])),
    threshold         float8 CONSTRAINT monitors_threshold_valid
                      CHECK (threshold OPERATOR(pg_catalog.>=) 0 AND threshold OPERATOR(pg_catalog.<>) 'NaN'::float8),
    bins              integer NOT NULL DEFAULT 10 CONSTRAINT monitors_bins_valid
                      CHECK (bins OPERATOR(pg_catalog.>=) 2 AND bins OPERATOR(pg_catalog.<=) 1000),
    window_size       interval NOT NULL CONSTRAINT monitors_window_size_positive
                      CHECK (window_size OPERATOR(pg_catalog.>) '0'::interval),
    reference         jsonb NOT NULL DEFAULT '{}'
                      CONSTRAINT monitors_reference_object CHECK (pg_catalog.jsonb_typeof(reference) OPERATOR(pg_catalog.=) 'object'),
    schedule          interval NOT NULL DEFAULT '5 minutes' CONSTRAINT monitors_schedule_positive
                      CHECK (schedule OPERATOR(pg_catalog.>) '0'::interval),
    start_at          timestamptz,
    owner             name NOT NULL,
    enabled           boolean NOT NULL DEFAULT true,
    created_at        timestamptz NOT NULL DEFAULT pg_catalog.now(),
    computed_until    timestamptz,
    last_evaluated_at timestamptz,
    next_due          timestamptz,
    last_error        text,
    last_sqlstate     text,
    last_error_at     timestamptz
);
COMMENT ON TABLE mlops.monitors IS 'drift and performance monitors: a value column of a source over time windows, compared with a reference';
COMMENT ON COLUMN mlops.monitors.source IS 'the monitored table or view, schema-qualified and quoted (text, so that it survives dump and restore)';
COMMENT ON COLUMN mlops.monitors.threshold IS 'a window breaches when its statistic exceeds this; NULL on a psi monitor: mlops.psi_threshold() of the window''s own sizes';
COMMENT ON COLUMN mlops.monitors.reference IS '{} or {"previous": true}: the previous window; {"from": ..., "to": ...}: a time range of the source, summarised once; {"dataset": ..., "version": ...}: a dataset version''s stored profile';
COMMENT ON COLUMN mlops.monitors.owner IS 'session_user that created the monitor; evaluation runs with this role''s privileges';
COMMENT ON COLUMN mlops.monitors.computed_until IS 'end of the last computed window (windows are aligned to window_size from the epoch, as date_bin does)';
COMMENT ON COLUMN mlops.monitors.next_due IS 'when mlops.tick() evaluates the monitor next';
COMMENT ON COLUMN mlops.monitors.last_error IS 'the error of the last failed evaluation (NULL after a successful one)';

-- The stored summary of a monitor's reference (time-range and dataset
-- references): computed once, reused by every window.
CREATE TABLE mlops.monitor_references (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    monitor_id  bigint NOT NULL UNIQUE REFERENCES mlops.monitors (id) ON DELETE CASCADE,
    n           bigint NOT NULL CONSTRAINT monitor_references_n_nonnegative CHECK (n OPERATOR(pg_catalog.>=) 0),
    summary     bytea,
    computed_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE mlops.monitor_references IS 'a monitor''s reference, summarised once (values, bin edges and counts, or category counts) and reused by every window';
COMMENT ON COLUMN mlops.monitor_references.n IS 'non-NULL reference values';

CREATE TABLE mlops.drift_results (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    monitor_id   bigint NOT NULL REFERENCES mlops.monitors (id) ON DELETE CASCADE,
    window_start timestamptz NOT NULL,
    window_end   timestamptz NOT NULL,
    statistic    float8,
    pvalue       float8,
    n_ref        bigint NOT NULL DEFAULT 0,
    n_cur        bigint NOT NULL DEFAULT 0,
    threshold    float8,
    breached     boolean NOT NULL DEFAULT false,
    note         text,
    histogram    jsonb,
    computed_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT drift_results_window UNIQUE (monitor_id, window_start),
    CONSTRAINT drift_results_window_order CHECK (window_end OPERATOR(pg_catalog.>) window_start)
);
COMMENT ON TABLE mlops.drift_results IS 'one row per computed monitor window: statistic, p-value, sizes, the threshold applied and whether it was breached';
COMMENT ON COLUMN mlops.drift_results.threshold IS 'the threshold this window was judged by (the monitor''s, or psi_threshold of its sizes)';
COMMENT ON COLUMN mlops.drift_results.histogram IS 'reference and window counts on the same bins, for reports: {"edges": [...], "ref": [...], "cur": [...]} or {"categories": [...], "ref": [...], "cur": [...]}';
COMMENT ON COLUMN mlops.drift_results.note IS 'why the statistic is NULL (no reference, no current rows, zero reference) or NaN (infinite values: the window counts as breached)';
CREATE INDEX drift_results_breached_idx ON mlops.drift_results (monitor_id, window_start) WHERE breached;

SELECT pg_catalog.pg_extension_config_dump('mlops.monitors', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.monitor_references', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.drift_results', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.monitors_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.monitor_references_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.drift_results_id_seq', '');

REVOKE ALL ON mlops.monitors, mlops.monitor_references, mlops.drift_results FROM PUBLIC;
INSERT INTO mlops.role_grants (role_name, privileges, object_kind, object_name) VALUES
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.monitors'),
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.monitor_references'),
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.drift_results');

-- The monitor API (src/monitors/monitor.c, windows.c). Every write to the
-- tables above is made as the extension owner; the source is read as the
-- monitor's owner, with search_path pinned and identifiers quoted.
CREATE FUNCTION mlops.create_monitor(name text, model text, source regclass, value_column text, time_column text,
                                     method text DEFAULT 'psi', threshold float8 DEFAULT 0.2,
                                     window_size interval DEFAULT '1 hour', reference jsonb DEFAULT '{}',
                                     schedule interval DEFAULT '5 minutes', start_at timestamptz DEFAULT NULL,
                                     bins integer DEFAULT 10) RETURNS bigint
    AS 'MODULE_PATHNAME', 'mlops_create_monitor' LANGUAGE C;
COMMENT ON FUNCTION mlops.create_monitor(text, text, regclass, text, text, text, float8, interval, jsonb, interval, timestamptz, integer) IS 'create a drift or performance monitor owned by session_user (mlops_admin); returns its id';

CREATE FUNCTION mlops.alter_monitor(name text, threshold float8 DEFAULT NULL, schedule interval DEFAULT NULL,
                                    enabled boolean DEFAULT NULL) RETURNS void
    AS 'MODULE_PATHNAME', 'mlops_alter_monitor' LANGUAGE C;
COMMENT ON FUNCTION mlops.alter_monitor(text, float8, interval, boolean) IS 'change a monitor''s threshold, schedule or enabled flag (NULL: unchanged); its owner or mlops_admin';

CREATE FUNCTION mlops.drop_monitor(name text) RETURNS void
    AS 'MODULE_PATHNAME', 'mlops_drop_monitor' LANGUAGE C;
COMMENT ON FUNCTION mlops.drop_monitor(text) IS 'drop a monitor with its results and stored reference; its owner or mlops_admin';

CREATE FUNCTION mlops.evaluate_monitor(name text, recompute_from timestamptz DEFAULT NULL)
    RETURNS SETOF mlops.drift_results
    AS 'MODULE_PATHNAME', 'mlops_evaluate_monitor' LANGUAGE C;
COMMENT ON FUNCTION mlops.evaluate_monitor(text, timestamptz) IS 'compute the complete windows not yet computed (recompute_from: again from the window containing it) in one scan of the source as the monitor''s owner; an evaluation error is recorded on the monitor, warned about, and yields no rows';

CREATE FUNCTION mlops.drift_windows(name text, from_ts timestamptz, to_ts timestamptz)
    RETURNS TABLE (window_start timestamptz, window_end timestamptz, n_cur bigint, statistic float8,
                   pvalue float8, breached boolean)
    AS 'MODULE_PATHNAME', 'mlops_drift_windows' LANGUAGE C;
COMMENT ON FUNCTION mlops.drift_windows(text, timestamptz, timestamptz) IS 'a monitor''s statistic for every window meeting [from_ts, to_ts), in one scan of the source as the monitor''s owner; writes nothing; its owner or mlops_admin';

CREATE VIEW mlops.monitor_status AS
SELECT m.name AS monitor, md.name AS model, m.method, m.owner, m.enabled,
       r.window_start AS last_window_start, r.window_end AS last_window_end,
       r.statistic AS last_statistic, r.pvalue AS last_pvalue, r.breached,
       m.last_error, m.last_sqlstate, m.last_evaluated_at, m.next_due
  FROM mlops.monitors m
  LEFT JOIN mlops.models md ON md.id OPERATOR(pg_catalog.=) m.model_id
  LEFT JOIN LATERAL (SELECT d.window_start, d.window_end, d.statistic, d.pvalue, d.breached
                       FROM mlops.drift_results d
                      WHERE d.monitor_id OPERATOR(pg_catalog.=) m.id
                      ORDER BY d.window_start DESC LIMIT 1) r ON true;
COMMENT ON VIEW mlops.monitor_status IS 'each monitor with its latest computed window and its last evaluation error';
COMMENT ON COLUMN mlops.monitor_status.monitor IS 'monitor name';
COMMENT ON COLUMN mlops.monitor_status.model IS 'the model the monitor watches (NULL: none)';
COMMENT ON COLUMN mlops.monitor_status.method IS 'psi, ks, wasserstein, jensen_shannon, hellinger, psi_categorical, chi2, mean_change or p95_change';
COMMENT ON COLUMN mlops.monitor_status.owner IS 'the role evaluation reads the source as';
COMMENT ON COLUMN mlops.monitor_status.enabled IS 'whether mlops.tick() evaluates the monitor';
COMMENT ON COLUMN mlops.monitor_status.last_window_start IS 'start of the latest computed window';
COMMENT ON COLUMN mlops.monitor_status.last_window_end IS 'end of the latest computed window';
COMMENT ON COLUMN mlops.monitor_status.last_statistic IS 'statistic of the latest computed window (NULL: see drift_results.note)';
COMMENT ON COLUMN mlops.monitor_status.last_pvalue IS 'p-value of the latest computed window (ks and chi2)';
COMMENT ON COLUMN mlops.monitor_status.breached IS 'whether the latest computed window breached its threshold';
COMMENT ON COLUMN mlops.monitor_status.last_error IS 'error of the last failed evaluation (NULL after a successful one)';
COMMENT ON COLUMN mlops.monitor_status.last_sqlstate IS 'SQLSTATE of last_error';
COMMENT ON COLUMN mlops.monitor_status.last_evaluated_at IS 'when the monitor was last evaluated';
COMMENT ON COLUMN mlops.monitor_status.next_due IS 'when mlops.tick() evaluates it next';

REVOKE ALL ON FUNCTION mlops.create_monitor(text, text, regclass, text, text, text, float8, interval, jsonb, interval, timestamptz, integer),
    mlops.alter_monitor(text, float8, interval, boolean), mlops.drop_monitor(text),
    mlops.evaluate_monitor(text, timestamptz), mlops.drift_windows(text, timestamptz, timestamptz) FROM PUBLIC;
REVOKE ALL ON mlops.monitor_status FROM PUBLIC;
-- Who may call what is checked inside (clear 42501 messages): create by
-- mlops_admin; alter, drop, drift_windows by the owner or an admin;
-- evaluate_monitor also by writers (recompute_from: owner or admin).
INSERT INTO mlops.role_grants (role_name, privileges, object_kind, object_name) VALUES
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.monitor_status'),
    ('mlops_reader', 'EXECUTE', 'FUNCTION', 'mlops.create_monitor(text, text, regclass, text, text, text, float8, interval, jsonb, interval, timestamptz, integer)'),
    ('mlops_reader', 'EXECUTE', 'FUNCTION', 'mlops.alter_monitor(text, float8, interval, boolean)'),
    ('mlops_reader', 'EXECUTE', 'FUNCTION', 'mlops.drop_monitor(text)'),
    ('mlops_reader', 'EXECUTE', 'FUNCTION', 'mlops.evaluate_monitor(text, timestamptz)'),
    ('mlops_reader', 'EXECUTE', 'FUNCTION', 'mlops.drift_windows(text, timestamptz, timestamptz)');
