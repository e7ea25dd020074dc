package dev.prodlens.core.image;

import com.twelvemonkeys.imageio.plugins.bmp.BMPImageReaderSpi;
import com.twelvemonkeys.imageio.plugins.jpeg.JPEGImageReaderSpi;
import com.twelvemonkeys.imageio.plugins.webp.WebPImageReaderSpi;
import java.io.IOException;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageReader;
import javax.imageio.spi.IIORegistry;
import javax.imageio.spi.ImageReaderSpi;
import javax.imageio.spi.ServiceRegistry;

/**
 * One fixed reader provider per {@link ImageFormat}, chosen without ImageIO's plugin discovery.
 *
 * <p>Why: in Spark executors and shaded jars, ImageIO's registry scans whatever class loader was
 * the context one when it was first touched, and META-INF/services files get lost or merged
 * wrongly, so "ImageIO.read" may pick a different reader (or none) from one machine to the next.
 * Here the TwelveMonkeys providers are constructed directly, and the JDK's own PNG, GIF and JPEG
 * providers, whose package is not exported, are taken from the registry by class name: the JDK
 * registers them itself whatever the class path holds.
 */
final class ReaderProviders {
    private static final String JDK_PLUGINS = "com.sun.imageio.plugins.";

    private final Map<ImageFormat, ImageReaderSpi> providers;

    private ReaderProviders(Map<ImageFormat, ImageReaderSpi> providers) {
        this.providers = providers;
    }

    /** The process-wide set; providers are stateless factories, safe to share across threads. */
    static ReaderProviders get() {
        return Holder.INSTANCE;
    }

    /** A new reader for one decode; the caller disposes of it. */
    ImageReader newReader(ImageFormat format) throws IOException {
        return providers.get(format).createReaderInstance();
    }

    /** Provider class name per format, for tests and diagnostics. */
    String providerName(ImageFormat format) {
        return providers.get(format).getClass().getName();
    }

    private static final class Holder {
        static final ReaderProviders INSTANCE = create();
    }

    private static ReaderProviders create() {
        Map<ImageFormat, ImageReaderSpi> providers = new EnumMap<>(ImageFormat.class);
        providers.put(ImageFormat.JPEG, twelveMonkeysJpeg(jdk("jpeg.JPEGImageReaderSpi")));
        providers.put(ImageFormat.PNG, jdk("png.PNGImageReaderSpi"));
        providers.put(ImageFormat.GIF, jdk("gif.GIFImageReaderSpi"));
        providers.put(ImageFormat.WEBP, new WebPImageReaderSpi());
        providers.put(ImageFormat.BMP, new BMPImageReaderSpi());
        return new ReaderProviders(providers);
    }

    private static ImageReaderSpi jdk(String simpleName) {
        String className = JDK_PLUGINS + simpleName;
        Iterator<ImageReaderSpi> all =
                IIORegistry.getDefaultInstance().getServiceProviders(ImageReaderSpi.class, false);
        while (all.hasNext()) {
            ImageReaderSpi provider = all.next();
            if (provider.getClass().getName().equals(className)) {
                return provider;
            }
        }
        throw new IllegalStateException(
                "this JVM has no "
                        + className
                        + " in its ImageIO registry; an OpenJDK-based JDK 17+ with java.desktop is needed");
    }

    /**
     * TwelveMonkeys' JPEG reader decodes through the JDK's (libjpeg) and adds CMYK/YCCK, ICC and
     * Exif handling. Its provider finds that delegate only when it is registered in a registry that
     * holds the JDK's provider; a private registry does that without touching the global one.
     */
    private static ImageReaderSpi twelveMonkeysJpeg(ImageReaderSpi jdkJpeg) {
        ServiceRegistry wiring =
                new ServiceRegistry(List.<Class<?>>of(ImageReaderSpi.class).iterator());
        wiring.registerServiceProvider(jdkJpeg, ImageReaderSpi.class);
        JPEGImageReaderSpi twelveMonkeys = new JPEGImageReaderSpi();
        wiring.registerServiceProvider(twelveMonkeys, ImageReaderSpi.class);
        if (!wiring.contains(twelveMonkeys)) {
            // it deregisters itself when it found no delegate
            throw new IllegalStateException("TwelveMonkeys' JPEG reader found no JDK delegate");
        }
        return twelveMonkeys;
    }
}
