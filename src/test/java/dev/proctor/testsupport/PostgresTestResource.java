package dev.proctor.testsupport;

import dev.proctor.bench.ThrowawayPostgres;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/** The throwaway PostgreSQL of {@link ThrowawayPostgres} as a Quarkus test resource. */
public class PostgresTestResource implements QuarkusTestResourceLifecycleManager {

    private final ThrowawayPostgres postgres = new ThrowawayPostgres();

    @Override
    public Map<String, String> start() {
        return postgres.start();
    }

    @Override
    public void stop() {
        postgres.stop();
    }
}
