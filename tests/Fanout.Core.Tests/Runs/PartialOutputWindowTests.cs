using System.Text;
using Fanout.Runs;

namespace Fanout.Core.Tests.Runs;

/// <summary>What a run's recorder keeps of its running attempts' output for their partial rows (<see cref="PartialOutput"/>).</summary>
public sealed class PartialOutputWindowTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ShortOutput_IsTheWholeText_OnlyForStartedAttempts_AndOnlyOnceUntilMoreIsPrinted()
    {
        var partial = new PartialOutput();
        partial.Observe("a", 1, "stdout", "not started yet\n"u8);
        Assert.False(partial.AnyDirty);

        partial.Start("a", 1, 3, 2, Start);
        partial.Observe("a", 1, "stdout", "one\n"u8);
        partial.Observe("a", 1, "stderr", "err\n"u8);
        partial.Observe("a", 2, "stdout", "another attempt\n"u8);
        TargetAttemptRecord row = Assert.Single(partial.TakeDirty("run", 10));
        Assert.Equal(("run", "a", 3, AttemptState.Running, 2, Start), (row.RunId, row.Target, row.Attempt, row.State, row.Wave, row.StartedAt));
        Assert.Equal(("one\n", "err\n"), (row.Stdout, row.Stderr));
        Assert.Empty(partial.TakeDirty("run", 10));

        partial.Observe("a", 1, "stdout", "two\n"u8);
        Assert.Equal("one\ntwo\n", Assert.Single(partial.TakeDirty("run", 10)).Stdout);
    }

    [Fact]
    public void LongOutput_KeepsHeadAndTail_AndNeverEndsInsideACharacter()
    {
        var partial = new PartialOutput();
        partial.Start("a", 1, 1, 1, Start);
        byte[] head = Encoding.ASCII.GetBytes(new string('h', PartialOutput.HeadBytes));
        byte[] middle = Encoding.ASCII.GetBytes(new string('m', 100_000));
        byte[] tail = Encoding.ASCII.GetBytes(new string('t', PartialOutput.TailBytes - 1));
        partial.Observe("a", 1, "stdout", head);
        partial.Observe("a", 1, "stdout", middle);
        partial.Observe("a", 1, "stdout", tail);
        partial.Observe("a", 1, "stdout", [0xC3]); // the first byte of "é": the rest has not arrived yet
        string text = Assert.Single(partial.TakeDirty("run", 10)).Stdout!;
        Assert.StartsWith(Encoding.ASCII.GetString(head), text, StringComparison.Ordinal);
        Assert.EndsWith(Encoding.ASCII.GetString(tail), text, StringComparison.Ordinal);
        Assert.Contains("[… 100000 bytes not shown …]", text, StringComparison.Ordinal);
        Assert.DoesNotContain('\uFFFD', text);

        partial.Observe("a", 1, "stdout", [0xA9]);
        Assert.EndsWith("té", Assert.Single(partial.TakeDirty("run", 10)).Stdout!, StringComparison.Ordinal);
    }

    [Fact]
    public void AForgottenAttempt_WritesNoMoreRows_AndAWriteTakesAtMostItsShare()
    {
        var partial = new PartialOutput();
        for (int i = 0; i < 5; i++)
        {
            partial.Start($"t{i}", 1, 1, 1, Start);
            partial.Observe($"t{i}", 1, "stdout", "x"u8);
        }

        partial.Forget("t0", 2); // another attempt's end: t0's attempt 1 still runs
        partial.Forget("t1", 1);
        List<TargetAttemptRecord> first = partial.TakeDirty("run", 2);
        List<TargetAttemptRecord> second = partial.TakeDirty("run", 2);
        Assert.Equal((2, 2), (first.Count, second.Count));
        Assert.Equal(["t0", "t2", "t3", "t4"], first.Concat(second).Select(r => r.Target).Order());
        Assert.Empty(partial.TakeDirty("run", 2));
    }

    [Fact]
    public void ManyPrintingTargets_HoldAtMostTheRunCap_AndEndedOnesGiveTheirRoomBack()
    {
        var partial = new PartialOutput();
        byte[] chunk = new byte[PartialOutput.HeadBytes + PartialOutput.TailBytes];
        Array.Fill(chunk, (byte)'x');
        int targets = (int)(PartialOutput.RunCap / chunk.Length) + 500;
        for (int i = 0; i < targets; i++)
        {
            partial.Start($"t{i}", 1, 1, 1, Start);
            partial.Observe($"t{i}", 1, "stdout", chunk);
        }

        Assert.InRange(partial.Held, PartialOutput.RunCap - chunk.Length, PartialOutput.RunCap);
        List<TargetAttemptRecord> rows = partial.TakeDirty("run", targets);
        Assert.InRange(rows.Count, targets - 501, targets - 499); // the last ones found no room: no partial row for them
        partial.Forget("t0", 1);
        partial.Start("late", 1, 1, 1, Start);
        partial.Observe("late", 1, "stdout", "room again\n"u8);
        Assert.Equal("room again\n", Assert.Single(partial.TakeDirty("run", 10)).Stdout);
    }
}
