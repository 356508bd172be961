package dev.proctor.faults;

import dev.proctor.bench.ServiceNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The processes below one test node's JVM (its launcher, the launcher's supervisors, the runs):
 * a test signals only processes of the node it started itself.
 */
final class NodeProcesses {

    private NodeProcesses() {}

    /** Descendants of the node whose {@code /proc/PID/comm} is {@code comm}. */
    static List<ProcessHandle> named(ServiceNode node, String comm) {
        return ProcessHandle.of(node.pid())
                .map(p -> p.descendants().filter(d -> comm.equals(comm(d))).toList())
                .orElse(List.of());
    }

    /** The node's launcher server: its direct child running {@code proctor-launcher serve}. */
    static List<ProcessHandle> launcherServers(ServiceNode node) {
        return ProcessHandle.of(node.pid())
                .map(p -> p.children()
                        .filter(c -> c.info().command().orElse("").endsWith("/proctor-launcher"))
                        .filter(c -> "proctor-launche".equals(comm(c)))
                        .toList())
                .orElse(List.of());
    }

    /** The supervisors of the node's runs: children of its launcher server (their pid 1 shares the name). */
    static List<ProcessHandle> supervisors(ServiceNode node) {
        return launcherServers(node).stream()
                .flatMap(ProcessHandle::children)
                .filter(c -> "proctor-sup".equals(comm(c)))
                .toList();
    }

    static String comm(ProcessHandle p) {
        try {
            return Files.readString(Path.of("/proc", String.valueOf(p.pid()), "comm"))
                    .trim();
        } catch (IOException e) {
            return "";
        }
    }
}
