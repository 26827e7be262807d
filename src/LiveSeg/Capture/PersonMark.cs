namespace LiveSeg.Capture;

/// <summary>
/// One person the people stage tracks in a frame, for what is drawn over it (live mode's HUD labels): the person's id,
/// their face box (0..1 of the frame) and whether the mask keeps them (false: they became background).
/// </summary>
internal readonly record struct PersonMark(int Id, CropBox Face, bool Kept);
