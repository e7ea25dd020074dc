package dev.prodlens.core.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.prodlens.core.image.ImageDecodeException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every decoder refusal has its code, of the same name, and keeps its message. */
class EmbedErrorTest {
    @ParameterizedTest
    @EnumSource(ImageDecodeException.Reason.class)
    void eachReasonHasTheCodeOfItsName(ImageDecodeException.Reason reason) {
        EmbedError error = EmbedError.of(new ImageDecodeException(reason, "why"));
        assertEquals(reason.name(), error.code().name());
        assertEquals("why", error.message());
    }
}
