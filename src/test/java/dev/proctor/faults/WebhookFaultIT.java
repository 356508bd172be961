package dev.proctor.faults;

import static dev.proctor.testsupport.KernelAssumptions.requireKernel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Webhook targets that hang, trickle, answer late or redirect (a loopback server of the test's own;
 * loopback allowed by config): job runners are never held by them, every try ends by itself, and
 * redirects are not followed.
 */
class WebhookFaultIT {

    private static final Duration JOB_TIMEOUT = Duration.ofSeconds(120);
    /** A try's timeout, far longer than the plain jobs take (they must finish while tries hang); one try. */
    private static final Map<String, String> NODE = Map.of(
            "proctor.node.slots",
            "2",
            "proctor.webhooks.allow-private",
            "true",
            "proctor.webhooks.timeout",
            "PT60S",
            "proctor.webhooks.attempts",
            "1");

    private static final int PLAIN_JOBS = 10;

    private TestNode rig;
    private WebhookTarget target;

    @BeforeEach
    void start() throws Exception {
        requireKernel("root".equals(System.getProperty("user.name")), "the sandbox needs root");
        target = new WebhookTarget();
        rig = TestNode.start("webhook-fault", NODE);
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (rig != null) {
                rig.close();
            }
        } finally {
            if (target != null) {
                target.close();
            }
        }
    }

    @Test
    void misbehavingTargetsNeverHoldUpJobsAndEveryTryEnds() throws Exception {
        double baseline = plainJobs();
        Map<String, List<String>> jobs = new java.util.LinkedHashMap<>();
        for (String path : List.of("/hang", "/trickle", "/slow", "/redirect", "/redirect-internal")) {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                Map<String, Object> job = Api.hello();
                job.put("callback_url", target.url(path));
                ids.add(rig.api.submit(job));
            }
            jobs.put(path, ids);
        }
        // four tries hang on the target: more than the node's two slots
        Poll.until(
                JOB_TIMEOUT,
                "hanging and slow tries under way",
                () -> target.exchanges("/hang").size() == 2
                        && target.exchanges("/slow").size() == 2);

        double during = plainJobs();
        assertTrue(
                target.exchanges("/hang").stream().noneMatch(x -> x.clientClosed),
                "the plain jobs finished while the hanging tries were still open");
        assertEquals(2, target.exchanges("/slow").size(), "the slow tries were still waiting");

        target.releaseSlow();
        awaitWebhookState(jobs.get("/slow"), "delivered", Duration.ofSeconds(60));
        // 200 with a body that never ends: the status line decides, the body is not waited for
        awaitWebhookState(jobs.get("/trickle"), "delivered", Duration.ofSeconds(60));
        Poll.until(
                Duration.ofSeconds(30),
                "trickling connections closed by the node",
                () -> target.exchanges("/trickle").stream().allMatch(x -> x.clientClosed));
        awaitWebhookState(jobs.get("/redirect"), "failed", Duration.ofSeconds(60));
        awaitWebhookState(jobs.get("/redirect-internal"), "failed", Duration.ofSeconds(60));
        assertEquals(0, target.exchanges("/landing").size(), "redirects are not followed");

        long t0 = System.nanoTime();
        // ended by the timeout
        awaitWebhookState(jobs.get("/hang"), "failed", Duration.ofSeconds(300));
        assertEquals(2, target.exchanges("/hang").size(), "one try each");
        Poll.until(
                Duration.ofSeconds(30),
                "every hanging try closed by the node",
                () -> target.exchanges("/hang").stream().allMatch(x -> x.clientClosed));
        System.out.printf(
                "fault figures: webhooks: %d plain jobs took %.1f s alone and %.1f s beside hanging "
                        + "webhooks; hanging tries ended %.1f s after the rest%n",
                PLAIN_JOBS, baseline, during, Poll.seconds(t0));
    }

    /** Runs the plain jobs (no webhook) to the end; returns how long they took. */
    private double plainJobs() throws Exception {
        long t0 = System.nanoTime();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < PLAIN_JOBS; i++) {
            ids.add(rig.api.submit(Api.hello()));
        }
        for (String id : ids) {
            assertEquals(
                    "accepted",
                    rig.api.awaitFinished(id, JOB_TIMEOUT).path("verdict").asText(),
                    id);
        }
        return Poll.seconds(t0);
    }

    private void awaitWebhookState(List<String> ids, String state, Duration timeout) throws Exception {
        for (String id : ids) {
            Poll.until(
                    timeout, "webhook of job " + id + " " + state, () -> state.equals(rig.column(id, "webhook_state")));
        }
    }
}
