package dev.proctor.problems;

import java.io.InputStream;
import java.nio.file.Path;

/**
 * The steps of importing a package, shared by the service's upload ({@link ProblemService}) and {@code
 * ./proctor problem verify}: unpack the archive within {@link ArchiveLimits}, read it (every file hashed, the
 * version's content digest), store each file once by digest in some {@link Blobs}, and turn the package into
 * the model a stored version is read back as ({@link Manifest}), which is what grading sees.
 */
public final class PackageImport {

    private PackageImport() {}

    /** An unpacked package: its root directory and what the reader made of it. */
    public record Unpacked(Path root, ProblemPackage pkg) {}

    /** Unpacks {@code body} into {@code work} (an empty directory) and reads it. */
    public static Unpacked unpack(InputStream body, Path work, ArchiveLimits limits) {
        Path root = PackageArchive.extract(body, work, limits);
        String fallback = root.equals(work) ? "problem" : root.getFileName().toString();
        return new Unpacked(root, PackageReader.read(root, fallback));
    }

    /** Stores every file of the package in {@code blobs}; returns the bytes written now (new content). */
    public static long store(Unpacked u, Blobs blobs) {
        long written = 0;
        for (PackageFile f : u.pkg().files()) {
            if (blobs.put(f, u.root().resolve(f.path()))) {
                written += f.size();
            }
        }
        return written;
    }

    /** The package as a stored version reads back: written to its manifest and read from it. */
    public static ProblemPackage asStored(ProblemPackage pkg) {
        return Manifest.read(Manifest.write(pkg));
    }
}
