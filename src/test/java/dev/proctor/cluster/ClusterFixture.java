package dev.proctor.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.proctor.testsupport.ServiceNode;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Shared by the tests that run several service processes on one throwaway PostgreSQL. */
final class ClusterFixture {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private ClusterFixture() {
    }

    /** A job with one test whose program sleeps, so that jobs are caught running. */
    static String submitSleeper(ServiceNode node, int n, double seconds) throws IOException, InterruptedException {
        String program = "import time\\ntime.sleep(" + seconds + ")\\nprint(input())";
        String body = "{\"profile\":\"python3\",\"files\":[{\"path\":\"main.py\",\"content\":\"" + program + "\"}],"
                + "\"tests\":[{\"name\":\"t\",\"stdin\":\"" + n + "\\n\",\"expected_output\":\"" + n + "\\n\"}]}";
        HttpRequest request = HttpRequest.newBuilder(node.uri("/api/v1/jobs"))
                .header("Authorization", "Bearer " + ServiceNode.ADMIN_KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<String> r = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        // as a grading pipeline does: over quota (429) or a full queue (503) means come back later
        while ((r.statusCode() == 429 || r.statusCode() == 503) && System.nanoTime() < deadline) {
            long wait = r.headers().firstValueAsLong("Retry-After").orElse(1);
            TimeUnit.MILLISECONDS.sleep(Math.min(wait * 1000, 500));
            r = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        }
        if (r.statusCode() != 202 && r.statusCode() != 201 && r.statusCode() != 200) {
            throw new IOException("submit failed: " + r.statusCode() + " " + r.body());
        }
        JsonNode job = JSON.readTree(r.body());
        return job.get("id").asText();
    }

    static Connection connect(Map<String, String> datasource) throws SQLException {
        return DriverManager.getConnection(datasource.get("quarkus.datasource.jdbc.url"),
                datasource.get("quarkus.datasource.username"), datasource.get("quarkus.datasource.password"));
    }
}
