package dev.prodlens.api.http;

import com.google.gson.JsonObject;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.handler.ErrorHandler;

/**
 * Errors Jetty answers itself, before or outside the API's handlers: requests it cannot parse or
 * refuses (bad URIs, ambiguous encoded paths such as {@code %2F}, oversized headers: 400, 413,
 * 431), and anything that escapes the API's handlers. The API's JSON error shape instead of Jetty's
 * HTML page, for every method (Jetty writes no body at all for some by default).
 */
final class JsonErrorHandler extends ErrorHandler {
    private static final String JSON = "application/json";

    @Override
    public boolean errorPageForMethod(String method) {
        return true;
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, JSON);
        return ByteBuffer.wrap(body(status, message(status, null)));
    }

    @Override
    protected void generateAcceptableResponse(
            Request baseRequest,
            HttpServletRequest request,
            HttpServletResponse response,
            int code,
            String message)
            throws IOException {
        baseRequest.setHandled(true);
        response.setContentType(JSON);
        response.getOutputStream()
                .write(
                        body(
                                code,
                                message(
                                        code,
                                        request.getMethod() + " " + request.getRequestURI())));
    }

    /**
     * Jetty's reasons can name internals: what the status means here and what to do, in our words.
     */
    private static String message(int status, String endpoint) {
        return switch (status) {
            case 404 ->
                    ApiException.notFound(
                                    "endpoint",
                                    endpoint == null ? "?" : endpoint,
                                    "",
                                    ApiException.SEE_ENDPOINTS)
                            .getMessage();
            case 413 -> "the request is larger than the service accepts; send a smaller image";
            case 431 ->
                    "the request's headers are larger than the service accepts; send fewer or smaller headers (cookies)";
            case 500 -> ApiException.INTERNAL;
            default ->
                    "the request was refused before it reached the API; check the URL (no encoded slashes or dots) and the headers";
        };
    }

    private static byte[] body(int status, String message) {
        JsonObject body = new JsonObject();
        body.addProperty("error", ApiException.codeOf(status));
        body.addProperty("message", message);
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }
}
