-- A job's end is announced (NOTIFY proctor_done) for requests waiting on it on other nodes. A job inserted
-- already claimed by the node that accepted it (its first attempt) is finished by that node, which completes its
-- own waiting requests in process: its end is announced only when a request on another node asked for it
-- (done_notify set again), when it was claimed from the queue (any claim sets it), cancelled, or ended after its
-- lease expired (the requeue job). Each per-job NOTIFY cost a wake-up of every node's listener and of its
-- PostgreSQL backend.
ALTER TABLE jobs ADD COLUMN done_notify BOOLEAN NOT NULL DEFAULT true;

-- proctor_notify_job (V1) runs only for rows that announce something: a WHEN condition is checked without calling
-- PL/pgSQL, so an insert claimed at once and its own node's finish run no trigger function at all.
DROP TRIGGER jobs_notify ON jobs;

CREATE TRIGGER jobs_notify_insert AFTER INSERT ON jobs
    FOR EACH ROW WHEN (NEW.state = 'queued')
    EXECUTE FUNCTION proctor_notify_job();

CREATE TRIGGER jobs_notify_update AFTER UPDATE OF state ON jobs
    FOR EACH ROW WHEN (
        (NEW.state = 'queued' AND OLD.state <> 'queued')
        OR (NEW.state = 'cancelled' AND OLD.state <> 'cancelled')
        OR (NEW.state = 'done' AND OLD.state NOT IN ('done', 'cancelled')
            AND (NEW.done_notify OR OLD.lease_expires_at IS NULL OR OLD.lease_expires_at <= now())))
    EXECUTE FUNCTION proctor_notify_job();
