using System.Diagnostics;
using LiveSeg.Capture;
using LiveSeg.Inference;
using LiveSeg.Metrics;
using LiveSeg.Rendering;
using OpenCvSharp;
using Silk.NET.OpenGL;

namespace LiveSeg.Pipeline;

/// <summary>What a live session did, for the summary line and the tests.</summary>
public sealed record LiveResult(long Displayed, long Captured, long Dropped, long LateAtCapture, double Seconds, StageStats[] Stages,
    long RssAfterWarmUp, long RssAtEnd);

/// <summary>
/// Live mode, a game loop on the GL thread: poll input → take the newest frame and the newest mask (never wait for
/// inference) → render → HUD → swap. Capture and inference run on their own threads; between them only the newest item
/// is kept (<see cref="Mailbox{T}"/>: latest wins), so latency never builds up, and dropped frames are counted. With
/// <see cref="LiveOptions.Sync"/> a frame is shown only with its own mask.
/// <para>The window is created by the constructor on the calling thread, which must also call <see cref="Run"/> and
/// <see cref="Dispose"/>.</para>
/// </summary>
public sealed class LiveLoop : IDisposable
{
    // 3 held by the mailboxes, 2 by capture (inference + display copies), 1 by inference, 2 by the GL loop.
    private const int Slots = 8;
    private readonly LiveOptions _o;
    private readonly IFrameSource _firstSource;
    private readonly int _width;
    private readonly int _height;
    private readonly GlfwWindow _window;
    private readonly GlCompositor _compositor;
    private readonly HudStage _hud;
    private readonly RollingStats _stats = new();
    private readonly HudInfo _info;
    private readonly List<int> _keys = [];
    private readonly FrameSlot[] _slots;
    private readonly Mailbox<FrameSlot> _toInference;
    private readonly Mailbox<FrameSlot> _toDisplay;
    private readonly Mailbox<FrameSlot> _results;
    private readonly MetricsRecorder _recorder;
    private volatile int _modelIndex;
    private volatile string? _captureStatus;
    private volatile bool _inputEnded;
    private volatile bool _stopping;
    private long _paceSkipped;
    private string? _status;
    private long _statusUntil;
    private long _captured;
    private Exception? _failure;
    private OnnxSegmenter _segmenter;
    private int _backgroundIndex = -1;
    private VideoFileSink? _recording;
    private long _rssAfterWarmUp;

    /// <summary>The latency summary covers the newest this many displayed frames.</summary>
    public const int SummaryFrames = 4096;

    /// <summary>Resident memory is sampled after this many displayed frames (buffers, JIT and caches warmed up).</summary>
    public const int WarmUpFrames = 100;
    private readonly Mat _recordFrame = new();

    public LiveLoop(LiveOptions options)
    {
        _o = options;
        _firstSource = options.OpenSource();
        try
        {
            (_width, _height) = (_firstSource.Width, _firstSource.Height);
            _segmenter = new OnnxSegmenter(options.Models[0], options.Device, options.InferenceThreads);
            _window = new GlfwWindow(_width, _height, $"LiveSeg — {options.SourceName}", options.VSync);
            var shaders = new ShaderLibrary();
            using Mat? background = options.Backgrounds.Count > 0 ? BackgroundImage.LoadCover(options.Backgrounds[0], _width, _height) : null;
            _backgroundIndex = options.Backgrounds.Count > 0 ? 0 : -1;
            _compositor = new GlCompositor(_window.Gl, shaders, _width, _height, _segmenter.MaskWidth, _segmenter.MaskHeight, options.Effect, background);
            _hud = new HudStage(_window.Gl, shaders);
        }
        catch
        {
            _segmenter?.Dispose();
            _window?.Dispose();
            _firstSource.Dispose();
            throw;
        }
        _info = new HudInfo { Stats = _stats, Provider = _segmenter.Provider, Model = _segmenter.Manifest.Name, Effect = Describe(options.Effect) };
        _window.KeyPressed += key => _keys.Add(key);
        _slots = Enumerable.Range(0, Slots).Select(_ => new FrameSlot(_segmenter.MaskWidth, _segmenter.MaskHeight)).ToArray();
        _toInference = new Mailbox<FrameSlot>(_slots[0]);
        _toDisplay = new Mailbox<FrameSlot>(_slots[1]);
        _results = new Mailbox<FrameSlot>(_slots[2]);
        // The newest frames only: a live session may run for days, and its memory must not grow with it.
        _recorder = MetricsRecorder.Bounded(SummaryFrames);
        WarmUp();
    }

