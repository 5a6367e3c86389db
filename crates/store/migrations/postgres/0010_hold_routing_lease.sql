-- A routing write first checks that its node still holds the workspace's lease, and locks the
-- lease until it commits, so that no other node can take the lease over meanwhile. Sent in the
-- same simple query as the write's BEGIN (see `Writer::write`), this function spares the write a
-- round trip: it fails the transaction, with its own error code, when the lease has passed on.
CREATE FUNCTION hold_routing_lease(ws TEXT, node TEXT, held_epoch BIGINT) RETURNS VOID
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM routing_leases
        WHERE workspace_id = ws AND node_id = node AND epoch = held_epoch
        FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'this node no longer routes the workspace' USING ERRCODE = 'SB001';
    END IF;
END
$$;
