package dev.proctor.api;

import static dev.proctor.api.ApiTestSupport.newClientKey;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.testsupport.FakeSandboxProfile;
import dev.proctor.testsupport.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A JSON body is the same request however it arrives: read ahead on the event loop (a Content-Length up to
 * {@link BodyLimits#READ_AHEAD_MAX} over HTTP/1.1) or streamed to the worker (chunked, larger, after a
 * 100-continue, or over HTTP/2); a
 * malformed one is a 400 naming the body either way.
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@TestProfile(FakeSandboxProfile.class)
class BodyReadAheadTest {

    private static final String JOB =
            "{\"profile\":\"python3\",\"files\":[{\"path\":\"main.py\",\"content\":\"print('hi')\"}]%s}";

    @TestHTTPResource("/api/v1/jobs")
    URI jobs;

    private final HttpClient http =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private final HttpClient http2 =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();

    @Test
    void aJobIsAcceptedReadAheadStreamedChunkedOrAfterContinue() throws Exception {
        String key = newClientKey();
        byte[] small = String.format(JOB, "").getBytes(StandardCharsets.UTF_8);
        // JSON allows whitespace between tokens: a body over the read-ahead size, streamed
        byte[] large = String.format(JOB, " ".repeat((int) BodyLimits.READ_AHEAD_MAX + 1))
                .getBytes(StandardCharsets.UTF_8);
        assertTrue(large.length > BodyLimits.READ_AHEAD_MAX);
        for (HttpRequest request : new HttpRequest[] {
            post(key, HttpRequest.BodyPublishers.ofByteArray(small), false),
            post(key, HttpRequest.BodyPublishers.ofByteArray(large), false),
            post(key, HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(small)), false),
            post(key, HttpRequest.BodyPublishers.ofByteArray(small), true)
        }) {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            assertEquals(202, r.statusCode(), r.body());
            // and over HTTP/2 (an h2c upgrade), which streams it
            r = http2.send(request, HttpResponse.BodyHandlers.ofString());
            assertEquals(202, r.statusCode(), r.body());
            assertTrue(
                    r.body().contains("\"state\":\"queued\"") || r.body().contains("\"state\":\"running\""), r.body());
        }
    }

    @Test
    void aMalformedBodyIsA400NamingTheBodyReadAheadOrStreamed() throws Exception {
        String key = newClientKey();
        byte[] malformed = "{\"profile\": ".getBytes(StandardCharsets.UTF_8);
        for (HttpRequest request : new HttpRequest[] {
            post(key, HttpRequest.BodyPublishers.ofByteArray(malformed), false),
            post(key, HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(malformed)), false)
        }) {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            assertEquals(400, r.statusCode(), r.body());
            assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith(Problem.MEDIA_TYPE));
            assertTrue(r.body().contains("\"field\":\"body\""), r.body());
        }
    }

    private HttpRequest post(String key, HttpRequest.BodyPublisher body, boolean expectContinue) {
        return HttpRequest.newBuilder(jobs)
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .expectContinue(expectContinue)
                .POST(body)
                .build();
    }
}
