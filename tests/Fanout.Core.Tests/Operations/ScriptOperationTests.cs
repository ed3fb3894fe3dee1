using System.Text;
using Fanout.Operations;

namespace Fanout.Core.Tests.Operations;

public sealed class ScriptOperationTests
{
    [Theory]
    [InlineData("echo hi\n", new[] { "sh" })]
    [InlineData("#!/bin/bash\necho hi\n", new[] { "/bin/bash" })]
    [InlineData("#! /usr/bin/env python3\nprint(1)\n", new[] { "/usr/bin/env", "python3" })]
    [InlineData("#!/usr/bin/env -S bash -eu\n", new[] { "/usr/bin/env", "-S bash -eu" })]
    [InlineData("#!/bin/sh", new[] { "/bin/sh" })]
    [InlineData("#!\n", new[] { "sh" })]
    public void InterpreterOf_ShebangLine_GivesPathAndOneArgumentLikeTheKernel(string script, string[] expected)
    {
        IReadOnlyList<string> interpreter = ScriptOperation.InterpreterOf(Encoding.UTF8.GetBytes(script));

        Assert.Equal(expected, interpreter);
    }
}
