-- Retraining (API.md -> Monitors, retraining, jobs): policies that decide
-- when a model is retrained, and the job queue external trainers take jobs
-- from (src/jobs/).

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
    error              text,
    requeued_at        timestamptz
);
COMMENT ON TABLE mlops.jobs IS 'retraining jobs: queued -> claimed -> running -> succeeded | failed, at most one open job per model';
COMMENT ON COLUMN mlops.jobs.reason IS 'why the job exists: the drift result, the schedule tick, the dataset version or the caller';
COMMENT ON COLUMN mlops.jobs.claimed_by IS 'the worker name the trainer gave to mlops.claim_job()';
COMMENT ON COLUMN mlops.jobs.claimed_login IS 'session_user that claimed the job; only it (or an admin) may complete it';
COMMENT ON COLUMN mlops.jobs.lease_until IS 'a claimed or running job whose lease ran out returns to the queue on the next mlops.tick()';
COMMENT ON COLUMN mlops.jobs.error IS 'why the last claim ended without completing (the lease that ran out)';
COMMENT ON COLUMN mlops.jobs.requeued_at IS 'when mlops.tick() last returned the job to the queue after its lease ran out';
CREATE UNIQUE INDEX jobs_one_open_per_model ON mlops.jobs (model_id)
    WHERE status OPERATOR(pg_catalog.=) ANY (ARRAY['queued', 'claimed', 'running']);
COMMENT ON INDEX mlops.jobs_one_open_per_model IS 'at most one open (queued, claimed or running) job per model';
CREATE INDEX jobs_queued_idx ON mlops.jobs (created_at) WHERE status OPERATOR(pg_catalog.=) 'queued';
CREATE INDEX jobs_lease_idx ON mlops.jobs (lease_until)
    WHERE status OPERATOR(pg_catalog.=) ANY (ARRAY['claimed', 'running']);
COMMENT ON INDEX mlops.jobs_lease_idx IS 'claims by the end of their lease: mlops.tick() finds the expired ones by it';
CREATE INDEX retrain_policies_due_idx ON mlops.retrain_policies (next_due)
    WHERE enabled AND trigger OPERATOR(pg_catalog.=) 'schedule';
COMMENT ON INDEX mlops.retrain_policies_due_idx IS 'enabled schedule policies by when they are due: mlops.tick() finds the due ones by it';
CREATE INDEX retrain_policies_monitor_idx ON mlops.retrain_policies (monitor_id) WHERE monitor_id IS NOT NULL;
COMMENT ON INDEX mlops.retrain_policies_monitor_idx IS 'the drift policies of a monitor, found on each breach';

