package dev.prodlens.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.core.config.Config;
import dev.prodlens.core.config.ConfigException;
import dev.prodlens.testkit.Repo;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Settings are checked when they are read: a bad value stops the service with one line naming the
 * key.
 */
class ApiSettingsTest {
    private static ApiSettings settings(String key, String value) {
        return ApiSettings.from(
                Config.load(TestBundle.conf()).with(Map.of(key, value)), Repo.root());
    }

    private static String refusal(String key, String value) {
        String message =
                assertThrows(ConfigException.class, () -> settings(key, value)).getMessage();
        assertTrue(message.contains(key), message);
        assertFalse(message.contains("\n"), message);
        return message;
    }

    @Test
    void booleansAreTrueOrFalseAndNothingElse() {
        assertTrue(settings("api.batching.enabled", " TRUE ").batching().enabled());
        assertFalse(settings("api.batching.enabled", "False").batching().enabled());
        assertTrue(refusal("api.batching.enabled", "ture").contains("'ture' is not true or false"));
        refusal("api.batching.enabled", "yes");
    }

    @Test
    void theDefaultKIsAtMostTheMaxK() {
        assertEquals(50, settings("api.default-k", "50").limits().defaultK());
        assertTrue(
                refusal("api.default-k", "2000").contains("above api.max-k (1000)"),
                "the service's own check, across two keys");
    }

    @Test
    void corsOriginsAreStarAloneOrSchemeHostAndPort() {
        assertEquals(List.of("*"), settings("api.cors-origins", " * ").corsOrigins());
        assertEquals(
                List.of("https://shop.example.com", "http://localhost:3000", "http://[::1]:8080"),
                settings(
                                "api.cors-origins",
                                "https://shop.example.com, http://localhost:3000,http://[::1]:8080")
                        .corsOrigins());
        assertEquals(List.of(), settings("api.cors-origins", "").corsOrigins());
        assertTrue(
                refusal("api.cors-origins", "*,https://shop.example.com").contains("use * alone"));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "shop.example.com",
                "https://shop.example.com/",
                "https://shop.example.com/path",
                "https://*.example.com",
                "https://shop.example.com:port"
            })
    void anythingButAnOriginIsRefused(String origin) {
        assertTrue(
                refusal("api.cors-origins", origin).contains("'" + origin + "' is not an origin"));
    }

    @Test
    void aBatchRequestMustFitTheQueue() {
        Config config =
                Config.load(TestBundle.conf())
                        .with(
                                Map.of(
                                        "api.batch.max-images",
                                        "16",
                                        "api.batching.queue-capacity",
                                        "8"));
        String message =
                assertThrows(ConfigException.class, () -> ApiSettings.from(config, Repo.root()))
                        .getMessage();
        assertTrue(
                message.contains("api.batch.max-images")
                        && message.contains("api.batching.queue-capacity"),
                message);
    }

    @Test
    void theUrlFetchDeadlineIsASetting() {
        assertEquals(
                Duration.ofSeconds(5),
                settings("api.port", "0").urlFetch().timeout(),
                "the shipped default");
        assertEquals(
                Duration.ofMillis(250),
                settings("api.url-fetch.timeout-ms", "250").urlFetch().timeout());
        refusal("api.url-fetch.timeout-ms", "0");
    }
}
