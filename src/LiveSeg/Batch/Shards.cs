using System.Globalization;

namespace LiveSeg.Batch;

/// <summary>Share <see cref="Index"/> of <see cref="Count"/> (0-based), and where the index came from, for the header line.</summary>
internal readonly record struct ShardSpec(int Index, int Count, string Source)
{
    /// <summary>The whole batch in one process.</summary>
    public static ShardSpec Whole => new(0, 1, "one process");

    public bool IsWhole => Count == 1;

    /// <summary>The shard record's name: liveseg-batch.shard-I-of-N.json.</summary>
    public string RecordName => $"liveseg-batch.shard-{Index}-of-{Count}.json";

    public override string ToString() => $"{Index}/{Count}";

    /// <summary>Reads "I/N" (0 ≤ I &lt; N).</summary>
    public static ShardSpec Parse(string text, string source = "--shard")
    {
        string[] parts = text.Split('/');
        if (parts.Length != 2 || !TryCount(parts[0], out int i, allowZero: true) || !TryCount(parts[1], out int n, allowZero: false))
            return Throw.User<ShardSpec>($"--shard '{text}' is not I/N: give the share's index (from 0) and the number of shares, e.g. --shard 0/4.");
        if (i >= n)
            Throw.User($"--shard {text}: the index must be below the number of shares (0..{n - 1} for {n}; indices count from 0).");
        return new ShardSpec(i, n, source);
    }

    /// <summary>
    /// The shard: <paramref name="shard"/> when given; else the scheduler's index from <paramref name="environment"/> —
    /// a Slurm job array (SLURM_ARRAY_TASK_ID over SLURM_ARRAY_TASK_MIN/STEP/COUNT) or a Kubernetes Indexed Job
    /// (JOB_COMPLETION_INDEX, with <paramref name="shardCount"/>); else the whole batch.
    /// </summary>
    public static ShardSpec Resolve(string? shard, int shardCount, Func<string, string?> environment)
    {
        if (shard is not null)
        {
            var s = Parse(shard);
            if (shardCount > 0 && shardCount != s.Count)
                Throw.User($"--shard {shard} and --shard-count {shardCount} disagree: give one of them.");
            return s;
        }
        if (environment("SLURM_ARRAY_TASK_ID") is { Length: > 0 } id)
        {
            int count = Env(environment, "SLURM_ARRAY_TASK_COUNT", 0, shardCount);
            int min = Env(environment, "SLURM_ARRAY_TASK_MIN", 0, 0);
            int step = Math.Max(1, Env(environment, "SLURM_ARRAY_TASK_STEP", 0, 1));
            if (!TryCount(id, out int task, allowZero: true))
                Throw.User($"SLURM_ARRAY_TASK_ID '{id}' is not a task number: run under sbatch --array, or give --shard I/N.");
            if (count <= 0)
                Throw.User("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not: give --shard-count N (the array's size) or --shard I/N.");
            if (shardCount > 0 && shardCount != count)
                Throw.User($"--shard-count {shardCount} and SLURM_ARRAY_TASK_COUNT={count} disagree: submit the array with --array=0-{shardCount - 1}, or drop --shard-count.");
            int index = (task - min) / step;
            if (task < min || (task - min) % step != 0 || index >= count)
                Throw.User($"SLURM_ARRAY_TASK_ID={task} is not one of the array's {count} tasks (from {min}, step {step}): give --shard I/N.");
            return new ShardSpec(index, count, $"SLURM_ARRAY_TASK_ID={task} of SLURM_ARRAY_TASK_COUNT={count}");
        }
        if (environment("JOB_COMPLETION_INDEX") is { Length: > 0 } k8s)
        {
            if (!TryCount(k8s, out int index, allowZero: true))
                Throw.User($"JOB_COMPLETION_INDEX '{k8s}' is not an index: run as a Kubernetes Indexed Job, or give --shard I/N.");
            if (shardCount <= 0)
                Throw.User("JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job): give --shard-count N, the Job's completions.");
            if (index >= shardCount)
                Throw.User($"JOB_COMPLETION_INDEX={index} is not below --shard-count {shardCount}: set completions and --shard-count to the same N.");
            return new ShardSpec(index, shardCount, $"JOB_COMPLETION_INDEX={index} of --shard-count {shardCount}");
        }
        if (shardCount > 1)
            Throw.User($"--shard-count {shardCount} needs an index: run as a Slurm array task or a Kubernetes Indexed Job, or give --shard I/{shardCount}.");
        return Whole;
    }

    private static int Env(Func<string, string?> environment, string name, int min, int fallback) =>
        environment(name) is { Length: > 0 } v ? (TryCount(v, out int n, allowZero: min == 0) ? n : Throw.User<int>($"{name} '{v}' is not a number.")) : fallback;

    private static bool TryCount(string s, out int value, bool allowZero) =>
        int.TryParse(s.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out value) && (allowZero || value > 0);
}

/// <summary>Deals the work items to shards: deterministic, every item in exactly one shard, balanced by frames.</summary>
internal static class Shards
{
    /// <summary>
    /// The shard of each item (indices into <paramref name="weights"/>): largest first (ties in the given order), each to
    /// the shard with the fewest frames so far (ties: the lowest shard). The loads then differ by at most the largest item.
    /// </summary>
    public static int[] Assign(IReadOnlyList<long> weights, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var order = Enumerable.Range(0, weights.Count).OrderByDescending(i => weights[i]).ThenBy(i => i).ToArray();
        var load = new long[count];
        var shard = new int[weights.Count];
        foreach (int i in order)
        {
            int best = 0;
            for (int s = 1; s < count; s++)
                if (load[s] < load[best])
                    best = s;
            shard[i] = best;
            load[best] += weights[i];
        }
        return shard;
    }

    /// <summary>The items of <paramref name="spec"/>'s shard, in the plan's order.</summary>
    public static IReadOnlyList<WorkItem> Of(BatchPlan plan, ShardSpec spec)
    {
        if (spec.IsWhole)
            return plan.Items;
        int[] shard = Assign(plan.Items.Select(i => i.Weight).ToList(), spec.Count);
        return [.. plan.Items.Where((_, i) => shard[i] == spec.Index)];
    }
}
