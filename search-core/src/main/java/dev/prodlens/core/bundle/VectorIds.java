package dev.prodlens.core.bundle;

/**
 * The Faiss id of an item's image: its ordinal (the item's line in {@code items.jsonl}, or a slot
 * the live index gave it) shifted left by the bundle's image bits, or'ed with the image's index
 * among the item's images. One item's vectors thus share a contiguous id range, a filter over items
 * applies to every image of an item ({@code IdFilter.shifted}), and a hit names its item and its
 * matched image without a lookup table. Bundles before format 5 have 0 image bits: one vector per
 * item, whose id is its ordinal.
 */
public final class VectorIds {
    /** The image bits bundles are written with now: up to {@value #MAX_IMAGES} images per item. */
    public static final int IMAGE_BITS = 8;

    /** The most images an item may have in a bundle written now. */
    public static final int MAX_IMAGES = 1 << IMAGE_BITS;

    private VectorIds() {}

    /** The id of image {@code image} of the item at {@code ordinal}. */
    public static long of(long ordinal, int image, int imageBits) {
        if (ordinal < 0 || ordinal >= (1L << (62 - imageBits)))
            throw new IllegalArgumentException("ordinal " + ordinal + " out of range");
        if (image < 0 || image >= (1 << imageBits) && !(imageBits == 0 && image == 0))
            throw new IllegalArgumentException(
                    "image " + image + " does not fit " + imageBits + " image bits");
        return (ordinal << imageBits) | image;
    }

    /** The item ordinal of a Faiss id. */
    public static long ordinal(long id, int imageBits) {
        return id >>> imageBits;
    }

    /** The image index of a Faiss id. */
    public static int image(long id, int imageBits) {
        return (int) (id & ((1L << imageBits) - 1));
    }
}
