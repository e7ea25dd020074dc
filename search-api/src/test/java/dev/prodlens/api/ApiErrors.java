package dev.prodlens.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.util.Set;
import java.util.regex.Pattern;

/** What every error answer of the API must look like. */
public final class ApiErrors {
    /** The one format of every 404: no &lt;thing&gt; '&lt;name&gt;'[ why]; what to do. */
    private static final Pattern NOT_FOUND = Pattern.compile("no [a-z ]+ '[^']*'( [^;]+)?; \\S.*");

    private ApiErrors() {}

    public static void assertError(Http.Response r, int status, String code) {
        assertEquals(status, r.status(), r.text());
        assertErrorShape(r);
        assertEquals(code, r.json().get("error").getAsString(), r.text());
    }

    /** A 404 {@code not_found} in the one format; its message. */
    public static String assertNotFound(Http.Response r) {
        assertError(r, 404, "not_found");
        String message = r.json().get("message").getAsString();
        assertNotFoundFormat(message);
        return message;
    }

    public static void assertNotFoundFormat(String message) {
        assertTrue(NOT_FOUND.matcher(message).matches(), "the one 404 format: " + message);
    }

    /** {"error": code, "message": one line}, nothing else, nothing internal. */
    public static void assertErrorShape(Http.Response r) {
        JsonObject body = r.json();
        assertEquals(Set.of("error", "message"), body.keySet(), r.text());
        assertTrue(
                r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"),
                r.headers().toString());
        assertMessage(body.get("message").getAsString());
    }

    /** One line for people: no class names, stack frames or "(null)". */
    public static void assertMessage(String message) {
        assertFalse(message.isBlank());
        assertFalse(message.contains("\n"), "one line: " + message);
        assertFalse(
                message.contains("Exception")
                        || message.contains("\tat ")
                        || message.contains("dev.prodlens")
                        || message.contains("java.")
                        || message.contains("null"),
                "internals: " + message);
    }
}
