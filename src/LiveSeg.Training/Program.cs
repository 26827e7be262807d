using LiveSeg;
using LiveSeg.Training;

// liveseg-train: trains U-Net / SegNet on a PH2-style dataset with TorchSharp and exports ONNX + manifest.
try
{
    return TrainCommand.Run(args);
}
catch (LiveSegException e)
{
    Console.Error.WriteLine($"liveseg train: error: {e.Message}");
    if (args.Contains("--verbose"))
        Console.Error.WriteLine(e.ToString());
    return e.ExitCode;
}
