using FrontDoor.Testing;
using MailKit.Net.Imap;
using MailKit.Security;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;
using Xunit;

namespace FrontDoor.IntegrationTests.Admin;

/// <summary>
/// The status page in a real browser: Debian's headless Chromium driven by chromedriver through Selenium.
/// A MailKit login appears on the page, its kick button ends it, and hostile login names show as text.
/// </summary>
public sealed class AdminPageBrowserTests : IClassFixture<AdminFixture>, IDisposable
{
    private const string Chromium = "/usr/bin/chromium";
    private const string ChromeDriver = "/usr/bin/chromedriver";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    private readonly AdminFixture _fixture;
    private readonly string _profile = Directory.CreateTempSubdirectory("frontdoor-chromium-").FullName;
    private readonly ChromeDriver _browser;

    public AdminPageBrowserTests(AdminFixture fixture)
    {
        _fixture = fixture;
        if (!File.Exists(Chromium) || !File.Exists(ChromeDriver))
        {
            throw new InvalidOperationException(
                $"Chromium is not installed ({Chromium}, {ChromeDriver}). Run ./test.sh, which installs it (apt-get install chromium chromium-driver).");
        }

        var options = new ChromeOptions { BinaryLocation = Chromium };
        options.AddArguments(
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", "--window-size=1400,1000", $"--user-data-dir={_profile}");
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(ChromeDriver)!, Path.GetFileName(ChromeDriver));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        _browser = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task A_login_appears_is_kicked_with_its_button_and_disappears()
    {
        // Two refused logins whose names must show as text, the long one cut.
        const string hostile = "<img src=x onerror=alert(1)>";
        foreach (var name in new[] { hostile, new string('y', 10 * 1024) })
        {
            using var refused = new ImapClient();
            await refused.ConnectAsync(_fixture.FrontDoor.Endpoint.Address.ToString(), _fixture.FrontDoor.Endpoint.Port, SecureSocketOptions.None);
            await Assert.ThrowsAsync<AuthenticationException>(() => refused.AuthenticateAsync(name, "wrong"));
        }

        // Selenium's calls block their thread: they run on the pool, never on a socket thread that an
        // await resumed on (sockets complete inline here), which the in-process FrontDoor needs.
        var wait = new WebDriverWait(_browser, Bound) { PollingInterval = TimeSpan.FromMilliseconds(100) };

        // The page redraws a table when its data change: an element found a moment ago may be gone; look again.
        wait.IgnoreExceptionTypes(typeof(StaleElementReferenceException));
        await Task.Run(() =>
        {
            _browser.Navigate().GoToUrl(new Uri(_fixture.AdminAddress, "/#token=" + Uri.EscapeDataString(AdminFixture.Token)));
            wait.Until(d => d.FindElements(By.CssSelector("#backends tbody tr")).Count == 2);

            // The token left the address bar once read.
            Assert.DoesNotContain("token", _browser.Url, StringComparison.Ordinal);
        });

        using var client = new ImapClient();
        await client.ConnectAsync(_fixture.FrontDoor.Endpoint.Address.ToString(), _fixture.FrontDoor.Endpoint.Port, SecureSocketOptions.None);
        await client.AuthenticateAsync("bob", AdminFixture.Users["bob"]);

        await Task.Run(() =>
        {
            var sessionId = wait.Until(d => d.FindElements(By.CssSelector("#sessions tbody tr"))
                .Where(r => Cell(r, "user") == "bob" && r.Text.Contains("modern", StringComparison.Ordinal))
                .Select(r => r.GetAttribute("data-session"))
                .FirstOrDefault());
            Assert.False(string.IsNullOrEmpty(sessionId));

            // Read under the wait too: the failures table may be redrawn between the look and the reading.
            var failureNames = wait.Until(d => d.FindElements(By.CssSelector("#failures tbody td.user")).Select(c => c.Text).ToList());
            Assert.Contains(hostile, failureNames);
            Assert.Contains(new string('y', 64) + "…", failureNames);
            Assert.Empty(_browser.FindElements(By.CssSelector("img")));

            SaveScreenshot("admin-page.png");

            wait.Until(d =>
            {
                d.FindElements(By.CssSelector("#sessions tbody tr")).Single(r => r.GetAttribute("data-session") == sessionId)
                    .FindElement(By.CssSelector("button.kick")).Click();
                return true;
            });
            wait.Until(d => !d.FindElements(By.CssSelector("#sessions tbody tr")).Any(r => r.GetAttribute("data-session") == sessionId));
        });

        await _fixture.WaitForSessionsAsync("bob", 0);
        await Assert.ThrowsAnyAsync<Exception>(() => client.NoOpAsync());
        await Task.Run(() => SaveScreenshot("admin-page-after-kick.png"));
    }

    [Fact]
    public void Without_the_token_the_page_asks_for_it_and_shows_no_data()
    {
        _browser.Navigate().GoToUrl(_fixture.AdminAddress);
        var wait = new WebDriverWait(_browser, Bound);
        wait.Until(d => d.FindElement(By.Id("token-form")).Displayed);
        Assert.False(_browser.FindElement(By.Id("main")).Displayed);

        _browser.FindElement(By.Id("token-input")).SendKeys("not-the-token");
        _browser.FindElement(By.CssSelector("#token-form button")).Click();
        wait.Until(d => d.FindElement(By.Id("token-error")).Text == "that token was refused");

        _browser.FindElement(By.Id("token-input")).Clear();
        _browser.FindElement(By.Id("token-input")).SendKeys(AdminFixture.Token);
        _browser.FindElement(By.CssSelector("#token-form button")).Click();
        wait.Until(d => d.FindElement(By.Id("main")).Displayed);
    }

    private static string Cell(IWebElement row, string className)
    {
        var cells = row.FindElements(By.CssSelector("td." + className));
        return cells.Count == 0 ? string.Empty : cells[0].Text;
    }

    private void SaveScreenshot(string name)
    {
        var directory = Path.Combine(RepoPaths.Root, "TestResults");
        Directory.CreateDirectory(directory);
        _browser.GetScreenshot().SaveAsFile(Path.Combine(directory, name));
    }

    public void Dispose()
    {
        _browser.Quit();
        _browser.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // Chromium may still be letting go of its profile; a leftover temp folder is harmless.
        }
    }
}
