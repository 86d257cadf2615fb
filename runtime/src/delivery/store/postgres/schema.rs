//! The tables and their migrations, run under an advisory lock.

/// The migrations, in order; `hookspec_migrations` records which ran. Never edit
/// one that shipped: add the next.
pub(super) const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE hookspec_deliveries (
    id                  TEXT PRIMARY KEY,
    callback            TEXT NOT NULL,
    method              TEXT NOT NULL,
    url                 TEXT NOT NULL,
    content_type        TEXT,
    body                BYTEA NOT NULL,
    created_at          BIGINT NOT NULL,
    state               TEXT NOT NULL,
    reason              TEXT,
    attempts            INTEGER NOT NULL DEFAULT 0,
    round_started_at    BIGINT NOT NULL,
    round_first_attempt INTEGER NOT NULL DEFAULT 0,
    next_attempt_at     BIGINT NOT NULL,
    lease_token         TEXT,
    lease_until         BIGINT
);
CREATE INDEX hookspec_deliveries_due
    ON hookspec_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX hookspec_deliveries_state ON hookspec_deliveries (state, created_at);
CREATE TABLE hookspec_attempts (
    delivery_id TEXT NOT NULL REFERENCES hookspec_deliveries (id) ON DELETE CASCADE,
    number      INTEGER NOT NULL,
    started_at  BIGINT NOT NULL,
    duration_us BIGINT NOT NULL,
    status      INTEGER,
    error       TEXT,
    PRIMARY KEY (delivery_id, number)
);
"#,
    // 2: the key a handler named to sign the delivery with (its owner, since
    // the next migration renamed the column).
    "ALTER TABLE hookspec_deliveries ADD COLUMN signing_key TEXT;",
    // 3: every insert (an `enqueue`, a transactional `enqueue_in` at commit,
    // any writer) wakes the instances listening, without a round trip more.
    r#"
CREATE FUNCTION hookspec_notify_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('hookspec_deliveries', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER hookspec_deliveries_inserted
    AFTER INSERT ON hookspec_deliveries
    FOR EACH STATEMENT EXECUTE FUNCTION hookspec_notify_inserted();
"#,
    // 4: only an insert another instance could claim is announced. A delivery
    // written leased is its writer's to attempt (at once, or from its backlog):
    // announcing it woke every instance, the writer included, to claim nothing.
    r#"
CREATE OR REPLACE FUNCTION hookspec_notify_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM inserted WHERE lease_token IS NULL) THEN
        PERFORM pg_notify('hookspec_deliveries', '');
    END IF;
    RETURN NULL;
END
$$;
DROP TRIGGER hookspec_deliveries_inserted ON hookspec_deliveries;
CREATE TRIGGER hookspec_deliveries_inserted
    AFTER INSERT ON hookspec_deliveries
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION hookspec_notify_inserted();
"#,
    // 5: owners: the column that named a signing key names the API user a
    // delivery is sent for, and the secrets hookspec manages for owners and
    // endpoints ("holders"), sealed, numbered per holder, newest highest.
    r#"
ALTER TABLE hookspec_deliveries RENAME COLUMN signing_key TO owner;
CREATE TABLE hookspec_secrets (
    holder     TEXT NOT NULL,
    generation INTEGER NOT NULL,
    sealed     BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    PRIMARY KEY (holder, generation)
);
"#,
    // 6: subscriptions: the endpoints API users register (event types as a
    // JSON array, empty for every one; metadata as a JSON object), the
    // endpoint each fanned-out delivery goes to, and the idempotency keys of
    // publications.
    r#"
ALTER TABLE hookspec_deliveries ADD COLUMN endpoint TEXT;
CREATE TABLE hookspec_endpoints (
    id              TEXT PRIMARY KEY,
    owner           TEXT NOT NULL,
    url             TEXT NOT NULL,
    event_types     TEXT NOT NULL,
    description     TEXT NOT NULL,
    metadata        TEXT NOT NULL,
    disabled_reason TEXT,
    disabled_at     BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX hookspec_endpoints_owner ON hookspec_endpoints (owner, id);
CREATE TABLE hookspec_publications (
    owner           TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    message         TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (owner, idempotency_key)
);
"#,
    // 7: since when an endpoint's deliveries have failed, unbroken by a
    // success: past `disable_endpoints_failing_for`, it is disabled.
    "ALTER TABLE hookspec_endpoints ADD COLUMN failing_since BIGINT;",
    // 8: the delivery log: an owner's deliveries, newest first.
    "CREATE INDEX hookspec_deliveries_log ON hookspec_deliveries (owner, created_at, id);",
];
/// Serialises migrations across instances starting at once (an arbitrary key,
/// "hookspec" in ASCII).
pub(super) const MIGRATION_LOCK: i64 = 0x686f_6f6b_7370_6563;
