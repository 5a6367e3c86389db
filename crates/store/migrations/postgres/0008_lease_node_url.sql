-- The URL the lease holder is reached at by the other nodes sharing the database: a node that
-- does not route a workspace passes that workspace's routing commands on to it.
ALTER TABLE routing_leases ADD COLUMN node_url TEXT;
