package dev.proctor.profiles;

import dev.proctor.sandbox.Limits;
import dev.proctor.sandbox.RunResult;
import dev.proctor.sandbox.RunStatus;
import dev.proctor.sandbox.SandboxEngine;
import dev.proctor.sandbox.Stdin;
import dev.proctor.sandbox.Workdir;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jboss.logging.Logger;

/**
 * What the sandbox can do with each profile: whether its image is built, and the toolchain's real
 * version, asked once at start-up inside the sandbox (the binary a job gets, not the host's) and kept.
 * Detection runs in the background, one profile after another, so start-up does not wait for a JVM
 * or two to print their versions; a caller that asks early waits for it (bounded).
 */
@ApplicationScoped
public class ProfileToolchains {

    private static final Logger LOG = Logger.getLogger(ProfileToolchains.class);

    /** Small, fixed limits: enough for {@code javac -version}, nothing a version query could abuse. */
    static final Limits VERSION_LIMITS = new Limits(
            Duration.ofSeconds(5), Duration.ofSeconds(10), 512 * Limits.MIB, 64, 64 * 1024, 32 * Limits.MIB, 1.0);

    private static final Duration WAIT = Duration.ofSeconds(20);

    @Inject
    SandboxEngine engine;

    @Inject
    ProfileRegistry profiles;

    private final Map<String, CompletableFuture<String>> versions = new ConcurrentHashMap<>();

    /** After the engine has started (priority 1), before anyone needs a version. */
    void detect(@Observes @Priority(5) StartupEvent event) {
        for (Profile p : profiles.all()) {
            versions.put(p.name(), new CompletableFuture<>());
        }
        Thread t = new Thread(
                () -> {
                    for (Profile p : profiles.all()) {
                        String v = detect(p);
                        LOG.infof("profile %s: %s", p.name(), v);
                        versions.get(p.name()).complete(v);
                    }
                },
                "profile-versions");
        t.setDaemon(true);
        t.start();
    }

    /** Why {@code p} cannot run jobs on this node, or empty when it can. */
    public Optional<String> unavailable(Profile p) {
        List<String> images = engine.info().images();
        if (!images.contains(p.image())) {
            return Optional.of("image '" + p.image() + "' is not built on this node: profile " + p.name()
                    + " is unavailable until `./proctor image build " + p.image() + "` runs (then restart)");
        }
        return Optional.empty();
    }

    /** The toolchain's first line of version output, or what went wrong; null when the profile has none. */
    public String version(Profile p) {
        if (p.versionArgv().isEmpty()) {
            return null;
        }
        CompletableFuture<String> f = versions.get(p.name());
        if (f == null) {
            return "unknown: detection has not started";
        }
        try {
            return f.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return "unknown: still being detected";
        } catch (ExecutionException e) {
            return "unknown: " + e.getCause().getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown: interrupted";
        }
    }

    private String detect(Profile p) {
        if (p.versionArgv().isEmpty()) {
            return null;
        }
        Optional<String> why = unavailable(p);
        if (why.isPresent()) {
            return "unavailable: " + why.get();
        }
        try (Workdir wd = engine.createWorkdir(VERSION_LIMITS.diskBytes())) {
            RunResult r =
                    engine.run(p.runSpec(p.versionArgv(), List.of(), VERSION_LIMITS, wd, Stdin.empty(), Duration.ZERO));
            String line = firstLine(r.stdout());
            if (line.isEmpty()) {
                line = firstLine(r.stderr());
            }
            if (r.status() != RunStatus.OK) {
                return "version detection failed: " + r.status().wire()
                        + (r.message() != null ? " (" + r.message() + ")" : line.isEmpty() ? "" : " (" + line + ")");
            }
            return line.isEmpty() ? "version detection failed: no output" : line;
        } catch (RuntimeException e) {
            return "version detection failed: " + e.getMessage();
        }
    }

    static String firstLine(byte[] out) {
        for (String l : new String(out, StandardCharsets.UTF_8).split("\n")) {
            if (!l.isBlank()) {
                return l.strip();
            }
        }
        return "";
    }
}
