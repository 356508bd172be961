package dev.proctor.sandbox.rootfs;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Builds a rootfs with {@code debootstrap --variant=V [--include=P,…] SUITE DIR} — no mirror argument,
 * so debootstrap's default Debian mirror is used — then runs the recipe's {@code run} commands with
 * {@code chroot DIR /bin/sh -c CMD} (no /proc is mounted for them; apt and dpkg do not need it).
 */
public final class DebootstrapBuilder implements RootfsBuilder {

    private static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    private static final List<Path> DEBOOTSTRAP =
            List.of(Path.of("/usr/sbin/debootstrap"), Path.of("/sbin/debootstrap"));

    @Override
    public void build(ImageRecipe recipe, Path rootfs, Consumer<String> progress) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(debootstrap(), "--variant=" + recipe.variant()));
        if (!recipe.packages().isEmpty()) {
            cmd.add("--include=" + String.join(",", recipe.packages()));
        }
        cmd.add(recipe.suite());
        cmd.add(rootfs.toString());
        run("debootstrap", cmd, progress);
        for (String command : recipe.run()) {
            progress.accept("run: " + command);
            run(
                    "run command '" + command + "'",
                    List.of("chroot", rootfs.toString(), "/bin/sh", "-c", command),
                    progress);
        }
    }

    /** Whether debootstrap is installed where root finds it. */
    public static boolean available() {
        return DEBOOTSTRAP.stream().anyMatch(Files::isExecutable);
    }

    private static String debootstrap() throws IOException {
        return DEBOOTSTRAP.stream()
                .filter(Files::isExecutable)
                .findFirst()
                .map(Path::toString)
                .orElseThrow(() -> new IOException("debootstrap is not installed: apt-get install debootstrap"
                        + " (./proctor installs it with the other packages)"));
    }

    /** Runs a command with its output, line by line, to {@code progress}; a non-zero exit is an error. */
    private static void run(String step, List<String> cmd, Consumer<String> progress) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Map<String, String> env = pb.environment();
        env.put("PATH", PATH);
        env.put("LC_ALL", "C");
        env.put("DEBIAN_FRONTEND", "noninteractive");
        env.put("HOME", "/root");
        Process p = pb.start();
        try (BufferedReader out =
                new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                progress.accept(line);
            }
        }
        int exit;
        try {
            exit = p.waitFor();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(step + " interrupted", e);
        }
        if (exit != 0) {
            throw new IOException(step + " failed with exit code " + exit + " (its output is above)");
        }
    }
}
