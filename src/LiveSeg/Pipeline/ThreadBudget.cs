namespace LiveSeg.Pipeline;

/// <summary>
/// How many threads a stage uses inside itself when the user did not say. A pipelined run already keeps each stage on a
/// thread of its own (decode, inference, compositing, encoding; live: capture, inference, the loop), so on a machine
/// with few cores more threads inside a stage only make the stages take cores from each other: measured on 2 cores at
/// 768x432, pipelined, one thread each for inference and the CPU renderer ran at 94 fps against 78 fps with two each
/// (docs/benchmarks.md, "Threads per stage"). A sequential run has one stage at a time and gives each every core.
/// </summary>
internal static class ThreadBudget
{
    /// <summary>Up to this many cores, a pipelined run gives each stage one thread.</summary>
    public const int FewCores = 4;

    /// <summary>True when the stages of a pipelined run already fill the cores.</summary>
    public static bool OnePerStage(bool pipelined) => pipelined && Environment.ProcessorCount <= FewCores;

    /// <summary>ONNX Runtime's intra-op threads: as asked, else 1 where <see cref="OnePerStage"/>, else its default (0).</summary>
    public static int Inference(int asked, bool pipelined) => asked > 0 ? asked : OnePerStage(pipelined) ? 1 : 0;

    /// <summary>The CPU renderer's threads: as asked, else 1 where <see cref="OnePerStage"/>, else one per core (at most 4).</summary>
    public static int Render(int asked, bool pipelined) => asked > 0 ? asked : OnePerStage(pipelined) ? 1 : Rendering.RendererChoice.DefaultCpuThreads;

    /// <summary>For the header line: "1 inference thread, 1 render thread (one per stage: pipelined on 2 cores)".</summary>
    /// <paramref name="askedRender"/>: the render threads the user asked for (0 = not asked); with OpenGL drawing they are
    /// unused, and the line says so.
    public static string Describe(int inference, int render, bool pipelined, bool cpuRenderer, int askedRender = 0)
    {
        string infer = inference > 0 ? $"{inference} inference thread{(inference == 1 ? "" : "s")}" : "inference threads: ONNX Runtime's default";
        string text = cpuRenderer ? $"{infer}, {render} render thread{(render == 1 ? "" : "s")}"
            : askedRender > 0 ? $"{infer}; --render-threads {askedRender} unused: OpenGL draws" : infer;
        int cores = Environment.ProcessorCount;
        return OnePerStage(pipelined) ? $"{text} (pipelined on {cores} core{(cores == 1 ? "" : "s")}: one per stage unless --threads/--render-threads say otherwise)" : text;
    }
}
