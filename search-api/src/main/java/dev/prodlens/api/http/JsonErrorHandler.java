package dev.prodlens.api.http;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.handler.ErrorHandler;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Errors Jetty answers itself, before the request reaches the API (malformed requests, ambiguous
 * encoded paths such as {@code %2F}, oversized headers): the API's JSON error shape instead of
 * Jetty's HTML page.
 */
final class JsonErrorHandler extends ErrorHandler {
    private static final String JSON = "application/json";

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, JSON);
        return ByteBuffer.wrap(body(status).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    protected void generateAcceptableResponse(Request baseRequest, HttpServletRequest request, HttpServletResponse response,
                                              int code, String message) throws IOException {
        baseRequest.setHandled(true);
        response.setContentType(JSON);
        response.getOutputStream().write(body(code).getBytes(StandardCharsets.UTF_8));
    }

    /** Jetty's reasons can name internals: the message is the status's standard phrase plus what to do. */
    private static String body(int status) {
        String phrase = HttpStatus.getMessage(status);
        return "{\"error\":\"" + (status == 400 ? "bad_request" : status == 404 ? "not_found" : "http_" + status) + "\",\"message\":\"" + phrase
                + ": the request was refused before it reached the API; check the URL (no encoded slashes or dots) and the headers\"}";
    }
}
