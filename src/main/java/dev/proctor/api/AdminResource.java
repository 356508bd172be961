package dev.proctor.api;

import dev.proctor.api.dto.ClientRequest;
import dev.proctor.api.dto.ClientView;
import dev.proctor.api.dto.KeyRequest;
import dev.proctor.api.dto.KeyView;
import dev.proctor.auth.ApiKey;
import dev.proctor.auth.ApiKeys;
import dev.proctor.auth.CallerContext;
import dev.proctor.auth.Client;
import dev.proctor.core.Rejection;
import dev.proctor.jobs.queue.Node;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.jboss.resteasy.reactive.RestResponse;

/** Clients, their keys and the fleet: admin keys only (403 for client keys). */
@Path("/api/v1/admin")
@Produces(MediaType.APPLICATION_JSON)
public class AdminResource {

    @Inject
    CallerContext context;

    @Inject
    ApiKeys keys;

    @POST
    @Path("/clients")
    @Consumes(MediaType.APPLICATION_JSON)
    @Transactional
    public RestResponse<ClientView> create(ClientRequest r) {
        context.requireAdmin();
        if (r == null || r.name() == null || !r.name().matches("[A-Za-z0-9._-]{1,64}")) {
            throw Rejection.invalid("name", "name is required: 1 to 64 letters, digits, '.', '_', '-'");
        }
        if (Client.count("name", r.name()) > 0) {
            throw Rejection.conflict("conflict", "a client named " + r.name() + " exists", "name");
        }
        positive(r.maxConcurrentJobs() == null ? null : r.maxConcurrentJobs().longValue(), "max_concurrent_jobs");
        positive(r.maxCpuTimeMs(), "max_cpu_time_ms");
        positive(r.maxWallTimeMs(), "max_wall_time_ms");
        positive(r.maxMemoryMb(), "max_memory_mb");
        positive(r.maxPids() == null ? null : r.maxPids().longValue(), "max_pids");
        positive(r.maxOutputKb(), "max_output_kb");
        positive(r.maxDiskMb(), "max_disk_mb");
        Client c = new Client();
        c.name = r.name();
        c.maxConcurrentJobs = r.maxConcurrentJobs() == null ? 16 : r.maxConcurrentJobs();
        c.maxCpuTimeMs = r.maxCpuTimeMs();
        c.maxWallTimeMs = r.maxWallTimeMs();
        c.maxMemoryMb = r.maxMemoryMb();
        c.maxPids = r.maxPids();
        c.maxOutputKb = r.maxOutputKb();
        c.maxDiskMb = r.maxDiskMb();
        c.webhookSecret = ApiKeys.randomToken(32);
        c.persist();
        ApiKeys.Issued k = keys.issue(c.id, false);
        ApiKey stored = ApiKey.findById(k.id());
        return RestResponse.status(
                RestResponse.Status.CREATED, view(c, c.webhookSecret, List.of(keyView(stored, k.key()))));
    }

    private static void positive(Long v, String field) {
        if (v != null && v <= 0) {
            throw Rejection.invalid(field, field + " must be positive");
        }
    }

    @GET
    @Path("/clients")
    @Transactional
    public List<ClientView> clients() {
        context.requireAdmin();
        return Client.<Client>listAll().stream()
                .map(c -> view(
                        c,
                        null,
                        ApiKey.<ApiKey>list("clientId", c.id).stream()
                                .map(k -> keyView(k, null))
                                .toList()))
                .toList();
    }

    @POST
    @Path("/clients/{id}/keys")
    @Transactional
    public RestResponse<KeyView> issue(@PathParam("id") long clientId, KeyRequest r) {
        context.requireAdmin();
        if (Client.findById(clientId) == null) {
            throw Rejection.notFound("no client " + clientId);
        }
        ApiKeys.Issued k = keys.issue(clientId, r != null && Boolean.TRUE.equals(r.admin()));
        return RestResponse.status(RestResponse.Status.CREATED, keyView(ApiKey.findById(k.id()), k.key()));
    }

    @POST
    @Path("/keys/{id}/revoke")
    @Transactional
    public KeyView revoke(@PathParam("id") long keyId) {
        context.requireAdmin();
        ApiKey k = keys.revoke(keyId).orElseThrow(() -> Rejection.notFound("no key " + keyId));
        return keyView(k, null);
    }

    @GET
    @Path("/nodes")
    @Transactional
    public List<Node> nodes() {
        context.requireAdmin();
        return Node.listAll();
    }

    private static ClientView view(Client c, String secret, List<KeyView> keys) {
        return new ClientView(
                c.id,
                c.name,
                c.maxConcurrentJobs,
                c.maxCpuTimeMs,
                c.maxWallTimeMs,
                c.maxMemoryMb,
                c.maxPids,
                c.maxOutputKb,
                c.maxDiskMb,
                c.createdAt,
                secret,
                keys);
    }

    private static KeyView keyView(ApiKey k, String key) {
        return new KeyView(k.id, k.clientId, k.prefix, k.admin, k.createdAt, k.revokedAt, key);
    }
}
