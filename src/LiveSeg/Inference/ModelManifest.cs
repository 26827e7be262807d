using System.Text.Json;

namespace LiveSeg.Inference;

public enum TensorLayout { Nchw, Nhwc }

public enum ColorOrder { Rgb, Bgr }

/// <summary>Clean-up of a thresholded still-image mask: none, or keep the largest region with its holes filled (one lesion per image).</summary>
public enum MaskCleanup { None, LargestComponent }

/// <summary>How frames are resized to the model input: bilinear (default) or area averaging (what a model trained on area-downscaled images expects).</summary>
public enum ResizeMode { Linear, Area }

/// <summary>How the output turns into a foreground probability.</summary>
public enum OutputActivation
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
public sealed record ModelManifest
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

    public static ModelManifest Load(string path)
    {
        Throw.IfFileUnreadable(path, "model manifest");
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            return Throw.User<ModelManifest>($"model manifest '{path}' is not valid JSON ({e.Message}): fix the file.", e);
        }
        using (doc)
            return Parse(doc.RootElement, path);
    }

    public static ModelManifest Parse(JsonElement root, string source)
    {
        var r = new Reader(source);
        if (root.ValueKind != JsonValueKind.Object)
            r.Fail("", "must be a JSON object with \"input\" and \"output\"");
        JsonElement input = r.Object(root, "input");
        JsonElement output = r.Object(root, "output");
        var m = new ModelManifest
        {
            Name = r.String(root, "name", optional: true) ?? System.IO.Path.GetFileNameWithoutExtension(source),
            License = r.String(root, "license", optional: true),
            InputName = r.String(input, "name", optional: true),
            Width = r.PositiveInt(input, "width"),
            Height = r.PositiveInt(input, "height"),
            InputLayout = r.Enum(input, "layout", TensorLayout.Nchw),
            Color = r.Enum(input, "color", ColorOrder.Rgb),
            Resize = r.Enum(input, "resize", ResizeMode.Linear),
            Scale = r.Float(input, "scale", 1f / 255f),
            Mean = r.Triple(input, "mean", 0f),
            Std = r.Triple(input, "std", 1f),
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

        public int PositiveInt(JsonElement parent, string name)
        {
            int v = 0;
            if (!parent.TryGetProperty(name, out var e) || e.ValueKind != JsonValueKind.Number || !e.TryGetInt32(out v) || v <= 0)
                Fail(name, "must be a positive integer");
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
            if (e.ValueKind != JsonValueKind.Number)
                Fail(name, "must be a number");
            return e.GetSingle();
        }

        /// <summary>A number (same for all channels) or an array of 3 numbers in the manifest's colour order.</summary>
        public float[] Triple(JsonElement parent, string name, float fallback)
        {
            if (!parent.TryGetProperty(name, out var e))
                return [fallback, fallback, fallback];
            if (e.ValueKind == JsonValueKind.Number)
            {
                float v = e.GetSingle();
                return [v, v, v];
            }
            if (e.ValueKind != JsonValueKind.Array || e.GetArrayLength() != 3 || e.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.Number))
                Fail(name, "must be a number or an array of 3 numbers");
            return e.EnumerateArray().Select(x => x.GetSingle()).ToArray();
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

        private static string Kebab(string pascal) =>
            string.Concat(pascal.Select((c, i) => i > 0 && char.IsUpper(c) ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
    }
}
