using System.Diagnostics;

namespace Fanout.Storage.Tests.Cli;

/// <summary>
/// <c>fanout script</c> uploads the script to <c>/tmp/fanout-RUN-GUID-NAME</c> on each target and removes it afterwards. A
/// <c>kill -9</c> of fanout runs nothing of its own afterwards, so the script removes its copy itself when it ends.
/// </summary>
public sealed class ScriptCleanupTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fanout-script-cleanup-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact(Timeout = 120000)]
    public async Task Script_OutlivingAKill9OfFanout_RemovesItsUploadedCopyWhenItEnds()
    {
        string name = $"leftover-{Guid.NewGuid():N}.sh";
        string script = Path.Combine(_dir, name);
        string started = Path.Combine(_dir, "started");
        File.WriteAllText(script, $"#!/bin/sh\necho \"$0\" >> {started}\nsleep 3\necho \"$1\" >> {Path.Combine(_dir, "ended")}\nexit 3\n");
        string inventory = FanoutProcess.WriteInventory(_dir, 3);
        string store = Path.Combine(_dir, "store.db");

        // The copies exist while the scripts run, and the script's arguments and exit status are its own.
        FanoutProcess.Result whole = await FanoutProcess.RunAsync(_dir, "script", script, "arg-one", "-i", inventory, "--all", "--yes", "-o", "json", "--store", store);
        Assert.True(whole.ExitCode == 1, whole.Stderr);
        Assert.Equal(3, System.Text.RegularExpressions.Regex.Count(whole.Stdout, "\"exitCode\": 3"));
        Assert.Equal(["arg-one", "arg-one", "arg-one"], File.ReadAllLines(Path.Combine(_dir, "ended")));
        Assert.Empty(Copies(name));

        File.Delete(started);
        using Process run = FanoutProcess.Start(_dir, "script", script, "arg-two", "-i", inventory, "--all", "--yes", "--quiet", "--store", store);
        run.StandardInput.Close();
        _ = run.StandardOutput.ReadToEndAsync();
        _ = run.StandardError.ReadToEndAsync();
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            while (!File.Exists(started) || File.ReadAllLines(started).Length < 3)
            {
                await Task.Delay(20, deadline.Token);
            }
        }

        string[] copies = [.. File.ReadAllLines(started)];
        Assert.All(copies, c => Assert.True(File.Exists(c), $"{c} should exist while its script runs"));
        run.Kill(); // SIGKILL: fanout's own removal never runs

        // The scripts (in their own sessions) run on to their end and remove their copies.
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            while (File.ReadAllLines(Path.Combine(_dir, "ended")).Length < 6)
            {
                await Task.Delay(50, deadline.Token);
            }
        }

        await Task.Delay(200);
        Assert.All(copies, c => Assert.False(File.Exists(c), $"{c} was left behind"));
        Assert.Empty(Copies(name));
    }

    private static string[] Copies(string name) => Directory.GetFiles("/tmp", "fanout-*-" + name);
}
