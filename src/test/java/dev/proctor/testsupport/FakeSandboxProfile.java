package dev.proctor.testsupport;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Set;

/** HTTP-level tests: no sandbox, no kernel requirements. */
public class FakeSandboxProfile implements QuarkusTestProfile {

    @Override
    public Set<Class<?>> getEnabledAlternatives() {
        return Set.of(FakeSandboxEngine.class);
    }
}
