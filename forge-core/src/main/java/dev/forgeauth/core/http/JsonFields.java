package dev.forgeauth.core.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeauth.core.error.OAuthException;

/** Reading required fields from a JSON request body, with a 400 {@code invalid_request} naming the field. */
public final class JsonFields {

    private JsonFields() {
    }

    public static JsonNode object(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw OAuthException.invalidRequest("The request body must be a JSON object");
        }
        return body;
    }

    public static String requiredText(JsonNode body, String field, int maxLength) {
        JsonNode n = object(body).get(field);
        if (n == null || n.isNull()) {
            throw OAuthException.invalidRequest("Missing " + field);
        }
        if (!n.isTextual()) {
            throw OAuthException.invalidRequest(field + " must be a string");
        }
        String v = n.textValue();
        if (v.isEmpty() || v.length() > maxLength) {
            throw OAuthException.invalidRequest(field + " must be 1 to " + maxLength + " characters");
        }
        return v;
    }
}
