// LiveSeg as a library: one image in, its mask out as a PNG (white = person or lesion).
//   dotnet run --project samples/SegmentImage -- photo.jpg mask.png [body|nevus|model.onnx]
using LiveSeg;
using OpenCvSharp;

if (args.Length < 2)
{
    Console.Error.WriteLine("usage: SegmentImage IMAGE MASK.png [MODEL]");
    return 2;
}
using Mat image = Cv2.ImRead(args[0]);
if (image.Empty())
{
    Console.Error.WriteLine($"SegmentImage: cannot read '{args[0]}' as an image");
    return 2;
}
try
{
    using var segmenter = Segmenter.Open(args.Length > 2 ? args[2] : "body", new SegmenterOptions { Log = Console.Error.WriteLine });
    MaskView mask = segmenter.Segment(image);
    using var full = new Mat();
    mask.ToFrameSize(full);
    string temporary = args[1] + ".tmp.png"; // written beside the target, then put in place
    Cv2.ImWrite(temporary, full);
    File.Move(temporary, args[1], overwrite: true);
    Console.WriteLine($"{args[1]}: {mask.FrameWidth}x{mask.FrameHeight} mask by {segmenter.ModelName} on {segmenter.Provider}");
    return 0;
}
catch (LiveSegException e)
{
    Console.Error.WriteLine($"SegmentImage: {e.Message}");
    return e.ExitCode;
}
