-- The admin dashboard: browser sessions of admin keys, and usage rolled up into 1-minute buckets
-- so the overview never scans the raw runs. Forward only.

-- A dashboard login: the cookie carries a random id, only its SHA-256 is stored.
CREATE TABLE admin_sessions (
    id_hash    BYTEA       PRIMARY KEY CHECK (octet_length(id_hash) = 32),
    key_id     BIGINT      NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX admin_sessions_expires ON admin_sessions (expires_at);

-- Runs per (minute, client, profile, node), rewritten by the rollup job for its recent window.
CREATE TABLE usage_buckets (
    bucket_start      TIMESTAMPTZ NOT NULL CHECK (date_trunc('minute', bucket_start) = bucket_start),
    client_id         BIGINT      NOT NULL,
    profile           TEXT        NOT NULL,
    node              TEXT        NOT NULL,
    runs              BIGINT      NOT NULL,
    cpu_us            BIGINT      NOT NULL,
    wall_us           BIGINT      NOT NULL,
    memory_peak_bytes BIGINT      NOT NULL,
    -- run verdicts counted: {"accepted": 3, "time_limit_exceeded": 1}; runs without one count as "none"
    verdicts          JSONB       NOT NULL DEFAULT '{}',
    PRIMARY KEY (bucket_start, client_id, profile, node)
);

-- One row: the rollup recomputes from a few minutes before this mark, so a missed minute is caught up.
CREATE TABLE usage_rollup_state (
    id           BOOLEAN     PRIMARY KEY DEFAULT true CHECK (id),
    rolled_until TIMESTAMPTZ NOT NULL
);
INSERT INTO usage_rollup_state (id, rolled_until) VALUES (true, '-infinity');
