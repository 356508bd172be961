package dev.proctor.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.proctor.grading.JobResult;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The job and clients pages' reads. */
@ApplicationScoped
public class DashboardQueries {

    @Inject
    EntityManager em;

    @Inject
    ObjectMapper json;

    public record JobDetail(
            UUID id,
            String client,
            String profile,
            String state,
            String verdict,
            Double score,
            Instant createdAt,
            Instant startedAt,
            Instant finishedAt,
            String node,
            String error,
            String compileOutput,
            List<RunRow> runs,
            List<Feedback> feedback) {}

    /** A feedback file an interactor wrote for a test, as text for people (bytes not UTF-8 shown as U+FFFD). */
    public record Feedback(String test, String file, String text) {}

    public record RunRow(
            long id,
            String kind,
            int seq,
            String testName,
            String status,
            String verdict,
            Integer exitCode,
            String signal,
            long cpuUs,
            long userUs,
            long systemUs,
            long wallUs,
            long memoryPeakBytes,
            long oomKills,
            long pidsPeak,
            long throttledUs,
            long ioReadBytes,
            long ioWriteBytes,
            long stdoutBytes,
            long stderrBytes,
            Timeline timeline) {

        public String label() {
            return kind + (testName != null ? " " + testName : kind.equals("test") ? " #" + seq : "");
        }
    }

    public record ClientUsage(
            long id,
            String name,
            int maxConcurrentJobs,
            int running,
            int queued,
            long runs24h,
            double cpuSeconds24h,
            long memoryPeak24h,
            Long maxMemoryMb,
            Long maxCpuTimeMs,
            List<KeyRow> keys) {

        public int runningPercent() {
            return maxConcurrentJobs == 0 ? 0 : Math.min(100, running * 100 / maxConcurrentJobs);
        }
    }

    public record KeyRow(long id, String prefix, boolean admin, Instant createdAt, Instant revokedAt) {}

    @Transactional
    public Optional<JobDetail> job(UUID id) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("""
                SELECT j.id, c.name, j.profile, j.state, j.verdict, j.score,
                       (extract(epoch FROM j.created_at) * 1000)::bigint,
                       (extract(epoch FROM j.started_at) * 1000)::bigint,
                       (extract(epoch FROM j.finished_at) * 1000)::bigint,
                       COALESCE(j.lease_owner, j.result ->> 'node'), j.error, CAST(j.result AS text)
                FROM jobs j JOIN clients c ON c.id = j.client_id WHERE j.id = ?1""").setParameter(1, id).getResultList();
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        Object[] j = rows.get(0);
        JobResult result = JobResult.parse((String) j[11]);
        return Optional.of(new JobDetail(
                (UUID) j[0],
                (String) j[1],
                (String) j[2],
                (String) j[3],
                (String) j[4],
                j[5] == null ? null : ((Number) j[5]).doubleValue(),
                instant(j[6]),
                instant(j[7]),
                instant(j[8]),
                (String) j[9],
                (String) j[10],
                result == null || result.compile() == null
                        ? null
                        : text(result.compile().output()),
                runs(id),
                feedback(result)));
    }

    /** Output for people to read: bytes that are not UTF-8 are shown as U+FFFD. */
    static String text(byte[] bytes) {
        return bytes == null || bytes.length == 0 ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    private static List<Feedback> feedback(JobResult result) {
        if (result == null) {
            return List.of();
        }
        List<Feedback> out = new ArrayList<>();
        for (JobResult.TestOutcome t : result.tests()) {
            if (t.interactor() == null) {
                continue;
            }
            String stderr = text(t.interactor().stderr());
            if (stderr != null) {
                out.add(new Feedback(t.name(), "stderr", stderr));
            }
            for (JobResult.Feedback f : t.interactor().feedback()) {
                out.add(new Feedback(t.name(), f.name(), text(f.content())));
            }
        }
        return out;
    }

    private List<RunRow> runs(UUID job) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("""
                SELECT id, kind, seq, test_name, status, verdict, exit_code, signal, cpu_time_us, user_us, system_us,
                       wall_us, memory_peak_bytes, oom_kills, pids_peak, throttled_us, io_read_bytes, io_write_bytes,
                       stdout_bytes, stderr_bytes, timeline
                FROM runs WHERE job_id = ?1
                ORDER BY CASE kind WHEN 'compile' THEN 0 WHEN 'test' THEN 1 ELSE 2 END, seq, id""").setParameter(1, job).getResultList();
        return rows.stream()
                .map(r -> new RunRow(
                        n(r[0]),
                        (String) r[1],
                        (int) n(r[2]),
                        (String) r[3],
                        (String) r[4],
                        (String) r[5],
                        r[6] == null ? null : (int) n(r[6]),
                        (String) r[7],
                        n(r[8]),
                        n(r[9]),
                        n(r[10]),
                        n(r[11]),
                        n(r[12]),
                        n(r[13]),
                        n(r[14]),
                        n(r[15]),
                        n(r[16]),
                        n(r[17]),
                        n(r[18]),
                        n(r[19]),
                        Timeline.decode((byte[]) r[20])))
                .toList();
    }

    @Transactional
    public List<ClientUsage> clients() {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("""
                SELECT c.id, c.name, c.max_concurrent_jobs,
                       (SELECT count(*) FROM jobs j WHERE j.client_id = c.id AND j.state = 'running'),
                       (SELECT count(*) FROM jobs j WHERE j.client_id = c.id AND j.state = 'queued'),
                       COALESCE(u.runs, 0), COALESCE(u.cpu, 0), COALESCE(u.mem, 0), c.max_memory_mb, c.max_cpu_time_ms
                FROM clients c LEFT JOIN (
                    SELECT client_id, sum(runs) AS runs, sum(cpu_us) AS cpu, max(memory_peak_bytes) AS mem
                    FROM usage_buckets WHERE bucket_start >= now() - interval '1 day' GROUP BY client_id
                ) u ON u.client_id = c.id
                ORDER BY c.name""").getResultList();
        return rows.stream()
                .map(r -> new ClientUsage(
                        n(r[0]),
                        (String) r[1],
                        (int) n(r[2]),
                        (int) n(r[3]),
                        (int) n(r[4]),
                        n(r[5]),
                        n(r[6]) / 1e6,
                        n(r[7]),
                        r[8] == null ? null : n(r[8]),
                        r[9] == null ? null : n(r[9]),
                        keys(n(r[0]))))
                .toList();
    }

    private List<KeyRow> keys(long client) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("""
                SELECT id, prefix, admin, (extract(epoch FROM created_at) * 1000)::bigint,
                       (extract(epoch FROM revoked_at) * 1000)::bigint
                FROM api_keys WHERE client_id = ?1 ORDER BY id""").setParameter(1, client).getResultList();
        return rows.stream()
                .map(r -> new KeyRow(n(r[0]), (String) r[1], (Boolean) r[2], instant(r[3]), instant(r[4])))
                .toList();
    }

    /** The timelines of a job's runs as JSON for the charts, safe inside a script element. */
    public String timelinesJson(JobDetail job) {
        var root = json.createObjectNode();
        for (RunRow r : job.runs()) {
            JsonNode t = json.valueToTree(r.timeline());
            root.putObject(String.valueOf(r.id())).put("label", r.label()).set("timeline", t);
        }
        return root.toString().replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026");
    }

    private static long n(Object o) {
        return o == null ? 0 : ((Number) o).longValue();
    }

    private static Instant instant(Object epochMillis) {
        return epochMillis == null ? null : Instant.ofEpochMilli(((Number) epochMillis).longValue());
    }
}
