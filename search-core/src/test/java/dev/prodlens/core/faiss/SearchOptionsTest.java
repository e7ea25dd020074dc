package dev.prodlens.core.faiss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The one parser of search parameters in Faiss ParameterSpace syntax: what the tuner writes, the
 * manifest stores and the API, the evaluation and the benchmarks read.
 */
class SearchOptionsTest {
    @Test
    void parsesEachKnob() {
        assertSame(SearchOptions.DEFAULT, SearchOptions.parse(""));
        assertEquals(SearchOptions.DEFAULT.withNprobe(16), SearchOptions.parse("nprobe=16"));
        assertEquals(SearchOptions.DEFAULT.withEfSearch(64), SearchOptions.parse("efSearch=64"));
        assertEquals(
                SearchOptions.DEFAULT.withNprobe(8).withRefineFactor(2.5f),
                SearchOptions.parse("nprobe=8,k_factor_rf=2.5"));
    }

    @Test
    void keepsWhatTheStringDoesNotSet() {
        SearchOptions base = SearchOptions.DEFAULT.withThreads(1).withEfSearch(32);
        assertEquals(
                SearchOptions.DEFAULT.withThreads(1).withEfSearch(32).withNprobe(4),
                base.withParameters("nprobe=4"));
        assertSame(base, base.withParameters(""));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "''",
                "nprobe=16",
                "efSearch=64",
                "nprobe=8,k_factor_rf=4",
                "nprobe=1,efSearch=2,k_factor_rf=1.5"
            })
    void parametersWriteTheSameString(String parameters) {
        assertEquals(parameters, SearchOptions.parse(parameters).parameters());
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "bogus=1|unknown name 'bogus' (known: nprobe, efSearch, k_factor_rf)",
                "nprobe|'nprobe' is not name=value",
                "nprobe=|'nprobe=' is not name=value",
                "=4|'=4' is not name=value",
                "nprobe=4,|'' is not name=value",
                "nprobe=4,,efSearch=8|'' is not name=value",
                "nprobe=4,nprobe=8|nprobe is given twice",
                "nprobe=0|nprobe must be a positive integer, got '0'",
                "nprobe=-1|nprobe must be a positive integer, got '-1'",
                "efSearch=1.5|efSearch must be a positive integer, got '1.5'",
                "efSearch=x|efSearch must be a positive integer, got 'x'",
                "k_factor_rf=0.5|k_factor_rf must be a number in [1, 1024], got '0.5'",
                "k_factor_rf=NaN|k_factor_rf must be a number in [1, 1024], got 'NaN'",
                "' nprobe=4'|unknown name ' nprobe'",
                "efConstruction=40|unknown name 'efConstruction'"
            })
    void refusesWithOneLineNamingTheString(String parameters, String why) {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> SearchOptions.parse(parameters));
        assertTrue(
                e.getMessage().startsWith("search parameters '" + parameters + "': "),
                e.getMessage());
        assertTrue(e.getMessage().contains(why), e.getMessage());
    }

    @Test
    void aLineBreakDoesNotSplitTheMessage() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class, () -> SearchOptions.parse("nprobe=4\nx=1"));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SearchOptions.parse(null));
    }
}
