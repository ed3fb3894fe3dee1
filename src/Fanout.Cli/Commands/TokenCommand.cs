using System.CommandLine;
using Fanout.Runs;
using Fanout.Security;
using Fanout.Server.Tokens;
using Fanout.Storage;

namespace Fanout.Cli.Commands;

/// <summary><c>fanout token create|list|revoke</c> (SPEC A5): API tokens for <c>fanout serve</c>, stored hashed in the run store.</summary>
internal static class TokenCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("token", "Manage API tokens for fanout serve");
        command.Subcommands.Add(CreateCreate(context));
        command.Subcommands.Add(CreateList(context));
        command.Subcommands.Add(CreateRevoke(context));
        return command;
    }

    private static Command CreateCreate(CliContext context)
    {
        var command = new Command("create", "Create a token; it is printed once, alone on the last line of standard output");
        var name = new Option<string>("--name") { Description = "The token name (recorded as the actor of what it does)", Required = true, HelpName = "NAME" };
        var role = new Option<string>("--role") { Description = "viewer (reads), operator (runs, cancels, retries, resumes) or admin (also tokens and schedules)", Required = true, HelpName = "ROLE" };
        role.AcceptOnlyFromAmong("viewer", "operator", "admin");
        var expires = new Option<string>("--expires")
        {
            Description = "Lifetime of the token (e.g. 30d, 12h); requests with it get 401 afterwards. Default: it does not expire",
            HelpName = "DURATION",
        };
        command.Options.Add(name);
        command.Options.Add(role);
        command.Options.Add(expires);
        command.SetAction((parsed, ct) =>
        {
            DateTimeOffset? expiresAt = null;
            if (parsed.GetValue(expires) is { } lifetime)
            {
                if (!Duration.TryParse(lifetime, out TimeSpan span) || span <= TimeSpan.Zero || span > TimeSpan.FromDays(3650))
                {
                    return StoreAction.ErrorAsync(context, "token create", $"--expires '{lifetime}' is not a positive duration of at most 3650 days (e.g. 30d, 12h)");
                }

                expiresAt = context.Time.GetUtcNow() + span;
            }

            return StoreAction.RunAsync(parsed, context, "token create", store => CreateAsync(context, store, parsed.GetValue(name)!, parsed.GetValue(role)!, expiresAt, ct), ct);
        });
        return command;
    }

    private static async Task<int> CreateAsync(CliContext context, IFanoutStore store, string name, string role, DateTimeOffset? expiresAt, CancellationToken ct)
    {
        (string? token, ApiTokenRecord? record, string? error) = await TokenService.CreateAsync(store.Tokens, store.Audit, name, role,
            RunService.DefaultActor, context.Time, ct, expiresAt).ConfigureAwait(false);
        if (error is not null)
        {
            return await StoreAction.ErrorAsync(context, "token create", error).ConfigureAwait(false);
        }

        string expiry = record!.ExpiresAt is { } at ? $", expiring {StoreAction.Time(at)}" : string.Empty;
        await context.Console.Out.WriteLineAsync($"Created token '{record.Name}' with role {record.Role.ToWireName()}{expiry}. Store it now: it is not shown again.").ConfigureAwait(false);
        await context.Console.Out.WriteLineAsync(token).ConfigureAwait(false);
        return ExitCodes.Success;
    }

    private static Command CreateList(CliContext context)
    {
        var command = new Command("list", "List tokens (never their secrets)");
        command.SetAction((parsed, ct) => StoreAction.RunAsync(parsed, context, "token list", async store =>
        {
            IReadOnlyList<ApiTokenRecord> tokens = await store.Tokens.GetTokensAsync(ct).ConfigureAwait(false);
            TextWriter o = context.Console.Out;
            await o.WriteLineAsync($"{"NAME",-24} {"ROLE",-9} {"PREFIX",-12} {"CREATED",-20} {"LAST USED",-20} STATUS").ConfigureAwait(false);
            foreach (ApiTokenRecord t in tokens)
            {
                string status = t.StatusAt(context.Time.GetUtcNow()) switch
                {
                    "revoked" => $"revoked {StoreAction.Time(t.RevokedAt)}",
                    "expired" => $"expired {StoreAction.Time(t.ExpiresAt)}",
                    _ => t.ExpiresAt is { } at ? $"valid until {StoreAction.Time(at)}" : "valid",
                };
                await o.WriteLineAsync($"{t.Name,-24} {t.Role.ToWireName(),-9} {t.Prefix,-12} {StoreAction.Time(t.CreatedAt),-20} {StoreAction.Time(t.LastUsedAt),-20} {status}").ConfigureAwait(false);
            }

            return ExitCodes.Success;
        }, ct));
        return command;
    }

    private static Command CreateRevoke(CliContext context)
    {
        var command = new Command("revoke", "Revoke a token by name; requests with it get 401 from then on");
        var name = new Argument<string>("NAME") { Description = "The token name" };
        command.Arguments.Add(name);
        command.SetAction((parsed, ct) => StoreAction.RunAsync(parsed, context, "token revoke", async store =>
        {
            string n = parsed.GetValue(name)!;
            if (!await TokenService.RevokeAsync(store.Tokens, store.Audit, n, RunService.DefaultActor, context.Time, ct).ConfigureAwait(false))
            {
                return await StoreAction.ErrorAsync(context, "token revoke", $"no valid token named '{n}'").ConfigureAwait(false);
            }

            await context.Console.Out.WriteLineAsync($"Revoked token '{n}'.").ConfigureAwait(false);
            return ExitCodes.Success;
        }, ct));
        return command;
    }
}