    /// <summary>
    /// Draws one black frame through every path (JIT, shader first use, HUD) before capture starts, so the first real
    /// frames are not late: otherwise the first draw takes several frame periods and frames are dropped at start-up.
    /// </summary>
    private void WarmUp()
    {
        FrameSlot slot = _slots[6];
        slot.Image.Create(_height, _width, MatType.CV_8UC3);
        slot.Image.SetTo(Scalar.Black);
        slot.Timing.Reset(Stopwatch.GetTimestamp());
        for (int i = 0; i < 2; i++)
        {
            Draw(slot, slot, ready: true, showHud: true);
            _window.SwapBuffers();
        }
        _stats.Compute();
    }

    public string ProviderReport => _segmenter.ProviderReport;

    public string RendererDescription => $"{_window.Renderer} (GLFW window)";

    public int Width => _width;

    public int Height => _height;

    public double SourceFps => _firstSource.Fps;

    /// <summary>Every displayed frame's timings (end to end = capture → swap).</summary>
    public MetricsRecorder Recorder => _recorder;

    public LiveResult Run(CancellationToken cancel)
    {
        var capture = new Thread(() => Guard(CaptureLoop)) { Name = "liveseg-capture", IsBackground = true };
        var inference = new Thread(() => Guard(InferenceLoop)) { Name = "liveseg-inference", IsBackground = true };
        _recorder.Start();
        capture.Start();
        inference.Start();
        try
        {
            RenderLoop(cancel);
        }
        finally
        {
            _stopping = true;
            _toInference.Close();
            _toDisplay.Close();
            _results.Close();
            capture.Join();
            inference.Join();
            _recorder.Stop();
            StopRecording();
        }
        if (_failure is not null)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(_failure).Throw();
        return new LiveResult(_recorder.Count, Interlocked.Read(ref _captured), Dropped, Interlocked.Read(ref _paceSkipped),
            _recorder.ElapsedSeconds, LatencySummary.Compute(_recorder.Records), _rssAfterWarmUp, Environment.WorkingSet);
    }

