package dev.proctor.cli;

import dev.proctor.sandbox.EngineConfig;
import dev.proctor.sandbox.ImageRecords;
import dev.proctor.sandbox.SandboxException;
import dev.proctor.sandbox.linux.Syscalls;
import dev.proctor.sandbox.rootfs.ImageRecipe;
import dev.proctor.sandbox.rootfs.ImageRecipeException;
import dev.proctor.sandbox.rootfs.ImageStore;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code proctor image list} and {@code proctor image build NAME}. Exit codes: 0 done (built or
 * reused), 1 failed (the message says why), 2 bad usage or unknown image.
 */
public final class ImageCommand {

    private static final String USAGE = "usage: proctor image list | image build NAME";

    private ImageCommand() {}

    public static int execute(String[] args, PrintStream out, PrintStream err) {
        EngineConfig config = CliEnvironment.engineConfig();
        ImageStore store = new ImageStore(
                config.stateDir().resolve("images"),
                config.profilesDir().resolve("images"),
                ImageRecords.readOnly(config.stateDir()));
        if (args.length == 1 && args[0].equals("list")) {
            return list(store, out, err);
        }
        if (args.length == 2 && args[0].equals("build")) {
            return build(store, args[1], err);
        }
        err.println(USAGE);
        return 2;
    }

    static int list(ImageStore store, PrintStream out, PrintStream err) {
        List<String> problems = new ArrayList<>();
        out.printf("%-12s %-12s %-24s %9s  %s%n", "NAME", "DIGEST", "STATE", "SIZE", "DESCRIPTION");
        for (String name : store.recipeNames()) {
            ImageRecipe recipe;
            try {
                recipe = store.recipe(name);
            } catch (SandboxException e) {
                problems.add(e.getMessage());
                out.printf("%-12s %-12s %-24s %9s  %s%n", name, "-", "invalid recipe", "-", "");
                continue;
            }
            ImageStore.Status s = store.status(recipe);
            String state = s.upToDate()
                    ? "built"
                    : s.builtDigest()
                            .map(d -> "outdated (built " + d.substring(0, 7) + ")")
                            .orElse("not built");
            String size = s.upToDate() ? megabytes(s.sizeBytes()) : "-";
            out.printf(
                    "%-12s %-12s %-24s %9s  %s%n",
                    name, s.digest().substring(0, 12), state, size, recipe.description());
        }
        problems.forEach(p -> err.println("proctor image: " + p));
        return problems.isEmpty() ? 0 : 1;
    }

    static int build(ImageStore store, String name, PrintStream err) {
        try {
            store.recipe(name);
        } catch (ImageStore.UnknownImageException e) {
            err.println("proctor image: " + e.getMessage());
            return 2;
        } catch (ImageRecipeException e) {
            err.println("proctor image: invalid recipe: " + e.getMessage());
            return 1;
        }
        if (!Syscalls.isRoot()) {
            err.println("proctor image: building needs root (debootstrap creates device nodes and runs chroot)");
            return 1;
        }
        try {
            ImageStore.Build b = store.build(name, line -> err.println("image " + name + ": " + line));
            err.printf(
                    "proctor image: %s %s %s (%s) in %.1f s%n",
                    name,
                    b.digest().substring(0, 12),
                    b.reused() ? "is up to date, reused" : "built",
                    megabytes(b.sizeBytes()),
                    b.took().toMillis() / 1000.0);
            return 0;
        } catch (SandboxException e) {
            err.println("proctor image: " + e.getMessage());
            return 1;
        }
    }

    private static String megabytes(long bytes) {
        return bytes < 0 ? "?" : String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }
}
