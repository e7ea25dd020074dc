package dev.prodlens.api;

import dev.prodlens.api.http.ApiServer;
import dev.prodlens.api.live.ImageStore;
import dev.prodlens.api.live.ItemWrites;
import dev.prodlens.api.live.LiveUpdates;
import dev.prodlens.api.metrics.ApiMetrics;
import dev.prodlens.api.search.SearchService;
import dev.prodlens.core.UserError;
import dev.prodlens.core.config.CommandLine;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The service's command line, the main class of the runnable jar: {@code java -jar
 * search-api/target/prodlens-api.jar [--conf FILE] [key=value ...]}. A problem the user can fix (a
 * {@link UserError}: no bundle, a bundle of another model, bad configuration, a port in use) ends
 * it with exit code 2 and one line on standard error; an internal failure (a bug, out of native
 * memory) with exit code 1, a line saying so and its stack trace.
 */
public final class ApiMain {
    static final String USAGE =
            "usage: prodlens-api [--conf conf/prodlens.properties] [key=value ...]";

    private ApiMain() {}

    public static void main(String[] args) {
        try {
            Running running = start(args);
            Runtime.getRuntime().addShutdownHook(new Thread(running::close, "shutdown"));
            System.out.println(
                    "prodlens-api: serving bundle "
                            + running.search().bundles().peek().version()
                            + " on http://"
                            + running.settings().host()
                            + ":"
                            + running.port()
                            + "/");
        } catch (RuntimeException e) {
            System.exit(CommandLine.report("prodlens-api", e));
        }
    }

    /** A started service; {@code live} is null for {@code live.log=off}. */
    public record Running(
            ApiSettings settings,
            SearchService search,
            LiveUpdates live,
            ApiServer server,
            int port)
            implements AutoCloseable {
        /**
         * Stops taking requests, lets those in flight finish, stops following the update log and
         * closes it (accepted appends become durable first), then frees the model and the index.
         */
        @Override
        public void close() {
            server.close();
            if (live != null) live.close();
            search.close();
        }
    }

    /** Loads the configuration, the model and the bundle, and starts listening. */
    public static Running start(String[] args) {
        ApiSettings settings =
                ApiSettings.from(
                        CommandLine.config(Arrays.asList(args), USAGE),
                        Path.of("").toAbsolutePath());
        ApiMetrics metrics = new ApiMetrics();
        SearchService search = SearchService.start(settings, metrics);
        LiveUpdates live;
        try {
            live = LiveUpdates.start(settings.live(), search.bundles(), metrics);
        } catch (RuntimeException e) {
            search.close();
            throw e;
        }
        ItemWrites writes =
                live == null || settings.live().writeKey().isEmpty()
                        ? null
                        : new ItemWrites(
                                search,
                                live,
                                new ImageStore(settings.imagesRoot()),
                                metrics,
                                settings.live().visibleWait(),
                                settings.live().maxBatch());
        ApiServer server = new ApiServer(settings, search, live, writes, metrics);
        try {
            return new Running(settings, search, live, server, server.start());
        } catch (RuntimeException e) {
            server.close();
            if (live != null) live.close();
            search.close();
            throw new ServerStartException(
                    "cannot listen on "
                            + settings.host()
                            + ":"
                            + settings.port()
                            + " ("
                            + rootMessage(e)
                            + "); choose another api.port or stop what uses it");
        }
    }

    private static String rootMessage(Throwable e) {
        while (e.getCause() != null) e = e.getCause();
        return e.getMessage();
    }

    /** The HTTP server could not start. */
    static final class ServerStartException extends UserError {
        ServerStartException(String message) {
            super(message);
        }
    }
}
