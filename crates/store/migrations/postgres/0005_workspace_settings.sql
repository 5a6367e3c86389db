-- A workspace's routing settings. `enforce_schedules`: agents are offered work only inside their
-- weekly schedule and not on their holidays (1) or whenever they are available (0).
ALTER TABLE workspaces ADD COLUMN enforce_schedules INTEGER NOT NULL DEFAULT 0;
