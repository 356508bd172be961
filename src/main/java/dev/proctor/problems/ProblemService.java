package dev.proctor.problems;

import dev.proctor.auth.Caller;
import dev.proctor.config.SandboxConfig;
import dev.proctor.core.Rejection;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Problems of clients: upload (unpack, read, validate the inputs, store each file once, add a version),
 * read, list, delete, share. A problem is visible to its owner, to clients an admin shared it with, and to
 * admins; to anyone else it does not exist (404).
 */
@ApplicationScoped
public class ProblemService {

    /** Stores and adds a version this often when concurrent deletes keep removing shared files. */
    private static final int ADD_ATTEMPTS = 5;

    public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

    @Inject
    ProblemsConfig config;

    @Inject
    ProblemStore store;

    @Inject
    BlobStore blobs;

    @Inject
    InputValidation inputs;

    @Inject
    PackagePrograms programs;

    @Inject
    SandboxConfig sandbox;

    private volatile TestFileCache cache;

    /** The outcome of an upload. */
    public record Upload(ProblemStore.ProblemRow problem, ProblemStore.VersionRow version, boolean created) {}

    /**
     * Reads the archive from {@code body} and stores it as the next version of the caller's problem {@code
     * name} (derived from the package's name when absent); the same content again adds nothing.
     */
    public Upload upload(Caller caller, String name, InputStream body) {
        if (name != null && !NAME.matcher(name).matches()) {
            throw Rejection.invalid("name", "name must match " + NAME.pattern());
        }
        Path work = workDir();
        try {
            PackageImport.Unpacked unpacked = PackageImport.unpack(body, work, config.archiveLimits());
            Path root = unpacked.root();
            ProblemPackage pkg = unpacked.pkg();
            String fallback = root.equals(work) ? "problem" : root.getFileName().toString();
            String problemName = name != null ? name : slug(pkg.name(), fallback);
            Optional<ProblemStore.ProblemRow> existing = store.byName(caller.clientId(), problemName);
            if (existing.isPresent()) {
                Optional<ProblemStore.VersionRow> same = store
                        .versions(existing.get().id())
                        .stream()
                        .filter(v -> v.contentDigest().equals(pkg.contentDigest()))
                        .findFirst();
                if (same.isPresent()) {
                    return new Upload(existing.get(), same.get(), false);
                }
            }
            for (String skipped : inputs.check(pkg, f -> root.resolve(f.path()))) {
                Log.warnf("problem %s: input validator not run: %s", pkg.name(), skipped);
            }
            Optional<AcceptedTimeLimit.Derived> derived = deriveTimeLimit(pkg, root);
            derived.ifPresent(d -> Log.infof(
                    "problem %s: time limit %d ms derived from %d accepted submissions (slowest %d ms)",
                    pkg.name(), d.timeLimit().toMillis(), d.submissions(), d.slowestAcceptedMs()));
            long written = PackageImport.store(unpacked, blobs);
            ProblemStore.Added added = null;
            for (int attempt = 1; added == null; attempt++) {
                try {
                    added = store.addVersion(caller.clientId(), problemName, pkg, derived);
                } catch (ProblemStore.BlobsMissing e) {
                    // a delete of another problem removed files this one shares after they were found stored
                    if (attempt == ADD_ATTEMPTS) {
                        throw e;
                    }
                    Log.infof(
                            "problem %s: %d shared files were deleted meanwhile; storing them again",
                            problemName, e.digests().size());
                    written += PackageImport.store(unpacked, blobs);
                }
            }
            Log.infof(
                    "problem %s v%d: %d files, %d bytes (%d new)",
                    problemName, added.version().version(), pkg.files().size(), pkg.totalBytes(), written);
            return new Upload(store.byId(added.version().problemId()).orElseThrow(), added.version(), added.created());
        } finally {
            deleteTree(work);
        }
    }

