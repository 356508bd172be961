-- Nobody filters or joins on a job's request or result or on a run's timeline: they are payload, read back by id.
-- ANALYZE (autovacuum's, every few thousand changed rows of a busy jobs table) still built a histogram and most
-- common values for each, sorting a sample of up to 30,000 jsonb documents with compareJsonbContainers: most of
-- the CPU an ANALYZE of jobs took. With no statistics target they are skipped (only their null fraction and
-- width are kept). The expression index jobs_problem (request -> 'problem' ->> 'id', V31) keeps its own
-- statistics: the planner's estimates for the problems pages come from it, not from the column. Forward only.
ALTER TABLE jobs ALTER COLUMN request SET STATISTICS 0, ALTER COLUMN result SET STATISTICS 0;
ALTER TABLE runs ALTER COLUMN timeline SET STATISTICS 0;
