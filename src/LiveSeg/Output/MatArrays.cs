using OpenCvSharp;

namespace LiveSeg.Output;

/// <summary>
/// OpenCV InputArray wrappers made once per Mat and kept: the implicit Mat → InputArray conversion makes a finalizable
/// native object per call, which grows native memory in a long session. For the few Mats a sink cycles through.
/// </summary>
internal sealed class MatArrays : IDisposable
{
    private readonly List<(Mat Mat, InputArray Array)> _arrays = [];

    public InputArray Input(Mat mat)
    {
        foreach (var (m, a) in _arrays)
        {
            if (ReferenceEquals(m, mat))
                return a;
        }
        var array = InputArray.Create(mat);
        _arrays.Add((mat, array));
        return array;
    }

    public void Dispose()
    {
        foreach (var (_, array) in _arrays)
            array.Dispose();
        _arrays.Clear();
    }
}