    /**
     * The time limit derived from the accepted submissions; when this node cannot run them (a sandbox failure,
     * not the caller's doing) the upload goes on without one and jobs get the configured default.
     */
    private Optional<AcceptedTimeLimit.Derived> deriveTimeLimit(ProblemPackage pkg, Path root) {
        try {
            return AcceptedTimeLimit.derive(pkg, f -> root.resolve(f.path()), programs);
        } catch (Rejection e) {
            throw e;
        } catch (RuntimeException e) {
            Log.warnf(
                    "problem %s: the accepted submissions could not be run to derive the time limit: %s",
                    pkg.name(), e.getMessage());
            return Optional.empty();
        }
    }

    static String slug(String title, String fallback) {
        String s =
                title.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]+", "-").replaceAll("^[-._]+", "");
        s = s.length() > 64 ? s.substring(0, 64) : s;
        if (!NAME.matcher(s).matches()) {
            s = fallback.toLowerCase(Locale.ROOT)
                    .replaceAll("[^a-z0-9._-]+", "-")
                    .replaceAll("^[-._]+", "");
            s = s.length() > 64 ? s.substring(0, 64) : s;
        }
        return NAME.matcher(s).matches() ? s : "problem";
    }

    /** The problem named by {@code ref} (its id, or the caller's own name for it) if the caller may see it. */
    public ProblemStore.ProblemRow visible(Caller caller, String ref) {
        Optional<ProblemStore.ProblemRow> p = Optional.empty();
        UUID id = uuid(ref);
        if (id != null) {
            p = store.byId(id);
        } else if (NAME.matcher(ref).matches()) {
            p = store.byName(caller.clientId(), ref);
        }
        if (p.isEmpty()
                || !(caller.admin()
                        || p.get().clientId() == caller.clientId()
                        || store.sharedWith(p.get().id(), caller.clientId()))) {
            throw Rejection.notFound("no problem " + ref);
        }
        return p.get();
    }

    public List<ProblemStore.ProblemRow> list(Caller caller) {
        return store.visibleTo(caller.clientId(), caller.admin());
    }

    public List<ProblemStore.VersionRow> versions(Caller caller, String ref) {
        return store.versions(visible(caller, ref).id());
    }

    /** A version (the latest when {@code version} is null) with its package model. */
    public ProblemStore.StoredVersion version(Caller caller, String ref, Integer version) {
        ProblemStore.ProblemRow p = visible(caller, ref);
        int v = version == null ? p.latestVersion() : version;
        return store.version(p.id(), v)
                .orElseThrow(() -> Rejection.notFound("problem " + ref + " has no version " + version));
    }

    /** Deletes a problem: its owner or an admin; a client it was shared with may not. */
    public void delete(Caller caller, String ref) {
        ProblemStore.ProblemRow p = visible(caller, ref);
        if (!caller.admin() && p.clientId() != caller.clientId()) {
            throw Rejection.forbidden("problem " + ref + " was shared with you; only its owner deletes it");
        }
        List<String> digests = store.delete(p.id());
        int gone = blobs.deleteUnreferenced(digests);
        Log.infof(
                "problem %s deleted; %d of its %d files were used by no other problem", p.name(), gone, digests.size());
    }

    /** Shares a problem with another client (admins only). */
    public void share(Caller caller, String ref, long clientId) {
        if (!caller.admin()) {
            throw Rejection.forbidden("only an admin shares problems");
        }
        store.share(visible(caller, ref).id(), clientId);
    }

    /** This node's cache of stored files. */
    public TestFileCache cache() {
        TestFileCache c = cache;
        if (c == null) {
            synchronized (this) {
                if (cache == null) {
                    Path dir = config.cacheDir().orElse(sandbox.stateDir().resolve("problem-cache"));
                    cache = new TestFileCache(dir, config.cacheBytes(), blobs::copyTo);
                }
                c = cache;
            }
        }
        return c;
    }

    private Path workDir() {
        try {
            Path base = sandbox.stateDir().resolve("problem-uploads");
            Files.createDirectories(base);
            return Files.createTempDirectory(base, "upload-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            Log.warnf("could not remove %s: %s", dir, e.getMessage());
        }
    }

    private static UUID uuid(String s) {
        try {
            return s.length() == 36 ? UUID.fromString(s) : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
