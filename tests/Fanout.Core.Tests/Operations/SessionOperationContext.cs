using Fanout.Operations;
using Fanout.Output;
using Fanout.Transports;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Fanout.Core.Tests.Operations;

/// <summary>An operation context over one already opened session (unit-level; the executor supplies the real one).</summary>
internal sealed class SessionOperationContext(ISession? session) : OperationContext
{
    public override string RunId => "test";

    public override int Attempt => 1;

    public override int Wave => 1;

    public override TimeProvider TimeProvider => TimeProvider.System;

    public override ILogger Logger => NullLogger.Instance;

    public override ValueTask<ISession> GetSessionAsync(CancellationToken cancellationToken) =>
        session is null ? throw new InvalidOperationException("no session") : ValueTask.FromResult(session);

    public override OutputCapture CreateOutputCapture(string stream) => new();
}
