package dev.forgeauth.introspection.introspect;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** Builds an active introspection answer, leaving out absent members; {@code active} comes first. */
final class IntrospectionJson {

    private final JsonObject json = new JsonObject().put("active", true);

    IntrospectionJson field(String name, String value) {
        if (value != null) {
            json.put(name, value);
        }
        return this;
    }

    IntrospectionJson number(String name, long value) {
        json.put(name, value);
        return this;
    }

    /** RFC 7662 §2.2: a string when there is one audience, an array otherwise. */
    IntrospectionJson audience(List<String> aud) {
        if (aud == null || aud.isEmpty()) {
            return this;
        }
        json.put("aud", aud.size() == 1 ? aud.get(0) : new JsonArray(aud));
        return this;
    }

    String build() {
        return json.encode();
    }
}
