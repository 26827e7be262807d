using System.Text.Json;
using LiveSeg.Masks;

namespace LiveSeg.Inference;

internal enum TensorLayout { Nchw, Nhwc }

internal enum ColorOrder { Rgb, Bgr }

/// <summary>How frames are resized to the model input: bilinear (default) or area averaging (what a model trained on area-downscaled images expects).</summary>
internal enum ResizeMode { Linear, Area }

/// <summary>How the output turns into a foreground probability.</summary>
internal enum OutputActivation
{
    /// <summary>The output already holds probabilities 0..1.</summary>
    None,
    /// <summary>Logits: probability = sigmoid(x) of the chosen channel.</summary>
    Sigmoid,
    /// <summary>Logits over channels: probability = softmax(x)[channel].</summary>
    Softmax,
    /// <summary>Class scores: 1 where the chosen channel is the largest, else 0.</summary>
    Argmax,
}

/// <summary>
/// What a segmentation model expects and returns. Read from JSON once at start-up; every field is checked, and the
/// error names the manifest, the field and what is allowed. Example:
/// <code>
/// { "name": "prisma", "input": { "name": "input_3", "width": 256, "height": 256, "layout": "nchw", "color": "rgb",
///   "scale": 0.00392156862745098, "mean": [0,0,0], "std": [1,1,1] },
///   "output": { "name": "permute_2", "layout": "nchw", "activation": "none", "channel": 0 } }
/// </code>
/// The value fed to the model is <c>(pixel * scale - mean[c]) / std[c]</c>, with pixel 0..255 in the given colour order.
/// </summary>
internal sealed record ModelManifest
{
    public string Name { get; init; } = "model";

    public string? InputName { get; init; }

    public int Width { get; init; }

    public int Height { get; init; }

    public TensorLayout InputLayout { get; init; } = TensorLayout.Nchw;

    public ColorOrder Color { get; init; } = ColorOrder.Rgb;

    public ResizeMode Resize { get; init; } = ResizeMode.Linear;

    public float Scale { get; init; } = 1f / 255f;

    public float[] Mean { get; init; } = [0f, 0f, 0f];

    public float[] Std { get; init; } = [1f, 1f, 1f];

    public string? OutputName { get; init; }

    public TensorLayout OutputLayout { get; init; } = TensorLayout.Nchw;

    public OutputActivation Activation { get; init; } = OutputActivation.None;

    /// <summary>Output channel that means foreground (person, lesion).</summary>
    public int Channel { get; init; }

    public string? License { get; init; }

    /// <summary>Applied by the still-image paths (liveseg image, liveseg eval) after thresholding.</summary>
    public MaskCleanup Cleanup { get; init; } = MaskCleanup.None;

    /// <summary>SHA-256 (hex) of the .onnx this manifest describes; when present it is checked at every load.</summary>
    public string? Sha256 { get; init; }

    /// <summary>What to run when the model file does not match <see cref="Sha256"/> ("run 'liveseg models fetch body --force'").</summary>
    public string? Repair { get; init; }

    /// <summary>The largest input side LiveSeg accepts (larger is a typo or an overflow, not a model).</summary>
    public const int MaxSide = 8192;

    private static readonly Dictionary<string, string[]> s_fields = new()
    {
        [""] = ["name", "license", "source", "sha256", "repair", "input", "output"],
        ["input"] = ["name", "width", "height", "layout", "color", "resize", "scale", "mean", "std", "policy"],
        ["output"] = ["name", "layout", "activation", "channel", "cleanup"],
    };

