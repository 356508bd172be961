package dev.proctor.dashboard;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;

/**
 * The dashboard's reads. Usage series come from {@code usage_buckets} only; the job figures from
 * {@code jobs} rows finished in the window (by the {@code jobs_finished} index), top jobs from the
 * window's runs.
 */
@ApplicationScoped
public class UsageQueries {

    private static final int TOP = 10;

    @Inject
    EntityManager em;

    @Transactional
    public UsageReport usage(UsageWindow w) {
        String group = switch (w.groupBy()) {
            case CLIENT -> "COALESCE(c.name, 'client ' || ub.client_id)";
            case PROFILE -> "ub.profile";
            case NODE -> "ub.node";
        };
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("""
                SELECT (extract(epoch FROM date_bin(make_interval(secs => ?3), ub.bucket_start, ?1)) * 1000)::bigint,
                       %s, sum(ub.runs), sum(ub.cpu_us), sum(ub.wall_us), max(ub.memory_peak_bytes)
                FROM usage_buckets ub LEFT JOIN clients c ON c.id = ub.client_id
                WHERE ub.bucket_start >= ?1 AND ub.bucket_start < ?2
                GROUP BY 1, 2 ORDER BY 1, 2""".formatted(group))
                .setParameter(1, odt(w.from()))
                .setParameter(2, odt(w.to()))
                .setParameter(3, (double) w.bucketSeconds())
                .getResultList();
        List<UsageReport.Point> points = new ArrayList<>(rows.size());
        TreeSet<String> groups = new TreeSet<>();
        for (Object[] r : rows) {
            String g = (String) r[1];
            groups.add(g);
            points.add(new UsageReport.Point(
                    Instant.ofEpochMilli(num(r[0])), g, num(r[2]), num(r[3]) / 1e6, num(r[4]) / 1e6, num(r[5])));
        }
        return new UsageReport(w.from(), w.to(), w.bucketSeconds(), w.groupBy().wire(), List.copyOf(groups), points);
    }

    @Transactional
    public Overview overview(UsageWindow w) {
        Object[] queue = (Object[]) em.createNativeQuery("""
                SELECT (SELECT count(*) FROM jobs WHERE state = 'queued'),
                       (SELECT count(*) FROM jobs WHERE state = 'running')""").getSingleResult();
        Object[] times = (Object[]) em.createNativeQuery("""
                SELECT count(*),
                    percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM started_at - created_at)),
                    percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM started_at - created_at)),
                    percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - started_at)),
                    percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - started_at))
                FROM jobs WHERE finished_at >= ?1 AND finished_at < ?2 AND started_at IS NOT NULL""")
                .setParameter(1, odt(w.from()))
                .setParameter(2, odt(w.to()))
                .getSingleResult();
        long finished = num(times[0]);
        List<List<Overview.TopJob>> tops = tops(w);
        return new Overview(
                Instant.now(),
                w.range(),
                num(queue[0]),
                num(queue[1]),
                finished / w.minutes(),
                finished,
                verdicts(w),
                new Overview.Percentiles(millis(times[1]), millis(times[2])),
                new Overview.Percentiles(millis(times[3]), millis(times[4])),
                nodes(),
                tops.get(0),
                tops.get(1),
                usage(w));
    }

    private Map<String, Long> verdicts(UsageWindow w) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("""
                SELECT COALESCE(verdict, state), count(*) FROM jobs
                WHERE finished_at >= ?1 AND finished_at < ?2 GROUP BY 1 ORDER BY 2 DESC, 1""")
                .setParameter(1, odt(w.from()))
                .setParameter(2, odt(w.to()))
                .getResultList();
        Map<String, Long> m = new LinkedHashMap<>();
        rows.forEach(r -> m.put((String) r[0], num(r[1])));
        return m;
    }

    private List<Overview.NodeRow> nodes() {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("""
                SELECT id, hostname, slots, running, (extract(epoch FROM heartbeat_at) * 1000)::bigint, draining,
                       extract(epoch FROM now() - heartbeat_at)::bigint
                FROM nodes ORDER BY id""").getResultList();
        return rows.stream()
                .map(r -> new Overview.NodeRow(
                        (String) r[0],
                        (String) r[1],
                        (int) num(r[2]),
                        (int) num(r[3]),
                        Instant.ofEpochMilli(num(r[4])),
                        (Boolean) r[5],
                        num(r[6])))
                .toList();
    }

    /**
     * The window's jobs with the most CPU (sum over runs) and with the highest memory peak (max over
     * runs): one pass over the window's runs for both lists.
     */
    private List<List<Overview.TopJob>> tops(UsageWindow w) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("""
                WITH per_job AS MATERIALIZED (
                    SELECT job_id, sum(cpu_time_us) AS cpu, max(memory_peak_bytes) AS mem FROM runs
                    WHERE created_at >= ?1 AND created_at < ?2 GROUP BY job_id),
                top AS (
                    (SELECT 'cpu' AS k, * FROM per_job ORDER BY cpu DESC, job_id LIMIT %1$d)
                    UNION ALL
                    (SELECT 'mem' AS k, * FROM per_job ORDER BY mem DESC, job_id LIMIT %1$d))
                SELECT t.k, t.job_id, c.name, j.profile, j.verdict, t.cpu, t.mem
                FROM top t JOIN jobs j ON j.id = t.job_id JOIN clients c ON c.id = j.client_id
                ORDER BY t.k, CASE WHEN t.k = 'cpu' THEN t.cpu ELSE t.mem END DESC, t.job_id""".formatted(TOP))
                .setParameter(1, odt(w.from()))
                .setParameter(2, odt(w.to()))
                .getResultList();
        List<Overview.TopJob> cpu = new ArrayList<>();
        List<Overview.TopJob> mem = new ArrayList<>();
        for (Object[] r : rows) {
            Overview.TopJob t = new Overview.TopJob(
                    (UUID) r[1], (String) r[2], (String) r[3], (String) r[4], num(r[5]) / 1e6, num(r[6]));
            ("cpu".equals(r[0]) ? cpu : mem).add(t);
        }
        return List.of(cpu, mem);
    }

    static OffsetDateTime odt(Instant i) {
        return OffsetDateTime.ofInstant(i, ZoneOffset.UTC);
    }

    static long num(Object o) {
        return o == null ? 0 : ((Number) o).longValue();
    }

    private static Long millis(Object seconds) {
        return seconds == null ? null : Math.round(((Number) seconds).doubleValue() * 1000);
    }
}
