package dev.prodlens.core.image;

import dev.prodlens.core.config.ConfigKeys;
import java.time.Duration;
import java.util.Objects;

/**
 * What {@link ImageDecoder} accepts, how much resolution it keeps, and what one decode and all
 * decodes together may cost. The names in messages ({@code decode.max-bytes} ...) are the
 * configuration keys these values come from; the target side has none (the model card sets it).
 *
 * @param maxBytes largest encoded image accepted, in bytes
 * @param maxPixels largest width x height accepted, checked from the header before any pixel is
 *     decoded (a small file may declare a huge image: a decompression bomb); at most {@link
 *     Integer#MAX_VALUE}, the most a {@code BufferedImage} holds
 * @param targetMinSide the shorter side the caller will resize to: images with a shorter side of at
 *     least twice this are decoded at a reduced scale that still keeps at least this many pixels on
 *     that side (still WebPs, through libwebp: any larger image, to exactly this); 0 decodes at
 *     full size
 * @param maxMemoryBytes most memory one decode may need, estimated from the header before decoding
 *     ({@link DecodeCost}); more is refused (OVER_BUDGET). The native JPEG decoder is held to it
 *     too
 * @param memoryBudgetBytes most memory all decodes of one decoder may hold at once ({@link
 *     DecodeBudget}); at least {@code maxMemoryBytes}
 * @param timeout how long one decode may take, waiting for memory included; the decoders stop when
 *     it passes (TIMED_OUT)
 */
public record DecodeLimits(
        long maxBytes,
        long maxPixels,
        int targetMinSide,
        long maxMemoryBytes,
        long memoryBudgetBytes,
        Duration timeout) {
    /** {@code decode.max-memory-bytes}'s default (why it is what it is: {@link ConfigKeys}). */
    public static final long DEFAULT_MAX_MEMORY = ConfigKeys.DECODE_MAX_MEMORY_BYTES.defaultValue();

    /** {@code decode.memory-budget-bytes}'s default. */
    public static final long DEFAULT_MEMORY_BUDGET =
            ConfigKeys.DECODE_MEMORY_BUDGET_BYTES.defaultValue();

    /** {@code decode.timeout-ms}'s default. */
    public static final Duration DEFAULT_TIMEOUT =
            Duration.ofMillis(ConfigKeys.DECODE_TIMEOUT_MS.defaultValue());

    /**
     * The configuration's defaults, and a target side of 224 (the input side of the usual
     * ImageNet-trained models).
     */
    public static final DecodeLimits DEFAULTS =
            new DecodeLimits(
                    ConfigKeys.DECODE_MAX_BYTES.defaultValue(),
                    ConfigKeys.DECODE_MAX_PIXELS.defaultValue(),
                    224);

    public DecodeLimits {
        Objects.requireNonNull(timeout, "timeout");
        if (maxBytes < 1) {
            throw new IllegalArgumentException(
                    "decode.max-bytes must be at least 1, got " + maxBytes);
        }
        if (maxPixels < 1 || maxPixels > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                    "decode.max-pixels must be in [1, "
                            + Integer.MAX_VALUE
                            + "] (the most a BufferedImage holds), got "
                            + maxPixels);
        }
        if (targetMinSide < 0) {
            throw new IllegalArgumentException(
                    "the target shorter side must be >= 0 (0: decode at full size; "
                            + "the model card's input.resize_shorter_side sets it), got "
                            + targetMinSide);
        }
        if (maxMemoryBytes < 1 << 20) {
            throw new IllegalArgumentException(
                    "decode.max-memory-bytes must be at least 1 MiB ("
                            + (1 << 20)
                            + "), got "
                            + maxMemoryBytes);
        }
        if (memoryBudgetBytes < maxMemoryBytes) {
            throw new IllegalArgumentException(
                    "decode.memory-budget-bytes ("
                            + memoryBudgetBytes
                            + ") must be at least decode.max-memory-bytes ("
                            + maxMemoryBytes
                            + "): one decode of the largest size must fit");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException(
                    "decode.timeout-ms must be positive, got " + timeout.toMillis());
        }
    }

    /** The given size limits with the default memory and time limits. */
    public DecodeLimits(long maxBytes, long maxPixels, int targetMinSide) {
        this(
                maxBytes,
                maxPixels,
                targetMinSide,
                DEFAULT_MAX_MEMORY,
                DEFAULT_MEMORY_BUDGET,
                DEFAULT_TIMEOUT);
    }

    public DecodeLimits withMaxBytes(long value) {
        return new DecodeLimits(
                value, maxPixels, targetMinSide, maxMemoryBytes, memoryBudgetBytes, timeout);
    }

    public DecodeLimits withMaxPixels(long value) {
        return new DecodeLimits(
                maxBytes, value, targetMinSide, maxMemoryBytes, memoryBudgetBytes, timeout);
    }

    public DecodeLimits withTargetMinSide(int value) {
        return new DecodeLimits(
                maxBytes, maxPixels, value, maxMemoryBytes, memoryBudgetBytes, timeout);
    }

    /** One decode's memory limit and the budget of all decodes together. */
    public DecodeLimits withMemory(long maxMemory, long budget) {
        return new DecodeLimits(maxBytes, maxPixels, targetMinSide, maxMemory, budget, timeout);
    }

    public DecodeLimits withTimeout(Duration value) {
        return new DecodeLimits(
                maxBytes, maxPixels, targetMinSide, maxMemoryBytes, memoryBudgetBytes, value);
    }
}
