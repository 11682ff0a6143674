using Flotilla.Host;

if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(DaemonOptions.Usage);
    return 0;
}

return await Daemon.RunAsync(args);
