package dev.prodlens.api.http;

import static dev.prodlens.api.ApiErrors.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.api.search.SearchFailure;
import dev.prodlens.core.embed.EmbedError;
import dev.prodlens.testkit.Repo;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The one table from the search layer's failures to HTTP: every kind and image code, its status,
 * code and Retry-After; and docs/api.md's error table lists each code under its status.
 */
class FailuresTest {
    /**
     * status, code, whether Retry-After (1 s) is sent: the contract of docs/api.md's error table.
     */
    private record Expected(int status, String code, boolean retryAfter) {}

    @Test
    void everyFailureHasItsStatusCodeAndRetryAfter() {
        Map<SearchFailure, Expected> table = table();
        Set<SearchFailure.Kind> kinds = EnumSet.noneOf(SearchFailure.Kind.class);
        Set<EmbedError.Code> imageCodes = EnumSet.noneOf(EmbedError.Code.class);
        table.forEach(
                (failure, expected) -> {
                    kinds.add(failure.kind());
                    if (failure.imageError() != null) imageCodes.add(failure.imageError());
                    ApiException answer = Failures.of(failure);
                    String what = failure.kind() + " " + failure.imageError();
                    assertEquals(expected.status(), answer.status(), what);
                    assertEquals(expected.code(), answer.code(), what);
                    assertEquals(
                            expected.retryAfter() ? Duration.ofSeconds(1) : null,
                            answer.retryAfter(),
                            what);
                    assertEquals(failure.getMessage(), answer.getMessage(), what);
                    assertMessage(answer.getMessage());
                });
        assertEquals(EnumSet.allOf(SearchFailure.Kind.class), kinds, "every kind is in the table");
        assertEquals(
                EnumSet.complementOf(EnumSet.of(EmbedError.Code.MODEL_FAILED)),
                imageCodes,
                "every image code is in the table (a model failure is a kind of its own)");
    }

    @Test
    void docsListEveryCodeUnderItsStatus() throws IOException {
        String doc = Files.readString(Repo.root().resolve("docs/api.md"));
        String errors =
                doc.substring(
                        doc.indexOf("## Errors"),
                        doc.indexOf("\n## ", doc.indexOf("## Errors") + 1));
        for (Expected expected : table().values()) {
            String row =
                    errors.lines()
                            .filter(l -> l.startsWith("| " + expected.status() + " |"))
                            .findFirst()
                            .orElseThrow(
                                    () ->
                                            new AssertionError(
                                                    "docs/api.md's error table has no row "
                                                            + expected.status()));
            assertTrue(
                    row.contains("`" + expected.code() + "`"),
                    "docs/api.md lists " + expected.code() + " under " + row);
        }
    }

    private static Map<SearchFailure, Expected> table() {
        Map<SearchFailure, Expected> table = new LinkedHashMap<>();
        table.put(
                SearchFailure.overloaded("all 2 places in the model queue are taken"),
                new Expected(503, "overloaded", true));
        table.put(
                SearchFailure.timedOut(Duration.ofSeconds(5)), new Expected(503, "timeout", true));
        table.put(SearchFailure.stopping(), new Expected(503, "stopping", true));
        table.put(SearchFailure.searchFailed(), new Expected(503, "search_failed", true));
        table.put(SearchFailure.unknownItem("item-9"), new Expected(404, "not_found", false));
        table.put(SearchFailure.unsupported("IVF16,PQ8"), new Expected(422, "unsupported", false));
        table.put(
                SearchFailure.invalidItem("unknown field 'colour'"),
                new Expected(400, "invalid_item", false));
        table.put(
                SearchFailure.logUnavailable("Kafka did not answer"),
                new Expected(503, "log_unavailable", true));
        table.put(image(EmbedError.Code.EMPTY), new Expected(400, "empty_image", false));
        table.put(
                image(EmbedError.Code.TOO_MANY_BYTES), new Expected(413, "image_too_large", false));
        table.put(
                image(EmbedError.Code.TOO_MANY_PIXELS),
                new Expected(413, "too_many_pixels", false));
        table.put(
                image(EmbedError.Code.OVER_BUDGET), new Expected(413, "decode_over_budget", false));
        table.put(image(EmbedError.Code.TIMED_OUT), new Expected(413, "decode_timeout", false));
        table.put(
                image(EmbedError.Code.UNSUPPORTED_FORMAT),
                new Expected(415, "unsupported_format", false));
        table.put(image(EmbedError.Code.CORRUPT), new Expected(422, "corrupt_image", false));
        table.put(image(EmbedError.Code.BUSY), new Expected(503, "decode_busy", true));
        table.put(image(EmbedError.Code.CANCELLED), new Expected(503, "cancelled", true));
        table.put(image(EmbedError.Code.MODEL_FAILED), new Expected(503, "model_failed", true));
        return table;
    }

    @Test
    void anImageTheModelFailedOnIsAModelFailure() {
        SearchFailure failure = image(EmbedError.Code.MODEL_FAILED);
        assertEquals(SearchFailure.Kind.MODEL_FAILED, failure.kind());
        assertNull(failure.imageError());
        assertEquals("the model failed on this request's batch; retry", failure.getMessage());
    }

    private static SearchFailure image(EmbedError.Code code) {
        return SearchFailure.image(
                new EmbedError(
                        code,
                        "the image: " + code.name().toLowerCase(Locale.ROOT) + "; send another"));
    }
}
