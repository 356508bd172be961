package dev.proctor.problems;

import java.nio.file.Path;

/**
 * Where an import puts a package's files, each once by its SHA-256, and where a node's {@link TestFileCache}
 * fills from: {@link BlobStore} (PostgreSQL, the service) or {@link DirectoryBlobs} (a throwaway directory,
 * {@code ./proctor problem verify}). The import and the cache above it are the same code for both.
 */
public interface Blobs extends TestFileCache.Source {

    /** Stores {@code file} under {@code meta.sha256()} unless it is there already; true when it was written now. */
    boolean put(PackageFile meta, Path file);
}
