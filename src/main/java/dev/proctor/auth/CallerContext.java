package dev.proctor.auth;

import dev.proctor.core.Rejection;
import jakarta.enterprise.context.RequestScoped;

/** The caller of the current request, set by {@link AuthFilter}. */
@RequestScoped
public class CallerContext {

    private Caller caller;

    public void set(Caller caller) {
        this.caller = caller;
    }

    public Caller caller() {
        if (caller == null) {
            throw Rejection.unauthenticated("send Authorization: Bearer <API key>", "Authorization");
        }
        return caller;
    }

    public Caller requireAdmin() {
        Caller c = caller();
        if (!c.admin()) {
            throw Rejection.forbidden("this route needs an admin key");
        }
        return c;
    }
}
