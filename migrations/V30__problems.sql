-- Problems: uploaded problem packages, each upload an immutable version, and their files stored once by
-- content (SHA-256), in 1 MiB chunks so that no file is ever read or written whole. Forward only.

-- A file's bytes, once for the whole cluster, whichever problems and versions hold it.
CREATE TABLE blobs (
    digest      BYTEA       PRIMARY KEY CHECK (octet_length(digest) = 32),
    size        BIGINT      NOT NULL CHECK (size >= 0),
    chunks      INTEGER     NOT NULL CHECK (chunks >= 0),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE blob_chunks (
    digest BYTEA   NOT NULL REFERENCES blobs (digest) ON DELETE CASCADE,
    seq    INTEGER NOT NULL CHECK (seq >= 0),
    data   BYTEA   NOT NULL,
    PRIMARY KEY (digest, seq)
);
-- test data is mostly incompressible or large: skip pglz (slow) and store the chunks out of line as they are
ALTER TABLE blob_chunks ALTER COLUMN data SET STORAGE EXTERNAL;

-- A problem of one client, named by it; its versions hold the content.
CREATE TABLE problems (
    id         UUID        PRIMARY KEY,
    client_id  BIGINT      NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    name       TEXT        NOT NULL CHECK (name ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (client_id, name)
);

CREATE TABLE problem_versions (
    problem_id     UUID        NOT NULL REFERENCES problems (id) ON DELETE CASCADE,
    version        INTEGER     NOT NULL CHECK (version > 0),
    -- SHA-256 over the sorted (path, size, file digest) list: the same files are the same version
    content_digest BYTEA       NOT NULL CHECK (octet_length(content_digest) = 32),
    title          TEXT        NOT NULL,
    -- the package as read: format, types, validation, limits, the groups and tests with their files
    manifest       JSONB       NOT NULL,
    total_bytes    BIGINT      NOT NULL CHECK (total_bytes >= 0),
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (problem_id, version),
    UNIQUE (problem_id, content_digest)
);

CREATE TABLE problem_files (
    problem_id UUID    NOT NULL,
    version    INTEGER NOT NULL,
    path       TEXT    NOT NULL,
    digest     BYTEA   NOT NULL REFERENCES blobs (digest),
    size       BIGINT  NOT NULL CHECK (size >= 0),
    PRIMARY KEY (problem_id, version, path),
    FOREIGN KEY (problem_id, version) REFERENCES problem_versions (problem_id, version) ON DELETE CASCADE
);
CREATE INDEX problem_files_digest ON problem_files (digest);

-- Problems an admin made visible to another client (read and submit; never delete).
CREATE TABLE problem_shares (
    problem_id UUID   NOT NULL REFERENCES problems (id) ON DELETE CASCADE,
    client_id  BIGINT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    PRIMARY KEY (problem_id, client_id)
);
CREATE INDEX problem_shares_client ON problem_shares (client_id);
