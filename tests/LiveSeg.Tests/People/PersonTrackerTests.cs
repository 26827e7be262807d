using LiveSeg.People;

namespace LiveSeg.Tests;

/// <summary>Ids through motion, a crossing (one face hidden behind the other), disappearance, and the assignment itself.</summary>
public class PersonTrackerTests
{
    private static FaceDetection Face(float cx, float cy, float size = 0.08f) => new(cx - size / 2, cy - size / 2, cx + size / 2, cy + size / 2, 0.9f);

    private static int IdNear(PersonTracker t, float cx) =>
        t.Tracks.ToArray().Where(k => k.Visible).OrderBy(k => MathF.Abs(k.Box.CentreX - cx)).First().Id;

    [Fact]
    public void Crossing_HiddenFaceComesOutOnItsPath_KeepsItsId_NoSwitch()
    {
        // A walks right, B walks left at the same height; while they overlap (|xA − xB| < 0.12) only the front one (A)
        // is detected. Detection every 3rd frame, 30 fps: B is hidden for well under a second.
        var tracker = new PersonTracker(maxHiddenFrames: 30);
        int idA = 0, idB = 0, switches = 0;
        for (int f = 0; f <= 60; f++)
        {
            float xa = 0.2f + 0.01f * f, xb = 0.8f - 0.01f * f;
            if (f % 3 != 0)
            {
                tracker.Predict(f);
                continue;
            }
            bool overlap = MathF.Abs(xa - xb) < 0.12f;
            FaceDetection[] faces = overlap ? [Face(xa, 0.3f)] : [Face(xa, 0.3f), Face(xb, 0.32f)];
            tracker.Update(f, faces);
            int a = IdNear(tracker, xa);
            if (f == 0)
            {
                (idA, idB) = (a, IdNear(tracker, xb));
                continue;
            }
            switches += a != idA ? 1 : 0;
            if (!overlap)
                switches += IdNear(tracker, xb) != idB ? 1 : 0;
        }
        Assert.Equal(0, switches);
        Assert.Equal([1, 2], tracker.Tracks.ToArray().Select(t => t.Id).Order());
    }

    [Fact]
    public void HiddenTrack_FollowsTheBody_SoTheFaceThatComesBackGetsTheirId()
    {
        // A (at 0.30) and B (at 0.40) stand still while seen, then both faces are lost; A walks right to 0.46 while
        // hidden, found by their body each frame; B stays hidden. The face at 0.46 that comes back is A's: on their motion
        // alone (no body) A would be predicted at 0.30, and the face would be taken for B, who is nearer.
        var tracker = new PersonTracker(maxHiddenFrames: 30);
        tracker.Update(0, [Face(0.3f, 0.3f), Face(0.4f, 0.3f)]);
        tracker.Update(3, [Face(0.3f, 0.3f), Face(0.4f, 0.3f)]);
        int idA = IdNear(tracker, 0.3f), idB = IdNear(tracker, 0.4f);
        tracker.Update(6, []);
        for (int f = 7; f < 15; f++)
        {
            tracker.Predict(f);
            tracker.FoundByBody(idA, Face(0.3f + 0.02f * (f - 6), 0.3f));
        }
        tracker.Update(15, [Face(0.47f, 0.3f)]);
        var back = tracker.Tracks.ToArray().Single(t => t.Visible);
        Assert.Equal(idA, back.Id);
        Assert.False(tracker.Tracks.ToArray().Single(t => t.Id == idB).Visible);
    }

    [Fact]
    public void SeenTrack_IgnoresTheBody()
    {
        var tracker = new PersonTracker(maxHiddenFrames: 30);
        tracker.Update(0, [Face(0.3f, 0.3f)]);
        tracker.FoundByBody(1, Face(0.6f, 0.3f)); // seen: the detection stands
        Assert.Equal(0.3f, tracker.Tracks[0].Box.CentreX, 4);
    }

