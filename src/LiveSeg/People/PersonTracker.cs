namespace LiveSeg.People;

/// <summary>One tracked person: a stable id (1, 2, … in order of first appearance) and their face box, 0..1 of the frame.</summary>
internal struct PersonTrack
{
    public int Id;
    public FaceDetection Box;
    /// <summary>Face centre motion per frame (0..1 units), smoothed over detections.</summary>
    public float Vx, Vy;
    /// <summary>Frame index of the last detection matched to this track.</summary>
    public long LastSeen;
    /// <summary>True when the last detection step found this person (false: hidden or lost, coasting on its motion).</summary>
    public bool Visible;
    /// <summary>Frame index when the person's body was last seen in the instance map (their face may be hidden).</summary>
    public long LastBody;
}

/// <summary>
/// Face boxes over time → people with stable ids. Each detection step predicts every track forward with its motion,
/// matches tracks to detections by the Hungarian method on cost = (1 − IoU) + centre distance in face widths (pairs
/// further than <see cref="GateFaceWidths"/> apart are never matched; the gate widens while a track is hidden), updates
/// matched tracks, starts a track for each unmatched detection and drops tracks unseen for longer than
/// <see cref="MaxHiddenFrames"/> (unseen: neither the face detected nor, through <see cref="BodySeen"/>, the body).
/// A dropped person is remembered for <see cref="LostMemoryFactor"/> times that long: a new face within
/// <see cref="LostGateFaceWidths"/> face widths of where they would be now (last place moved on with their motion)
/// gets their id back, so a person hidden for several seconds behind another comes out as themselves. A person who crosses behind another keeps their id when they come out on their
/// predicted path within that time. Between detection steps <see cref="Predict"/> moves boxes along their motion, and a
/// hidden person whose body the split finds (their remembered shape fitted to the frame: <see cref="FoundByBody"/>) is
/// moved there, so that a motion misjudged before the face was lost does not hand the returning face to a neighbour.
/// Arrays are made once: nothing is allocated per frame.
/// </summary>
internal sealed class PersonTracker
{
    public const int MaxTracks = 16;
    public const float GateFaceWidths = 1.5f;
    public const float LostGateFaceWidths = 3f;
    public const int LostMemoryFactor = 10;
    private readonly PersonTrack[] _tracks = new PersonTrack[MaxTracks];
    private readonly PersonTrack[] _lost = new PersonTrack[MaxTracks];
    private readonly long[] _lostAt = new long[MaxTracks];
    private int _lostCount;
    private readonly double[] _cost = new double[MaxTracks * MaxTracks];
    private readonly int[] _match = new int[MaxTracks];
    private readonly bool[] _detectionUsed = new bool[MaxTracks];
    private readonly Hungarian _hungarian = new(MaxTracks);
    private long _lastStep = -1;
    private int _nextId = 1;

    /// <param name="maxHiddenFrames">how long a track outlives its last detection (frames; a second of video)</param>
    public PersonTracker(int maxHiddenFrames) => MaxHiddenFrames = Math.Max(1, maxHiddenFrames);

    public int MaxHiddenFrames { get; }

    /// <summary>Live tracks, visible or hidden (valid until the next call).</summary>
    public ReadOnlySpan<PersonTrack> Tracks => _tracks.AsSpan(0, Count);

    public int Count { get; private set; }

    /// <summary>Forgets every track (a new sequence of frames); ids keep counting up.</summary>
    public void Reset()
    {
        Count = 0;
        _lostCount = 0;
        _lastStep = -1;
    }

    /// <summary>Moves each track along its motion to <paramref name="frame"/> (between detection steps).</summary>
    public void Predict(long frame)
    {
        if (_lastStep < 0)
            return;
        float dt = frame - _lastStep;
        _lastStep = frame;
        for (int i = 0; i < Count; i++)
            _tracks[i].Box = Shift(_tracks[i].Box, _tracks[i].Vx * dt, _tracks[i].Vy * dt);
    }

    /// <summary>Person <paramref name="id"/>'s body is seen at <paramref name="frame"/> although their face may not be: keeps the track.</summary>
    public void BodySeen(int id, long frame)
    {
        for (int i = 0; i < Count; i++)
        {
            if (_tracks[i].Id == id)
                _tracks[i].LastBody = Math.Max(_tracks[i].LastBody, frame);
        }
    }

    /// <summary>
    /// Person <paramref name="id"/>'s face, not seen, is at <paramref name="face"/> by their body (their remembered shape
    /// found in the frame): a hidden track follows it instead of drifting on its motion alone, so the face that comes
    /// back is matched to the right person.
    /// </summary>
    public void FoundByBody(int id, in FaceDetection face)
    {
        for (int i = 0; i < Count; i++)
        {
            if (_tracks[i].Id == id && !_tracks[i].Visible)
                _tracks[i].Box = face;
        }
    }

