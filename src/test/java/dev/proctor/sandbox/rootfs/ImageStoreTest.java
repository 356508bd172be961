package dev.proctor.sandbox.rootfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.sandbox.SandboxException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store's bookkeeping with a fake builder: no debootstrap, no root. */
class ImageStoreTest {

    @TempDir
    Path tmp;

    private Path recipes;
    private Path images;
    private final List<String> builds = new ArrayList<>();
    private ImageStore store;
    private final Engines engines = new Engines();

    /**
     * The engines of the state dir, as {@link ImageUsers} sees them: each with its records; {@code unrecorded}
     * stands for an engine of a version that kept none. {@code record} acts as engine {@code recording}.
     */
    static final class Engines implements ImageUsers {
        final Map<String, Map<String, String>> records = new TreeMap<>();
        String recording = "e1";
        boolean unrecorded;
        Runnable beforeRecord = () -> {};

        ImageUsers as(String engine) {
            Engines self = this;
            return new ImageUsers() {
                @Override
                public void record(String name, String build) throws IOException {
                    self.recording = engine;
                    self.record(name, build);
                }

                @Override
                public Set<String> inUse(String name) {
                    return self.inUse(name);
                }

                @Override
                public boolean unrecordedEngines() {
                    return self.unrecorded;
                }
            };
        }

        @Override
        public void record(String name, String build) {
            Runnable hook = beforeRecord;
            beforeRecord = () -> {};
            hook.run();
            records.computeIfAbsent(recording, e -> new TreeMap<>()).put(name, build);
        }

        @Override
        public Set<String> inUse(String name) {
            Set<String> builds = new TreeSet<>();
            records.values().forEach(r -> {
                if (r.containsKey(name)) {
                    builds.add(r.get(name));
                }
            });
            return builds;
        }

        @Override
        public boolean unrecordedEngines() {
            return unrecorded;
        }
    }