    private void Guard(Action body)
    {
        try
        {
            body();
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _failure, e, null);
            _stopping = true;
        }
    }

    /// <summary>Capture thread: read, stamp, hand the newest frame to inference (and to display, unless sync).</summary>
    private void CaptureLoop()
    {
        IFrameSource source = _firstSource;
        FrameSlot forInference = _slots[3], forDisplay = _slots[4];
        bool backPressure = !_o.IsCamera && !_o.Realtime;
        long start = Stopwatch.GetTimestamp();
        long index = 0;
        try
        {
            while (!_stopping)
            {
                if (backPressure && !WaitConsumed())
                    continue;
                if (!_o.IsCamera && _o.Realtime)
                    Pace(source, start, ref index);
                long t = Stopwatch.GetTimestamp();
                forInference.Timing.Reset(t);
                if (!source.Read(forInference.Image))
                {
                    if (_o.IsCamera)
                    {
                        source = Reconnect(source);
                        continue;
                    }
                    if (!_o.Loop)
                        break;
                    source.Dispose();
                    source = _o.OpenSource();
                    start = Stopwatch.GetTimestamp();
                    index = 0;
                    continue;
                }
                _captureStatus = null;
                forInference.Index = (int)index++;
                forInference.Timing.Add(Stage.Decode, t);
                Interlocked.Increment(ref _captured);
                if (!_o.Sync)
                {
                    forInference.Image.CopyTo(forDisplay.Image);
                    forDisplay.Index = forInference.Index;
                    forDisplay.Timing = forInference.Timing;
                    forDisplay = _toDisplay.Publish(forDisplay);
                }
                forInference = _toInference.Publish(forInference);
            }
        }
        finally
        {
            _inputEnded = true;
            source.Dispose();
        }
    }

    /// <summary>File played as fast as it is consumed: wait until the last frame was taken (no drops).</summary>
    private bool WaitConsumed() =>
        _toInference.WaitUntilTaken(100) && (_o.Sync || _toDisplay.WaitUntilTaken(100));

    /// <summary>Realtime file: wait until frame <paramref name="index"/> is due; if more than a frame late, skip frames (counted as drops).</summary>
    private void Pace(IFrameSource source, long start, ref long index)
    {
        double period = 1.0 / Math.Max(1, source.Fps);
        using var discard = new Mat();
        while (!_stopping)
        {
            double due = index * period, now = (Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency;
            if (now < due)
            {
                Thread.Sleep(TimeSpan.FromSeconds(Math.Min(due - now, 0.1)));
                continue;
            }
            if (now - due <= period || !source.Read(discard))
                return;
            index++;
            Interlocked.Increment(ref _captured);
            Interlocked.Increment(ref _paceSkipped);
        }
    }

    /// <summary>A camera stopped delivering: say so on screen and try to reopen it once a second until it comes back.</summary>
    private IFrameSource Reconnect(IFrameSource lost)
    {
        lost.Dispose();
        while (!_stopping)
        {
            _captureStatus = $"{_o.SourceName} stopped delivering frames: retrying every second";
            Thread.Sleep(1000);
            try
            {
                var source = _o.OpenSource();
                if (source.Width == _width && source.Height == _height)
                    return source;
                source.Dispose();
                _captureStatus = $"{_o.SourceName} came back at another size: waiting for {_width}x{_height}";
            }
            catch (LiveSegException)
            {
            }
        }
        return new EmptySource();
    }

    /// <summary>Inference thread: newest captured frame → mask (+ temporal smoothing) → newest result.</summary>
    private void InferenceLoop()
    {
        FrameSlot slot = _slots[5];
        int loaded = 0;
        var smoother = new TemporalSmoother(_segmenter.MaskWidth * _segmenter.MaskHeight, _o.Effect.Smoothing);
        while (!_stopping)
        {
            if (!_toInference.WaitTake(ref slot, 100))
            {
                if (_inputEnded && !_toInference.HasFresh)
                    break;
                continue;
            }
            if (_modelIndex != loaded)
            {
                loaded = _modelIndex;
                var next = new OnnxSegmenter(_o.Models[loaded], _o.Device, _o.InferenceThreads);
                var old = Interlocked.Exchange(ref _segmenter, next);
                old.Dispose();
                smoother = new TemporalSmoother(next.MaskWidth * next.MaskHeight, _o.Effect.Smoothing);
            }
            slot.EnsureMask(_segmenter.MaskWidth, _segmenter.MaskHeight);
            _segmenter.Segment(slot.Image, slot.ImageArray, slot.Mask, ref slot.Timing);
            long t = Stopwatch.GetTimestamp();
            smoother.Apply(slot.Mask);
            slot.Timing.Add(Stage.Postprocess, t);
            // A file played without --realtime drops nothing: in sync mode each result waits until the display took the last.
            while (_o.Sync && !_o.IsCamera && !_o.Realtime && !_stopping && !_results.WaitUntilTaken(100))
            {
            }
            slot = _results.Publish(slot);
        }
        _results.Close();
    }

    /// <summary>GL thread: the game loop.</summary>
    private void RenderLoop(CancellationToken cancel)
    {
        FrameSlot frame = _slots[6], result = _slots[7];
        bool haveFrame = false, haveMask = false, showHud = true, screenshotTaken = false;
        long lastPresent = 0;
        while (!_window.ShouldClose && !cancel.IsCancellationRequested && _failure is null)
        {
            _window.PollEvents();
            bool keys = HandleKeys(ref showHud);
            bool newMask = _results.TryTake(ref result);
            bool newFrame = _o.Sync ? newMask : _toDisplay.TryTake(ref frame);
            haveMask |= newMask;
            haveFrame |= newFrame;
            if (!newFrame && !newMask)
            {
                if (InputDrained())
                    break;
                // Nothing new: redraw only for the HUD (4 times a second) or after a key; otherwise yield.
                if (!keys && Stopwatch.GetElapsedTime(lastPresent) < TimeSpan.FromMilliseconds(250))
                {
                    Thread.Sleep(1);
                    continue;
                }
            }
            FrameSlot shown = _o.Sync ? result : frame;
            FrameTiming timing = Draw(shown, result, haveFrame && haveMask, showHud);
            bool last = newFrame && haveMask && _o.MaxFrames > 0 && _recorder.Count + 1 >= _o.MaxFrames;
            if (last && _o.ScreenshotPath is not null)
            {
                var (w, h) = _window.FramebufferSize;
                Screenshot(_o.ScreenshotPath, w, h);
                screenshotTaken = true;
            }
            _window.SwapBuffers();
            lastPresent = Stopwatch.GetTimestamp();
            if (newFrame && haveMask)
            {
                _recorder.Add(shown.Index, ref timing); // end to end: capture → swap
                if (_recorder.Count == WarmUpFrames)
                    _rssAfterWarmUp = Environment.WorkingSet;
                _stats.Add(timing.Ticks, lastPresent);
            }
            if (last)
                break;
        }
        if (_o.ScreenshotPath is not null && !screenshotTaken && haveFrame && haveMask)
        {
            // The input ended before --frames: show the last frame once more and save it.
            Draw(_o.Sync ? result : frame, result, true, showHud);
            var (w, h) = _window.FramebufferSize;
            Screenshot(_o.ScreenshotPath, w, h);
        }
    }

    /// <summary>Renders <paramref name="shown"/> with the newest mask (or a black screen before the first pair) and the HUD.</summary>
    private FrameTiming Draw(FrameSlot shown, FrameSlot result, bool ready, bool showHud)
    {
        GL gl = _window.Gl;
        var (fbW, fbH) = _window.FramebufferSize;
        FrameTiming timing = shown.Timing;
        if (ready)
        {
            // The mask's own stages come from the frame it was computed on (the newest one, in latest-wins mode).
            for (int s = (int)Stage.Preprocess; s <= (int)Stage.Postprocess; s++)
                timing.Ticks[s] = result.Timing.Ticks[s];
            RenderTarget target = _compositor.Render(shown.Image, result.Mask, result.MaskWidth, result.MaskHeight, ref timing);
            long t = Stopwatch.GetTimestamp();
            _compositor.Present(target, fbW, fbH);
            timing.Add(Stage.Composite, t);
            if (_recording is not null)
                Record(target, ref timing);
        }
        else
        {
            gl.BindFramebuffer(FramebufferTarget.Framebuffer, 0);
            gl.Viewport(0, 0, (uint)fbW, (uint)fbH);
            gl.ClearColor(0, 0, 0, 1);
            gl.Clear(ClearBufferMask.ColorBufferBit);
        }
        if (showHud)
        {
            UpdateHudInfo();
            _hud.Update(_info);
            _hud.Draw(fbH);
        }
        return timing;
    }

    /// <summary>True once the input ended and every delivered frame was shown or dropped (file input without --loop).</summary>
    private bool InputDrained() =>
        _inputEnded && _results.IsClosed && !_results.HasFresh && (_o.Sync || !_toDisplay.HasFresh);

    /// <summary>Frames captured but never shown: pacing skips plus frames replaced in a mailbox before display took them.</summary>
    private long Dropped => Interlocked.Read(ref _paceSkipped) + (_o.Sync ? _toInference.Dropped + _results.Dropped : _toDisplay.Dropped);

    private void UpdateHudInfo()
    {
        _info.Captured = Interlocked.Read(ref _captured);
        _info.Dropped = Dropped;
        _info.Provider = _segmenter.Provider;
        _info.Model = _segmenter.Manifest.Name;
        _info.Status = _captureStatus
            ?? (_recording is not null ? $"recording → {Path.GetFileName(_recording.Path)}" : null)
            ?? (Environment.TickCount64 < _statusUntil ? _status : null);
    }

    private void Say(string status)
    {
        _status = status;
        _statusUntil = Environment.TickCount64 + 3000;
    }

    /// <summary>Acts on the keys pressed since the last frame; true if there were any.</summary>
    private bool HandleKeys(ref bool showHud)
    {
        bool any = _keys.Count > 0;
        foreach (int key in _keys)
        {
            EffectSettings s = _compositor.Settings;
            switch (key)
            {
                case >= '1' and <= '5':
                    SetEffect(s with { Effect = (EffectKind)(key - '1') });
                    break;
                case 'M':
                    _modelIndex = (_modelIndex + 1) % _o.Models.Count;
                    Say($"model → {_o.Models[_modelIndex].Manifest.Name}");
                    break;
                case 'B':
                    NextBackground();
                    break;
                case GlfwWindow.Keys.Equal or GlfwWindow.Keys.KeypadAdd:
                    SetEffect(Adjust(s, +1));
                    break;
                case GlfwWindow.Keys.Minus or GlfwWindow.Keys.KeypadSubtract:
                    SetEffect(Adjust(s, -1));
                    break;
                case 'S':
                    var (w, h) = _window.FramebufferSize;
                    string shot = Path.Combine(_o.OutputFolder, $"liveseg-{DateTime.Now:yyyyMMdd-HHmmss}.png");
                    Screenshot(shot, w, h);
                    Say($"screenshot → {shot}");
                    break;
                case 'R':
                    if (_recording is null)
                        StartRecording();
                    else
                        StopRecording();
                    break;
                case 'H':
                    showHud = !showHud;
                    break;
                case 'F':
                    _window.ToggleFullScreen();
                    break;
                case GlfwWindow.Keys.F1:
                    _info.ShowKeys = !_info.ShowKeys;
                    break;
                case GlfwWindow.Keys.Escape or 'Q':
                    _window.Close();
                    break;
            }
        }
        _keys.Clear();
        return any;
    }

    private void SetEffect(EffectSettings settings)
    {
        _compositor.Reconfigure(settings.Validated());
        _info.Effect = Describe(settings);
        Say($"effect → {_info.Effect}");
    }

    /// <summary>+/−: the current effect's main setting (blur radius, tint strength, outline width; smoothing otherwise).</summary>
    private static EffectSettings Adjust(EffectSettings s, int step) => s.Effect switch
    {
        EffectKind.Blur => s with { BlurRadius = Math.Clamp(s.BlurRadius + 2 * step, 1, 32) },
        EffectKind.Tint => s with { TintStrength = Math.Clamp(s.TintStrength + 0.1f * step, 0f, 1f) },
        EffectKind.Outline => s with { OutlineWidth = Math.Clamp(s.OutlineWidth + step, 1, 32) },
        _ => s with { Smoothing = Math.Clamp(s.Smoothing + 0.1f * step, 0f, 0.95f) },
    };

    public static string Describe(EffectSettings s) => s.Effect switch
    {
        EffectKind.Blur => $"blur r{s.BlurRadius}",
        EffectKind.Tint => FormattableString.Invariant($"tint {s.TintStrength:0.0}"),
        EffectKind.Outline => $"outline {s.OutlineWidth}px",
        _ => FormattableString.Invariant($"{s.Effect.ToString().ToLowerInvariant()} (smooth {s.Smoothing:0.0})"),
    };

    private void NextBackground()
    {
        _backgroundIndex = _backgroundIndex + 1 >= _o.Backgrounds.Count ? -1 : _backgroundIndex + 1;
        using Mat bg = _backgroundIndex < 0 ? BackgroundImage.DefaultGradient(_width, _height) : BackgroundImage.LoadCover(_o.Backgrounds[_backgroundIndex], _width, _height);
        var settings = _compositor.Settings with { Effect = EffectKind.Replace };
        _compositor.Reconfigure(settings, bg);
        _info.Effect = Describe(settings);
        Say($"background → {(_backgroundIndex < 0 ? "gradient" : Path.GetFileName(_o.Backgrounds[_backgroundIndex]))}");
    }

    private void StartRecording()
    {
        // mp4v rounds odd sizes down: an odd-sized source records to .avi (Motion JPEG keeps any size).
        string extension = (_width | _height) % 2 == 0 ? ".mp4" : ".avi";
        string path = Path.Combine(_o.OutputFolder, $"liveseg-{DateTime.Now:yyyyMMdd-HHmmss}{extension}");
        _recording = new VideoFileSink(path, _firstSource.Fps, _width, _height);
    }

    private void StopRecording()
    {
        if (_recording is null)
            return;
        try
        {
            Say(_recording.Finish()
                ? $"recorded {_recording.FramesWritten} frames → {_recording.Path}"
                : $"recording stopped before its first frame: nothing written");
        }
        catch (LiveSegException e)
        {
            Say($"recording failed: {e.Message}");
        }
        finally
        {
            _recording.Dispose();
        }
        Console.WriteLine($"liveseg: {_status}");
        _recording = null;
    }

    private void Record(RenderTarget target, ref FrameTiming timing)
    {
        long t = Stopwatch.GetTimestamp();
        _compositor.ReadBack(target, _recordFrame);
        t = timing.Add(Stage.Readback, t);
        using var array = InputArray.Create(_recordFrame);
        _recording!.Write(array);
        timing.Add(Stage.Encode, t);
    }

    /// <summary>Saves the window's back buffer (what is about to be shown, HUD included) as PNG.</summary>
    private unsafe void Screenshot(string path, int width, int height)
    {
        GL gl = _window.Gl;
        using var image = new Mat(height, width, MatType.CV_8UC3);
        gl.BindFramebuffer(FramebufferTarget.ReadFramebuffer, 0);
        gl.ReadBuffer(ReadBufferMode.Back);
        gl.PixelStore(PixelStoreParameter.PackAlignment, 1);
        gl.ReadPixels(0, 0, (uint)width, (uint)height, PixelFormat.Bgr, PixelType.UnsignedByte, (void*)image.Data);
        Cv2.Flip(image, image, FlipMode.X); // GL rows are bottom-up
        LiveSeg.IO.AtomicFile.WriteImage(path, "screenshot", image);
    }

    public void Dispose()
    {
        StopRecording();
        _recordFrame.Dispose();
        _hud.Dispose();
        _compositor.Dispose();
        _window.Dispose();
        _segmenter.Dispose();
        foreach (var s in _slots)
            s.Dispose();
    }

    /// <summary>Stands in for a camera that never came back before the session ended.</summary>
    private sealed class EmptySource : IFrameSource
    {
        public int Width => 0;

        public int Height => 0;

        public double Fps => 0;

        public int FrameCount => 0;

        public bool Read(Mat destination) => false;

        public void Dispose()
        {
        }
    }
}
