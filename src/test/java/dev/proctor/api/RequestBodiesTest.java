package dev.proctor.api;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The generator of request bodies itself. Mutations set generated values into a job and then write into
 * them (a test's limits, the checker, the first file). A generated array or object handed out twice is
 * shared between samples: it grows from sample to sample, and once it is set inside itself the body is a
 * cycle no writer can print (Jackson stops at depth 1000), so the HTTP property test fails on its own
 * generator. Every array or object a generator gives must be a new one.
 */
class RequestBodiesTest {

    @Test
    void everyGeneratedArrayOrObjectIsANewOne() {
        Set<JsonNode> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Iterator<JsonNode> values = RequestBodies.values().sampleStream().iterator();
        int containers = 0;
        for (int i = 0; i < 5_000; i++) {
            JsonNode v = values.next();
            if (v.isContainerNode()) {
                containers++;
                assertTrue(seen.add(v), "sample " + i + " handed out again: " + v);
            }
        }
        assertTrue(containers > 100, "only " + containers + " arrays or objects generated");
    }
}
