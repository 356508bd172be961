package dev.proctor.faults;

import dev.proctor.cli.bench.ServiceNode;
import dev.proctor.cli.bench.ThrowawayPostgres;
import java.time.Duration;
import java.util.Map;

/** One packaged service node on its own throwaway PostgreSQL, for one fault test. */
final class TestNode implements AutoCloseable {

    final ThrowawayPostgres postgres = new ThrowawayPostgres();
    final ServiceNode node;
    final Api api;

    private TestNode(String id, Map<String, String> config) throws Exception {
        Map<String, String> datasource = postgres.start();
        try {
            node = ServiceNode.start(id, datasource, config);
        } catch (Exception e) {
            postgres.stop();
            throw e;
        }
        api = new Api(node);
    }

    static TestNode start(String id, Map<String, String> config) throws Exception {
        return new TestNode(id, config);
    }

    /** SIGTERM first, so that the engine removes its own mounts and cgroups; SIGKILL if it hangs. */
    @Override
    public void close() throws InterruptedException {
        try {
            if (node.terminate(Duration.ofSeconds(60)) == null) {
                node.kill();
            }
        } finally {
            postgres.stop();
        }
    }
}
