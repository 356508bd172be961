-- A job's client was a foreign key (V1): every insert of a job checked it with SELECT … FOR KEY SHARE on the client's
-- row, a row lock written into that row. Jobs of one client submitted at the same time lock the same row together,
-- so PostgreSQL made a new MultiXact (a shared lock of several transactions) for nearly every submission, and the
-- next API key check of that client, which reads the row, had to look the MultiXact up. The client of a job is the
-- caller whose key the same request has just checked, and Proctor never deletes clients; deleting one by hand still
-- deletes its jobs (and their runs), as the foreign key's ON DELETE CASCADE did. Forward only.
ALTER TABLE jobs DROP CONSTRAINT jobs_client_id_fkey;

CREATE FUNCTION proctor_delete_client_jobs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM jobs WHERE client_id = OLD.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER clients_delete_jobs AFTER DELETE ON clients
    FOR EACH ROW EXECUTE FUNCTION proctor_delete_client_jobs();
