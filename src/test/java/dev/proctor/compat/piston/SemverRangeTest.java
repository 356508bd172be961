package dev.proctor.compat.piston;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The version ranges Piston clients send, as node-semver reads them. */
class SemverRangeTest {

    @Test
    void rangesMatchAsNodeSemverDoes() {
        String v = "3.11.2";
        for (String yes : new String[] {
            "*",
            "",
            "x",
            "3",
            "3.x",
            "3.11",
            "3.11.x",
            "3.11.2",
            "=3.11.2",
            "v3.11.2",
            ">=3.8",
            ">3.10",
            "<4",
            "<=3.11",
            "^3.0.0",
            "^3.11.1",
            "~3.11.0",
            "~3",
            ">=3.8 <4",
            "2.x || 3.x",
            "3.11.2-beta"
        }) {
            assertTrue(SemverRange.satisfies(v, yes), yes);
        }
        for (String no : new String[] {
            "2",
            "3.10",
            "3.12.x",
            "3.11.3",
            ">3.11.2",
            "<3.11",
            "<=3.10",
            "^3.12.0",
            "~3.10.0",
            ">=4",
            "2.x || 4.x",
            "python",
            "3.11.2.1"
        }) {
            assertFalse(SemverRange.satisfies(v, no), no);
        }
        assertTrue(SemverRange.satisfies("0.2.5", "^0.2.1"));
        assertFalse(SemverRange.satisfies("0.3.0", "^0.2.1"));
        assertFalse(SemverRange.satisfies("1.2.3", null));
    }
}
