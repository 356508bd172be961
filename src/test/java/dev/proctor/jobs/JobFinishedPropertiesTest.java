package dev.proctor.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.proctor.grading.JobSpec;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * A finished job is announced ({@link JobFinished#followed}) whenever one of its followers may act on it: the
 * request's own callback, or any facade's {@code metadata.<facade>.callback_url}.
 */
class JobFinishedPropertiesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final List<String> FACADES = List.of("judge0", "piston", "x", "callback_url");

    @Property(tries = 500)
    void followedExactlyWhenSomeFollowerMayAct(
            @ForAll("metadata") JsonNode metadata, @ForAll("callbacks") String callbackUrl) {
        JobFinished event = new JobFinished(UUID.randomUUID(), null, spec(callbackUrl, metadata));
        boolean someone = event.mayHaveCallback(null);
        for (String facade : FACADES) {
            someone |= event.mayHaveCallback(facade);
        }
        assertEquals(someone, event.followed());
    }

    @Example
    void withoutItsSpecTheJobIsAnnounced() {
        assertTrue(new JobFinished(UUID.randomUUID(), null, null).followed());
    }

    @Example
    void aPlainJobIsNot() throws Exception {
        assertFalse(new JobFinished(UUID.randomUUID(), null, spec(null, null)).followed());
        assertFalse(new JobFinished(UUID.randomUUID(), null, spec(null, JSON.readTree("{\"callback_url\":\"u\"}")))
                .followed());
        assertFalse(new JobFinished(
                        UUID.randomUUID(), null, spec(null, JSON.readTree("{\"judge0\":{\"callback_url\":null}}")))
                .followed());
        assertTrue(new JobFinished(
                        UUID.randomUUID(), null, spec(null, JSON.readTree("{\"judge0\":{\"callback_url\":\"u\"}}")))
                .followed());
    }

    private static JobSpec spec(String callbackUrl, JsonNode metadata) {
        return new JobSpec("bash", List.of(), List.of(), null, null, false, callbackUrl, metadata, null, null, null);
    }

    @Provide
    Arbitrary<String> callbacks() {
        return Arbitraries.of("http://example.invalid/hook").injectNull(0.7);
    }

    @Provide
    Arbitrary<JsonNode> metadata() {
        Arbitrary<JsonNode> leaf = Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(5).map(s -> (JsonNode) NODES.textNode(s)),
                Arbitraries.integers().map(i -> (JsonNode) NODES.numberNode(i)),
                Arbitraries.just((JsonNode) NODES.nullNode()));
        Arbitrary<JsonNode> facade = Arbitraries.maps(Arbitraries.of("callback_url", "other", "id"), leaf)
                .ofMaxSize(3)
                .map(JobFinishedPropertiesTest::object);
        Arbitrary<JsonNode> value = Arbitraries.oneOf(leaf, facade);
        return Arbitraries.oneOf(
                Arbitraries.just((JsonNode) null),
                leaf,
                Arbitraries.maps(Arbitraries.of(FACADES), value).ofMaxSize(4).map(JobFinishedPropertiesTest::object));
    }

    private static JsonNode object(Map<String, JsonNode> fields) {
        ObjectNode o = NODES.objectNode();
        fields.forEach(o::set);
        return o;
    }
}
