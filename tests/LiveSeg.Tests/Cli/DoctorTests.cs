namespace LiveSeg.Tests;

[Slow]
public class DoctorTests
{
    [Fact]
    public void Doctor_Json_SaysWhatIsMissingAndWhatToDo_AndExitsZero()
    {
        var r = Cli.Run("doctor", "--json");
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        using var doc = System.Text.Json.JsonDocument.Parse(r.Stdout);
        var checks = doc.RootElement.EnumerateArray().ToList();
        System.Text.Json.JsonElement Item(string name) => checks.Single(c => c.GetProperty("item").GetString() == name);
        Assert.Contains("1.31", Item("ONNX Runtime").GetProperty("found").GetString());
        var egl = Item("EGL context");
        var auto = Item("--device auto");
        Assert.StartsWith("execution provider: ", auto.GetProperty("found").GetString());
        if (!System.Runtime.InteropServices.NativeLibrary.TryLoad("libcuda.so.1", out _))
        {
            // This project's machines: every GPU piece missing, each with its reason and one thing to do.
            var driver = Item("NVIDIA driver");
            Assert.Equal("missing", driver.GetProperty("status").GetString());
            Assert.Contains("libcuda.so.1 not found", driver.GetProperty("found").GetString());
            Assert.False(string.IsNullOrEmpty(driver.GetProperty("fix").GetString()));
            Assert.Equal("missing", Item("libcudart.so.13").GetProperty("status").GetString());
            Assert.Equal("missing", auto.GetProperty("status").GetString());
            Assert.Contains("CUDA unavailable: libcuda.so.1 not found", auto.GetProperty("found").GetString());
        }
        if (egl.GetProperty("found").GetString()!.Contains("llvmpipe", StringComparison.Ordinal))
            Assert.Contains("software OpenGL", egl.GetProperty("fix").GetString());
        foreach (var c in checks.Where(c => c.GetProperty("status").GetString() == "missing"))
            Assert.False(string.IsNullOrEmpty(c.GetProperty("fix").GetString()), c.ToString());
    }

    [Fact]
    public void Doctor_Table_NamesEachArea()
    {
        var r = Cli.Run("doctor");
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        foreach (string area in new[] { "NVIDIA driver", "libcudnn.so.9", "--device auto", "EGL context", "cameras", "npm" })
            Assert.Contains(area, r.Stdout);
    }
}
