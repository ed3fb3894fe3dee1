using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace Fanout.Storage.Tests.Cli;

/// <summary>A real <c>fanout serve</c> process on 127.0.0.1 (port chosen by the OS) over a store, with an operator token.</summary>
internal sealed partial class ServeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stderr;

    private ServeProcess(Process process, Uri address, string token, Task<string> stderr, Task<string> stdout)
    {
        _process = process;
        Stdout = stdout;
        Address = address;
        _stderr = stderr;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public Uri Address { get; }

    public HttpClient Client { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Everything the server wrote on stdout after its address (its JSON log lines); completes when it has exited.</summary>
    public Task<string> Stdout { get; }

    /// <summary>Everything the server wrote on stderr (its log); completes when it has exited.</summary>
    public Task<string> Stderr => _stderr;

    public static async Task<string> CreateTokenAsync(string dir, string store, string name = "operator", string role = "operator")
    {
        FanoutProcess.Result token = await FanoutProcess.RunAsync(dir, "token", "create", "--name", name, "--role", role, "--store", store);
        Assert.True(token.ExitCode == 0, token.Stderr);
        return token.Stdout.Trim().Split('\n')[^1].Trim();
    }

    public static Task<ServeProcess> StartAsync(string dir, string store, string token, params string[] extra) => StartAsync(dir, store, token, null, extra);

    /// <summary>Starts <c>fanout serve</c> with extra environment variables.</summary>
    public static async Task<ServeProcess> StartAsync(string dir, string store, string token, IReadOnlyDictionary<string, string>? environment, string[] extra)
    {
        Process p = FanoutProcess.Start(dir, environment, ["serve", "--store", store, "--urls", "http://127.0.0.1:0", "--poll-interval", "200ms", .. extra]);
        p.StandardInput.Close();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            string? line = await p.StandardOutput.ReadLineAsync(deadline.Token);
            if (line is null)
            {
                Assert.Fail($"fanout serve exited before listening: {await stderr}");
            }

            if (Url().Match(line) is { Success: true } m)
            {
                return new ServeProcess(p, new Uri(m.Value), token, stderr, p.StandardOutput.ReadToEndAsync());
            }
        }
    }

    /// <summary>SIGKILL: the server gets no chance to record anything.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM (a graceful stop); the exit code, or <see langword="null"/> when it did not exit within <paramref name="grace"/> (then it is killed).</summary>
    public async Task<int?> StopAsync(TimeSpan grace) => await FanoutProcess.TerminateAsync(_process, grace) ? _process.ExitCode : null;

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await FanoutProcess.TerminateAsync(_process, TimeSpan.FromSeconds(30));
        _process.Dispose();
    }

    [GeneratedRegex(@"http://127\.0\.0\.1:\d+")]
    private static partial Regex Url();
}
