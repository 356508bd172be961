package dev.proctor.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.proctor.grading.JobSpec;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** A job view's metadata read by streaming is what a tree read of the whole stored request gives. */
class RequestMetadataPropertiesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    @Property(tries = 300)
    void streamingFindsWhatATreeReadFinds(@ForAll("requests") String request) throws Exception {
        JsonNode tree = JSON.readTree(request).get("metadata");
        JsonNode expected = tree == null || tree.isNull() ? null : tree;
        assertEquals(expected, RequestMetadata.of(JSON, request));
    }

    /** The length read is that of the metadata's text in the request (the last one's, as the last one wins). */
    @Property(tries = 300)
    void theLengthReadIsTheMetadatasText(@ForAll("requests") String request) throws Exception {
        RequestMetadata.Read read = RequestMetadata.read(JSON, request);
        assertEquals(RequestMetadata.of(JSON, request), read.metadata());
        // a compact rendering (the generator's) writes the tree back as the text it was read from
        assertEquals(read.metadata() == null ? 0 : read.metadata().toString().length(), read.chars());
    }

    /**
     * A job's view gets the metadata of its stored request whether it was read before or not: for jobs viewed in
     * any order, any number of times, each view's metadata is a fresh read's; and the ones kept stay within bounds.
     */
    @Property(tries = 100)
    void aViewsMetadataIsAlwaysItsRequests(
            @ForAll("requestLists") List<String> requests, @ForAll("views") List<Integer> views) throws Exception {
        JobService service = new JobService();
        service.json = JSON;
        service.runningHere = new RunningHere();
        List<Job> jobs = new java.util.ArrayList<>();
        for (String request : requests) {
            Job j = new Job();
            j.id = java.util.UUID.randomUUID();
            j.request = request;
            jobs.add(j);
        }
        for (int v : views) {
            if (jobs.isEmpty()) {
                break;
            }
            Job j = jobs.get(v % jobs.size());
            assertEquals(RequestMetadata.of(JSON, j.request), service.metadata(j));
        }
        assertTrue(service.recentMetadataSize() <= JobService.RECENT_METADATA_MAX);
    }

    @Provide
    Arbitrary<List<String>> requestLists() {
        return requests().list().ofMaxSize(20);
    }

    @Provide
    Arbitrary<List<Integer>> views() {
        return Arbitraries.integers().between(0, 1000).list().ofMaxSize(60);
    }

    /** Metadata over the kept length is read again on every view, never kept; with many jobs the map stays bounded. */
    @Example
    void onlySmallMetadataIsKeptAndTheMapStaysBounded() {
        JobService service = new JobService();
        service.json = JSON;
        service.runningHere = new RunningHere();
        Job big = new Job();
        big.id = java.util.UUID.randomUUID();
        big.request = "{\"metadata\":\"" + "x".repeat((int) JobService.RECENT_METADATA_MAX_CHARS) + "\"}";
        assertEquals(
                JSON.getNodeFactory().textNode("x".repeat((int) JobService.RECENT_METADATA_MAX_CHARS)),
                service.metadata(big));
        assertEquals(0, service.recentMetadataSize());
        for (int i = 0; i < 3 * JobService.RECENT_METADATA_MAX; i++) {
            Job j = new Job();
            j.id = java.util.UUID.randomUUID();
            j.request = "{\"metadata\":{\"n\":" + i + "}}";
            assertEquals(JSON.getNodeFactory().objectNode().put("n", i), service.metadata(j));
            assertTrue(service.recentMetadataSize() <= JobService.RECENT_METADATA_MAX);
        }
    }

    /** The metadata of a request at hand (a job finished by the node that parsed it) renders as its stored form's. */
    @Property(tries = 300)
    void theSpecsMetadataIsWhatItsStoredRequestGives(@ForAll("metadata") JsonNode metadata) throws Exception {
        JobSpec spec =
                new JobSpec("python3", List.of(), List.of(), null, null, false, null, metadata, List.of(), null, null);
        // as rendered: a number node of the spec may be another class than the one a parse makes of its text
        assertEquals(
                JSON.writeValueAsString(RequestMetadata.of(JSON, JSON.writeValueAsString(spec))),
                JSON.writeValueAsString(RequestMetadata.of(spec)));
    }

    @Example
    void aSpecWithoutMetadataOrWithJsonNullHasNone() {
        assertNull(RequestMetadata.of(
                new JobSpec("p", List.of(), List.of(), null, null, false, null, null, List.of(), null, null)));
        assertNull(RequestMetadata.of(new JobSpec(
                "p", List.of(), List.of(), null, null, false, null, NODES.nullNode(), List.of(), null, null)));
    }

    @Provide
    Arbitrary<JsonNode> metadata() {
        return Arbitraries.oneOf(value(3), Arbitraries.just(null));
    }

    @Example
    void noRequestOrNoObjectHasNoMetadata() {
        assertNull(RequestMetadata.of(JSON, null));
        assertNull(RequestMetadata.of(JSON, "[1, {\"metadata\": 2}]"));
        assertNull(RequestMetadata.of(JSON, "{\"files\": {\"metadata\": {\"a\": 1}}}"));
        assertNull(RequestMetadata.of(JSON, "{\"metadata\": null}"));
    }

    @Provide
    Arbitrary<String> requests() {
        Arbitrary<String> names = Arbitraries.of("metadata", "files", "tests", "profile", "meta", "x");
        Arbitrary<JsonNode> values = value(3);
        return Combinators.combine(names.list().ofMaxSize(6), values.list().ofSize(6))
                .as((List<String> keys, List<JsonNode> vals) -> {
                    ObjectNode o = NODES.objectNode();
                    for (int i = 0; i < keys.size(); i++) {
                        o.set(keys.get(i), vals.get(i));
                    }
                    return o.toString();
                });
    }

    private static Arbitrary<JsonNode> value(int depth) {
        Arbitrary<JsonNode> leaves = Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(12).map(s -> (JsonNode) NODES.textNode(s)),
                Arbitraries.longs().map(n -> (JsonNode) NODES.numberNode(n)),
                Arbitraries.doubles().map(d -> (JsonNode) NODES.numberNode(d)),
                Arbitraries.of(true, false).map(b -> (JsonNode) NODES.booleanNode(b)),
                Arbitraries.just((JsonNode) NODES.nullNode()));
        if (depth == 0) {
            return leaves;
        }
        Arbitrary<JsonNode> inner = value(depth - 1);
        Arbitrary<JsonNode> arrays = inner.list().ofMaxSize(3).map(l -> {
            ArrayNode a = NODES.arrayNode();
            l.forEach(a::add);
            return a;
        });
        Arbitrary<JsonNode> objects = Combinators.combine(
                        Arbitraries.of("metadata", "a", "b", "c").list().ofMaxSize(3),
                        inner.list().ofSize(3))
                .as((List<String> keys, List<JsonNode> vals) -> {
                    ObjectNode o = NODES.objectNode();
                    for (int i = 0; i < keys.size(); i++) {
                        o.set(keys.get(i), vals.get(i));
                    }
                    return (JsonNode) o;
                });
        return Arbitraries.oneOf(leaves, arrays, objects);
    }
}
