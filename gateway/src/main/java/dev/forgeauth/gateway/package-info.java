/**
 * gateway: the front door. Every external request enters here, is authenticated (JWT, PAT, API key or
 * session) and routed to its upstream by configuration. No database; Redis for revocations and caches.
 * Health, metrics and OpenAPI come from the Quarkus extensions; JSON errors, the 404 fallback and
 * request limits from forge-core.
 */
package dev.forgeauth.gateway;
