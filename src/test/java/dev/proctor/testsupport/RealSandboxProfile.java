package dev.proctor.testsupport;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.List;
import java.util.Map;

/** End-to-end tests: the real engine on a fresh state directory, webhooks to loopback allowed. */
public class RealSandboxProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("proctor.webhooks.allow-private", "true", "proctor.webhooks.backoff", "PT0.2S");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(SandboxStateResource.class));
    }
}
