-- mlops 0.1.0 -> 0.2.0, webhooks (sql/mlops/55_webhooks.sql): new in 0.2.0,
-- the same objects as a fresh install, then the grants for roles that exist.

-- Webhooks (API.md -> Monitors, retraining, jobs, webhooks; src/webhooks/):
-- endpoints that receive the domain events of mlops.outbox as signed HTTP
-- POSTs. The background worker turns each outbox row into one delivery per
-- subscribed webhook (mlops.webhook_queue, in the transaction that marks the
-- row dispatched), sends due deliveries with no transaction open, and records
-- every attempt (mlops.webhook_deliveries). A delivery keeps its id on every
-- attempt; one the worker was sending when it stopped is sent again after a
-- restart with the same id (at least once).
--
-- pg_dump keeps mlops.webhooks (configuration). The queue and the attempt log
-- are delivery state of the outbox, which is not dumped either: a restored
-- copy starts with no deliveries instead of sending a production database's
-- pending events a second time from the copy.

CREATE TABLE mlops.webhooks (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text NOT NULL CONSTRAINT webhooks_name_key UNIQUE
               CONSTRAINT webhooks_name_nonempty CHECK (name OPERATOR(pg_catalog.<>) ''),
    url        text NOT NULL CONSTRAINT webhooks_url_http
               CHECK (url OPERATOR(pg_catalog.~*) '^https?://[^/?#]'),
    secret     text,
    events     text[] NOT NULL DEFAULT '{*}'
               CONSTRAINT webhooks_events_nonempty CHECK (pg_catalog.cardinality(events) OPERATOR(pg_catalog.>) 0),
    enabled    boolean NOT NULL DEFAULT true,
    created_by name NOT NULL DEFAULT SESSION_USER,
    created_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE mlops.webhooks IS 'HTTP endpoints that receive domain events as signed POSTs';
COMMENT ON COLUMN mlops.webhooks.url IS 'http or https URL the events are POSTed to (redirects are not followed)';
COMMENT ON COLUMN mlops.webhooks.secret IS 'HMAC-SHA256 key of the X-Mlops-Signature header (none when NULL); readable by admins only';
COMMENT ON COLUMN mlops.webhooks.events IS 'event kinds sent: exact (stage.changed), a family (job.*) or every event (*)';

CREATE TABLE mlops.webhook_queue (
    delivery_id     uuid PRIMARY KEY DEFAULT pg_catalog.gen_random_uuid(),
    webhook_id      bigint NOT NULL REFERENCES mlops.webhooks (id) ON DELETE CASCADE,
    outbox_id       bigint,
    event           text NOT NULL,
    payload         jsonb NOT NULL,
    occurred_at     timestamptz NOT NULL,
    status          text NOT NULL DEFAULT 'pending' CONSTRAINT webhook_queue_status
                    CHECK (status OPERATOR(pg_catalog.=) ANY (ARRAY['pending', 'in_flight', 'delivered', 'dead'])),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    delivered_at    timestamptz,
    CONSTRAINT webhook_queue_once UNIQUE (webhook_id, outbox_id)
);
COMMENT ON TABLE mlops.webhook_queue IS 'one row per delivery (an event for a webhook): pending -> in_flight -> delivered, or back to pending with a backoff, dead after mlops.webhook_max_attempts';
COMMENT ON COLUMN mlops.webhook_queue.delivery_id IS 'the X-Mlops-Delivery header: the same on every attempt and on mlops.redeliver()';
COMMENT ON COLUMN mlops.webhook_queue.outbox_id IS 'the event (mlops.outbox.id) the delivery carries';
COMMENT ON COLUMN mlops.webhook_queue.status IS 'pending (waiting for next_attempt_at), in_flight (being sent; back to pending when the worker restarts), delivered, dead';
COMMENT ON COLUMN mlops.webhook_queue.attempts IS 'attempts made since the delivery was queued (or queued again by mlops.redeliver())';
COMMENT ON COLUMN mlops.webhook_queue.next_attempt_at IS 'a pending delivery is not sent before this time (exponential backoff with jitter after a failure)';
CREATE INDEX webhook_queue_due_idx ON mlops.webhook_queue (next_attempt_at)
    WHERE status OPERATOR(pg_catalog.=) 'pending';
COMMENT ON INDEX mlops.webhook_queue_due_idx IS 'pending deliveries by when they are due: the worker takes the due ones by it';
CREATE INDEX webhook_queue_in_flight_idx ON mlops.webhook_queue (delivery_id)
    WHERE status OPERATOR(pg_catalog.=) 'in_flight';
COMMENT ON INDEX mlops.webhook_queue_in_flight_idx IS 'deliveries being sent: the worker returns them to pending when it starts';
CREATE INDEX webhook_queue_done_idx ON mlops.webhook_queue (created_at)
    WHERE status OPERATOR(pg_catalog.=) ANY (ARRAY['delivered', 'dead']);
COMMENT ON INDEX mlops.webhook_queue_done_idx IS 'finished deliveries by age: the worker deletes those older than mlops.webhook_log_retention';

CREATE TABLE mlops.webhook_deliveries (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id uuid NOT NULL,
    webhook_id  bigint NOT NULL REFERENCES mlops.webhooks (id) ON DELETE CASCADE,
    event       text NOT NULL,
    attempt     integer NOT NULL,
    status      text NOT NULL CONSTRAINT webhook_deliveries_status
                CHECK (status OPERATOR(pg_catalog.=) ANY (ARRAY['delivered', 'failed'])),
    status_code integer,
    error       text,
    at          timestamptz NOT NULL DEFAULT pg_catalog.now(),
    latency_ms  integer,
    outbox_id   bigint
);
COMMENT ON TABLE mlops.webhook_deliveries IS 'one row per HTTP attempt of a delivery (mlops.webhook_queue): its status code, error and latency; kept for mlops.webhook_log_retention';
COMMENT ON COLUMN mlops.webhook_deliveries.status IS 'delivered (a 2xx answer) or failed (any other answer, a timeout, a refused host, a network error)';
COMMENT ON COLUMN mlops.webhook_deliveries.status_code IS 'the HTTP status of the answer; NULL when none came';
COMMENT ON COLUMN mlops.webhook_deliveries.latency_ms IS 'milliseconds from the start of the request to its end';
CREATE INDEX webhook_deliveries_delivery_idx ON mlops.webhook_deliveries (delivery_id);
COMMENT ON INDEX mlops.webhook_deliveries_delivery_idx IS 'the attempts of one delivery';
CREATE INDEX webhook_deliveries_webhook_idx ON mlops.webhook_deliveries (webhook_id, id);
COMMENT ON INDEX mlops.webhook_deliveries_webhook_idx IS 'the attempts of one webhook in order (and the cascade when it is dropped)';
CREATE INDEX webhook_deliveries_at_idx ON mlops.webhook_deliveries (at);
COMMENT ON INDEX mlops.webhook_deliveries_at_idx IS 'attempts by age: the worker deletes those older than mlops.webhook_log_retention';

SELECT pg_catalog.pg_extension_config_dump('mlops.webhooks', '');
SELECT pg_catalog.pg_extension_config_dump('mlops.webhooks_id_seq', '');

-- ------------------------------------------------------------ functions
-- C (src/webhooks/admin.c): writes are fixed statements run as the extension
-- owner; nobody writes the tables directly.

CREATE FUNCTION mlops.create_webhook(name text, url text, secret text DEFAULT NULL,
                                     events text[] DEFAULT '{*}') RETURNS bigint
    AS 'MODULE_PATHNAME', 'mlops_create_webhook' LANGUAGE C;
COMMENT ON FUNCTION mlops.create_webhook(text, text, text, text[]) IS 'admins: an endpoint (http or https URL) that receives the listed event kinds (exact, family.* or *) as POSTs signed with secret; returns its id';

CREATE FUNCTION mlops.drop_webhook(name text) RETURNS void
    AS 'MODULE_PATHNAME', 'mlops_drop_webhook' LANGUAGE C;
COMMENT ON FUNCTION mlops.drop_webhook(text) IS 'admins: drop a webhook with its queued deliveries and their attempts';

CREATE FUNCTION mlops.redeliver(delivery_id uuid) RETURNS void
    AS 'MODULE_PATHNAME', 'mlops_redeliver' LANGUAGE C;
COMMENT ON FUNCTION mlops.redeliver(uuid) IS 'admins: queue a delivered or dead delivery again, same delivery id, attempts from zero';

REVOKE ALL ON FUNCTION mlops.create_webhook(text, text, text, text[]), mlops.drop_webhook(text),
    mlops.redeliver(uuid) FROM PUBLIC;

-- ------------------------------------------------------------ grants
-- Readers see every column of a webhook but its secret (a column grant);
-- role_grants learns column lists for it.
ALTER TABLE mlops.role_grants DROP CONSTRAINT role_grants_privileges_check;
ALTER TABLE mlops.role_grants ADD CONSTRAINT role_grants_privileges_check
    CHECK (privileges OPERATOR(pg_catalog.~) '^[A-Z, ]+( \([a-z_, ]+\))?$');

REVOKE ALL ON mlops.webhooks, mlops.webhook_queue, mlops.webhook_deliveries FROM PUBLIC;
INSERT INTO mlops.role_grants (role_name, privileges, object_kind, object_name) VALUES
    ('mlops_reader', 'SELECT (id, name, url, events, enabled, created_by, created_at)', 'TABLE', 'mlops.webhooks'),
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.webhook_queue'),
    ('mlops_reader', 'SELECT', 'TABLE', 'mlops.webhook_deliveries'),
    ('mlops_admin', 'SELECT', 'TABLE', 'mlops.webhooks'),
    ('mlops_admin', 'EXECUTE', 'FUNCTION', 'mlops.create_webhook(text, text, text, text[])'),
    ('mlops_admin', 'EXECUTE', 'FUNCTION', 'mlops.drop_webhook(text)'),
    ('mlops_admin', 'EXECUTE', 'FUNCTION', 'mlops.redeliver(uuid)');

SELECT mlops._apply_grants();
