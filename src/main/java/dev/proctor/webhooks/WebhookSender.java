package dev.proctor.webhooks;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.proctor.auth.Client;
import dev.proctor.core.ByteFields;
import dev.proctor.grading.JobResult;
import dev.proctor.jobs.Job;
import dev.proctor.jobs.JobFinished;
import dev.proctor.jobs.JobService;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.ObservesAsync;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jboss.logging.Logger;

/**
 * POSTs a finished job's JSON to its callback_url, signed with HMAC-SHA256 of the body under the
 * client's webhook secret ({@code X-Proctor-Signature: sha256=<hex>}); retried with exponential backoff.
 * A target never holds up the node: deliveries run on their own threads, a try ends at the response's
 * status line (the body is not read) or at the timeout, and redirects are never followed.
 */
@ApplicationScoped
public class WebhookSender {

    private static final Logger LOG = Logger.getLogger(WebhookSender.class);
    public static final String SIGNATURE_HEADER = "X-Proctor-Signature";
    private static final int DELIVERY_THREADS = 4;

    @Inject
    WebhookConfig config;

    @Inject
    JobService jobs;

    @Inject
    ObjectMapper json;

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(java.time.Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();

    /** Name resolution and the address check happen here, never on a job runner's thread. */
    private final ExecutorService deliveries = Executors.newFixedThreadPool(DELIVERY_THREADS, r -> {
        Thread t = new Thread(r, "proctor-webhooks");
        t.setDaemon(true);
        return t;
    });

    public static String sign(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 missing from the JDK", e);
        }
    }

    void onFinished(@ObservesAsync JobFinished finished) {
        if (!finished.mayHaveCallback(null)) {
            return;
        }
        try {
            jobFinished(finished.id(), finished.result().result());
        } catch (RuntimeException e) {
            // the result is stored; a webhook that cannot start is the webhook's failure, not the job's
            LOG.warnf("job %s: webhook not started: %s", finished.id(), e.getMessage());
        }
    }

    /** Starts delivery of the job's result if it asked for one; returns at once. */
    public void jobFinished(UUID id, JobResult result) {
        Object[] loaded = QuarkusTransaction.requiringNew().call(() -> {
            Job j = Job.findById(id);
            if (j == null || j.callbackUrl == null) {
                return null;
            }
            Client c = Client.findById(j.clientId);
            return new Object[] {
                j.callbackUrl, c.webhookSecret, json.writeValueAsBytes(jobs.view(j, result, true, ByteFields.Mode.AUTO))
            };
        });
        if (loaded == null) {
            return;
        }
        URI url = URI.create((String) loaded[0]);
        deliveries.execute(() -> deliver(id, url, (String) loaded[1], (byte[]) loaded[2], 1));
    }

    private void deliver(UUID id, URI url, String secret, byte[] body, int attempt) {
        try {
            AddressGuard.check(url, config.allowPrivate());
        } catch (java.net.UnknownHostException e) {
            LOG.warnf("webhook of job %s refused: %s", id, e.getMessage());
            state(id, "refused");
            return;
        }
        HttpRequest req = HttpRequest.newBuilder(url)
                .timeout(config.timeout())
                .header("Content-Type", "application/json")
                .header(SIGNATURE_HEADER, sign(secret, body))
                .header("X-Proctor-Job", id.toString())
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        // completes at the status line: a body that trickles in (or never ends) cannot hold the try open
        http.sendAsync(req, HttpResponse.BodyHandlers.ofInputStream()).whenComplete((resp, err) -> {
            if (resp != null) {
                closeQuietly(resp.body());
            }
            if (err == null && resp.statusCode() / 100 == 2) {
                state(id, "delivered");
                return;
            }
            String why = err != null
                    ? err.toString()
                    : resp.statusCode() / 100 == 3
                            ? "HTTP " + resp.statusCode() + " (redirects are not followed)"
                            : "HTTP " + resp.statusCode();
            if (attempt >= config.attempts()) {
                LOG.warnf("webhook of job %s failed after %d tries, last: %s", id, attempt, why);
                state(id, "failed");
                return;
            }
            LOG.infof("webhook of job %s, try %d failed: %s", id, attempt, why);
            long delay = config.backoff().toMillis() << (attempt - 1);
            CompletableFuture.delayedExecutor(delay, TimeUnit.MILLISECONDS, deliveries)
                    .execute(() -> deliver(id, url, secret, body, attempt + 1));
        });
    }

    private static void closeQuietly(InputStream body) {
        try {
            body.close();
        } catch (IOException ignored) {
            // closing an unread body drops the connection: nothing else to release
        }
    }

    private void state(UUID id, String state) {
        try {
            QuarkusTransaction.requiringNew().run(() -> Job.update("webhookState = ?1 where id = ?2", state, id));
        } catch (RuntimeException e) {
            LOG.warnf("webhook state of job %s not recorded: %s", id, e.getMessage());
        }
    }
}
