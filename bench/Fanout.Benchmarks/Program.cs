using BenchmarkDotNet.Running;

if (args.Length > 0 && args[0] == "ssh-reuse")
{
    return await Fanout.Benchmarks.SshReuse.RunAsync(args);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
