-- mlops 0.1.0 -> 0.2.0, retraining (sql/mlops/47_jobs.sql): new in 0.2.0,
-- the same objects as a fresh install.

CREATE TABLE mlops.retrain_policies (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    model_id      bigint NOT NULL REFERENCES mlops.models (id),
    trigger       text NOT NULL CONSTRAINT retrain_policies_trigger
                  CHECK (trigger OPERATOR(pg_catalog.=) ANY (ARRAY['drift', 'schedule', 'new_dataset_version', 'manual'])),
    monitor_id    bigint REFERENCES mlops.monitors (id) ON DELETE CASCADE,
    every         interval CONSTRAINT retrain_policies_every_positive CHECK (every OPERATOR(pg_catalog.>) '0'::interval),
    cooldown      interval NOT NULL DEFAULT '1 hour'
                  CONSTRAINT retrain_policies_cooldown_nonnegative CHECK (cooldown OPERATOR(pg_catalog.>=) '0'::interval),
    webhook       text,
    enabled       boolean NOT NULL DEFAULT true,
    created_by    name NOT NULL DEFAULT SESSION_USER,
    created_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
    last_fired_at timestamptz,
    next_due      timestamptz,
    CONSTRAINT retrain_policies_drift_monitor CHECK
        ((monitor_id IS NOT NULL) OPERATOR(pg_catalog.=) (trigger OPERATOR(pg_catalog.=) 'drift')),
    CONSTRAINT retrain_policies_schedule_every CHECK
        ((every IS NOT NULL) OPERATOR(pg_catalog.=) (trigger OPERATOR(pg_catalog.=) 'schedule'))
);
COMMENT ON TABLE mlops.retrain_policies IS 'when to retrain a model: on a monitor''s breach (drift), every interval (schedule), on a new version of a dataset its production version was trained on, or only by hand (manual); cooldown between jobs';
COMMENT ON COLUMN mlops.retrain_policies.webhook IS 'the webhook (by name) that job events of this policy are also sent to';
COMMENT ON COLUMN mlops.retrain_policies.last_fired_at IS 'when the policy last enqueued (or found open) a job; the cooldown counts from here';
COMMENT ON COLUMN mlops.retrain_policies.next_due IS 'schedule policies: when mlops.tick() fires it next';

CREATE TABLE mlops.jobs (
    id                 uuid PRIMARY KEY DEFAULT pg_catalog.gen_random_uuid(),
    model_id           bigint NOT NULL REFERENCES mlops.models (id),
    status             text NOT NULL DEFAULT 'queued' CONSTRAINT jobs_status
                       CHECK (status OPERATOR(pg_catalog.=) ANY (ARRAY['queued', 'claimed', 'running', 'succeeded', 'failed'])),
    reason             jsonb NOT NULL DEFAULT '{}'
                       CONSTRAINT jobs_reason_object CHECK (pg_catalog.jsonb_typeof(reason) OPERATOR(pg_catalog.=) 'object'),
    policy_id          bigint REFERENCES mlops.retrain_policies (id) ON DELETE SET NULL,
    drift_result_id    bigint REFERENCES mlops.drift_results (id) ON DELETE SET NULL,
    dataset_version_id bigint REFERENCES mlops.dataset_versions (id),
    claimed_by         text,
    run_id             uuid REFERENCES mlops.runs (id) ON DELETE SET NULL,
    attempts           integer NOT NULL DEFAULT 0,
    created_by         name NOT NULL DEFAULT SESSION_USER,
    created_at         timestamptz NOT NULL DEFAULT pg_catalog.now(),
    claimed_at         timestamptz,
    claimed_login      name,
    started_at         timestamptz,
    heartbeat_at       timestamptz,
    lease_until        timestamptz,
    finished_at        timestamptz,
    error              text
);
COMMENT ON TABLE mlops.jobs IS 'retraining jobs: queued -> claimed -> running -> succeeded | failed, at most one open job per model';
COMMENT ON COLUMN mlops.jobs.reason IS 'why the job exists: the drift result, the schedule tick, the dataset version or the caller';
COMMENT ON COLUMN mlops.jobs.claimed_by IS 'the worker name the trainer gave to mlops.claim_job()';
COMMENT ON COLUMN mlops.jobs.claimed_login IS 'session_user that claimed the job; only it (or an admin) may complete it';
COMMENT ON COLUMN mlops.jobs.lease_until IS 'a claimed or running job whose lease ran out returns to the queue on the next mlops.tick()';
CREATE UNIQUE INDEX jobs_one_open_per_model ON mlops.jobs (model_id)
    WHERE status OPERATOR(pg_catalog.=) ANY (ARRAY['queued', 'claimed', 'running']);
COMMENT ON INDEX mlops.jobs_one_open_per_model IS 'at most one open (queued, claimed or running) job per model';
CREATE INDEX jobs_queued_idx ON mlops.jobs (created_at) WHERE status OPERATOR(pg_catalog.=) 'queued';

SELECT pg_catalog.pg_extension_config_dump('mlops.retrain_policies', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.retrain_policies_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.jobs', '');

REVOKE ALL ON mlops.retrain_policies, mlops.jobs FROM PUBLIC;
INSERT INTO mlops.role_grants (role_name, privileges, object_kind, object_name) VALUES
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.retrain_policies'),
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.jobs');
