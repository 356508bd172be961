package dev.proctor.webhooks;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.proctor.auth.Client;
import dev.proctor.jobs.Job;
import dev.proctor.jobs.JobService;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jboss.logging.Logger;

/**
 * POSTs a finished job's JSON to its callback_url, signed with HMAC-SHA256 of the body under the
 * client's webhook secret ({@code X-Proctor-Signature: sha256=<hex>}); retried with exponential backoff.
 */
@ApplicationScoped
public class WebhookSender {

    private static final Logger LOG = Logger.getLogger(WebhookSender.class);
    public static final String SIGNATURE_HEADER = "X-Proctor-Signature";

    @Inject
    WebhookConfig config;

    @Inject
    JobService jobs;

    @Inject
    ObjectMapper json;

    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    public static String sign(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 missing from the JDK", e);
        }
    }

    /** Starts delivery of the job's result if it asked for one; returns at once. */
    public void jobFinished(UUID id) {
        Object[] loaded = QuarkusTransaction.requiringNew().call(() -> {
            Job j = Job.findById(id);
            if (j == null || j.callbackUrl == null) {
                return null;
            }
            Client c = Client.findById(j.clientId);
            return new Object[] {j.callbackUrl, c.webhookSecret, json.writeValueAsBytes(jobs.view(j, true))};
        });
        if (loaded == null) {
            return;
        }
        deliver(id, URI.create((String) loaded[0]), (String) loaded[1], (byte[]) loaded[2], 1);
    }

    private void deliver(UUID id, URI url, String secret, byte[] body, int attempt) {
        try {
            AddressGuard.check(url, config.allowPrivate());
        } catch (java.net.UnknownHostException e) {
            LOG.warnf("webhook of job %s refused: %s", id, e.getMessage());
            state(id, "refused");
            return;
        }
        HttpRequest req = HttpRequest.newBuilder(url).timeout(config.timeout())
                .header("Content-Type", "application/json")
                .header(SIGNATURE_HEADER, sign(secret, body))
                .header("X-Proctor-Job", id.toString())
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        http.sendAsync(req, HttpResponse.BodyHandlers.discarding()).whenComplete((resp, err) -> {
            if (err == null && resp.statusCode() / 100 == 2) {
                state(id, "delivered");
                return;
            }
            if (attempt >= config.attempts()) {
                LOG.warnf("webhook of job %s failed after %d tries", id, attempt);
                state(id, "failed");
                return;
            }
            long delay = config.backoff().toMillis() << (attempt - 1);
            CompletableFuture.delayedExecutor(delay, TimeUnit.MILLISECONDS)
                    .execute(() -> deliver(id, url, secret, body, attempt + 1));
        });
    }

    private void state(UUID id, String state) {
        try {
            QuarkusTransaction.requiringNew().run(() -> Job.update("webhookState = ?1 where id = ?2", state, id));
        } catch (RuntimeException e) {
            LOG.warnf("webhook state of job %s not recorded: %s", id, e.getMessage());
        }
    }
}
