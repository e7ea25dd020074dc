package dev.prodlens.jobs.catalogue;

import dev.prodlens.core.config.Config;
import java.io.Serializable;

/**
 * Which source columns hold the catalogue's fields. Defaults are the Shopee product-matching schema
 * ({@code posting_id, image, title, label_group}) plus {@code category, price}; {@code
 * catalogue.column.<field>} in conf maps other names.
 */
public record CatalogueColumns(
        String id, String image, String title, String labelGroup, String category, String price)
        implements Serializable {
    public static final CatalogueColumns SHOPEE =
            new CatalogueColumns(
                    "posting_id", "image", "title", "label_group", "category", "price");

    public static CatalogueColumns from(Config config) {
        return new CatalogueColumns(
                config.string("catalogue.column.id", SHOPEE.id()),
                config.string("catalogue.column.image", SHOPEE.image()),
                config.string("catalogue.column.title", SHOPEE.title()),
                config.string("catalogue.column.label-group", SHOPEE.labelGroup()),
                config.string("catalogue.column.category", SHOPEE.category()),
                config.string("catalogue.column.price", SHOPEE.price()));
    }
}
