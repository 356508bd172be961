package dev.proctor.auth;

/**
 * Who sent the request, resolved from its API key; {@code quota}: the client's quota as read with the key (one
 * query for both on every request), or null where the caller was resolved without it (an admin session).
 */
public record Caller(long clientId, String clientName, boolean admin, long keyId, Quota quota) {

    public Caller(long clientId, String clientName, boolean admin, long keyId) {
        this(clientId, clientName, admin, keyId, null);
    }
}
