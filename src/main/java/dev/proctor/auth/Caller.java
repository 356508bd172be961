package dev.proctor.auth;

/** Who sent the request, resolved from its API key. */
public record Caller(long clientId, String clientName, boolean admin, long keyId) {}
