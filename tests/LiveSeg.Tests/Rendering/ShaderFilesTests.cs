using LiveSeg.Effects;
using LiveSeg.Rendering;

namespace LiveSeg.Tests;

public class ShaderFilesTests
{
    private static string RepoShaders() => Path.Combine(Repo.Root, "shaders");

    private static string[] Named() => typeof(ShaderFiles).GetFields()
        .Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).Concat(EffectRegistry.All.Select(e => e.Shader)).ToArray();

    [Fact]
    public void EveryShaderTheCodeNames_ExistsWithExactCase()
    {
        string[] files = Directory.GetFiles(RepoShaders()).Select(Path.GetFileName).ToArray()!;
        foreach (string name in Named())
            Assert.Contains(name, files); // ordinal: case matters on Linux
    }

    [Fact]
    public void EveryShaderFile_IsUsedByTheCode()
    {
        string[] named = Named();
        foreach (string file in Directory.GetFiles(RepoShaders()).Select(Path.GetFileName)!)
            Assert.Contains(file, named);
    }
}
