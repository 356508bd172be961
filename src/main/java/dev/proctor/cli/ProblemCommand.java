package dev.proctor.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

/**
 * {@code ./proctor problem verify DIR|ARCHIVE} (see {@link ProblemVerifyCommand}) and {@code ./proctor
 * problem import [--name NAME] DIR|ARCHIVE}: uploads a package to a running service, {@code PROCTOR_URL}
 * (default http://127.0.0.1:8080) with the key in {@code PROCTOR_API_KEY}; a directory is packed as tar.gz
 * into a temporary file first.
 */
public final class ProblemCommand {

    private ProblemCommand() {}

    public static int execute(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.println("usage: proctor problem verify DIR|ARCHIVE | import [--name NAME] DIR|ARCHIVE");
            return 2;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        return switch (args[0]) {
            case "verify" -> ProblemVerifyCommand.execute(rest, out, err);
            case "import" -> upload(rest, out, err);
            default -> {
                err.println("usage: proctor problem verify DIR|ARCHIVE | import [--name NAME] DIR|ARCHIVE");
                yield 2;
            }
        };
    }

    static int upload(String[] args, PrintStream out, PrintStream err) {
        String name = null;
        List<String> a = List.of(args);
        if (a.size() == 3 && a.get(0).equals("--name")) {
            name = a.get(1);
            a = a.subList(2, 3);
        }
        if (a.size() != 1) {
            err.println("usage: proctor problem import [--name NAME] DIR|ARCHIVE");
            return 2;
        }
        String key = System.getenv("PROCTOR_API_KEY");
        if (key == null || key.isBlank()) {
            err.println("proctor problem import: set PROCTOR_API_KEY to an API key of the service");
            return 2;
        }
        String base = System.getenv().getOrDefault("PROCTOR_URL", "http://127.0.0.1:8080");
        Path given = Path.of(a.get(0));
        Path temp = null;
        try {
            Path body = given;
            if (Files.isDirectory(given)) {
                temp = Files.createTempFile("proctor-import-", ".tar.gz");
                pack(given, temp, "");
                body = temp;
            }
            String query = name == null ? "" : "?name=" + URLEncoder.encode(name, StandardCharsets.UTF_8);
            HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/api/v1/problems" + query))
                    .header("Authorization", "Bearer " + key)
                    .header("Content-Type", "application/octet-stream")
                    .POST(HttpRequest.BodyPublishers.ofFile(body))
                    .build();
            HttpResponse<String> response =
                    HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
            (response.statusCode() < 300 ? out : err).println(response.body());
            return response.statusCode() < 300 ? 0 : 1;
        } catch (IOException e) {
            err.println("proctor problem import: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException e) {
                    err.println("proctor problem import: " + e.getMessage());
                }
            }
        }
    }

    /**
     * Packs the regular files below {@code dir} into a tar.gz, each name after {@code prefix}; a symbolic link
     * goes in as a tar symlink with its target as written, which the unpacking resolves inside the package or
     * refuses ({@code PackageArchive}), as it does an uploaded archive's.
     */
    static void pack(Path dir, Path archive, String prefix) throws IOException {
        try (OutputStream file = Files.newOutputStream(archive);
                TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(file));
                Stream<Path> walk = Files.walk(dir)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (Path p : (Iterable<Path>) walk.sorted()::iterator) {
                String name = prefix + dir.relativize(p);
                if (Files.isSymbolicLink(p)) {
                    TarArchiveEntry e = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
                    e.setLinkName(Files.readSymbolicLink(p).toString());
                    tar.putArchiveEntry(e);
                    tar.closeArchiveEntry();
                    continue;
                }
                if (!Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                TarArchiveEntry e = new TarArchiveEntry(name);
                e.setSize(Files.size(p));
                tar.putArchiveEntry(e);
                Files.copy(p, tar);
                tar.closeArchiveEntry();
            }
        }
    }
}
