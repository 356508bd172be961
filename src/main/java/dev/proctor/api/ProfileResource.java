package dev.proctor.api;

import dev.proctor.auth.CallerContext;
import dev.proctor.profiles.LimitSet;
import dev.proctor.profiles.Profile;
import dev.proctor.profiles.ProfileRegistry;
import dev.proctor.profiles.ProfileToolchains;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/** What each language profile runs, its limits and its toolchain version. */
@Path("/api/v1/profiles")
@Produces(MediaType.APPLICATION_JSON)
public class ProfileResource {

    /** One profile as clients see it. */
    public record ProfileView(
            String name,
            String description,
            String sourceFile,
            List<String> compile,
            List<String> run,
            String image,
            boolean available,
            String unavailableReason,
            String version,
            LimitSet compileDefault,
            LimitSet compileMaximum,
            LimitSet runDefault,
            LimitSet runMaximum) {}

    @Inject
    ProfileRegistry profiles;

    @Inject
    ProfileToolchains toolchains;

    @Inject
    CallerContext context;

    @GET
    public List<ProfileView> list() {
        context.caller();
        return profiles.all().stream().map(this::view).toList();
    }

    private ProfileView view(Profile p) {
        String unavailable = toolchains.unavailable(p).orElse(null);
        return new ProfileView(
                p.name(),
                p.description(),
                p.sourceFile(),
                p.compiles() ? p.compileArgv() : null,
                p.runArgv(),
                p.image(),
                unavailable == null,
                unavailable,
                toolchains.version(p),
                p.compiles() ? p.compileLimits().defaults() : null,
                p.compiles() ? p.compileLimits().maximum() : null,
                p.runLimits().defaults(),
                p.runLimits().maximum());
    }
}
