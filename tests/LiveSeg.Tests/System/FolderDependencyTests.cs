using System.Text;
using System.Text.RegularExpressions;

namespace LiveSeg.Tests;

/// <summary>
/// The library's folders, read from src/LiveSeg: each file declares the namespace of its folder
/// (src/LiveSeg/Models/Tflite/X.cs → LiveSeg.Models.Tflite), and no folder depends on itself through others
/// (A uses B and B uses A). An arrow A → B is any file of A that names LiveSeg.B: a <c>using LiveSeg.B;</c> (needed
/// or not), or a qualified reference <c>LiveSeg.B.T</c> or <c>B.T</c> (T a type declared in B). Files at the root
/// (namespace LiveSeg: the facade) are not a folder and make no arrows.
/// </summary>
public sealed partial class FolderDependencyTests
{
    private static readonly string Library = Path.Combine(Repo.Root, "src", "LiveSeg");

    /// <summary>One source file: its path below src/LiveSeg ('/' separators), its folder in the graph and its text without comments.</summary>
    private sealed record Source(string Path, string Folder, string Code);

    private static List<Source> Sources() =>
    [
        .. Directory.EnumerateFiles(Library, "*.cs", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Library, f).Replace('\\', '/'))
            .Where(p => !p.StartsWith("bin/", StringComparison.Ordinal) && !p.StartsWith("obj/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(p => new Source(p, Node(p), WithoutComments(File.ReadAllText(Path.Combine(Library, p))))),
    ];

    /// <summary>The top folder of <paramref name="path"/> ("" at the root).</summary>
    private static string Node(string path) =>
        path.Contains('/', StringComparison.Ordinal) ? path[..path.IndexOf('/', StringComparison.Ordinal)] : "";

    /// <summary>The namespace a file in folder <paramref name="dir"/> ('/' separators, "" at the root) declares.</summary>
    private static string ExpectedNamespace(string dir) => dir.Length == 0 ? "LiveSeg" : "LiveSeg." + dir.Replace('/', '.');

    private static string WithoutComments(string text) => BlockComment().Replace(LineComment().Replace(text, ""), " ");

    [Fact]
    public void EveryFile_DeclaresTheNamespaceOfItsFolder()
    {
        var wrong = new List<string>();
        List<Source> sources = Sources();
        Assert.NotEmpty(sources);
        foreach (Source s in sources)
        {
            string dir = Path.GetDirectoryName(s.Path)!.Replace('\\', '/');
            string expected = ExpectedNamespace(dir);
            string[] declared = [.. NamespaceDeclaration().Matches(s.Code).Select(m => m.Groups[1].Value)];
            if (declared.Length == 0 || declared.Any(n => n != expected))
                wrong.Add($"{s.Path}: declares {(declared.Length == 0 ? "no namespace" : string.Join(", ", declared))}, its folder says {expected}");
        }

        Assert.True(wrong.Count == 0, "Namespaces that are not their folder's:\n" + string.Join('\n', wrong));
    }

    [Fact]
    public void Folders_DependOnEachOther_WithoutLoops()
    {
        List<Source> sources = Sources();
        string[] folders = [.. sources.Select(s => s.Folder).Where(f => f.Length > 0).Distinct().Order(StringComparer.Ordinal)];
        Assert.Contains("Rendering", folders);

        // The types each folder declares, for the partly qualified references (Rendering.GlCompositor inside LiveSeg.X).
        var declares = folders.ToDictionary(f => f, _ => new HashSet<string>(StringComparer.Ordinal));
        foreach (Source s in sources.Where(s => s.Folder.Length > 0))
            declares[s.Folder].UnionWith(TypeDeclaration().Matches(s.Code).Select(m => m.Groups[1].Value));

        // arrows[A][B]: the files of A that name B.
        var arrows = folders.ToDictionary(f => f, _ => new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal));
        foreach (Source s in sources.Where(s => s.Folder.Length > 0))
        {
            var named = new HashSet<string>(StringComparer.Ordinal);
            foreach (Match m in QualifiedName().Matches(s.Code))
                named.Add(m.Groups[1].Value);
            foreach (Match m in PartlyQualifiedName().Matches(s.Code))
            {
                string folder = m.Groups[1].Value;
                if (declares.TryGetValue(folder, out HashSet<string>? types) && types.Contains(m.Groups[2].Value))
                    named.Add(folder);
            }

            foreach (string target in named.Where(t => t != s.Folder && arrows.ContainsKey(t)))
            {
                if (!arrows[s.Folder].TryGetValue(target, out SortedSet<string>? files))
                    arrows[s.Folder][target] = files = new SortedSet<string>(StringComparer.Ordinal);
                files.Add(s.Path);
            }
        }

        var report = new StringBuilder();
        foreach (List<string> component in StronglyConnected(folders, f => arrows[f].Keys).Where(c => c.Count > 1))
        {
            var inside = component.ToHashSet(StringComparer.Ordinal);
            report.Append("Folders in a loop: ").AppendJoin(", ", component).Append('\n');
            List<string> cycle = Cycle(component[0], f => arrows[f].Keys.Where(inside.Contains));
            report.Append("  e.g. ").AppendJoin(" -> ", cycle).Append('\n');
            foreach (string from in component)
            {
                foreach ((string to, SortedSet<string> files) in arrows[from].Where(a => inside.Contains(a.Key)))
                    report.Append("  ").Append(from).Append(" -> ").Append(to).Append(": ").AppendJoin(", ", files).Append('\n');
            }
        }

        Assert.True(report.Length == 0, "Folders of src/LiveSeg that use each other:\n" + report);
    }