    /// <summary>A detection step at <paramref name="frame"/> with the faces found there.</summary>
    public void Update(long frame, ReadOnlySpan<FaceDetection> faces)
    {
        Predict(frame);
        _lastStep = frame;
        int n = Math.Min(faces.Length, MaxTracks);
        for (int t = 0; t < Count; t++)
        {
            ref var track = ref _tracks[t];
            float hidden = Math.Max(1, frame - track.LastSeen);
            float gate = GateFaceWidths * (1 + 0.1f * MathF.Min(hidden, 30)); // widens up to 4x while hidden
            for (int d = 0; d < n; d++)
            {
                float size = MathF.Max(track.Box.Width, faces[d].Width);
                float dist = MathF.Sqrt(Sq(track.Box.CentreX - faces[d].CentreX) + Sq(track.Box.CentreY - faces[d].CentreY)) / MathF.Max(size, 1e-4f);
                _cost[t * n + d] = dist > gate ? Hungarian.Forbidden : 1 - track.Box.IoU(faces[d]) + dist;
            }
        }
        if (Count > 0 && n > 0)
            _hungarian.Solve(_cost.AsSpan(0, Count * n), Count, n, _match);
        else
            Array.Fill(_match, -1, 0, Count);
        Array.Clear(_detectionUsed);
        for (int t = 0; t < Count; t++)
        {
            ref var track = ref _tracks[t];
            int d = _match[t];
            if (d < 0)
            {
                track.Visible = false;
                continue;
            }
            _detectionUsed[d] = true;
            float dt = Math.Max(1, frame - track.LastSeen);
            float vx = (faces[d].CentreX - track.Box.CentreX) / dt + track.Vx, vy = (faces[d].CentreY - track.Box.CentreY) / dt + track.Vy;
            // Box is the prediction, so (detection − prediction) / dt corrects the motion; smoothed 50/50.
            track.Vx = 0.5f * track.Vx + 0.5f * vx;
            track.Vy = 0.5f * track.Vy + 0.5f * vy;
            track.Box = faces[d];
            track.LastSeen = frame;
            track.Visible = true;
        }
        // Drop tracks hidden too long (keeping order: older ids first) into the memory of lost people.
        int kept = 0;
        for (int t = 0; t < Count; t++)
        {
            if (frame - Math.Max(_tracks[t].LastSeen, _tracks[t].LastBody) <= MaxHiddenFrames)
                _tracks[kept++] = _tracks[t];
            else
                Lose(_tracks[t], frame);
        }
        Count = kept;
        ForgetLost(frame);
        for (int d = 0; d < n && Count < MaxTracks; d++)
        {
            if (_detectionUsed[d])
                continue;
            int id = Found(faces[d], frame);
            _tracks[Count++] = new PersonTrack { Id = id > 0 ? id : _nextId++, Box = faces[d], LastSeen = frame, LastBody = frame, Visible = true };
        }
    }

    /// <summary>Whether <paramref name="id"/> is tracked now or remembered as lost (it may come back).</summary>
    public bool Knows(int id)
    {
        foreach (ref readonly var t in Tracks)
        {
            if (t.Id == id)
                return true;
        }
        for (int i = 0; i < _lostCount; i++)
        {
            if (_lost[i].Id == id)
                return true;
        }
        return false;
    }

    private void Lose(in PersonTrack track, long frame)
    {
        if (_lostCount == MaxTracks)
        {
            Array.Copy(_lost, 1, _lost, 0, MaxTracks - 1); // the oldest loss is forgotten first
            Array.Copy(_lostAt, 1, _lostAt, 0, MaxTracks - 1);
            _lostCount--;
        }
        _lost[_lostCount] = track;
        _lostAt[_lostCount++] = frame;
    }

    private void ForgetLost(long frame)
    {
        int kept = 0;
        for (int i = 0; i < _lostCount; i++)
        {
            if (frame - _lostAt[i] <= LostMemoryFactor * MaxHiddenFrames)
                (_lost[kept], _lostAt[kept++]) = (_lost[i], _lostAt[i]);
        }
        _lostCount = kept;
    }

    /// <summary>The lost person a new face is (nearest to where they would be now, within the gate; removed from the memory), or 0.</summary>
    private int Found(in FaceDetection face, long frame)
    {
        int best = -1;
        float bestDist = LostGateFaceWidths;
        for (int i = 0; i < _lostCount; i++)
        {
            ref readonly var t = ref _lost[i];
            float dt = frame - _lostAt[i];
            float size = MathF.Max(MathF.Max(t.Box.Width, face.Width), 1e-4f);
            float dist = MathF.Sqrt(Sq(t.Box.CentreX + t.Vx * dt - face.CentreX) + Sq(t.Box.CentreY + t.Vy * dt - face.CentreY)) / size;
            if (dist <= bestDist)
                (best, bestDist) = (i, dist);
        }
        if (best < 0)
            return 0;
        int id = _lost[best].Id;
        Array.Copy(_lost, best + 1, _lost, best, _lostCount - best - 1);
        Array.Copy(_lostAt, best + 1, _lostAt, best, _lostCount - best - 1);
        _lostCount--;
        return id;
    }

    private static float Sq(float v) => v * v;

    private static FaceDetection Shift(FaceDetection b, float dx, float dy) =>
        new(b.XMin + dx, b.YMin + dy, b.XMax + dx, b.YMax + dy, b.Score);
}
