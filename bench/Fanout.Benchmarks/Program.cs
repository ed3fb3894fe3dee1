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

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
