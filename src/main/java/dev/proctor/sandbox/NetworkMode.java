package dev.proctor.sandbox;

/** The network a run sees: always its own network namespace, never the host's. */
public enum NetworkMode {
    /** No interface is up: every connect() fails. */
    NONE,
    /** Only the namespace's own loopback is up: a run can talk to itself, not to the host. */
    LOOPBACK
}
