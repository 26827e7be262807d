using System.Globalization;

namespace LiveSeg.Cli;

/// <summary>
/// Progress on stderr while a run goes: a bar redrawn four times a second on a terminal
/// ("[######----]  512/1394  36.7%  61.3 fps  ETA 0:14"), or a plain line every 10% when stderr is redirected.
/// Reads the finished-frame count from another thread; never touches the pipeline.
/// </summary>
public sealed class ProgressBar : IDisposable
{
    private readonly Func<int> _done;
    private readonly int _total;
    private readonly bool _interactive = !Console.IsErrorRedirected;
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private readonly Timer _timer;
    private readonly object _lock = new();
    private int _lastDecile = -1;
    private bool _stopped;

    public ProgressBar(Func<int> done, int total)
    {
        _done = done;
        _total = Math.Max(1, total);
        _timer = new Timer(_ => Draw(), null, 250, 250);
    }

    private void Draw()
    {
        lock (_lock)
        {
            if (_stopped)
                return;
            int done = _done();
            double seconds = _clock.Elapsed.TotalSeconds;
            double fps = seconds > 0 ? done / seconds : 0;
            double fraction = Math.Min(1.0, (double)done / _total);
            string eta = fps > 0 ? FormatTime(Math.Max(0, _total - done) / fps) : "--:--";
            string text = string.Create(CultureInfo.InvariantCulture,
                $"{done,6}/{_total} {fraction * 100,5:F1}%  {fps,6:F1} fps  ETA {eta}");
            if (_interactive)
            {
                const int Width = 30;
                int filled = (int)(fraction * Width);
                Console.Error.Write($"\r[{new string('#', filled)}{new string('-', Width - filled)}] {text}  ");
            }
            else
            {
                int decile = (int)(fraction * 10);
                if (decile > _lastDecile)
                {
                    _lastDecile = decile;
                    Console.Error.WriteLine($"progress: {text}");
                }
            }
        }
    }

    public static string FormatTime(double seconds)
    {
        var t = TimeSpan.FromSeconds(Math.Round(seconds));
        return t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : t.ToString(@"m\:ss", CultureInfo.InvariantCulture);
    }

    public void Dispose()
    {
        _timer.Dispose();
        lock (_lock)
        {
            _stopped = true;
            if (_interactive)
                Console.Error.Write("\r" + new string(' ', 90) + "\r");
        }
    }
}
