package dev.proctor.problems;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/** A version's package model as stored ({@code problem_versions.manifest}): one mapper, written and read here. */
final class Manifest {

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new Jdk8Module())
            .registerModule(new JavaTimeModule())
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private Manifest() {}

    static String write(ProblemPackage p) {
        try {
            return MAPPER.writeValueAsString(p);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static ProblemPackage read(String json) {
        try {
            return MAPPER.readValue(json, ProblemPackage.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored manifest unreadable: " + e.getOriginalMessage(), e);
        }
    }
}
