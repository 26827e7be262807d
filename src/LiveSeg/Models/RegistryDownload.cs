using System.Net;
using System.Net.Sockets;

namespace LiveSeg.Models;

/// <summary>
/// How <c>liveseg models fetch</c> reaches the npm registry: where it is, how long any wait may last (connecting, or
/// between two pieces of data), and who hears about progress (bytes so far, total when the registry says it).
/// </summary>
internal sealed record FetchNetwork(TimeSpan Timeout, string Registry, Action<long, long?>? Progress = null)
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);
    public const string DefaultRegistry = "https://registry.npmjs.org/";

    /// <summary>The default timeout and the registry npm would use from its environment (<c>npm_config_registry</c>), else registry.npmjs.org.</summary>
    public static FetchNetwork Default(Action<long, long?>? progress = null) => new(DefaultTimeout, EnvironmentRegistry(), progress);

    public static string EnvironmentRegistry() =>
        Environment.GetEnvironmentVariable("npm_config_registry") is { Length: > 0 } r ? r : DefaultRegistry;

    public string TarballUrl => TarballUrlOf(ModelFetcher.TarballPath);

    /// <summary>A package tarball's URL under this registry (npm layout: PACKAGE/-/NAME-VERSION.tgz).</summary>
    public string TarballUrlOf(string tarballPath) => Registry.TrimEnd('/') + "/" + tarballPath;
}

/// <summary>A bounded HTTP download to a file: no wait longer than the timeout, the server's real error in the message.</summary>
internal static class RegistryDownload
{
    /// <summary>Larger answers are refused (far more than the package, which is a few MB at most).</summary>
    public const long MaxBytes = 256L * 1024 * 1024;

    /// <summary>Downloads <paramref name="url"/> into <paramref name="path"/>; <paramref name="what"/> names it in errors.</summary>
    public static void ToFile(string url, string path, FetchNetwork network, string what)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            Throw.User($"registry '{network.Registry}' is not an http(s) URL: give one such as {FetchNetwork.DefaultRegistry}");
        try
        {
            DownloadAsync(uri, path, network).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException e)
        {
            Throw.User($"fetching {what} failed: no answer from {uri.Host}:{uri.Port} within {Seconds(network.Timeout)} (--timeout): check the network and the registry, then try again.", e);
        }
        catch (HttpRequestException e)
        {
            Throw.User($"fetching {what} failed: {Describe(e, uri, network.Timeout)}: check the network and the registry (--registry, npm_config_registry), then try again.", e);
        }
        catch (IOException e)
        {
            Throw.User($"fetching {what} failed: the connection to {uri.Host}:{uri.Port} broke ({Innermost(e).Message}): try again.", e);
        }
    }

    private static async Task DownloadAsync(Uri uri, string path, FetchNetwork network)
    {
        using var handler = new SocketsHttpHandler { ConnectTimeout = network.Timeout, AutomaticDecompression = DecompressionMethods.None };
        using var http = new HttpClient(handler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        using var deadline = new CancellationTokenSource();
        deadline.CancelAfter(network.Timeout);
        using var response = await http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"the registry answered HTTP {(int)response.StatusCode} {response.ReasonPhrase}".TrimEnd(), null, response.StatusCode);
        long? total = response.Content.Headers.ContentLength;
        if (total > MaxBytes)
            throw new HttpRequestException($"the registry offers {total} bytes, more than the {MaxBytes} this package can be");
        await using var body = await response.Content.ReadAsStreamAsync(deadline.Token).ConfigureAwait(false);
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        var buffer = new byte[81920];
        long done = 0;
        network.Progress?.Invoke(0, total);
        while (true)
        {
            deadline.CancelAfter(network.Timeout); // the timeout runs between two pieces of data, not for the whole download
            int n = await body.ReadAsync(buffer, deadline.Token).ConfigureAwait(false);
            if (n == 0)
                break;
            done += n;
            if (done > MaxBytes)
                throw new HttpRequestException($"the registry sent more than {MaxBytes} bytes");
            await file.WriteAsync(buffer.AsMemory(0, n), CancellationToken.None).ConfigureAwait(false);
            network.Progress?.Invoke(done, total);
        }
        if (total is { } expected && done != expected)
            throw new HttpRequestException($"the registry sent {done} of {expected} bytes before closing the connection");
    }

    /// <summary>The cause, as a person would name it: DNS failure, connection refused, the HTTP status.</summary>
    public static string Describe(HttpRequestException e, Uri uri, TimeSpan timeout)
    {
        string where = $"{uri.Host}:{uri.Port}";
        var socket = Find<SocketException>(e);
        if (e.StatusCode is not null && e.HttpRequestError == HttpRequestError.Unknown)
            return $"{e.Message} for {uri}";
        return e.HttpRequestError switch
        {
            HttpRequestError.NameResolutionError => $"cannot resolve '{uri.Host}' (DNS failure: {Innermost(e).Message})",
            HttpRequestError.ConnectionError when socket?.SocketErrorCode == SocketError.ConnectionRefused => $"connection refused by {where} (nothing listens there)",
            HttpRequestError.ConnectionError when socket?.SocketErrorCode == SocketError.TimedOut || Find<TimeoutException>(e) is not null =>
                $"could not connect to {where} within {Seconds(timeout)} (--timeout)",
            HttpRequestError.ConnectionError => $"cannot connect to {where} ({Innermost(e).Message})",
            HttpRequestError.SecureConnectionError => $"the TLS handshake with {where} failed ({Innermost(e).Message})",
            HttpRequestError.ResponseEnded => $"{where} closed the connection without a complete answer",
            HttpRequestError.InvalidResponse or HttpRequestError.HttpProtocolError => $"{where} sent something that is not a valid HTTP answer ({Innermost(e).Message})",
            _ when socket is not null => $"{where}: {socket.Message}",
            _ => Innermost(e).Message,
        };
    }

    private static string Seconds(TimeSpan t) => $"{t.TotalSeconds:0.###} s";

    private static T? Find<T>(Exception? e) where T : Exception
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is T found)
                return found;
        }
        return null;
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
            e = e.InnerException;
        return e;
    }
}
