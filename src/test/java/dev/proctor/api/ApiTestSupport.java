package dev.proctor.api;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import java.util.Map;
import java.util.UUID;

/** Helpers shared by the HTTP-level tests. */
final class ApiTestSupport {

    static final String ADMIN = "pk_test_admin_0123456789abcdef";

    private ApiTestSupport() {
    }

    /** A fresh client with its first key; returns {key, client id, key id, webhook secret}. */
    static Map<String, Object> newClient(Map<String, Object> quota) {
        Map<String, Object> body = new java.util.HashMap<>(quota);
        body.put("name", "c-" + UUID.randomUUID().toString().substring(0, 8));
        var r = given().auth().oauth2(ADMIN).contentType(ContentType.JSON).body(body)
                .post("/api/v1/admin/clients").then().statusCode(201).extract().jsonPath();
        return Map.of("key", r.getString("keys[0].key"), "client_id", r.getLong("id"),
                "key_id", r.getLong("keys[0].id"), "secret", r.getString("webhook_secret"));
    }

    static String newClientKey() {
        return (String) newClient(Map.of()).get("key");
    }

    static Map<String, Object> pythonJob(String source) {
        return Map.of("profile", "python3", "files", java.util.List.of(Map.of("path", "main.py", "content", source)));
    }
}
