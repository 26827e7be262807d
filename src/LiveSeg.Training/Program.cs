using LiveSeg.Training;

// liveseg-train: trains a residual U-Net (or U-Net / SegNet) on PH2-style datasets with TorchSharp and exports ONNX + manifest.
return TrainCommand.Execute(args);
