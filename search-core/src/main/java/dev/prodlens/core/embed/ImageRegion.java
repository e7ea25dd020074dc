package dev.prodlens.core.embed;

/** A rectangle of a decoded image, in pixels: what one region of a query photo covers. */
public record ImageRegion(int x, int y, int width, int height) {
    public ImageRegion {
        if (x < 0 || y < 0 || width < 1 || height < 1)
            throw new IllegalArgumentException(
                    "a region needs x, y ≥ 0 and a size of at least 1×1, got "
                            + x
                            + ","
                            + y
                            + " "
                            + width
                            + "×"
                            + height);
    }
}
