namespace Flotilla.Registry.Tests;

/// <summary>The rules that need no server: which registries get plain HTTP, challenge parsing, platforms.</summary>
public sealed class ClientRulesTests
{
    [Theory]
    [InlineData("localhost", true)]
    [InlineData("localhost:5000", true)]
    [InlineData("127.0.0.1:5000", true)]
    [InlineData("127.1.2.3", true)]
    [InlineData("[::1]:5000", true)]
    [InlineData("registry.example:5000", true)] // configured as insecure below
    [InlineData("registry.example", false)]
    [InlineData("docker.io", false)]
    [InlineData("10.0.0.1:5000", false)]
    public void Plain_http_only_for_loopback_and_configured_registries(string domain, bool plain)
    {
        using var transport = new RegistryTransport(new RegistryOptions { InsecureRegistries = ["registry.example:5000"] });
        Assert.Equal(plain, transport.IsPlainHttp(domain));
        Assert.Equal(plain ? "http" : "https", transport.BaseUri(domain).Scheme);
    }

    [Fact]
    public void Docker_hub_is_served_by_registry_1()
    {
        using var transport = new RegistryTransport(new RegistryOptions());
        Assert.Equal("https://registry-1.docker.io/", transport.BaseUri("docker.io").ToString());
    }

    [Fact]
    public void Bearer_challenge_parameters_are_parsed_with_quotes_and_escapes()
    {
        var c = AuthChallenge.Parse("Bearer", "realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:library/busybox:pull\", error=insufficient_scope, x=\"a\\\"b\"");
        Assert.Equal("https://auth.docker.io/token", c["realm"]);
        Assert.Equal("registry.docker.io", c["service"]);
        Assert.Equal("repository:library/busybox:pull", c["scope"]);
        Assert.Equal("insufficient_scope", c["error"]);
        Assert.Equal("a\"b", c["x"]);
    }

    [Theory]
    [InlineData(null, "linux/amd64")]
    [InlineData("linux/arm64/v8", "linux/arm64/v8")]
    [InlineData("Linux/AMD64", "linux/amd64")]
    public void Platforms_parse(string? text, string formatted) => Assert.Equal(formatted, Platforms.Format(Platforms.Parse(text)));

    [Theory]
    [InlineData("linux")]
    [InlineData("linux//v8")]
    [InlineData("a/b/c/d")]
    public void Bad_platforms_are_refused_with_the_expected_form(string text) =>
        Assert.Contains("expected OS/ARCH[/VARIANT]", Assert.Throws<RegistryException>(() => Platforms.Parse(text)).Message);
}
