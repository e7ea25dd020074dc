package dev.prodlens.testkit;

import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.ArrayDeque;

/**
 * A product drawing without its backdrop, cropped to the product's bounding box: transparent pixels
 * stay transparent, and an opaque drawing on white (the demo catalogue stores its clip art so)
 * loses the near-white pixels connected to its border, so that pasted into a photo the clutter
 * shows around the product's outline as it would in a buyer's photo, not a white card.
 */
final class ProductCutout {
    /** A channel at least this bright counts as the white backdrop (JPEG and resampling noise). */
    private static final int WHITE = 240;

    private ProductCutout() {}

    /** The cut-out as ARGB, or null when nothing of the product is left (a blank drawing). */
    static BufferedImage of(BufferedImage drawing) {
        int w = drawing.getWidth();
        int h = drawing.getHeight();
        BufferedImage argb = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = argb.createGraphics();
        g.drawImage(drawing, 0, 0, null);
        g.dispose();
        int[] px = argb.getRGB(0, 0, w, h, null, 0, w);
        clearWhiteFromBorder(px, w, h);
        int minX = w, minY = h, maxX = -1, maxY = -1;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if ((px[y * w + x] >>> 24) < 16) continue;
                minX = Math.min(minX, x);
                maxX = Math.max(maxX, x);
                minY = Math.min(minY, y);
                maxY = Math.max(maxY, y);
            }
        }
        if (maxX < 0) return null;
        argb.setRGB(0, 0, w, h, px, 0, w);
        return argb.getSubimage(minX, minY, maxX - minX + 1, maxY - minY + 1);
    }

    /**
     * Makes transparent every near-white opaque pixel that a path of such pixels joins to the
     * border.
     */
    private static void clearWhiteFromBorder(int[] px, int w, int h) {
        ArrayDeque<Integer> todo = new ArrayDeque<>();
        for (int x = 0; x < w; x++) {
            todo.add(x);
            todo.add((h - 1) * w + x);
        }
        for (int y = 0; y < h; y++) {
            todo.add(y * w);
            todo.add(y * w + w - 1);
        }
        while (!todo.isEmpty()) {
            int i = todo.poll();
            if (!whiteOpaque(px[i])) continue;
            px[i] = 0;
            int x = i % w;
            int y = i / w;
            if (x > 0) todo.add(i - 1);
            if (x < w - 1) todo.add(i + 1);
            if (y > 0) todo.add(i - w);
            if (y < h - 1) todo.add(i + w);
        }
    }

    private static boolean whiteOpaque(int argb) {
        return (argb >>> 24) >= 16
                && ((argb >> 16) & 0xff) >= WHITE
                && ((argb >> 8) & 0xff) >= WHITE
                && (argb & 0xff) >= WHITE;
    }
}
