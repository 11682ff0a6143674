using Flotilla.Host;

if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(DaemonOptions.Usage);
    return 0;
}

Flotilla.Host.Swarm.DaemonRestart.Arguments = args;
var code = await Daemon.RunAsync(args);
if (code == 0 && Flotilla.Host.Swarm.DaemonRestart.Requested)
{
    Flotilla.Host.Swarm.DaemonRestart.Exec(args);
}

return code;
