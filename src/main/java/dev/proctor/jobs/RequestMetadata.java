package dev.proctor.jobs;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/**
 * The caller's {@code metadata} of a stored request, as every view of a job shows it: read by streaming over the
 * request's top-level fields, skipping the others (its files and tests), instead of building the whole request
 * as a tree on every response.
 */
final class RequestMetadata {

    private RequestMetadata() {}

    /** Stands for metadata not read yet (to be read from the stored request); never shown. */
    static final JsonNode UNREAD = com.fasterxml.jackson.databind.node.MissingNode.getInstance();

    /**
     * The {@code metadata} a view shows for a job whose request is {@code spec}, as {@link #of(ObjectMapper,
     * String)} reads it from the request stored from it: null when it has none or it is JSON null.
     */
    static JsonNode of(dev.proctor.grading.JobSpec spec) {
        JsonNode m = spec.metadata();
        return m == null || m.isNull() || m.isMissingNode() ? null : m;
    }

    /** The top-level {@code metadata} of {@code request} (JSON), or null when it has none or it is JSON null. */
    static JsonNode of(ObjectMapper json, String request) {
        if (request == null) {
            return null;
        }
        try (JsonParser p = json.createParser(request)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            JsonNode found = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                if ("metadata".equals(name)) {
                    // the last one wins, as in a tree read of the same text
                    found = p.readValueAsTree();
                } else {
                    p.skipChildren();
                }
            }
            return found == null || found.isNull() ? null : found;
        } catch (IOException e) {
            throw new IllegalStateException("stored JSON does not parse", e);
        }
    }
}
