package dev.proctor.jobs;

import java.util.List;

/** One page of GET /api/v1/jobs; pass {@code next_cursor} as {@code cursor} for the next page. */
public record JobPage(List<JobView> jobs, String nextCursor) {}
