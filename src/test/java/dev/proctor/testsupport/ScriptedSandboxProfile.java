package dev.proctor.testsupport;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;
import java.util.Set;

/** HTTP-level tests of job results: runs are scripted by {@link ScriptedSandboxEngine}, no kernel needed. */
public class ScriptedSandboxProfile implements QuarkusTestProfile {

    @Override
    public Set<Class<?>> getEnabledAlternatives() {
        return Set.of(ScriptedSandboxEngine.class);
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("proctor.judge0.root", "true", "proctor.webhooks.allow-private", "true");
    }
}
