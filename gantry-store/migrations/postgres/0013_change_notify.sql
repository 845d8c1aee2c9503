-- Every committed write tells the other processes sharing this database (several Gantry
-- servers) that the change feed moved, so their indexes catch up at once instead of at
-- their next poll. Notifications are sent at commit, one per transaction.
CREATE FUNCTION gantry_notify_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('gantry_changes', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER change_counter_notify
    AFTER UPDATE ON change_counter
    FOR EACH STATEMENT EXECUTE FUNCTION gantry_notify_changes();
