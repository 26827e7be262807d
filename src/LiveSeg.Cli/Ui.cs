using System.Globalization;
using LiveSeg.Metrics;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace LiveSeg.Cli;

/// <summary>
/// What a person watches (Spectre.Console): tables and a live progress bar on a terminal; plain lines when the stream
/// is redirected or CI is set (logs and tests read them). NO_COLOR turns colours off.
/// </summary>
internal static class Ui
{
    private static readonly Lazy<IAnsiConsole> s_out = new(() => Create(Console.Out));
    private static readonly Lazy<IAnsiConsole> s_err = new(() => Create(Console.Error));

    /// <summary>CI=true (or 1): a build log, not a person: plain lines even on a pseudo-terminal.</summary>
    public static bool IsCi => Environment.GetEnvironmentVariable("CI") is { } ci && (ci.Equals("true", StringComparison.OrdinalIgnoreCase) || ci == "1");

    /// <summary>https://no-color.org: any non-empty value turns colours off.</summary>
    public static bool NoColor => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));

    /// <summary>Standard output gets plain lines (redirected, or CI).</summary>
    public static bool PlainOut => Console.IsOutputRedirected || IsCi;

    /// <summary>Standard error (progress) gets plain lines (redirected, or CI).</summary>
    public static bool PlainErr => Console.IsErrorRedirected || IsCi;

    public static IAnsiConsole Out => s_out.Value;

    public static IAnsiConsole Err => s_err.Value;

    private static IAnsiConsole Create(TextWriter writer) => AnsiConsole.Create(new AnsiConsoleSettings
    {
        Ansi = AnsiSupport.Detect,
        ColorSystem = NoColor ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
        Out = new AnsiConsoleOutput(writer),
    });

    /// <summary>
    /// A table on stdout: a Spectre table on a terminal, fixed-width lines otherwise. Columns of numbers are
    /// right-aligned.
    /// </summary>
    public static void Table(string? title, string[] headers, IEnumerable<string[]> rows)
    {
        var all = rows.ToList();
        bool[] numeric = Numeric(headers.Length, all);
        if (PlainOut)
        {
            if (title is not null)
                Console.WriteLine(title);
            int[] widths = [.. headers.Select((h, i) => Math.Max(h.Length, all.Select(r => r[i].Length).DefaultIfEmpty(0).Max()))];
            Console.WriteLine(Line(headers, widths, numeric));
            foreach (string[] row in all)
                Console.WriteLine(Line(row, widths, numeric));
            return;
        }
        var table = new Table().RoundedBorder();
        if (title is not null)
            table.Title(Markup.Escape(title));
        for (int i = 0; i < headers.Length; i++)
        {
            var column = new TableColumn(new Text(headers[i], new Style(decoration: Decoration.Bold)));
            table.AddColumn(numeric[i] ? column.RightAligned() : column);
        }
        foreach (string[] row in all)
            table.AddRow(row.Select(c => (IRenderable)new Text(c)).ToArray());
        Out.Write(table);
    }

    private static string Line(string[] cells, int[] widths, bool[] numeric) =>
        string.Join("  ", cells.Select((c, i) => numeric[i] ? c.PadLeft(widths[i]) : c.PadRight(widths[i]))).TrimEnd();

    /// <summary>Columns whose cells are all numbers are right-aligned.</summary>
    private static bool[] Numeric(int columns, List<string[]> rows) =>
        [.. Enumerable.Range(0, columns).Select(i => rows.Count > 0 && rows.All(r => double.TryParse(r[i], NumberStyles.Float, CultureInfo.InvariantCulture, out _)))];

    /// <summary>Per-stage latency (mean, p50, p95, p99, max in ms). Redirected: the fixed format logs and scripts know.</summary>
    public static void Latency(StageStats[] stats)
    {
        if (PlainOut)
        {
            Console.Write(LatencySummary.FormatTable(stats));
            return;
        }
        Table("latency (ms)", ["stage", "mean", "p50", "p95", "p99", "max"],
            stats.Select(s => new[] { s.Stage, F(s.Mean), F(s.P50), F(s.P95), F(s.P99), F(s.Max) }));
    }

    /// <summary>Lines such as "0: /dev/video0: 1280x720 at 30 fps" as a table of their ': '-separated fields.</summary>
    public static void Listing(string what, IEnumerable<string> lines)
    {
        var rows = lines.Select(l => l.Split(": ", 3)).ToList();
        if (PlainOut || rows.Any(r => r.Length != 3))
        {
            foreach (string[] r in rows)
                Console.WriteLine(string.Join(": ", r));
            return;
        }
        Table(null, [what, "device", "delivers"], rows);
    }

    /// <summary>A highlighted line on a terminal (the run's result), the same text plain otherwise.</summary>
    public static void Result(string text, bool ok = true)
    {
        if (PlainOut)
            Console.WriteLine(text);
        else
            Out.MarkupLine($"[{(ok ? "green" : "yellow")}]{Markup.Escape(text)}[/]");
    }

    public static string F(double v) => v.ToString("F2", CultureInfo.InvariantCulture);
}
