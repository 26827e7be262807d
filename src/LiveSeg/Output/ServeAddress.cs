using System.Globalization;
using System.Net;

namespace LiveSeg.Output;

/// <summary>
/// <c>--serve</c>'s address: <c>PORT</c>, <c>:PORT</c> or <c>localhost:PORT</c> (loopback), <c>IP:PORT</c>,
/// <c>[IPv6]:PORT</c>; port 0 = any free port. Only loopback unless an address is given explicitly.
/// </summary>
internal static class ServeAddress
{
    public static IPEndPoint Parse(string text)
    {
        string host = "", port = text.Trim();
        int colon = port.LastIndexOf(':');
        if (colon >= 0)
            (host, port) = (port[..colon], port[(colon + 1)..]);
        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int number) || number > 65535)
            throw new LiveSegException($"--serve '{text}': the port must be a number 0..65535: write it like 127.0.0.1:8080 (0 = any free port).");
        if (host is "" or "localhost")
            return new IPEndPoint(IPAddress.Loopback, number);
        if (host.StartsWith('[') && host.EndsWith(']'))
            host = host[1..^1];
        if (host == "*")
            return new IPEndPoint(IPAddress.Any, number);
        if (!IPAddress.TryParse(host, out IPAddress? address))
            throw new LiveSegException($"--serve '{text}': '{host}' is not an IP address: use 127.0.0.1 (this machine only), 0.0.0.0 (every network) or one of this machine's addresses.");
        return new IPEndPoint(address, number);
    }

    /// <summary>Other machines can reach it (anything but a loopback address).</summary>
    public static bool IsExposed(IPEndPoint endpoint) => !IPAddress.IsLoopback(endpoint.Address);
}