SELECT pg_catalog.pg_extension_config_dump('mlops.retrain_policies', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.retrain_policies_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.jobs', '');

-- ------------------------------------------------------------ functions
-- C (src/jobs/): every write to the two tables is a fixed statement run as
-- the extension owner; callers hold SELECT only.

CREATE FUNCTION mlops.create_retrain_policy(model text, trigger text, monitor text DEFAULT NULL,
                                            every interval DEFAULT NULL, cooldown interval DEFAULT '1 hour',
                                            webhook text DEFAULT NULL) RETURNS bigint
    AS 'MODULE_PATHNAME', 'mlops_create_retrain_policy' LANGUAGE C;
COMMENT ON FUNCTION mlops.create_retrain_policy(text, text, text, interval, interval, text) IS 'admins: when to retrain a model (drift of a monitor, schedule every interval, new_dataset_version, manual); returns the policy id';

CREATE FUNCTION mlops.drop_retrain_policy(id bigint) RETURNS void
    AS 'MODULE_PATHNAME', 'mlops_drop_retrain_policy' LANGUAGE C;
COMMENT ON FUNCTION mlops.drop_retrain_policy(bigint) IS 'admins: drop a retraining policy (its jobs stay)';

CREATE FUNCTION mlops.enqueue_retrain(model text, reason jsonb DEFAULT '{}') RETURNS uuid
    AS 'MODULE_PATHNAME', 'mlops_enqueue_retrain' LANGUAGE C;
COMMENT ON FUNCTION mlops.enqueue_retrain(text, jsonb) IS 'queue a retraining job for a model by hand, or return its open job';

CREATE FUNCTION mlops.claim_job(worker text) RETURNS mlops.jobs
    AS 'MODULE_PATHNAME', 'mlops_claim_job' LANGUAGE C;
COMMENT ON FUNCTION mlops.claim_job(text) IS 'take the oldest queued job for a trainer (FOR UPDATE SKIP LOCKED), with a lease of mlops.job_lease; NULL when the queue is empty';

CREATE FUNCTION mlops.heartbeat_job(job uuid) RETURNS void
    AS 'MODULE_PATHNAME', 'mlops_heartbeat_job' LANGUAGE C;
COMMENT ON FUNCTION mlops.heartbeat_job(uuid) IS 'extend the lease of a claimed job by mlops.job_lease; the first heartbeat marks it running';

CREATE FUNCTION mlops.complete_job(job uuid, status text, run uuid DEFAULT NULL) RETURNS void
    AS 'MODULE_PATHNAME', 'mlops_complete_job' LANGUAGE C;
COMMENT ON FUNCTION mlops.complete_job(uuid, text, uuid) IS 'end a claimed or running job as succeeded or failed; links job -> run (trained) in lineage';

REVOKE ALL ON FUNCTION mlops.create_retrain_policy(text, text, text, interval, interval, text),
    mlops.drop_retrain_policy(bigint), mlops.enqueue_retrain(text, jsonb), mlops.claim_job(text),
    mlops.heartbeat_job(uuid), mlops.complete_job(uuid, text, uuid) FROM PUBLIC;

-- ------------------------------------------------------------ policy hooks
-- A later concern changes earlier tables by triggers in its own fragment:
-- a window that becomes breached fires its monitor's drift policies, a new
-- dataset version the new_dataset_version policies of the models whose
-- production version was trained on that dataset.

CREATE FUNCTION mlops._jobs_drift_breached() RETURNS trigger
    AS 'MODULE_PATHNAME', 'mlops_jobs_drift_breached' LANGUAGE C;
COMMENT ON FUNCTION mlops._jobs_drift_breached() IS 'internal trigger: a breached drift window fires its monitor''s drift policies';
CREATE FUNCTION mlops._jobs_dataset_version_added() RETURNS trigger
    AS 'MODULE_PATHNAME', 'mlops_jobs_dataset_version_added' LANGUAGE C;
COMMENT ON FUNCTION mlops._jobs_dataset_version_added() IS 'internal trigger: a new dataset version fires the new_dataset_version policies of the models trained on the dataset';
REVOKE ALL ON FUNCTION mlops._jobs_drift_breached(), mlops._jobs_dataset_version_added() FROM PUBLIC;

CREATE TRIGGER drift_results_50_breached AFTER INSERT ON mlops.drift_results
    FOR EACH ROW WHEN (NEW.breached) EXECUTE FUNCTION mlops._jobs_drift_breached();
COMMENT ON TRIGGER drift_results_50_breached ON mlops.drift_results IS 'a breached window fires its monitor''s drift retraining policies';
CREATE TRIGGER drift_results_51_breached AFTER UPDATE OF breached ON mlops.drift_results
    FOR EACH ROW WHEN (NEW.breached AND NOT OLD.breached) EXECUTE FUNCTION mlops._jobs_drift_breached();
COMMENT ON TRIGGER drift_results_51_breached ON mlops.drift_results IS 'a window that becomes breached fires its monitor''s drift retraining policies';
CREATE TRIGGER dataset_versions_50_retrain AFTER INSERT ON mlops.dataset_versions
    FOR EACH ROW EXECUTE FUNCTION mlops._jobs_dataset_version_added();
COMMENT ON TRIGGER dataset_versions_50_retrain ON mlops.dataset_versions IS 'a new dataset version fires the new_dataset_version retraining policies of the models trained on it';

-- ------------------------------------------------------------ view

CREATE VIEW mlops.job_queue AS
SELECT j.id AS job,
       m.name AS model,
       j.status,
       CASE j.reason OPERATOR(pg_catalog.->>) 'trigger'
           WHEN 'drift' THEN 'drift: ' OPERATOR(pg_catalog.||) (j.reason OPERATOR(pg_catalog.->>) 'monitor')
                OPERATOR(pg_catalog.||) ' window ' OPERATOR(pg_catalog.||) (j.reason OPERATOR(pg_catalog.->>) 'window_start')
           WHEN 'schedule' THEN 'schedule'
           WHEN 'new_dataset_version' THEN 'dataset ' OPERATOR(pg_catalog.||) (j.reason OPERATOR(pg_catalog.->>) 'dataset')
                OPERATOR(pg_catalog.||) '@' OPERATOR(pg_catalog.||) (j.reason OPERATOR(pg_catalog.->>) 'version')
           WHEN 'manual' THEN 'manual by ' OPERATOR(pg_catalog.||) (j.reason OPERATOR(pg_catalog.->>) 'by')
           ELSE j.reason OPERATOR(pg_catalog.->>) 'trigger'
       END AS why,
       j.claimed_by,
       j.claimed_at,
       j.lease_until,
       j.created_at,
       j.finished_at,
       j.run_id
  FROM mlops.jobs j
  JOIN mlops.models m ON m.id OPERATOR(pg_catalog.=) j.model_id;
COMMENT ON VIEW mlops.job_queue IS 'retraining jobs with their model and why they were queued';
COMMENT ON COLUMN mlops.job_queue.job IS 'job id (mlops.jobs.id)';
COMMENT ON COLUMN mlops.job_queue.model IS 'the model to retrain';
COMMENT ON COLUMN mlops.job_queue.status IS 'queued, claimed, running, succeeded or failed';
COMMENT ON COLUMN mlops.job_queue.why IS 'why the job was queued: drift: <monitor> window <start>, schedule, dataset <name>@<version>, manual by <role>';
COMMENT ON COLUMN mlops.job_queue.claimed_by IS 'the worker that holds the claim';
COMMENT ON COLUMN mlops.job_queue.claimed_at IS 'when the current claim was taken';
COMMENT ON COLUMN mlops.job_queue.lease_until IS 'when the claim runs out without a heartbeat';
COMMENT ON COLUMN mlops.job_queue.created_at IS 'when the job was queued';
COMMENT ON COLUMN mlops.job_queue.finished_at IS 'when the job succeeded or failed';
COMMENT ON COLUMN mlops.job_queue.run_id IS 'the run that trained the model (mlops.runs.id)';

REVOKE ALL ON mlops.retrain_policies, mlops.jobs, mlops.job_queue FROM PUBLIC;
INSERT INTO mlops.role_grants (role_name, privileges, object_kind, object_name) VALUES
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.retrain_policies'),
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.jobs'),
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.job_queue'),
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops.enqueue_retrain(text, jsonb)'),
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops.claim_job(text)'),
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops.heartbeat_job(uuid)'),
    ('mlops_writer', 'EXECUTE', 'FUNCTION', 'mlops.complete_job(uuid, text, uuid)'),
    ('mlops_admin', 'EXECUTE', 'FUNCTION', 'mlops.create_retrain_policy(text, text, text, interval, interval, text)'),
    ('mlops_admin', 'EXECUTE', 'FUNCTION', 'mlops.drop_retrain_policy(bigint)');
