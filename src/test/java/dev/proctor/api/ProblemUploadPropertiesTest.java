package dev.proctor.api;

import static dev.proctor.api.ApiTestSupport.newClientKey;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.problems.Archives;
import dev.proctor.testsupport.FakeSandboxProfile;
import dev.proctor.testsupport.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.junit.jupiter.api.Test;

/**
 * Generated upload bodies through the real HTTP stack and PostgreSQL: random bytes, archives with hostile
 * names, links and devices, broken YAML, missing answers, and well-formed packages (no input validator: the
 * sandbox is not needed). Never a 5xx; every refusal is problem+json naming a field and stores nothing; every
 * acceptance is a version the caller can read back. Sampled from jqwik's generators, as {@code
 * JobRequestPropertiesTest} does.
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@TestProfile(FakeSandboxProfile.class)
class ProblemUploadPropertiesTest {

    private static final int TRIES = Integer.getInteger("proctor.fuzz.tries", 150);

    private static Arbitrary<byte[]> text() {
        return Arbitraries.oneOf(
                Arbitraries.of("1\n", "", "2 3\n", "\u0000\u00ff", "x".repeat(300))
                        .map(s -> s.getBytes(StandardCharsets.UTF_8)),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(200));
    }

    private static Arbitrary<String> yaml() {
        return Arbitraries.of(
                "name: ok\n",
                "",
                "name: [broken\n",
                "problem_format_version: 2023-07-draft\ntype: scoring\n",
                "problem_format_version: 1999\n",
                "validation: custom\n",
                "limits: {time_multiplier: -3}\n",
                "limits: {memory: 99999999999}\n",
                "type: interactive\n",
                "name: {de: Hallo}\n",
                "a: &a [1,2]\nb: [*a, *a]\n",
                "\t- not yaml\n");
    }

    private static Arbitrary<String> path() {
        return Arbitraries.oneOf(
                Arbitraries.of(
                        "data/secret/1.in",
                        "data/secret/1.ans",
                        "data/sample/s.in",
                        "data/sample/s.ans",
                        "data/secret/g/testdata.yaml",
                        "data/testdata.yaml",
                        "../escape",
                        "/abs",
                        "data/../x",
                        "data//y",
                        "a\\b",
                        "output_validators/v/v.py",
                        "submissions/accepted/a.py"),
                Arbitraries.strings().withChars("abc./_-").ofMinLength(1).ofMaxLength(30));
    }

    private static Arbitrary<Archives.Entry> entry() {
        Arbitrary<Byte> type = Arbitraries.of(
                TarArchiveEntry.LF_NORMAL,
                TarArchiveEntry.LF_NORMAL,
                TarArchiveEntry.LF_NORMAL,
                TarArchiveEntry.LF_SYMLINK,
                TarArchiveEntry.LF_LINK,
                TarArchiveEntry.LF_FIFO);
        return Combinators.combine(path(), text(), type).as(Archives.Entry::new);
    }

    static Arbitrary<byte[]> bodies() {
        Arbitrary<List<Archives.Entry>> entries = Combinators.combine(
                        yaml(), entry().list().ofMaxSize(8), Arbitraries.of(true, false))
                .as((y, rest, good) -> {
                    List<Archives.Entry> all = new ArrayList<>();
                    all.add(Archives.Entry.file("problem.yaml", y.getBytes(StandardCharsets.UTF_8)));
                    if (good) {
                        all.add(Archives.Entry.file("data/secret/01.in", "1\n".getBytes(StandardCharsets.US_ASCII)));
                        all.add(Archives.Entry.file("data/secret/01.ans", "1\n".getBytes(StandardCharsets.US_ASCII)));
                    }
                    all.addAll(rest);
                    return all;
                });
        return Arbitraries.oneOf(
                Arbitraries.bytes().array(byte[].class).ofMaxSize(2000),
                entries.map(Archives::tarGz),
                entries.map(e -> {
                    try {
                        return Archives.zip(e.stream()
                                .map(x -> Archives.Entry.file(x.name(), x.content()))
                                .toList());
                    } catch (RuntimeException duplicate) {
                        return new byte[] {'P', 'K', 3, 4};
                    }
                }));
    }

    @Test
    void generatedUploadsGetA4xxNamingAFieldOrAVersionNever5xx() {
        Iterator<byte[]> bodies = bodies().sampleStream().iterator();
        String key = newClientKey();
        int accepted = 0;
        int refused = 0;
        for (int i = 0; i < TRIES; i++) {
            byte[] body = bodies.next();
            String name = "p" + i;
            Response r = given().auth()
                    .oauth2(key)
                    .contentType("application/octet-stream")
                    .body(body)
                    .post("/api/v1/problems?name=" + name);
            int status = r.statusCode();
            String context = "try " + i + " (" + body.length + " bytes): " + r.asString();
            assertTrue(status < 500, "5xx for " + context);
            if (status >= 400) {
                refused++;
                assertTrue(r.contentType().startsWith("application/problem+json"), context);
                assertEquals(status, r.jsonPath().getInt("status"), context);
                assertNotNull(r.jsonPath().getString("field"), context);
                assertNotNull(r.jsonPath().getString("detail"), context);
                given().auth()
                        .oauth2(key)
                        .get("/api/v1/problems/" + name)
                        .then()
                        .statusCode(404);
            } else {
                accepted++;
                assertEquals(201, status, context);
                given().auth()
                        .oauth2(key)
                        .get("/api/v1/problems/" + name)
                        .then()
                        .statusCode(200)
                        .body("version", org.hamcrest.Matchers.equalTo(1));
            }
        }
        assertTrue(accepted > 0 && refused > TRIES / 3, "accepted " + accepted + ", refused " + refused);
    }
}
