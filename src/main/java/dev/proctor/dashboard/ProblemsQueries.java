package dev.proctor.dashboard;

import dev.proctor.problems.GroupGrading;
import dev.proctor.problems.PackageFile;
import dev.proctor.problems.ProblemStore;
import dev.proctor.problems.TestNode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The problems pages' reads: the stored problems, a version's groups and tests, and per test the resource use
 * of the problem's submissions (their {@code runs} rows of kind {@code test}, named by the test's path below
 * {@code data/}) against each job's time limit.
 */
@ApplicationScoped
public class ProblemsQueries {

    /** A test whose slowest run used at least this share of its job's time limit is shown as close to it. */
    public static final double CLOSE_TO_LIMIT = 0.8;

    /** Every test case of a stored manifest's tree (a literal "?" would read as a query parameter). */
    private static final String CASES = "strict $.data.** ? (@.kind == \"case\")";

    @Inject
    EntityManager em;

    @Inject
    ProblemStore store;

    public record ProblemSummary(
            UUID id, String name, String owner, int latestVersion, int tests, long bytes, long submissions) {}

    public record GroupRow(String name, String aggregation, double acceptScore, Double maxScore, int tests) {}

    public record TestRow(
            String name, long inputBytes, long answerBytes, String inputSha256, String answerSha256, TestUsage usage) {

        /** The first 12 hex digits: enough to tell files apart on a page. */
        public String inputPrefix() {
            return prefix(inputSha256);
        }

        public String answerPrefix() {
            return prefix(answerSha256);
        }

        public boolean close() {
            return usage != null && usage.close();
        }

        private static String prefix(String sha) {
            return sha == null ? "–" : sha.substring(0, Math.min(12, sha.length()));
        }
    }

    /**
     * The runs of one test over the problem's submissions: CPU time and peak memory (maximum and 90th
     * percentile), the largest share of its job's time limit a run used, how many runs used at least
     * {@link #CLOSE_TO_LIMIT} of it, the runs per verdict, and peak memory as a share of the memory limit each
     * run ran with ({@code runs.memory_limit_bytes}; null when no run recorded one): maximum, 90th percentile,
     * runs at {@link #CLOSE_TO_LIMIT} or more.
     */
    public record TestUsage(
            long runs,
            long maxCpuUs,
            long p90CpuUs,
            long maxMemoryBytes,
            long p90MemoryBytes,
            Double maxTimeShare,
            Double p90TimeShare,
            long runsCloseToLimit,
            Map<String, Long> verdicts,
            Double maxMemoryShare,
            Double p90MemoryShare,
            long runsCloseToMemoryLimit) {

        public boolean close() {
            return (maxTimeShare != null && maxTimeShare >= CLOSE_TO_LIMIT)
                    || (maxMemoryShare != null && maxMemoryShare >= CLOSE_TO_LIMIT);
        }

        /** Peak memory as a share of the run's memory limit: "87 %", or "–" when no run recorded its limit. */
        public String maxMemShare() {
            return Formats.pct(maxMemoryShare);
        }

        public String p90MemShare() {
            return Formats.pct(p90MemoryShare);
        }

        /** "93 %", or "–" when no run's job had a time limit. */
        public String maxShare() {
            return Formats.pct(maxTimeShare);
        }

        public String p90Share() {
            return Formats.pct(p90TimeShare);
        }
    }

    public record ProblemDetail(
            ProblemSummary problem,
            List<ProblemStore.VersionRow> versions,
            int version,
            String title,
            List<GroupRow> groups,
            List<TestRow> tests) {}

    @Transactional
    public List<ProblemSummary> problems() {
        return summaries(null);
    }

    @SuppressWarnings("unchecked")
    private List<ProblemSummary> summaries(UUID only) {
        // the submissions are counted through the jobs_problem index (V31), one problem at a time
        List<Object[]> rows = em.createNativeQuery("""
                SELECT p.id, p.name, c.name, COALESCE(v.version, 0),
                       COALESCE((SELECT count(*) FROM jsonb_path_query(v.manifest, CAST(?2 AS jsonpath))), 0),
                       COALESCE(v.total_bytes, 0),
                       (SELECT count(*) FROM jobs j WHERE j.request -> 'problem' ->> 'id' = p.id::text)
                FROM problems p JOIN clients c ON c.id = p.client_id
                LEFT JOIN LATERAL (SELECT version, manifest, total_bytes FROM problem_versions pv
                                   WHERE pv.problem_id = p.id ORDER BY version DESC LIMIT 1) v ON true
                WHERE CAST(?1 AS uuid) IS NULL OR p.id = CAST(?1 AS uuid)
                ORDER BY c.name, p.name""")
                .setParameter(1, only == null ? null : only.toString())
                .setParameter(2, CASES)
                .getResultList();
        return rows.stream()
                .map(r -> new ProblemSummary(
                        (UUID) r[0], (String) r[1], (String) r[2], (int) n(r[3]), (int) n(r[4]), n(r[5]), n(r[6])))
                .toList();
    }

