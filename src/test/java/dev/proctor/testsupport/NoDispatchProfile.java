package dev.proctor.testsupport;

import java.util.Map;

/** Queue tests drive claims themselves: no sandbox, and this node does not dispatch. */
public class NoDispatchProfile extends FakeSandboxProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        // a short lease: expired leases are requeued only once PostgreSQL has been up for one lease period
        return Map.of(
                "proctor.node.dispatch",
                "false",
                "proctor.maintenance.requeue-every",
                "1h",
                "proctor.node.lease",
                "PT1S");
    }
}
