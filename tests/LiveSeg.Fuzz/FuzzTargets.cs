using System.Text;
using LiveSeg.Inference;
using LiveSeg.Models.Tflite;

namespace LiveSeg.Fuzz;

/// <summary>
/// The fuzz targets: each takes any bytes and must end either normally or with a <see cref="LiveSegException"/> (the
/// documented user error: a one-line message, exit code 2 in the CLI). Any other exception is a bug.
/// </summary>
public static class FuzzTargets
{
    /// <summary>Target name → what it runs on one input; the names are the corpus folders (corpus/NAME).</summary>
    public static IReadOnlyDictionary<string, Action<byte[]>> All { get; } = new Dictionary<string, Action<byte[]>>
    {
        ["tflite"] = Tflite,
        ["manifest"] = Manifest,
        ["response-file"] = ResponseFile,
    };

    /// <summary>The exceptions a target may end with: LiveSeg's user errors.</summary>
    public static bool IsDocumented(Exception e) => e is LiveSegException;

    /// <summary>'models inspect' and 'models import' without the file: parse, convert, serialise the ONNX graph.</summary>
    public static void Tflite(byte[] data)
    {
        var model = TfliteModel.Read(data, "fuzz.tflite");
        _ = TfliteToOnnx.Import(model, "fuzz.tflite").ToModel().CalculateSize();
    }

    /// <summary>A model manifest (JSON).</summary>
    public static void Manifest(byte[] data) => _ = ModelManifest.Read(data, "fuzz.json");

    /// <summary>
    /// A response file named on the command line: its text is the input, and every file it names (@NAME) is the same
    /// input again, so that nesting, self-inclusion and the depth limit are reached.
    /// </summary>
    public static void ResponseFile(byte[] data)
    {
        string text = Encoding.UTF8.GetString(data);
        _ = ResponseFiles.Expand(["video", "@fuzz.rsp", "--frames", "3"], _ => text);
    }
}
