package dev.proctor.sandbox.cgroups;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Stands in for the kernel over a temporary directory: mkdir creates the control files a real
 * cgroupfs would, writing cgroup.procs moves the pid out of every other cgroup, and cgroup.kill
 * empties the cgroup.
 */
class FakeCgroupFs extends CgroupFs {

    private final Path root;
    private final Map<String, String> controlFiles;

    /** @param controlFiles file name → initial contents, created in every new cgroup */
    FakeCgroupFs(Path root, Map<String, String> controlFiles) {
        this.root = root;
        this.controlFiles = new LinkedHashMap<>(controlFiles);
    }

    @Override
    void mkdir(Path dir) {
        super.mkdir(dir);
        populate(dir);
    }

    @Override
    void mkdirIfMissing(Path dir) {
        if (!Files.isDirectory(dir)) {
            super.mkdirIfMissing(dir);
            populate(dir);
        }
    }

    @Override
    boolean rmdir(Path dir) {
        // cgroupfs removes a cgroup with its control files; a plain directory needs them gone first
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Files.delete(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return super.rmdir(dir);
    }

    /** A control file that goes through this fake's reads and writes (a plain file would keep stale tails). */
    @Override
    ControlFile control(Path file) {
        return new ControlFile(file) {
            @Override
            String readIfExists() {
                return FakeCgroupFs.this.readIfExists(file).orElse(null);
            }

            @Override
            void write(String value) {
                FakeCgroupFs.this.write(file, value);
            }
        };
    }

    @Override
    void write(Path file, String value) {
        String name = file.getFileName().toString();
        if (name.equals("cgroup.procs")) {
            removeEverywhere(value.trim());
            super.write(file, read(file) + value.trim() + "\n");
        } else if (name.equals("cgroup.kill")) {
            super.write(file.resolveSibling("cgroup.procs"), "");
            super.write(file.resolveSibling("cgroup.events"), "populated 0\nfrozen 0\n");
        } else {
            super.write(file, value);
        }
    }

    private void populate(Path dir) {
        try {
            for (Map.Entry<String, String> file : controlFiles.entrySet()) {
                Files.writeString(dir.resolve(file.getKey()), file.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void removeEverywhere(String pid) {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path procs : files.filter(p -> p.getFileName().toString().equals("cgroup.procs"))
                    .toList()) {
                String kept = read(procs)
                        .lines()
                        .filter(line -> !line.trim().equals(pid))
                        .map(line -> line + "\n")
                        .collect(Collectors.joining());
                super.write(procs, kept);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The control files of a v1 run cgroup with every counter at rest (memory.usage_in_bytes left to the
     * caller: a test scripts it or writes it), for {@link #FakeCgroupFs(Path, Map)}.
     */
    static Map<String, String> v1ControlFiles() {
        Map<String, String> files = new LinkedHashMap<>();
        files.put("tasks", "");
        files.put("cgroup.procs", "");
        files.put("memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
        files.put("memory.limit_in_bytes", "");
        files.put("memory.swappiness", "");
        files.put("memory.stat", "cache 0\nrss 0\n");
        files.put("memory.failcnt", "0\n");
        files.put("memory.max_usage_in_bytes", "0\n");
        files.put("memory.force_empty", "");
        files.put("pids.max", "");
        files.put("pids.current", "0\n");
        files.put("pids.peak", "1\n");
        files.put("cpu.cfs_period_us", "");
        files.put("cpu.cfs_quota_us", "");
        files.put("cpu.stat", "nr_periods 0\nnr_throttled 0\nthrottled_time 0\n");
        files.put("cpuacct.usage", "0\n");
        files.put("cpuacct.usage_user", "0\n");
        files.put("cpuacct.usage_sys", "0\n");
        return files;
    }
}