    /// <summary>SHA-256 of a file, lower-case hex.</summary>
    public static string HashFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream));
    }

    /// <summary>The largest manifest read (a manifest is a few hundred bytes of JSON).</summary>
    private const int MaxBytes = 1 << 20;

    public static ModelManifest Load(string path)
    {
        Throw.IfFileUnreadable(path, "model manifest");
        if (new FileInfo(path).Length > MaxBytes)
            Throw.User($"model manifest '{path}' is larger than {MaxBytes / (1 << 20)} MiB: is it the manifest?");
        return Read(File.ReadAllBytes(path), path);
    }

    /// <summary>A manifest from its bytes (UTF-8 JSON); every problem is a one-line <see cref="LiveSegException"/> naming <paramref name="source"/>.</summary>
    public static ModelManifest Read(byte[] json, string source)
    {
        if (!System.Text.Unicode.Utf8.IsValid(json))
            Throw.User($"model manifest '{source}' is not UTF-8 text: a manifest is JSON; fix the file.");
        JsonDocument doc;
        try
        {
            // A UTF-8 byte order mark (editors on Windows write one) is not JSON: skipped as File.ReadAllText did.
            int start = json.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
            doc = JsonDocument.Parse(json.AsMemory(start), new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            return Throw.User<ModelManifest>($"model manifest '{source}' is not valid JSON ({e.Message}): fix the file.", e);
        }
        using (doc)
            return Parse(doc.RootElement, source);
    }

    public static ModelManifest Parse(JsonElement root, string source)
    {
        var r = new Reader(source);
        if (root.ValueKind != JsonValueKind.Object)
            r.Fail("", "must be a JSON object with \"input\" and \"output\"");
        JsonElement input = r.Object(root, "input");
        JsonElement output = r.Object(root, "output");
        r.KnownFields(root, "", s_fields[""]);
        r.KnownFields(input, "input.", s_fields["input"]);
        r.KnownFields(output, "output.", s_fields["output"]);
        var m = new ModelManifest
        {
            Name = r.String(root, "name", optional: true) ?? System.IO.Path.GetFileNameWithoutExtension(source),
            License = r.String(root, "license", optional: true),
            InputName = r.String(input, "name", optional: true),
            Width = r.PositiveInt(input, "width", MaxSide),
            Height = r.PositiveInt(input, "height", MaxSide),
            InputLayout = r.Enum(input, "layout", TensorLayout.Nchw),
            Color = r.Enum(input, "color", ColorOrder.Rgb),
            Resize = r.Enum(input, "resize", ResizeMode.Linear),
            Scale = r.Float(input, "scale", 1f / 255f),
            Mean = r.Triple(input, "mean", 0f),
            Std = r.Triple(input, "std", 1f),
            Sha256 = r.String(root, "sha256", optional: true),
            Repair = r.String(root, "repair", optional: true),
            OutputName = r.String(output, "name", optional: true),
            OutputLayout = r.Enum(output, "layout", TensorLayout.Nchw),
            Activation = r.Enum(output, "activation", OutputActivation.None),
            Channel = r.NonNegativeInt(output, "channel", 0),
            Cleanup = r.Enum(output, "cleanup", MaskCleanup.None),
        };
        foreach (float s in m.Std)
        {
            if (s == 0f)
                r.Fail("input.std", "must not contain 0");
        }
        if (m.Scale == 0f)
            r.Fail("input.scale", "must not be 0");
        if (m.Sha256 is { } hash && (hash.Length != 64 || !hash.All(char.IsAsciiHexDigit)))
            r.Fail("sha256", "must be 64 hexadecimal digits");
        return m;
    }

    /// <summary>Reads fields with one-line errors naming the manifest and the field.</summary>
    private readonly struct Reader(string source)
    {
        [System.Diagnostics.CodeAnalysis.DoesNotReturn]
        public void Fail(string field, string what) =>
            Throw.User($"model manifest '{source}': {(field.Length > 0 ? $"field '{field}' " : "")}{what}.");

        public JsonElement Object(JsonElement parent, string name)
        {
            if (!parent.TryGetProperty(name, out var e) || e.ValueKind != JsonValueKind.Object)
                Fail(name, "is missing or not an object");
            return e;
        }

        public string? String(JsonElement parent, string name, bool optional)
        {
            if (!parent.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null)
            {
                if (!optional)
                    Fail(name, "is missing");
                return null;
            }
            if (e.ValueKind != JsonValueKind.String)
                Fail(name, "must be a string");
            return e.GetString();
        }

        /// <summary>Every field of <paramref name="obj"/> must be one LiveSeg reads: a misspelt field is an error, not silently a default.</summary>
        public void KnownFields(JsonElement obj, string prefix, string[] known)
        {
            foreach (var p in obj.EnumerateObject())
            {
                if (known.Contains(p.Name, StringComparer.Ordinal))
                    continue;
                string nearest = known.MinBy(k => Distance(k, p.Name.ToLowerInvariant()))!;
                Fail(prefix + p.Name, $"is not a manifest field (did you mean '{prefix}{nearest}'? known: {string.Join(", ", known)})");
            }
        }

        public int PositiveInt(JsonElement parent, string name, int max)
        {
            int v = 0;
            if (!parent.TryGetProperty(name, out var e) || e.ValueKind != JsonValueKind.Number || !e.TryGetInt32(out v) || v <= 0 || v > max)
                Fail(name, $"must be a whole number from 1 to {max}");
            return v;
        }

        public int NonNegativeInt(JsonElement parent, string name, int fallback)
        {
            if (!parent.TryGetProperty(name, out var e))
                return fallback;
            int v = 0;
            if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt32(out v) || v < 0)
                Fail(name, "must be an integer ≥ 0");
            return v;
        }

        public float Float(JsonElement parent, string name, float fallback)
        {
            if (!parent.TryGetProperty(name, out var e))
                return fallback;
            return Finite(e, name);
        }

        /// <summary>A JSON number that fits a float32 and is at most 1e6 in size (1e39 would become infinity).</summary>
        private float Finite(JsonElement e, string name)
        {
            double d = 0;
            if (e.ValueKind != JsonValueKind.Number || !e.TryGetDouble(out d) || !double.IsFinite(d) || Math.Abs(d) > 1e6)
                Fail(name, "must be a number between -1e6 and 1e6");
            return (float)d;
        }

        /// <summary>A number (same for all channels) or an array of 3 numbers in the manifest's colour order.</summary>
        public float[] Triple(JsonElement parent, string name, float fallback)
        {
            if (!parent.TryGetProperty(name, out var e))
                return [fallback, fallback, fallback];
            if (e.ValueKind == JsonValueKind.Number)
            {
                float v = Finite(e, name);
                return [v, v, v];
            }
            if (e.ValueKind != JsonValueKind.Array || e.GetArrayLength() != 3 || e.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.Number))
                Fail(name, "must be a number or an array of 3 numbers");
            string field = name;
            var self = this;
            return e.EnumerateArray().Select(x => self.Finite(x, field)).ToArray();
        }

        /// <summary>An enum by name, case-insensitive, words joined by '-' or not ("largest-component").</summary>
        public T Enum<T>(JsonElement parent, string name, T fallback) where T : struct, System.Enum
        {
            if (!parent.TryGetProperty(name, out var e))
                return fallback;
            string allowed = string.Join(", ", System.Enum.GetNames<T>().Select(Kebab));
            T v = fallback;
            string text = e.ValueKind == JsonValueKind.String ? e.GetString()!.Replace("-", "", StringComparison.Ordinal) : "";
            if (text.Length == 0 || char.IsDigit(text[0]) || !System.Enum.TryParse(text, ignoreCase: true, out v) || !System.Enum.IsDefined(v))
                Fail(name, $"must be one of: {allowed}");
            return v;
        }

        /// <summary>Edit distance (insertions, deletions, substitutions), for "did you mean".</summary>
        private static int Distance(string a, string b)
        {
            var row = new int[b.Length + 1];
            for (int j = 0; j <= b.Length; j++)
                row[j] = j;
            for (int i = 1; i <= a.Length; i++)
            {
                int diagonal = row[0];
                row[0] = i;
                for (int j = 1; j <= b.Length; j++)
                {
                    int above = row[j];
                    row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                    diagonal = above;
                }
            }
            return row[b.Length];
        }

        private static string Kebab(string pascal) =>
            string.Concat(pascal.Select((c, i) => i > 0 && char.IsUpper(c) ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
    }
}
