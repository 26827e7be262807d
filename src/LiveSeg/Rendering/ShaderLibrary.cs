using LiveSeg.Effects;

namespace LiveSeg.Rendering;

/// <summary>
/// Finds the shaders/ folder (beside the executable, where the build copies it; or $LIVESEG_SHADERS) and reads
/// shader sources by file name, exactly as named (file names are case-sensitive on Linux).
/// </summary>
internal sealed class ShaderLibrary
{
    public ShaderLibrary(string? folder = null)
    {
        folder ??= Environment.GetEnvironmentVariable("LIVESEG_SHADERS") ?? Path.Combine(AppContext.BaseDirectory, "shaders");
        if (!Directory.Exists(folder))
            Throw.User($"shader folder '{folder}' does not exist: rebuild LiveSeg (the build copies shaders/ beside the program) or set LIVESEG_SHADERS.");
        Folder = folder;
    }

    public string Folder { get; }

    /// <summary>
    /// The source of <paramref name="file"/>, with each line <c>#include "name"</c> replaced by the text of shaders/name
    /// (one level: shared GLSL such as mask.glsl; GLSL itself has no include), and <paramref name="defines"/> (lines
    /// such as <c>#define REFINE 1</c>) right after the <c>#version</c> line: compile-time variants of one file.
    /// </summary>
    public string Source(string file, string defines = "")
    {
        string text = Read(file);
        var sb = new System.Text.StringBuilder();
        foreach (string line in text.Split('\n'))
        {
            string trimmed = line.Trim();
            if (trimmed.StartsWith("#version", StringComparison.Ordinal))
                sb.Append(line).Append('\n').Append(defines);
            else if (trimmed.StartsWith("#include \"", StringComparison.Ordinal) && trimmed.EndsWith('"'))
                sb.Append(Read(trimmed["#include \"".Length..^1])).Append('\n');
            else
                sb.Append(line).Append('\n');
        }
        return sb.ToString();
    }

    private string Read(string file)
    {
        string path = Path.Combine(Folder, file);
        if (!File.Exists(path))
            Throw.User($"shader '{path}' is missing: rebuild LiveSeg or set LIVESEG_SHADERS to the project's shaders/ folder.");
        return File.ReadAllText(path);
    }
}

/// <summary>
/// Every shader file the code uses besides the effects' own (<see cref="Effect.Shader"/>); a test checks each exists
/// under shaders/ with exactly this case.
/// </summary>
internal static class ShaderFiles
{
    public const string FullScreen = "fullscreen.vert";
    /// <summary>Shared GLSL included by the effect and blur shaders: the mask sampled (upsampled) at a frame pixel.</summary>
    public const string MaskInclude = "mask.glsl";
    public const string BlurDownsample = "blur_downsample.frag";
    public const string BlurGaussian = "blur_gaussian.frag";
    public const string RefineGuide = "refine_guide.frag";
    public const string RefineBox = "refine_box.frag";
    public const string RefineCoefficients = "refine_coeff.frag";
    public const string RefineApply = "refine_apply.frag";
    public const string MaskWarp = "mask_warp.frag";
    public const string Hud = "hud.frag";
}
