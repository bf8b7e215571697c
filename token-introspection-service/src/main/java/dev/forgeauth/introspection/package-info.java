/**
 * token-introspection-service: RFC 7662 {@code POST /oauth/introspect} for every token kind, reading the
 * auth-service database (read-only) and Redis. Health, metrics and OpenAPI come from the Quarkus
 * extensions; JSON errors, the 404 fallback and request limits from forge-core.
 */
package dev.forgeauth.introspection;
