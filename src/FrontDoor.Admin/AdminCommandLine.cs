namespace FrontDoor.Admin;

/// <summary>The parsed command line of who / kick / drain.</summary>
internal sealed record AdminCommandLine(string Command, string? Target, string? ConfigPath, string? User, string? Backend, bool Undo, bool NoKick)
{
    public const string Usage = "usage: FrontDoor who [--user U] [--backend B] | kick USER | drain BACKEND [--undo] [--no-kick], each with [--config PATH]";

    public static bool TryParse(string[] args, out AdminCommandLine line, out string problem)
    {
        line = null!;
        problem = Usage;
        if (args.Length == 0 || !AdminCommands.Handles(args[0]))
        {
            return false;
        }

        var command = args[0];
        string? target = null, config = null, user = null, backend = null;
        bool undo = false, noKick = false;
        for (var i = 1; i < args.Length; i++)
        {
            var arg = args[i];
            switch (arg)
            {
                case "--config" or "--user" or "--backend" when i + 1 < args.Length:
                    var value = args[++i];
                    _ = arg switch
                    {
                        "--config" => config = value,
                        "--user" => user = value,
                        _ => backend = value,
                    };
                    break;
                case "--undo" when command == "drain":
                    undo = true;
                    break;
                case "--no-kick" when command == "drain":
                    noKick = true;
                    break;
                default:
                    if (arg.StartsWith("--", StringComparison.Ordinal) || target is not null || command == "who")
                    {
                        problem = $"{command}: unexpected argument \"{arg}\"; {Usage}";
                        return false;
                    }

                    target = arg;
                    break;
            }
        }

        if (command != "who" && string.IsNullOrWhiteSpace(target))
        {
            problem = $"{command}: say which {(command == "kick" ? "user" : "backend")}; {Usage}";
            return false;
        }

        line = new AdminCommandLine(command, target, config, user, backend, undo, noKick);
        return true;
    }
}
