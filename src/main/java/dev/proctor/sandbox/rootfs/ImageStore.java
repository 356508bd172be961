package dev.proctor.sandbox.rootfs;

import dev.proctor.sandbox.SandboxException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Images built from the recipes of {@code sandbox-profiles/images}, stored by content digest:
 * <pre>
 *   STATE/images/NAME/DIGEST/rootfs       the layer (never written again once in place)
 *   STATE/images/NAME/DIGEST/recipe.json  what was built (canonical JSON + builder version)
 *   STATE/images/NAME/DIGEST/size         bytes of the rootfs's files
 *   STATE/images/NAME/current             the DIGEST engines use
 *   STATE/images/NAME/.lock               held while building, so one build of NAME runs at a time
 * </pre>
 * A build goes to {@code NAME/.staging} and is renamed into place only when complete, so a
 * {@code DIGEST} directory is always a whole image. Building an unchanged recipe reuses its
 * directory; a changed one builds a new digest, switches {@code current}, and removes the older
 * digests no engine uses ({@link ImageUsers}): an engine started before the switch keeps running on
 * the build it took, which goes once no engine records it (at the next build, or the next engine's
 * start). Building is always explicit: an engine only takes what is built ({@link #useBuiltImages()}).
 */
public final class ImageStore {

    /** Directories of a built image kept read-only in every run, where they are real directories. */
    public static final List<String> READ_ONLY_PATHS =
            List.of("/etc", "/usr", "/bin", "/sbin", "/lib", "/lib64", "/var");

    /** A build's directory name: a SHA-256 in hex (a recipe's digest here, the host layer's in {@link HostImageBuilder}). */
    static final Pattern DIGEST = Pattern.compile("[0-9a-f]{64}");

    private static final String STAGING = ".staging";
    /** Held by a build in this JVM (a file lock does not keep out another channel of the same JVM). */
    private static final ReentrantLock BUILDS_IN_THIS_JVM = new ReentrantLock();

    /** What {@code image list} shows of one recipe. */
    public record Status(ImageRecipe recipe, String digest, Optional<String> builtDigest, long sizeBytes) {

        /** Whether the current build is of this very recipe. */
        public boolean upToDate() {
            return builtDigest.map(digest::equals).orElse(false);
        }
    }

    /** The outcome of {@link #build}: {@code reused} when nothing had to be built. */
    public record Build(String name, String digest, Path rootfs, boolean reused, long sizeBytes, Duration took) {}

    /** No recipe file of that name. */
    public static final class UnknownImageException extends SandboxException {
        public UnknownImageException(String message) {
            super(message);
        }
    }

    private final Path imagesDir;
    private final Path recipesDir;
    private final RootfsBuilder builder;
    private final ImageUsers users;

    /**
     * @param imagesDir  {@code STATE/images} (shared with the host image)
     * @param recipesDir {@code sandbox-profiles/images}
     * @param builder    makes a rootfs from a recipe ({@link DebootstrapBuilder} outside tests)
     * @param users      the builds the state dir's engines use (and, for an engine, where it records its own)
     */
    public ImageStore(Path imagesDir, Path recipesDir, RootfsBuilder builder, ImageUsers users) {
        this.imagesDir = imagesDir;
        this.recipesDir = recipesDir;
        this.builder = builder;
        this.users = users;
    }

    public ImageStore(Path imagesDir, Path recipesDir, ImageUsers users) {
        this(imagesDir, recipesDir, new DebootstrapBuilder(), users);
    }

    /** Names of the recipe files, sorted (whether valid or not: {@link #recipe} validates). */
    public List<String> recipeNames() {
        if (!Files.isDirectory(recipesDir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(recipesDir)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(ImageRecipe.SUFFIX))
                    .map(n -> n.substring(0, n.length() - ImageRecipe.SUFFIX.length()))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new SandboxException("cannot list the image recipes in " + recipesDir + ": " + e.getMessage(), e);
        }
    }

    /** The validated recipe of {@code name}. */
    public ImageRecipe recipe(String name) {
        Path file = recipesDir.resolve(name + ImageRecipe.SUFFIX);
        if (!ImageRecipe.validName(name) || !Files.isRegularFile(file)) {
            throw new UnknownImageException(
                    "unknown image '" + name + "': no recipe " + file + " (recipes: " + recipeNames() + ")");
        }
        return ImageRecipe.load(file);
    }

    public Status status(ImageRecipe recipe) {
        Optional<String> built = currentDigest(recipe.name());
        long size = built.map(d -> readSize(imagesDir.resolve(recipe.name()).resolve(d)))
                .orElse(-1L);
        return new Status(recipe, recipe.digest(), built, size);
    }

    /** The digest in {@code NAME/current}, if that build exists. */
    public Optional<String> currentDigest(String name) {
        Path dir = imagesDir.resolve(name);
        Path current = dir.resolve("current");
        if (!Files.isRegularFile(current, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        try {
            String digest = Files.readString(current, StandardCharsets.UTF_8).trim();
            return DIGEST.matcher(digest).matches()
                            && Files.isDirectory(dir.resolve(digest).resolve("rootfs"))
                    ? Optional.of(digest)
                    : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * An image for every name whose current build exists ({@code host} is the engine's own), each recorded
     * as this engine's ({@link ImageUsers#record}) before it is returned. The record is made, then
     * {@code current} read again: a build that switched {@code current} meanwhile, and so may not have seen
     * the record when it removed older builds, makes this take the new one. Older builds no engine records
     * are removed, unless a build of that image is running (it removes them when it ends).
     */
    public List<Image> useBuiltImages() {
        if (!Files.isDirectory(imagesDir)) {
            return List.of();
        }
        List<Image> images = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(imagesDir)) {
            for (Path dir : dirs.sorted().toList()) {
                String name = dir.getFileName().toString();
                if (!ImageRecipe.validName(name) || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                Optional<String> digest = take(name);
                if (digest.isPresent()) {
                    images.add(image(name, dir.resolve(digest.get()).resolve("rootfs")));
                    removeUnusedUnlessBuilding(dir);
                }
            }
        } catch (IOException e) {
            throw new SandboxException("cannot take the built images in " + imagesDir + ": " + e.getMessage(), e);
        }
        return images;
    }

    /** Records the current build of {@code name} as this engine's and returns it, once it is still current after. */
    private Optional<String> take(String name) throws IOException {
        for (int attempt = 0; attempt < TAKE_ATTEMPTS; attempt++) {
            Optional<String> digest = currentDigest(name);
            if (digest.isEmpty()) {
                return digest;
            }
            users.record(name, digest.get());
            if (digest.equals(currentDigest(name))) {
                return digest;
            }
        }
        throw new SandboxException("image '" + name + "' was switched to another build " + TAKE_ATTEMPTS
                + " times while this engine started: builds in a loop?");
    }

    private static final int TAKE_ATTEMPTS = 100;

    /** The builds of the image in {@code dir} no engine uses, but {@code current}, unless a build holds the lock. */
    private void removeUnusedUnlessBuilding(Path dir) throws IOException {
        if (!BUILDS_IN_THIS_JVM.tryLock()) {
            return;
        }
        try (FileChannel ch =
                        FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = ch.tryLock()) {
            if (lock != null) {
                // current as it is now: a build may have ended since this engine took its own (recorded)
                removeOthers(dir, currentDigest(dir.getFileName().toString()).orElse(""), line -> {});
            }
        } finally {
            BUILDS_IN_THIS_JVM.unlock();
        }
    }

    static Image image(String name, Path rootfs) {
        List<String> readOnly = READ_ONLY_PATHS.stream()
                .filter(p -> Files.isDirectory(rootfs.resolve(p.substring(1)), LinkOption.NOFOLLOW_LINKS))
                .toList();
        return new Image(name, List.of(rootfs), List.of(), readOnly);
    }

    /**
     * Builds {@code name} unless its current recipe is already built (then reused at once).
     *
     * @param progress one line at a time of what the build does (debootstrap's output included)
     * @throws UnknownImageException  no such recipe
     * @throws ImageRecipeException   the recipe is invalid
     * @throws SandboxException       the build failed; nothing of it is left behind
     */
    public Build build(String name, Consumer<String> progress) {
        ImageRecipe recipe = recipe(name);
        String digest = recipe.digest();
        Path dir = imagesDir.resolve(name);
        long start = System.nanoTime();
        BUILDS_IN_THIS_JVM.lock();
        try {
            try {
                createDirs(dir);
                try (FileChannel ch = FileChannel.open(
                                dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                        FileLock ignored = ch.lock()) {
                    Path target = dir.resolve(digest);
                    boolean reused = Files.isDirectory(target.resolve("rootfs"), LinkOption.NOFOLLOW_LINKS);
                    if (!reused) {
                        buildInto(recipe, dir, target, progress);
                    }
                    switchCurrent(dir, digest);
                    removeOthers(dir, digest, progress);
                    return new Build(
                            name,
                            digest,
                            target.resolve("rootfs"),
                            reused,
                            readSize(target),
                            Duration.ofNanos(System.nanoTime() - start));
                }
            } catch (IOException e) {
                throw new SandboxException("building image '" + name + "' failed: " + e.getMessage(), e);
            }
        } finally {
            BUILDS_IN_THIS_JVM.unlock();
        }
    }

    private void buildInto(ImageRecipe recipe, Path dir, Path target, Consumer<String> progress) throws IOException {
        Path staging = dir.resolve(STAGING);
        LayerFiles.deleteTree(staging); // left by a build that crashed: the lock says none is running
        Files.createDirectory(staging);
        Files.setAttribute(staging, "unix:mode", 0755);
        try {
            progress.accept("building " + recipe.name() + " " + recipe.digest().substring(0, 12) + ": " + recipe.suite()
                    + "/" + recipe.variant() + " + " + recipe.packages());
            builder.build(recipe, staging.resolve("rootfs"), progress);
            progress.accept("finishing: removing apt caches, adding user proctor (1000), mount points");
            RootfsFinisher.finish(staging.resolve("rootfs"));
            long size = LayerFiles.sizeOf(staging.resolve("rootfs"));
            Files.writeString(
                    staging.resolve("recipe.json"),
                    recipe.canonicalJson() + "\n" + ImageRecipe.BUILDER_VERSION + "\n",
                    StandardCharsets.UTF_8);
            Files.writeString(staging.resolve("size"), Long.toString(size), StandardCharsets.UTF_8);
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            try {
                LayerFiles.deleteTree(staging);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /** Every directory on the way is searchable by others: the overlay is mounted as an unprivileged uid. */
    private void createDirs(Path dir) throws IOException {
        if (!Files.isDirectory(imagesDir.getParent())) {
            Files.createDirectories(imagesDir.getParent());
            Files.setAttribute(imagesDir.getParent(), "unix:mode", 0711);
        }
        for (Path p : List.of(imagesDir, dir)) {
            if (!Files.isDirectory(p)) {
                Files.createDirectory(p);
                Files.setAttribute(p, "unix:mode", 0755);
            }
        }
    }

    private static void switchCurrent(Path dir, String digest) throws IOException {
        Path tmp = dir.resolve("current.tmp");
        Files.writeString(tmp, digest + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, dir.resolve("current"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Older builds go once {@code current} names the new one, unless an engine records one as its own (it took
     * that build before the switch: see {@link #useBuiltImages()}), or an engine of a version that kept no
     * records may run. Such a build goes at a later build or engine start, once none uses it.
     */
    private void removeOthers(Path dir, String keep, Consumer<String> progress) throws IOException {
        Set<String> inUse = users.inUse(dir.getFileName().toString());
        boolean unrecorded = users.unrecordedEngines();
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path old : entries.sorted().toList()) {
                String n = old.getFileName().toString();
                if (!DIGEST.matcher(n).matches() || n.equals(keep)) {
                    continue;
                }
                if (inUse.contains(n) || unrecorded) {
                    progress.accept("keeping the older build " + n.substring(0, 12)
                            + ": an engine started before may use it (it goes once none does)");
                } else {
                    progress.accept("removing the older build " + n.substring(0, 12));
                    LayerFiles.deleteTree(old);
                }
            }
        }
    }

    private static long readSize(Path digestDir) {
        try {
            return Long.parseLong(Files.readString(digestDir.resolve("size"), StandardCharsets.UTF_8)
                    .trim());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }
}
