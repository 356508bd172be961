-- A package that writes no time limit gets one derived at upload from its accepted submissions (graded in the
-- sandbox): the slowest one's CPU time × ac_to_time_limit, rounded up to time_resolution. NULL when the package
-- writes its own limit or nothing could derive one (then the configured default applies). Forward only.
ALTER TABLE problem_versions
    ADD COLUMN derived_time_limit_ms BIGINT CHECK (derived_time_limit_ms > 0),
    ADD COLUMN slowest_accepted_ms   BIGINT CHECK (slowest_accepted_ms >= 0);
