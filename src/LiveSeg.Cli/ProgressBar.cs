using System.Globalization;
using Spectre.Console;

namespace LiveSeg.Cli;

/// <summary>
/// Progress on stderr while a run goes. On a terminal: Spectre.Console's live bar (frames, fps, percent, ETA), cleared
/// at the end. Redirected or CI: a plain line every 10% ("progress:    512/1394  36.7%    61.3 fps  ETA 0:14"), no
/// control characters. Reads the finished-frame count from another thread; never touches the pipeline.
/// </summary>
internal sealed class ProgressBar : IDisposable
{
    private readonly Func<int> _done;
    private readonly int _total;
    private readonly Func<string>? _label;
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private readonly ManualResetEventSlim _stop = new();
    private readonly Task? _live;
    private readonly Timer? _timer;
    private readonly object _lock = new();
    private int _lastDecile = -1;
    private bool _stopped;

    /// <param name="done">Frames finished so far (read from a timer thread).</param>
    /// <param name="total">Frames expected (0: unknown).</param>
    /// <param name="label">A prefix for each line, such as "3/8 items" (a batch); null: none.</param>
    public ProgressBar(Func<int> done, int total, Func<string>? label = null)
    {
        _done = done;
        _label = label;
        _total = Math.Max(0, total); // 0: unknown (a stream or a container without a frame count)
        if (Ui.PlainErr)
            _timer = new Timer(_ => Plain(), null, 250, 250);
        else
            _live = Task.Factory.StartNew(Live, TaskCreationOptions.LongRunning);
    }

    private (int Done, double Fps, string Text) Snapshot()
    {
        int done = _done();
        string label = _label is null ? "" : _label() + "  ";
        double seconds = _clock.Elapsed.TotalSeconds;
        double fps = seconds > 0 ? done / seconds : 0;
        if (_total == 0)
            return (done, fps, string.Create(CultureInfo.InvariantCulture, $"{label}{done,6} frames (total unknown)  {fps,6:F1} fps"));
        double fraction = Math.Min(1.0, (double)done / _total);
        string eta = fps > 0 ? FormatTime(Math.Max(0, _total - done) / fps) : "--:--";
        return (done, fps, string.Create(CultureInfo.InvariantCulture, $"{label}{done,6}/{_total} {fraction * 100,5:F1}%  {fps,6:F1} fps  ETA {eta}"));
    }

    private void Plain()
    {
        lock (_lock)
        {
            if (_stopped)
                return;
            var (done, _, text) = Snapshot();
            // Tenths of the run; with no known total, a line every 10 s (the timer ticks every 250 ms).
            int decile = _total > 0 ? (int)(Math.Min(1.0, (double)done / _total) * 10) : (int)(_clock.Elapsed.TotalSeconds / 10);
            if (decile > _lastDecile)
            {
                _lastDecile = decile;
                Console.Error.WriteLine($"progress: {text}");
            }
        }
    }

    private void Live()
    {
        Ui.Err.Progress()
            .AutoClear(true)
            .Columns(new SpinnerColumn(), new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask("frames", maxValue: Math.Max(1, _total));
                task.IsIndeterminate = _total == 0;
                do
                {
                    var (done, fps, _) = Snapshot();
                    string label = _label is null ? "" : Markup.Escape(_label()) + " ";
                    task.Value = Math.Min(done, Math.Max(1, _total));
                    task.Description = _total == 0
                        ? string.Create(CultureInfo.InvariantCulture, $"{label}{done,6} frames {fps,6:F1} fps")
                        : string.Create(CultureInfo.InvariantCulture, $"{label}{done,6}/{_total} frames {fps,6:F1} fps");
                }
                while (!_stop.Wait(200));
            });
    }

    public static string FormatTime(double seconds)
    {
        var t = TimeSpan.FromSeconds(Math.Round(seconds));
        return t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : t.ToString(@"m\:ss", CultureInfo.InvariantCulture);
    }

    public void Dispose()
    {
        _timer?.Dispose();
        lock (_lock)
        {
            // A log gets the last count too (a short run may end before the first tick).
            if (_timer is not null && !_stopped && (_lastDecile < 10 || _total == 0) && _done() > 0)
                Console.Error.WriteLine($"progress: {Snapshot().Text}");
            _stopped = true;
        }
        _stop.Set();
        _live?.Wait();
        _stop.Dispose();
    }
}