    /** Makes a tiny usr-merged tree, like debootstrap's, with a device-node stand-in and host leftovers. */
    private void fakeDebootstrap(ImageRecipe recipe, Path rootfs, Consumer<String> progress) throws IOException {
        builds.add(recipe.name() + " " + recipe.packages());
        progress.accept("I: fake debootstrap");
        for (String d : List.of(
                "usr/bin",
                "usr/lib",
                "etc",
                "var/cache/apt/archives/partial",
                "var/lib/apt/lists",
                "dev",
                "proc",
                "tmp",
                "root")) {
            Files.createDirectories(rootfs.resolve(d));
        }
        Files.createSymbolicLink(rootfs.resolve("bin"), Path.of("usr/bin"));
        Files.createSymbolicLink(rootfs.resolve("lib"), Path.of("usr/lib"));
        Files.writeString(rootfs.resolve("usr/bin/python3"), "#!fake");
        Files.writeString(rootfs.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n");
        Files.writeString(rootfs.resolve("etc/group"), "root:x:0:\n");
        Files.writeString(rootfs.resolve("etc/resolv.conf"), "nameserver 10.0.0.1\n");
        Files.writeString(rootfs.resolve("var/cache/apt/archives/python3_1.deb"), "deb");
        Files.writeString(rootfs.resolve("var/lib/apt/lists/deb.list"), "list");
        Files.writeString(rootfs.resolve("dev/null"), "");
    }

    @BeforeEach
    void setUp() throws IOException {
        recipes = Files.createDirectories(tmp.resolve("recipes"));
        images = tmp.resolve("state/images");
        store = new ImageStore(images, recipes, this::fakeDebootstrap, engines);
        writeRecipe("py", "python3-minimal");
    }

    private void writeRecipe(String name, String... packages) throws IOException {
        String list = String.join("\", \"", packages);
        Files.writeString(recipes.resolve(name + ".json"), """
                {"description": "d", "comment": "c", "suite": "bookworm", "variant": "minbase", "packages": ["%s"]}
                """.formatted(list));
    }

    private List<String> digestDirs(String name) throws IOException {
        try (Stream<Path> s = Files.list(images.resolve(name))) {
            return s.map(p -> p.getFileName().toString())
                    .filter(n -> n.matches("[0-9a-f]{64}"))
                    .sorted()
                    .toList();
        }
    }

    @Test
    void buildsOnceThenReuses() throws IOException {
        ImageStore.Build first = store.build("py", line -> {});
        assertFalse(first.reused());
        ImageStore.Build second = store.build("py", line -> {});
        assertTrue(second.reused());
        assertEquals(first.digest(), second.digest());
        assertEquals(1, builds.size());
        assertEquals(List.of(first.digest()), digestDirs("py"));
        assertEquals(first.digest() + "\n", Files.readString(images.resolve("py/current")));
        assertFalse(Files.exists(images.resolve("py/.staging")));
    }

    @Test
    void aChangedRecipeBuildsANewDigestAndDropsTheOld() throws IOException {
        ImageStore.Build first = store.build("py", line -> {});
        writeRecipe("py", "python3-minimal", "gcc");
        List<String> progress = new ArrayList<>();
        ImageStore.Build second = store.build("py", progress::add);
        assertFalse(second.reused());
        assertNotEquals(first.digest(), second.digest());
        assertEquals(List.of(second.digest()), digestDirs("py"));
        assertEquals(Optional.of(second.digest()), store.currentDigest("py"));
        assertTrue(
                progress.contains("removing the older build " + first.digest().substring(0, 12)), progress.toString());
        assertTrue(progress.contains("I: fake debootstrap"));
    }

    @Test
    void aBuildKeepsTheOlderBuildAnEngineTookAndTheNextStartRemovesItOnceNoneUsesIt() throws IOException {
        String first = store.build("py", line -> {}).digest();
        assertEquals(1, store.useBuiltImages().size()); // engine e1 takes the first build
        writeRecipe("py", "python3-minimal", "gcc");
        List<String> progress = new ArrayList<>();

        String second = store.build("py", progress::add).digest();

        assertEquals(List.of(first, second).stream().sorted().toList(), digestDirs("py"));
        assertEquals(Optional.of(second), store.currentDigest("py"));
        assertTrue(
                progress.contains("keeping the older build " + first.substring(0, 12)
                        + ": an engine started before may use it (it goes once none does)"),
                progress.toString());

        engines.records.remove("e1"); // e1 stopped
        new ImageStore(images, recipes, this::fakeDebootstrap, engines.as("e2")).useBuiltImages();

        assertEquals(List.of(second), digestDirs("py"));
        assertEquals(Map.of("py", second), engines.records.get("e2"));
    }

    @Test
    void anEngineOfAVersionWithoutRecordsKeepsEveryOlderBuild() throws IOException {
        String first = store.build("py", line -> {}).digest();
        engines.unrecorded = true;
        writeRecipe("py", "python3-minimal", "gcc");
        String second = store.build("py", line -> {}).digest();
        store.useBuiltImages();

        assertEquals(List.of(first, second).stream().sorted().toList(), digestDirs("py"));
        engines.unrecorded = false;
        store.useBuiltImages();
        assertEquals(List.of(second), digestDirs("py"));
    }

    /**
     * A build that switches {@code current} between an engine's reading of it and its record may remove the
     * build the engine read: the engine reads {@code current} again after its record and takes the new one.
     */
    @Test
    void anEngineTakesTheNewBuildWhenASwitchComesBetweenItsReadAndItsRecord() throws IOException {
        String first = store.build("py", line -> {}).digest();
        writeRecipe("py", "python3-minimal", "gcc");
        String[] second = new String[1];
        engines.beforeRecord = () -> second[0] = store.build("py", line -> {}).digest();

        List<Image> taken = store.useBuiltImages();

        assertEquals(
                List.of(images.resolve("py").resolve(second[0]).resolve("rootfs")),
                taken.get(0).layers());
        assertEquals(Map.of("py", second[0]), engines.records.get("e1"));
        assertEquals(List.of(second[0]), digestDirs("py"), "the first, no longer recorded, is gone: " + first);
    }

    @Test
    void finishingCleansAndAddsTheSandboxUser() throws IOException {
        Path rootfs = store.build("py", line -> {}).rootfs();
        assertTrue(Files.readString(rootfs.resolve("etc/passwd"))
                .contains("proctor:x:1000:1000:sandbox job:/box:/bin/sh\n"));
        assertTrue(Files.readString(rootfs.resolve("etc/group")).contains("proctor:x:1000:\n"));
        assertEquals("", Files.readString(rootfs.resolve("etc/resolv.conf")));
        assertFalse(Files.exists(rootfs.resolve("var/cache/apt/archives/python3_1.deb")));
        assertTrue(Files.isDirectory(rootfs.resolve("var/cache/apt/archives")));
        assertFalse(Files.exists(rootfs.resolve("var/lib/apt/lists/deb.list")));
        assertFalse(Files.exists(rootfs.resolve("dev/null")));
        for (String d : List.of("box", "proc", "dev", "tmp")) {
            assertTrue(Files.isDirectory(rootfs.resolve(d)), d);
        }
        assertEquals(01777, (int) Files.getAttribute(rootfs.resolve("tmp"), "unix:mode") & 07777);
    }

    @Test
    void aFailedBuildLeavesNothingAndKeepsTheCurrentImage() throws IOException {
        String good = store.build("py", line -> {}).digest();
        writeRecipe("py", "python3-minimal", "gcc");
        ImageStore failing = new ImageStore(
                images,
                recipes,
                (r, rootfs, p) -> {
                    Files.createDirectories(rootfs.resolve("usr"));
                    throw new IOException("debootstrap failed with exit code 1");
                },
                engines);
        SandboxException e = assertThrows(SandboxException.class, () -> failing.build("py", line -> {}));
        assertEquals("building image 'py' failed: debootstrap failed with exit code 1", e.getMessage());
        assertEquals(List.of(good), digestDirs("py"));
        assertEquals(Optional.of(good), store.currentDigest("py"));
        assertFalse(Files.exists(images.resolve("py/.staging")));
    }

    @Test
    void builtImagesHaveOneLayerAndReadOnlyRealDirectories() throws IOException {
        assertEquals(List.of(), store.useBuiltImages());
        Path rootfs = store.build("py", line -> {}).rootfs();
        Files.createDirectories(images.resolve("host/rootfs")); // the host image's own dir is not listed
        List<Image> built = store.useBuiltImages();
        assertEquals(1, built.size());
        assertEquals(Map.of("py", store.currentDigest("py").orElseThrow()), engines.records.get("e1"));
        Image image = built.get(0);
        assertEquals("py", image.name());
        assertEquals(List.of(rootfs), image.layers());
        assertEquals(List.of(), image.binds());
        // bin and lib are symlinks into usr in a usr-merged rootfs: only real directories are listed
        assertEquals(List.of("/etc", "/usr", "/var"), image.readOnlyPaths());
    }

    @Test
    void statusSaysWhatIsBuilt() throws IOException {
        ImageRecipe recipe = store.recipe("py");
        assertFalse(store.status(recipe).upToDate());
        store.build("py", line -> {});
        ImageStore.Status built = store.status(recipe);
        assertTrue(built.upToDate());
        assertTrue(built.sizeBytes() > 0);
        writeRecipe("py", "python3");
        ImageStore.Status outdated = store.status(store.recipe("py"));
        assertFalse(outdated.upToDate());
        assertEquals(Optional.of(built.digest()), outdated.builtDigest());
    }

    @Test
    void unknownNamesAreTheirOwnError() {
        ImageStore.UnknownImageException e =
                assertThrows(ImageStore.UnknownImageException.class, () -> store.build("ruby", line -> {}));
        assertTrue(e.getMessage().contains("unknown image 'ruby'"), e.getMessage());
        assertTrue(e.getMessage().contains("(recipes: [py])"), e.getMessage());
        assertThrows(ImageStore.UnknownImageException.class, () -> store.recipe("../py"));
        assertTrue(builds.isEmpty());
    }
}
