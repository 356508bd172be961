package dev.proctor.api.dto;

/** POST /api/v1/admin/clients/{id}/keys. */
public record KeyRequest(Boolean admin) {}
