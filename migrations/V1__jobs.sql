-- Proctor's own schema: clients and their keys, jobs, one row per sandbox run, nodes.
-- Forward only: never edit once merged; add V<n>__… instead.

CREATE TABLE clients (
    id                  BIGSERIAL PRIMARY KEY,
    name                TEXT        NOT NULL UNIQUE,
    -- quotas: NULL means "the server maximum"
    max_concurrent_jobs INTEGER     NOT NULL DEFAULT 16 CHECK (max_concurrent_jobs > 0),
    max_cpu_time_ms     BIGINT      CHECK (max_cpu_time_ms > 0),
    max_wall_time_ms    BIGINT      CHECK (max_wall_time_ms > 0),
    max_memory_mb       BIGINT      CHECK (max_memory_mb > 0),
    max_pids            INTEGER     CHECK (max_pids > 0),
    max_output_kb       BIGINT      CHECK (max_output_kb > 0),
    max_disk_mb         BIGINT      CHECK (max_disk_mb > 0),
    -- HMAC-SHA256 key of the webhooks sent for this client's jobs
    webhook_secret      TEXT        NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
    id          BIGSERIAL PRIMARY KEY,
    client_id   BIGINT      NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    -- SHA-256 of the whole key; the key itself is shown once and never stored
    key_hash    BYTEA       NOT NULL UNIQUE CHECK (octet_length(key_hash) = 32),
    -- the first characters of the key, to tell keys apart in listings
    prefix      TEXT        NOT NULL,
    admin       BOOLEAN     NOT NULL DEFAULT false,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_at  TIMESTAMPTZ
);
CREATE INDEX api_keys_client ON api_keys (client_id);

CREATE TABLE jobs (
    id               UUID PRIMARY KEY,
    client_id        BIGINT      NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    state            TEXT        NOT NULL CHECK (state IN ('queued', 'running', 'done', 'cancelled')),
    verdict          TEXT,
    score            DOUBLE PRECISION,
    profile          TEXT        NOT NULL,
    request          JSONB       NOT NULL,
    result           JSONB,
    idempotency_key  TEXT,
    attempts         INTEGER     NOT NULL DEFAULT 0,
    lease_owner      TEXT,
    lease_expires_at TIMESTAMPTZ,
    -- why the job ended in internal_error when Proctor (not the program) failed
    error            TEXT,
    callback_url     TEXT,
    webhook_state    TEXT CHECK (webhook_state IN ('pending', 'delivered', 'refused', 'failed')),
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    started_at       TIMESTAMPTZ,
    finished_at      TIMESTAMPTZ,
    -- a client retrying with the same Idempotency-Key gets the same job
    UNIQUE (client_id, idempotency_key)
);
-- the claim query: oldest queued first
CREATE INDEX jobs_queued ON jobs (created_at) WHERE state = 'queued';
-- the requeue job: expired leases
CREATE INDEX jobs_running_lease ON jobs (lease_expires_at) WHERE state = 'running';
-- listings: a client's jobs, newest first (cursor = created_at, id)
CREATE INDEX jobs_client_created ON jobs (client_id, created_at DESC, id DESC);
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;

-- One row per sandbox run of a job: the compile step, each test, each checker program.
CREATE TABLE runs (
    id                BIGSERIAL PRIMARY KEY,
    job_id            UUID        NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    kind              TEXT        NOT NULL CHECK (kind IN ('compile', 'test', 'checker')),
    -- position of the test in the request (0 for compile)
    seq               INTEGER     NOT NULL,
    test_name         TEXT,
    status            TEXT        NOT NULL,
    verdict           TEXT,
    exit_code         INTEGER,
    signal            TEXT,
    cpu_time_us       BIGINT      NOT NULL,
    user_us           BIGINT      NOT NULL,
    system_us         BIGINT      NOT NULL,
    wall_us           BIGINT      NOT NULL,
    memory_peak_bytes BIGINT      NOT NULL,
    oom_kills         BIGINT      NOT NULL,
    memory_limit_hits BIGINT      NOT NULL,
    pids_peak         BIGINT      NOT NULL,
    throttled_periods BIGINT      NOT NULL,
    throttled_us      BIGINT      NOT NULL,
    io_read_bytes     BIGINT      NOT NULL,
    io_write_bytes    BIGINT      NOT NULL,
    stdout_bytes      BIGINT      NOT NULL,
    stderr_bytes      BIGINT      NOT NULL,
    -- samples as big-endian int64 triples (offset_us, cpu_us, memory_bytes)
    timeline          BYTEA,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- a job's results are written once: a stale runner cannot add a second set
    UNIQUE (job_id, kind, seq)
);
CREATE INDEX runs_created ON runs (created_at);

CREATE TABLE nodes (
    id           TEXT PRIMARY KEY,
    hostname     TEXT        NOT NULL,
    slots        INTEGER     NOT NULL,
    running      INTEGER     NOT NULL DEFAULT 0,
    started_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    heartbeat_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    draining     BOOLEAN     NOT NULL DEFAULT false
);

-- Wake the dispatchers (LISTEN proctor_jobs) when work becomes claimable, and the node running a
-- job (LISTEN proctor_cancel) when it is cancelled, and waiting requests (LISTEN proctor_done). Notifications are sent at commit.
CREATE FUNCTION proctor_notify_job() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.state = 'queued' AND (TG_OP = 'INSERT' OR OLD.state <> 'queued') THEN
        PERFORM pg_notify('proctor_jobs', NEW.id::text);
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.state = 'cancelled' AND OLD.state = 'running' THEN
        PERFORM pg_notify('proctor_cancel', NEW.id::text);
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.state IN ('done', 'cancelled') AND OLD.state NOT IN ('done', 'cancelled') THEN
        PERFORM pg_notify('proctor_done', NEW.id::text);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER jobs_notify AFTER INSERT OR UPDATE OF state ON jobs
    FOR EACH ROW EXECUTE FUNCTION proctor_notify_job();