    /// <summary>Tarjan's strongly connected components, each sorted by name.</summary>
    private static List<List<string>> StronglyConnected(IReadOnlyList<string> nodes, Func<string, IEnumerable<string>> next)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<List<string>>();

        void Visit(string v)
        {
            index[v] = low[v] = index.Count;
            stack.Push(v);
            onStack.Add(v);
            foreach (string w in next(v))
            {
                if (!index.ContainsKey(w))
                {
                    Visit(w);
                    low[v] = Math.Min(low[v], low[w]);
                }
                else if (onStack.Contains(w) && index.TryGetValue(w, out int at))
                {
                    low[v] = Math.Min(low[v], at);
                }
            }

            if (low[v] == index[v])
            {
                var component = new List<string>();
                string w;
                do
                {
                    w = stack.Pop();
                    onStack.Remove(w);
                    component.Add(w);
                }
                while (w != v);
                component.Sort(StringComparer.Ordinal);
                result.Add(component);
            }
        }

        foreach (string v in nodes)
        {
            if (!index.ContainsKey(v))
                Visit(v);
        }

        return result;
    }

    /// <summary>A shortest way from start back to itself (breadth first), start included at both ends.</summary>
    private static List<string> Cycle(string start, Func<string, IEnumerable<string>> next)
    {
        var cameFrom = new Dictionary<string, string>(StringComparer.Ordinal);
        var queue = new Queue<string>([start]);
        while (queue.Count > 0)
        {
            string v = queue.Dequeue();
            foreach (string w in next(v))
            {
                if (w == start)
                {
                    var path = new List<string> { start };
                    for (string u = v; u != start; u = cameFrom[u])
                        path.Insert(1, u);
                    path.Add(start);
                    return path;
                }

                if (cameFrom.TryAdd(w, v))
                    queue.Enqueue(w);
            }
        }

        return [start];
    }

    [GeneratedRegex(@"//[^\n]*")]
    private static partial Regex LineComment();

    [GeneratedRegex(@"/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex BlockComment();

    [GeneratedRegex(@"^\s*namespace\s+([\w.]+)", RegexOptions.Multiline)]
    private static partial Regex NamespaceDeclaration();

    [GeneratedRegex(@"\b(?:class|struct|enum|interface|record|delegate\s+[\w<>\[\],.? ]+?)\s+([A-Z]\w*)")]
    private static partial Regex TypeDeclaration();

    /// <summary>LiveSeg.X in a using directive (plain, static or alias) or a fully qualified name.</summary>
    [GeneratedRegex(@"\bLiveSeg\.([A-Z]\w*)\b")]
    private static partial Regex QualifiedName();

    /// <summary>X.T not preceded by a dot or another name part (X a folder, T a type of it, checked by the caller).</summary>
    [GeneratedRegex(@"(?<![\w.])([A-Z]\w*)\.([A-Z]\w*)\b")]
    private static partial Regex PartlyQualifiedName();
}
