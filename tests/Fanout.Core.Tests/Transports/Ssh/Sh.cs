using System.Diagnostics;

namespace Fanout.Core.Tests.Transports.Ssh;

/// <summary>Runs a bash snippet for test setup and returns its stdout; throws on failure.</summary>
internal static class Sh
{
    public static string Run(string script, IDictionary<string, string>? env = null, int timeoutMs = 20000)
    {
        var psi = new ProcessStartInfo("/bin/bash", ["-c", script]) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (env is not null)
        {
            foreach ((string k, string v) in env)
            {
                psi.Environment[k] = v;
            }
        }

        using var p = Process.Start(psi)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{script}' did not finish");
        }

        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{script}' exited {p.ExitCode}: {stderr.Result}");
        }

        return stdout.Result;
    }

    public static int FreePort()
    {
        var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        int port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}
