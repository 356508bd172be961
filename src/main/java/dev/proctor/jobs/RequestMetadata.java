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
        return shown(spec.metadata());
    }

    /**
     * The {@code metadata} a view shows, from its text as PostgreSQL renders it ({@code request -> 'metadata'}; null
     * when the request has none).
     */
    static JsonNode ofRendered(ObjectMapper json, String text) {
        if (text == null) {
            return null;
        }
        try {
            return shown(json.readTree(text));
        } catch (IOException e) {
            throw new IllegalStateException("stored metadata does not parse", e);
        }
    }

    /** Metadata as a view shows it: none for JSON null. */
    private static JsonNode shown(JsonNode m) {
        return m == null || m.isNull() || m.isMissingNode() ? null : m;
    }

    /** The top-level {@code metadata} of {@code request} (JSON), or null when it has none or it is JSON null. */
    static JsonNode of(ObjectMapper json, String request) {
        return read(json, request).metadata();
    }

    /**
     * What {@link #read} found: the metadata (null: none) and how many characters of the request its text took
     * (0 when none).
     */
    record Read(JsonNode metadata, long chars) {}

    /** As {@link #of(ObjectMapper, String)}, with the length of the metadata's text in the request. */
    static Read read(ObjectMapper json, String request) {
        if (request == null) {
            return new Read(null, 0);
        }
        try (JsonParser p = json.createParser(request)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return new Read(null, 0);
            }
            JsonNode found = null;
            long chars = 0;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                if ("metadata".equals(name)) {
                    // the last one wins, as in a tree read of the same text
                    long start = p.currentTokenLocation().getCharOffset();
                    found = p.readValueAsTree();
                    chars = p.currentLocation().getCharOffset() - start;
                } else {
                    p.skipChildren();
                }
            }
            return found == null || found.isNull() ? new Read(null, 0) : new Read(found, chars);
        } catch (IOException e) {
            throw new IllegalStateException("stored JSON does not parse", e);
        }
    }
}
