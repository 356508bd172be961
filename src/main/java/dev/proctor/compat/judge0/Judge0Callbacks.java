package dev.proctor.compat.judge0;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.proctor.compat.common.StoredJob;
import dev.proctor.jobs.Job;
import dev.proctor.jobs.JobFinished;
import dev.proctor.webhooks.AddressGuard;
import dev.proctor.webhooks.WebhookConfig;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.ObservesAsync;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Judge0's callbacks: when a submission with a callback_url finishes, an HTTP PUT of its default fields,
 * base64-encoded, tried up to three times; the target passes Proctor's webhook address guard first.
 */
@ApplicationScoped
public class Judge0Callbacks {

    private static final Logger LOG = Logger.getLogger(Judge0Callbacks.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    @Inject
    ObjectMapper json;

    @Inject
    Judge0Languages languages;

    @Inject
    WebhookConfig webhooks;

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();

    void finished(@ObservesAsync JobFinished event) {
        if (!event.mayHaveCallback(Judge0Jobs.META)) {
            return;
        }
        Object[] loaded = QuarkusTransaction.requiringNew().call(() -> {
            Job j = Job.findById(event.id());
            if (j == null) {
                return null;
            }
            StoredJob s = StoredJob.of(j, json);
            JsonNode url = s.facade(Judge0Jobs.META).get("callback_url");
            if (url == null || url.isNull()) {
                return null;
            }
            byte[] body = json.writeValueAsBytes(Judge0View.render(s, languages, Judge0View.DEFAULT_FIELDS, true));
            return new Object[] {url.asText(), body};
        });
        if (loaded != null) {
            deliver(event.id(), URI.create((String) loaded[0]), (byte[]) loaded[1], 1);
        }
    }

    private void deliver(UUID id, URI url, byte[] body, int attempt) {
        try {
            AddressGuard.check(url, webhooks.allowPrivate());
        } catch (UnknownHostException e) {
            LOG.warnf("Judge0 callback of %s refused: %s", id, e.getMessage());
            return;
        }
        HttpRequest req = HttpRequest.newBuilder(url)
                .timeout(TIMEOUT)
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        http.sendAsync(req, HttpResponse.BodyHandlers.discarding()).whenComplete((resp, err) -> {
            if (err == null && resp.statusCode() / 100 == 2) {
                return;
            }
            String why = err != null ? err.toString() : "HTTP " + resp.statusCode();
            if (attempt >= Judge0Limits.CALLBACK_TRIES) {
                LOG.warnf("Judge0 callback of %s failed after %d tries, last: %s", id, attempt, why);
                return;
            }
            CompletableFuture.delayedExecutor(webhooks.backoff().toMillis() << (attempt - 1), TimeUnit.MILLISECONDS)
                    .execute(() -> deliver(id, url, body, attempt + 1));
        });
    }
}
