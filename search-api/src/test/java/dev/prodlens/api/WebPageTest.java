package dev.prodlens.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web page in a real browser (Debian's headless Chromium through its chromedriver): pick a
 * photo, see the grid with the photo's own item first and the timing table, filter by category,
 * click a result for more like it. Screenshots go to target/screenshots/ as test artifacts.
 */
class WebPageTest {
    private static final int PHOTOS = 9;
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Path SCREENSHOTS = Path.of("target/screenshots");
    private static final String WRITE_KEY = "page-key";

    @TempDir static Path tmp;
    private static ApiMain.Running service;
    private static ChromeDriver browser;

    @BeforeAll
    static void start() {
        // item-04 is a product with three photos: offline photos 4, 12 and 13
        List<List<Integer>> products = new ArrayList<>();
        for (int i = 0; i < PHOTOS; i++) products.add(i == 4 ? List.of(4, 12, 13) : List.of(i));
        TestBundle.publishProducts(tmp, products);
        service =
                ApiMain.start(
                        TestBundle.args(tmp, "live.write-key=" + WRITE_KEY).toArray(String[]::new));
        // the installed driver, never Selenium Manager (which would download one)
        ChromeDriverService driver =
                new ChromeDriverService.Builder()
                        .usingDriverExecutable(new File("/usr/bin/chromedriver"))
                        .usingAnyFreePort()
                        .build();
        ChromeOptions options =
                new ChromeOptions()
                        .setBinary("/usr/bin/chromium")
                        .addArguments(
                                "--headless=new",
                                "--no-sandbox",
                                "--disable-dev-shm-usage",
                                "--window-size=1280,900",
                                "--user-data-dir=" + tmp.resolve("chromium-profile"));
        browser = new ChromeDriver(driver, options);
    }

    @AfterAll
    static void stop() {
        if (browser != null) browser.quit();
        if (service != null) service.close();
    }

    private static WebDriverWait waiting() {
        return new WebDriverWait(browser, WAIT);
    }

    private static void screenshot(String name) throws Exception {
        Files.createDirectories(SCREENSHOTS);
        File shot = browser.getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), SCREENSHOTS.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    }

    private static List<WebElement> results() {
        return browser.findElements(By.cssSelector("#results li"));
    }

    @Test
    void pickAPhotoFilterAndBrowseMoreLikeThis() throws Exception {
        browser.get("http://127.0.0.1:" + service.port() + "/");
        waiting().until(d -> d.findElement(By.id("bundle")).getText().contains(PHOTOS + " items"));

        pick(TestBundle.photos(PHOTOS).get(2));
        List<WebElement> grid = results();
        assertEquals(9, grid.size(), "k=12 over 9 items: all of them");
        assertEquals("item-02", grid.get(0).getAttribute("data-id"), "the photo's own item first");
        assertEquals("photo 2", grid.get(0).findElement(By.className("title")).getText());
        assertEquals("30.00", grid.get(0).findElement(By.className("price")).getText());
        assertTrue(
                grid.get(0)
                        .findElement(By.tagName("img"))
                        .getAttribute("src")
                        .endsWith("/v1/items/item-02/image"));
        WebElement image = grid.get(0).findElement(By.tagName("img"));
        boolean loaded = loaded(image);
        waiting().until(d -> loaded(image));
        assertTrue(
                browser.findElement(By.id("timing")).isDisplayed(),
                "timing table shown (image loaded: " + loaded + ")");
        double model =
                Double.parseDouble(
                        browser.findElement(By.cssSelector("#timing td[data-t=model]")).getText());
        assertTrue(model > 0, "the model's time is shown");
        screenshot("web-page-search.png");

        // filter by category: only cat-2 items
        new Select(browser.findElement(By.id("category"))).selectByValue("cat-2");
        waiting().until(d -> results().size() == 3);
        for (WebElement li : results())
            assertEquals("cat-2", li.findElement(By.className("category")).getText());
        assertEquals("item-02", results().get(0).getAttribute("data-id"), "photo 2 is in cat-2");

        // more like the second result
        new Select(browser.findElement(By.id("category"))).selectByValue("");
        waiting().until(d -> results().size() == 9);
        WebElement second = results().get(1);
        String id = second.getAttribute("data-id");
        String title = second.findElement(By.className("title")).getText();
        second.click();
        waiting()
                .until(
                        d ->
                                d.findElement(By.id("results-title"))
                                        .getText()
                                        .startsWith("More like " + title));
        List<String> similar = results().stream().map(li -> li.getAttribute("data-id")).toList();
        assertEquals(8, similar.size(), "all other items");
        assertFalse(similar.contains(id), "the item itself is left out");
        assertTrue(
                browser.getCurrentUrl().endsWith("/?similar=" + id),
                "more-like-this has its own address: " + browser.getCurrentUrl());
        screenshot("web-page-more-like-this.png");
    }

    /** Whether the browser has loaded and decoded the image. */
    private static boolean loaded(WebElement img) {
        return (Boolean)
                ((JavascriptExecutor) browser)
                        .executeScript(
                                "const img = arguments[0]; return img.complete && img.naturalWidth > 0;",
                                img);
    }

    @Test
    void aProductsCardShowsThePhotoOfItThatMatched() throws Exception {
        browser.get("http://127.0.0.1:" + service.port() + "/");
        waiting().until(d -> d.findElement(By.id("bundle")).getText().contains(PHOTOS + " items"));
        pick(TestBundle.photos(14).get(13)); // item-04's third photo
        List<WebElement> grid = results();
        assertEquals(9, grid.size(), "one card per product, not per photo");
        WebElement first = grid.get(0);
        assertEquals("item-04", first.getAttribute("data-id"));
        assertTrue(
                first.findElement(By.tagName("img"))
                        .getAttribute("src")
                        .endsWith("/v1/items/item-04/image?index=2"),
                "the card shows the matched photo");
        assertEquals("photo 3 of 3 matched", first.findElement(By.className("matched")).getText());
        waiting().until(d -> loaded(first.findElement(By.tagName("img"))));
        assertTrue(
                grid.get(1).findElements(By.className("matched")).isEmpty(),
                "a product with one photo says nothing about which matched");
        screenshot("web-page-matched-photo.png");
    }

    @Test
    void aMoreLikeThisAddressOpensTheItemsNeighbours() throws Exception {
        browser.get("http://127.0.0.1:" + service.port() + "/?similar=item-04");
        waiting()
                .until(
                        d ->
                                d.findElement(By.id("results-title"))
                                                .getText()
                                                .startsWith("More like photo 4")
                                        || d.findElement(By.id("status"))
                                                .getAttribute("class")
                                                .contains("error"));
        assertEquals("", browser.findElement(By.id("status")).getText(), "no error shown");
        List<String> neighbours = results().stream().map(li -> li.getAttribute("data-id")).toList();
        assertEquals(8, neighbours.size(), "every other item: " + neighbours);
        assertFalse(neighbours.contains("item-04"));
        assertTrue(
                browser.findElement(By.id("preview"))
                        .getAttribute("src")
                        .endsWith("/v1/items/item-04/image"),
                "the item's own photo is shown as the question");

        // a filter applies to the item's neighbours, not to an earlier photo
        new Select(browser.findElement(By.id("category"))).selectByValue("cat-1");
        waiting().until(d -> results().size() == 2);
        assertEquals(
                java.util.Set.of("item-01", "item-07"),
                java.util.Set.copyOf(
                        results().stream().map(li -> li.getAttribute("data-id")).toList()),
                "cat-1 without item-04");
        screenshot("web-page-shared-link.png");

        browser.get("http://127.0.0.1:" + service.port() + "/?similar=no-such-item");
        waiting()
                .until(d -> d.findElement(By.id("status")).getAttribute("class").contains("error"));
        assertTrue(
                browser.findElement(By.id("status")).getText().contains("no item 'no-such-item'"),
                browser.findElement(By.id("status")).getText());
    }

    /** Opens the page, picks {@code photo} and returns the ids in the grid. */
    private static List<String> searchInPage(Path photo) {
        browser.get("http://127.0.0.1:" + service.port() + "/");
        waiting().until(d -> d.findElement(By.id("bundle")).getText().contains("items"));
        pick(photo);
        return results().stream().map(li -> li.getAttribute("data-id")).toList();
    }

    /**
     * Picks {@code photo} through the page's file input (hidden behind the drop zone: shown to type
     * into it) and waits for the answer: the grid's heading, with no error shown.
     */
    private static void pick(Path photo) {
        WebElement input = browser.findElement(By.id("file"));
        ((JavascriptExecutor) browser).executeScript("arguments[0].style.display = 'block'", input);
        input.sendKeys(photo.toAbsolutePath().toString());
        // the page shows "searching…" until the answer: wait for the grid's heading or an error
        waiting()
                .until(
                        d ->
                                d.findElement(By.id("results-title")).isDisplayed()
                                        || d.findElement(By.id("status"))
                                                .getAttribute("class")
                                                .contains("error"));
        assertEquals("", browser.findElement(By.id("status")).getText(), "no error shown");
    }

    /**
     * Issue 17's demo promise: an item added through the API is found by its photo in the page as
     * soon as the write is acknowledged (it answers visible: searchable already), and once deleted
     * it is gone from the page.
     */
    @Test
    void anItemAddedThroughTheApiIsFoundInThePageAndGoneOnceDeleted() throws Exception {
        Path photo = TestBundle.photos(PHOTOS + 1).get(PHOTOS); // not in the bundle
        Http http = new Http(service.port());
        Http.Response added =
                http.putImage(
                        "/v1/items/web-new?title=Added%20live&category=cat-0&price=12",
                        Files.readAllBytes(photo), WRITE_KEY);
        assertEquals(200, added.status(), added.text());
        assertTrue(added.json().get("visible").getAsBoolean(), added.text());
        List<String> found = searchInPage(photo);
        assertEquals("web-new", found.get(0), "the added item first: " + found);
        assertEquals("Added live", results().get(0).findElement(By.className("title")).getText());
        screenshot("web-page-added-item.png");

        Http.Response deleted =
                http.send("DELETE", "/v1/items/web-new", null, null, "X-API-Key", WRITE_KEY);
        assertEquals(200, deleted.status(), deleted.text());
        assertTrue(deleted.json().get("visible").getAsBoolean(), deleted.text());
        List<String> after = searchInPage(photo);
        assertFalse(after.contains("web-new"), "deleted: " + after);
        assertEquals(PHOTOS, after.size());
    }

    @Test
    void aBadFileShowsTheApiMessage() throws Exception {
        browser.get("http://127.0.0.1:" + service.port() + "/");
        waiting().until(d -> d.findElement(By.id("bundle")).getText().contains("items"));
        Path junk = Files.writeString(tmp.resolve("not-a-photo.jpg"), "this is text, not a JPEG");
        WebElement input = browser.findElement(By.id("file"));
        ((JavascriptExecutor) browser).executeScript("arguments[0].style.display = 'block'", input);
        input.sendKeys(junk.toAbsolutePath().toString());
        waiting()
                .until(d -> d.findElement(By.id("status")).getAttribute("class").contains("error"));
        String message = browser.findElement(By.id("status")).getText();
        assertTrue(message.toLowerCase().contains("format"), message);
        screenshot("web-page-error.png");
    }
}
