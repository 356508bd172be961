package dev.proctor.sandbox.cgroups;

/** The two cgroup interfaces of the kernel. v1 here means hybrid hosts too (controllers on v1). */
public enum CgroupVersion {
    V1("v1"),
    V2("v2");

    private final String label;

    CgroupVersion(String label) {
        this.label = label;
    }

    /** "v1" or "v2", as {@link CgroupDriver#version()} reports it. */
    public String label() {
        return label;
    }
}
