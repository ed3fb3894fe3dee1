using System.Runtime.CompilerServices;

namespace Fanout.Cli.Tests;

/// <summary>
/// Every run the CLI makes is recorded. Tests must never write into the user's real store
/// (~/.local/share/fanout/fanout.db), so the whole test assembly — and every fanout process it
/// starts, which inherits the environment — records into a throwaway SQLite file instead.
/// </summary>
internal static class TestStoreIsolation
{
    [ModuleInitializer]
    internal static void UseThrowawayStore()
    {
        string dir = Path.Combine(Path.GetTempPath(), "fanout-cli-tests-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        Environment.SetEnvironmentVariable("FANOUT_STORE", Path.Combine(dir, "store.db"));
        Environment.SetEnvironmentVariable("XDG_DATA_HOME", dir);
    }
}
