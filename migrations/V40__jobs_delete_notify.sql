-- A node answers polls of a job it finished lately from memory (RunningHere, for at most 10 s after its end).
-- A finished row changes only by its deletion, so every deletion of a job finished within the last minute (a
-- facade's DELETE, an operator's, the purge under a short retention) is announced on proctor_cancel at its
-- commit: every node's queue listener then stops answering it from memory. The purge of older jobs announces
-- nothing (the WHEN condition is checked without calling PL/pgSQL).
CREATE FUNCTION proctor_notify_job_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('proctor_cancel', OLD.id::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER jobs_notify_delete AFTER DELETE ON jobs
    FOR EACH ROW WHEN (OLD.finished_at IS NOT NULL AND OLD.finished_at > now() - interval '1 minute')
    EXECUTE FUNCTION proctor_notify_job_deleted();
