package dev.proctor.dashboard;

import dev.proctor.auth.Caller;
import jakarta.enterprise.context.RequestScoped;
import java.util.Optional;

/** The dashboard login of the current request, set by {@link DashboardFilter}. */
@RequestScoped
public class DashboardSession {

    private Caller caller;
    private String sessionId;

    void set(Caller caller, String sessionId) {
        this.caller = caller;
        this.sessionId = sessionId;
    }

    public Optional<Caller> caller() {
        return Optional.ofNullable(caller);
    }

    String sessionId() {
        return sessionId;
    }
}
