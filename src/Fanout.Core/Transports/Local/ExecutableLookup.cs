namespace Fanout.Transports.Local;

/// <summary>Finds executables on <c>PATH</c> the way a shell does.</summary>
internal static class ExecutableLookup
{
    /// <summary>Returns the full path of <paramref name="name"/> on <c>PATH</c>, or <see langword="null"/>.</summary>
    public static string? Find(string name)
    {
        if (name.Contains('/'))
        {
            return IsExecutable(name) ? name : null;
        }

        string path = Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin";
        foreach (string dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, name);
            if (IsExecutable(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static bool IsExecutable(string path)
    {
        try
        {
            if (!File.Exists(path))
            {
                return false;
            }

            if (OperatingSystem.IsWindows())
            {
                return true;
            }

            UnixFileMode mode = File.GetUnixFileMode(path);
            return (mode & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