    [Fact]
    public void PersonGoneLongerThanTheLimit_IsDropped_ComesBackOnTheirPathWithTheirId_ElsewhereAsNew()
    {
        var tracker = new PersonTracker(maxHiddenFrames: 10);
        tracker.Update(0, [Face(0.5f, 0.3f)]);
        tracker.Update(5, []);
        Assert.Equal(1, tracker.Count);
        Assert.False(tracker.Tracks[0].Visible);
        tracker.Update(11, []);
        Assert.Equal(0, tracker.Count);
        Assert.True(tracker.Knows(1)); // lost, remembered
        // A face far from where person 1 was is someone else; one where they were is them again.
        tracker.Update(12, [Face(0.1f, 0.3f), Face(0.5f, 0.3f)]);
        Assert.Equal(2, IdNear(tracker, 0.1f));
        Assert.Equal(1, IdNear(tracker, 0.5f));
    }

    [Fact]
    public void LostPerson_IsForgottenAfterTheMemory_ComesBackAsNew()
    {
        var tracker = new PersonTracker(maxHiddenFrames: 10);
        tracker.Update(0, [Face(0.5f, 0.3f)]);
        tracker.Update(11, []);
        long forgotten = 11 + PersonTracker.LostMemoryFactor * 10 + 1;
        tracker.Update(forgotten, []);
        Assert.False(tracker.Knows(1));
        tracker.Update(forgotten + 1, [Face(0.5f, 0.3f)]);
        Assert.Equal(2, tracker.Tracks[0].Id);
    }

    [Fact]
    public void FaceHiddenLongerThanTheLimit_ButBodySeen_KeepsItsId()
    {
        // A person walks behind another for 1.5 s (45 frames, limit 30): the face is gone but the body still shows
        // (the split reports it), so the track lives on and the face coming back gets the old id.
        var tracker = new PersonTracker(maxHiddenFrames: 30);
        tracker.Update(0, [Face(0.3f, 0.3f), Face(0.7f, 0.3f)]);
        int hidden = tracker.Tracks[1].Id;
        for (int f = 5; f <= 45; f += 5)
        {
            tracker.Update(f, [Face(0.3f, 0.3f)]);
            tracker.BodySeen(hidden, f);
        }
        tracker.Update(50, [Face(0.3f, 0.3f), Face(0.7f, 0.3f)]);
        Assert.Equal(2, tracker.Count);
        Assert.Equal(hidden, IdNear(tracker, 0.7f));
        // Without the body, the same absence drops the track (only the memory of lost people could bring the id back).
        var plain = new PersonTracker(maxHiddenFrames: 30);
        plain.Update(0, [Face(0.3f, 0.3f), Face(0.7f, 0.3f)]);
        for (int f = 5; f <= 45; f += 5)
            plain.Update(f, [Face(0.3f, 0.3f)]);
        Assert.Equal(1, plain.Count);
    }

    [Fact]
    public void FarAwayDetection_IsNotMatched_StartsANewTrack()
    {
        var tracker = new PersonTracker(30);
        tracker.Update(0, [Face(0.2f, 0.3f)]);
        tracker.Update(1, [Face(0.8f, 0.3f)]);
        Assert.Equal(2, tracker.Count);
        Assert.False(tracker.Tracks[0].Visible);
        Assert.Equal(2, tracker.Tracks[1].Id);
    }

    [Fact]
    public void Predict_MovesBoxesAlongTheirMotion()
    {
        var tracker = new PersonTracker(30);
        tracker.Update(0, [Face(0.30f, 0.3f)]);
        tracker.Update(2, [Face(0.34f, 0.3f)]);
        tracker.Update(4, [Face(0.38f, 0.3f)]);
        tracker.Predict(6);
        Assert.InRange(tracker.Tracks[0].Box.CentreX, 0.40f, 0.43f);
    }

    [Fact]
    public void Hungarian_FindsTheCheapestAssignment_NotTheGreedyOne()
    {
        // Greedy takes (0,0)=1 then (1,1)=10: 11. Optimal: (0,1)=2, (1,0)=2: 4.
        var h = new Hungarian(4);
        var match = new int[2];
        h.Solve([1, 2, 2, 10], 2, 2, match);
        Assert.Equal([1, 0], match);
        // A forbidden pair is never returned; a third row with no column stays unmatched.
        var m3 = new int[3];
        h.Solve([Hungarian.Forbidden, 1, 3, Hungarian.Forbidden, 5, 5], 3, 2, m3);
        Assert.Equal(1, m3[0]);
        Assert.Equal(0, m3[1]);
        Assert.Equal(-1, m3[2]);
    }
}
