package dev.prodlens.core.embed;

import dev.prodlens.core.config.ConfigKeys;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which regions of a query photo are embedded besides the whole photo (region search: a shopper's
 * photo where the product fills only part of a cluttered frame). Written as {@code scale:n,...}: at
 * each scale, square crops whose side is {@code scale} times the photo's shorter side, on an {@code
 * n × n} grid spread evenly from edge to edge, so neighbouring crops overlap when {@code scale · n
 * > 1}. {@code 0.75:2,0.5:3} is 4 crops of three quarters and 9 of half the shorter side.
 *
 * <p>The crops are square so that the preprocessing's centre crop ({@link ImagePreprocessor}) keeps
 * all of each; their count is fixed by the layout whatever the photo's size or shape, which bounds
 * the work one query can cause.
 */
public final class RegionLayout {
    /** The layout syntax, for configuration checks and messages. */
    public static final String SYNTAX = ConfigKeys.REGION_LAYOUT_SYNTAX;

    /** The most crops a layout may ask for (each is one model run per query). */
    public static final int MAX_REGIONS = 32;

    private static final Pattern PART = Pattern.compile("([0-9.]+):([0-9])");

    /** One scale of the layout: crops of {@code scale} × the shorter side on an n × n grid. */
    public record Scale(double scale, int grid) {}

    private final List<Scale> scales;
    private final String text;

    private RegionLayout(List<Scale> scales, String text) {
        this.scales = List.copyOf(scales);
        this.text = text;
    }

    /**
     * Parses {@code scale:n,...}; {@link IllegalArgumentException} with a one-line reason when it
     * is not one.
     */
    public static RegionLayout parse(String text) {
        String trimmed = text.strip();
        if (!trimmed.matches(SYNTAX))
            throw new IllegalArgumentException(
                    "'"
                            + text
                            + "' is not a region layout; write scale:n pairs such as 0.75:2,0.5:3");
        List<Scale> scales = new ArrayList<>();
        int regions = 0;
        Matcher m = PART.matcher(trimmed);
        while (m.find()) {
            double scale = Double.parseDouble(m.group(1));
            int grid = Integer.parseInt(m.group(2));
            if (scale <= 0 || scale > 1)
                throw new IllegalArgumentException(
                        "region scale "
                                + m.group(1)
                                + " must be in (0, 1]: a share of the shorter side");
            scales.add(new Scale(scale, grid));
            regions += grid * grid;
        }
        if (regions > MAX_REGIONS)
            throw new IllegalArgumentException(
                    "'"
                            + text
                            + "' asks for "
                            + regions
                            + " regions; at most "
                            + MAX_REGIONS
                            + " (each is a model run per query)");
        return new RegionLayout(scales, trimmed);
    }

    public List<Scale> scales() {
        return scales;
    }

    /** How many crops the layout makes of any photo. */
    public int count() {
        return scales.stream().mapToInt(s -> s.grid() * s.grid()).sum();
    }

    /**
     * The crops of a {@code width × height} image, in pixels, scale by scale, row by row; each at
     * least one pixel and inside the image.
     */
    public List<ImageRegion> regionsOf(int width, int height) {
        List<ImageRegion> regions = new ArrayList<>(count());
        int shorter = Math.min(width, height);
        for (Scale s : scales) {
            int side = Math.max(1, (int) Math.round(s.scale() * shorter));
            for (int row = 0; row < s.grid(); row++) {
                for (int col = 0; col < s.grid(); col++) {
                    regions.add(
                            new ImageRegion(
                                    offset(width, side, col, s.grid()),
                                    offset(height, side, row, s.grid()),
                                    Math.min(side, width),
                                    Math.min(side, height)));
                }
            }
        }
        return regions;
    }

    /** The i-th of n crop positions spread evenly over a side of {@code length}. */
    private static int offset(int length, int side, int i, int n) {
        int room = Math.max(0, length - side);
        return n == 1 ? room / 2 : (int) Math.round((double) room * i / (n - 1));
    }

    @Override
    public String toString() {
        return text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RegionLayout other && other.scales.equals(scales);
    }

    @Override
    public int hashCode() {
        return scales.hashCode();
    }

    /** For messages: the layout and its crop count. */
    public String describe() {
        return String.format(Locale.ROOT, "%s (%d crops)", text, count());
    }
}
