-- Nodes keep the callers of recently used API keys in memory (auth.KeyCache) instead of reading the key on every
-- request. Every change that could alter what a key stands for is announced on proctor_auth, so that every node
-- drops the entries concerned at once: a key revoked, changed or deleted ('key <id>'), a client's name or quota
-- changed or the client deleted ('client <id>'), either table truncated ('all'). A new key or client needs no
-- announcement: a node never remembers that a key was unknown.
CREATE FUNCTION proctor_notify_auth() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_LEVEL = 'STATEMENT' THEN
        PERFORM pg_notify('proctor_auth', 'all');
    ELSIF TG_TABLE_NAME = 'api_keys' THEN
        PERFORM pg_notify('proctor_auth', 'key ' || OLD.id);
    ELSE
        PERFORM pg_notify('proctor_auth', 'client ' || OLD.id);
    END IF;
    RETURN NULL;
END
$$;

-- an UPDATE that changes nothing (same values written again) announces nothing
CREATE TRIGGER api_keys_notify_update AFTER UPDATE ON api_keys
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
    EXECUTE FUNCTION proctor_notify_auth();
CREATE TRIGGER api_keys_notify_delete AFTER DELETE ON api_keys
    FOR EACH ROW EXECUTE FUNCTION proctor_notify_auth();
CREATE TRIGGER api_keys_notify_truncate AFTER TRUNCATE ON api_keys
    FOR EACH STATEMENT EXECUTE FUNCTION proctor_notify_auth();

CREATE TRIGGER clients_notify_update AFTER UPDATE ON clients
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
    EXECUTE FUNCTION proctor_notify_auth();
CREATE TRIGGER clients_notify_delete AFTER DELETE ON clients
    FOR EACH ROW EXECUTE FUNCTION proctor_notify_auth();
CREATE TRIGGER clients_notify_truncate AFTER TRUNCATE ON clients
    FOR EACH STATEMENT EXECUTE FUNCTION proctor_notify_auth();
