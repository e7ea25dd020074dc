package dev.prodlens.api.http;

import java.nio.file.Path;

/** Reaches the package-private {@link ItemImages} from tests in other packages. */
public final class ItemImagesProbe {
    private final ItemImages images;

    public ItemImagesProbe(Path root) {
        this.images = new ItemImages(root);
    }

    /** The message of the refusal of {@code reference}. */
    public String messageOf(String reference) {
        try {
            images.file("item", reference);
            throw new AssertionError(reference + " is served");
        } catch (ApiException e) {
            return e.getMessage();
        }
    }

    /** 200 when the reference would be served, else the status of the refusal. */
    public int statusOf(String reference) {
        try {
            images.file("item", reference);
            return 200;
        } catch (ApiException e) {
            return e.status();
        }
    }
}
