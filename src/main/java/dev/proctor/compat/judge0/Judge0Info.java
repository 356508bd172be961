package dev.proctor.compat.judge0;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.proctor.auth.Caller;
import dev.proctor.jobs.Job;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** The read-only Judge0 routes that look at the whole service: listings, workers, statistics, the host. */
@ApplicationScoped
public class Judge0Info {

    /** The Judge0 CE API version this facade follows. */
    static final String VERSION = "1.13.1";

    /** Jobs that came in through this facade (their request carries metadata.judge0). */
    private static final String JUDGE0_JOBS = "request -> 'metadata' -> 'judge0' IS NOT NULL";

    @Inject
    EntityManager em;

    @Inject
    ObjectMapper json;

    record Page(List<Job> jobs, long total) {}

    /** One page of the caller's Judge0 submissions (an admin's: everyone's), newest first. */
    Page page(Caller caller, int page, int perPage) {
        return QuarkusTransaction.requiringNew().call(() -> {
            String scope = caller.admin() ? "" : " AND client_id = " + caller.clientId();
            long total = ((Number) em.createNativeQuery("SELECT count(*) FROM jobs WHERE " + JUDGE0_JOBS + scope)
                            .getSingleResult())
                    .longValue();
            @SuppressWarnings("unchecked")
            List<Object> ids = em.createNativeQuery(
                            "SELECT id FROM jobs WHERE " + JUDGE0_JOBS + scope + " ORDER BY created_at DESC, id DESC")
                    .setFirstResult((page - 1) * perPage)
                    .setMaxResults(perPage)
                    .getResultList();
            List<Job> out = new ArrayList<>();
            for (Object id : ids) {
                Job j = Job.findById(id instanceof UUID u ? u : UUID.fromString(id.toString()));
                if (j != null) {
                    out.add(j);
                }
            }
            return new Page(out, total);
        });
    }

    /** One "queue" (Proctor's single queue) with its nodes' slots as workers. */
    ArrayNode workers() {
        Object[] row = QuarkusTransaction.requiringNew()
                .call(() -> (Object[]) em.createNativeQuery("""
                SELECT (SELECT count(*) FROM jobs WHERE state = 'queued'),
                       (SELECT coalesce(sum(slots), 0) FROM nodes WHERE heartbeat_at > now() - interval '1 minute'),
                       (SELECT count(*) FROM jobs WHERE state = 'running')""").getSingleResult());
        long queued = ((Number) row[0]).longValue();
        long slots = ((Number) row[1]).longValue();
        long running = ((Number) row[2]).longValue();
        ArrayNode out = json.createArrayNode();
        out.addObject()
                .put("queue", "proctor")
                .put("size", queued)
                .put("available", slots)
                .put("idle", Math.max(0, slots - running))
                .put("working", running)
                .put("paused", 0)
                .put("failed", 0);
        return out;
    }

    /** Counts of the caller's Judge0 submissions. */
    ObjectNode statistics(Caller caller) {
        String scope = caller.admin() ? "" : " AND client_id = " + caller.clientId();
        Object[] row = QuarkusTransaction.requiringNew().call(() -> (Object[]) em.createNativeQuery(
                        "SELECT count(*), count(*) FILTER (WHERE created_at >= date_trunc('day', now())) FROM jobs WHERE "
                                + JUDGE0_JOBS + scope)
                .getSingleResult());
        ObjectNode out = json.createObjectNode();
        out.put("now", OffsetDateTime.now().toString());
        ObjectNode s = out.putObject("submissions");
        s.put("total", ((Number) row[0]).longValue());
        s.put("today", ((Number) row[1]).longValue());
        return out;
    }

    /** The host, as lscpu and free would describe it. */
    ObjectNode system() {
        ObjectNode out = json.createObjectNode();
        out.put("Architecture", System.getProperty("os.arch"));
        out.put("CPU(s)", Runtime.getRuntime().availableProcessors());
        out.put("Model name", cpuInfo("model name"));
        out.put("Mem", memInfo("MemTotal"));
        out.put("Kernel", System.getProperty("os.version"));
        return out;
    }

    private static String cpuInfo(String key) {
        return firstValue(Path.of("/proc/cpuinfo"), key);
    }

    private static String memInfo(String key) {
        return firstValue(Path.of("/proc/meminfo"), key);
    }

    private static String firstValue(Path file, String key) {
        try {
            for (String line : Files.readAllLines(file)) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).strip().equals(key)) {
                    return line.substring(colon + 1).strip();
                }
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }
}
