package dev.proctor.jobs.queue;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** This node's part in the queue. */
@ConfigMapping(prefix = "proctor.node")
public interface NodeConfig {

    /** Whether this node claims and runs jobs (false: API only). */
    @WithDefault("true")
    boolean dispatch();

    /** Name of this node in leases and GET /admin/nodes; default: host name and a random suffix. */
    Optional<String> id();

    /** Jobs run at once; default: the number of cores. */
    Optional<Integer> slots();

    /** How long a claim holds without renewal; a node silent for longer loses its jobs. */
    @WithDefault("PT30S")
    Duration lease();

    /** How often leases are renewed and the heartbeat written. */
    @WithDefault("PT5S")
    Duration renewInterval();

    /** Safety poll of the queue, should a notification be missed. */
    @WithDefault("PT5S")
    Duration pollInterval();

    /** At shutdown, how long running jobs may finish before they are handed back to the queue. */
    @WithDefault("PT20S")
    Duration shutdownGrace();
}
