-- A submission counts its client's queued and running jobs (JobRows' insert statement) and the dashboard counts
-- them per client: without this index that count walked every job the client ever had (jobs_client_created),
-- one heap visit per finished job, on every submission. Only unfinished jobs are in it, so it stays as small
-- as the queue. Forward only.
CREATE INDEX jobs_client_active ON jobs (client_id) WHERE state IN ('queued', 'running');
