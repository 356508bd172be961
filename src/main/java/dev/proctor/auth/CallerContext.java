package dev.proctor.auth;

import dev.proctor.api.ProblemException;
import jakarta.enterprise.context.RequestScoped;

/** The caller of the current request, set by {@link AuthFilter}. */
@RequestScoped
public class CallerContext {

    private Caller caller;

    void set(Caller caller) {
        this.caller = caller;
    }

    public Caller caller() {
        if (caller == null) {
            throw new ProblemException(401, "unauthorized", "send Authorization: Bearer <API key>", "Authorization");
        }
        return caller;
    }

    public Caller requireAdmin() {
        Caller c = caller();
        if (!c.admin()) {
            throw new ProblemException(403, "forbidden", "this route needs an admin key", null);
        }
        return c;
    }
}
