package dev.proctor.testsupport;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Map;

/** End-to-end tests: the real engine on a fresh state directory, webhooks to loopback allowed. */
public class RealSandboxProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        try {
            return Map.of("proctor.sandbox.state-dir", Files.createTempDirectory("proctor-e2e").toString(),
                    "proctor.webhooks.allow-private", "true",
                    "proctor.webhooks.backoff", "PT0.2S");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
