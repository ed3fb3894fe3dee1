using BenchmarkDotNet.Running;
using Fanout.Benchmarks;

if (args.Contains("--store-overhead"))
{
    return await StoreOverhead.RunAsync(args);
}

if (args.Contains("--retained"))
{
    return await RetainedMemory.RunAsync();
}

if (args.Length > 0 && args[0] == "ssh-reuse")
{
    return await Fanout.Benchmarks.SshReuse.RunAsync(args);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
