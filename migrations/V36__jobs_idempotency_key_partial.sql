-- Most jobs carry no Idempotency-Key: the unique index on (client_id, idempotency_key) held an entry for every
-- job all the same, written at its insert and again at every update that is not HOT (a job's claim and its end
-- change indexed columns). Only keys that exist need to be unique.
CREATE UNIQUE INDEX jobs_client_idempotency_key ON jobs (client_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

ALTER TABLE jobs DROP CONSTRAINT jobs_client_id_idempotency_key_key;
