package dev.proctor.testsupport;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Kernel tests skip visibly where the host cannot run them, and never pass silently: where
 * {@code CI=true} (root on a capable kernel) a skip would hide a broken feature, so it fails.
 */
public final class KernelAssumptions {

    private KernelAssumptions() {}

    /**
     * @param ok   whether the host can run the test
     * @param why  what is missing, shown in the skip or the failure ("not root", "cgroup v2 host")
     */
    public static void requireKernel(boolean ok, String why) {
        if (ok) {
            return;
        }
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail("kernel test cannot run but CI=true requires it: " + why);
        }
        assumeTrue(false, "skipped: " + why);
    }
}