    /** A problem with the given version (default: the latest); empty when either does not exist. */
    @Transactional
    public Optional<ProblemDetail> problem(UUID id, Integer version) {
        List<ProblemSummary> s = summaries(id);
        if (s.isEmpty() || s.get(0).latestVersion() == 0) {
            return Optional.empty();
        }
        int chosen = version == null ? s.get(0).latestVersion() : version;
        return store.version(id, chosen).map(v -> {
            TestNode.TestGroup data = v.pkg().data();
            List<GroupRow> groups = data.groups().stream()
                    .map(g -> new GroupRow(
                            g.name().isEmpty() ? "data" : "data/" + g.name(),
                            aggregation(g.grading()),
                            g.grading() == null ? 1 : g.grading().acceptScore(),
                            g.grading() == null ? null : g.grading().maxScore(),
                            g.cases().size()))
                    .toList();
            Map<String, TestUsage> usage = usage(id);
            List<TestRow> tests = data.cases().stream()
                    .map(c -> new TestRow(
                            c.name(),
                            size(c.input()),
                            size(c.answer()),
                            sha(c.input()),
                            sha(c.answer()),
                            usage.get(c.name())))
                    .toList();
            return new ProblemDetail(
                    s.get(0), store.versions(id), chosen, v.row().title(), groups, tests);
        });
    }

    /** Per test name: the runs of every job against the problem, whichever version it was graded against. */
    @SuppressWarnings("unchecked")
    Map<String, TestUsage> usage(UUID problem) {
        List<Object[]> rows = em.createNativeQuery("""
                WITH t AS (
                    SELECT r.test_name, r.cpu_time_us, r.memory_peak_bytes,
                           r.cpu_time_us / 1000.0
                               / NULLIF((j.request -> 'problem' ->> 'time_limit_ms')::numeric, 0) AS share,
                           r.memory_peak_bytes::numeric / NULLIF(r.memory_limit_bytes, 0) AS mem_share
                    FROM runs r JOIN jobs j ON j.id = r.job_id
                    WHERE r.kind = 'test' AND r.test_name IS NOT NULL
                      AND j.request -> 'problem' ->> 'id' = ?1)
                SELECT test_name, count(*), max(cpu_time_us),
                       percentile_disc(0.9) WITHIN GROUP (ORDER BY cpu_time_us),
                       max(memory_peak_bytes),
                       percentile_disc(0.9) WITHIN GROUP (ORDER BY memory_peak_bytes),
                       max(share), percentile_disc(0.9) WITHIN GROUP (ORDER BY share),
                       count(*) FILTER (WHERE share >= ?2),
                       max(mem_share), percentile_disc(0.9) WITHIN GROUP (ORDER BY mem_share),
                       count(*) FILTER (WHERE mem_share >= ?2)
                FROM t GROUP BY test_name""")
                .setParameter(1, problem.toString())
                .setParameter(2, CLOSE_TO_LIMIT)
                .getResultList();
        Map<String, Map<String, Long>> verdicts = verdicts(problem);
        Map<String, TestUsage> out = new HashMap<>();
        for (Object[] r : rows) {
            String name = (String) r[0];
            out.put(
                    name,
                    new TestUsage(
                            n(r[1]),
                            n(r[2]),
                            n(r[3]),
                            n(r[4]),
                            n(r[5]),
                            r[6] == null ? null : ((Number) r[6]).doubleValue(),
                            r[7] == null ? null : ((Number) r[7]).doubleValue(),
                            n(r[8]),
                            verdicts.getOrDefault(name, Map.of()),
                            r[9] == null ? null : ((Number) r[9]).doubleValue(),
                            r[10] == null ? null : ((Number) r[10]).doubleValue(),
                            n(r[11])));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Map<String, Long>> verdicts(UUID problem) {
        List<Object[]> rows =
                em.createNativeQuery("""
                SELECT r.test_name, COALESCE(r.verdict, r.status), count(*)
                FROM runs r JOIN jobs j ON j.id = r.job_id
                WHERE r.kind = 'test' AND r.test_name IS NOT NULL AND j.request -> 'problem' ->> 'id' = ?1
                GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2""").setParameter(1, problem.toString()).getResultList();
        Map<String, Map<String, Long>> out = new HashMap<>();
        for (Object[] r : rows) {
            out.computeIfAbsent((String) r[0], k -> new LinkedHashMap<>()).put((String) r[1], n(r[2]));
        }
        return out;
    }

    private static String aggregation(GroupGrading g) {
        return g == null || g.aggregation() == null
                ? "sum"
                : g.aggregation().name().toLowerCase(java.util.Locale.ROOT);
    }

    private static long size(PackageFile f) {
        return f == null ? 0 : f.size();
    }

    private static String sha(PackageFile f) {
        return f == null ? null : f.sha256();
    }

    private static long n(Object o) {
        return o == null ? 0 : ((Number) o).longValue();
    }
}
