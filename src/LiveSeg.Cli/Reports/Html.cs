using System.Net;
using System.Text;

namespace LiveSeg.Cli.Reports;

/// <summary>A small, self-contained HTML page (no scripts, no external files but the report's own PNGs).</summary>
internal static class Html
{
    public static StringBuilder Begin(string title)
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(WebUtility.HtmlEncode(title)).Append("</title>\n")
          .Append("<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}table{border-collapse:collapse;margin:1em 0}")
          .Append("td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:left}")
          .Append("img{max-width:100%;border:1px solid #ddd}figure{margin:1.5em 0}figcaption{color:#555}</style></head><body>\n")
          .Append("<h1>").Append(WebUtility.HtmlEncode(title)).Append("</h1>\n");
        return sb;
    }

    public static void Settings(StringBuilder sb, IEnumerable<(string Name, string Value)> settings)
    {
        sb.Append("<h2>settings</h2>\n<table>\n");
        foreach (var (name, value) in settings)
            sb.Append("<tr><th>").Append(WebUtility.HtmlEncode(name)).Append("</th><td style=\"text-align:left\">").Append(WebUtility.HtmlEncode(value)).Append("</td></tr>\n");
        sb.Append("</table>\n");
    }

    public static void Table(StringBuilder sb, string[] headers, IEnumerable<string[]> rows)
    {
        sb.Append("<table>\n<tr>");
        foreach (string h in headers)
            sb.Append("<th>").Append(WebUtility.HtmlEncode(h)).Append("</th>");
        sb.Append("</tr>\n");
        foreach (string[] row in rows)
        {
            sb.Append("<tr>");
            foreach (string c in row)
                sb.Append("<td>").Append(WebUtility.HtmlEncode(c)).Append("</td>");
            sb.Append("</tr>\n");
        }
        sb.Append("</table>\n");
    }

    public static void Figure(StringBuilder sb, string png, string caption) =>
        sb.Append("<figure><img src=\"").Append(WebUtility.HtmlEncode(png)).Append("\" alt=\"").Append(WebUtility.HtmlEncode(caption))
          .Append("\"><figcaption>").Append(WebUtility.HtmlEncode(caption)).Append("</figcaption></figure>\n");

    public static string End(StringBuilder sb) => sb.Append("</body></html>\n").ToString();
}
