-- The memory limit each run ran with, written by the grader for every run (NULL for runs stored before this
-- migration and for runs that never started), so the dashboard can show peak memory as a share of it.
-- Forward only.
ALTER TABLE runs ADD COLUMN memory_limit_bytes BIGINT CHECK (memory_limit_bytes > 0);
