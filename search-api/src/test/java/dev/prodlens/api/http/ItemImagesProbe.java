package dev.prodlens.api.http;

import java.nio.file.Path;

/** Reaches the package-private {@link ItemImages} from tests in other packages. */
public final class ItemImagesProbe {
    private final ItemImages images;

    public ItemImagesProbe(Path root) {
        this.images = new ItemImages(root);
    }

    /** 200 when the reference would be served, else the status of the refusal. */
    public int statusOf(String reference) {
        try {
            images.file(reference);
            return 200;
        } catch (ApiException e) {
            return e.status();
        }
    }
}
