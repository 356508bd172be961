-- A submission's count of its client's queued and running jobs (JobRows' insert statement) is bounded by the
-- client's max_concurrent_jobs and walks this index in created_at order (LIMIT, ORDER BY created_at): a plan
-- only an index (only) scan serves. With jobs_client_active on client_id alone the generic plan could be a
-- bitmap scan (whenever the statistics were taken while the client had many jobs queued), and a bitmap scan
-- never marks the entries of finished jobs dead: each count visited the heap for every job the client finished
-- since the last vacuum (600 buffers per count after 3 000 jobs). An index scan marks them at its first visit
-- and skips them after. Same rows as V34's index (only unfinished jobs), ordered by their creation within a
-- client. Forward only.
DROP INDEX jobs_client_active;
CREATE INDEX jobs_client_active ON jobs (client_id, created_at) WHERE state IN ('queued', 'running');
