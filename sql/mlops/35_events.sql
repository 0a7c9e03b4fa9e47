-- Domain events (src/events/events.c): every event is a row of mlops.outbox,
-- written by mlops_emit() as the extension owner in the transaction of its
-- cause, plus a NOTIFY at commit that carries only the row's id and kind
-- (stage.*, alias.*, transition.*, model.*, version.* on mlops_registry;
-- job.* on mlops_jobs). The background worker turns rows into webhook
-- deliveries. Readers may read the outbox; only the owner writes it. The
-- outbox is transient delivery state, so it is not dumped by pg_dump
-- (no pg_extension_config_dump).

CREATE TABLE mlops.outbox (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event         text NOT NULL CHECK (event OPERATOR(pg_catalog.~) '^[a-z_]+\.[a-z_]+$'),
    entity        text NOT NULL,
    payload       jsonb NOT NULL,
    actor         name NOT NULL,
    created_at    timestamptz NOT NULL,
    dispatched_at timestamptz
);
COMMENT ON TABLE mlops.outbox IS 'transactional outbox: one row per domain event, committed with its cause; NOTIFY carries only id and event';
COMMENT ON COLUMN mlops.outbox.id IS 'event id, in emission order; the id a NOTIFY payload names';
COMMENT ON COLUMN mlops.outbox.event IS 'event kind, family.verb (stage.changed, alias.changed, job.queued, ...)';
COMMENT ON COLUMN mlops.outbox.entity IS 'what the event is about, named as in audit_log (model:churn@3, model:churn#champion)';
COMMENT ON COLUMN mlops.outbox.payload IS 'event details as a JSON object (the webhook payload)';
COMMENT ON COLUMN mlops.outbox.actor IS 'session_user of the transaction that emitted the event';
COMMENT ON COLUMN mlops.outbox.created_at IS 'when the event was emitted (clock time inside its transaction)';
COMMENT ON COLUMN mlops.outbox.dispatched_at IS 'when the background worker turned the event into webhook deliveries; NULL while pending';

CREATE INDEX outbox_pending_idx ON mlops.outbox (id) WHERE dispatched_at IS NULL;
COMMENT ON INDEX mlops.outbox_pending_idx IS 'the events the worker has yet to dispatch, in order';

REVOKE ALL ON mlops.outbox FROM PUBLIC;

INSERT INTO mlops.role_grants (role_name, privileges, object_kind, object_name) VALUES
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.outbox');
