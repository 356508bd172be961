package dev.proctor.sandbox.cgroups;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where the service's own cgroups are, as {@link CgroupDetector} found them.
 *
 * @param version    the cgroup version the drivers will use
 * @param v1OwnDirs  v1: controller name → the service's own cgroup directory in that controller's
 *                   hierarchy (co-mounted controllers share one directory); empty on v2
 * @param v2OwnDir   v2: the service's own cgroup directory (the parent of proctor-service and
 *                   proctor-runs); null on v1
 * @param problems   every missing piece found while reading the mount and cgroup tables
 */
public record CgroupLayout(CgroupVersion version, Map<String, Path> v1OwnDirs, Path v2OwnDir, List<String> problems) {

    public CgroupLayout {
        // insertion order kept: directories are created and killed in a stable order
        v1OwnDirs = Collections.unmodifiableMap(new LinkedHashMap<>(v1OwnDirs));
        problems = List.copyOf(problems);
    }

    /** The distinct v1 directories (a "cpu,cpuacct" co-mount appears once). */
    public Set<Path> v1DistinctDirs() {
        return new LinkedHashSet<>(v1OwnDirs.values());
    }
}
