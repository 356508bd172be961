package dev.proctor.auth;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How a node checks API keys. */
@ConfigMapping(prefix = "proctor.auth")
public interface AuthConfig {

    /** Callers of API keys a node keeps in memory (least recently used go first); 0 reads every key from the database. */
    @WithDefault("4096")
    int cacheEntries();

    /**
     * The longest a key's caller is served from memory before it is read again: the backstop, should a
     * revocation's notification be lost without the node noticing. Revocations and quota changes normally take
     * effect on every node as soon as their notification arrives.
     */
    @WithDefault("PT5S")
    Duration cacheMaxAge();
}
