namespace LiveSeg.People;

/// <summary>
/// Minimum-cost assignment of rows to columns (Hungarian method, O(n³) with potentials; Jonker–Volgenant form) on a
/// square matrix padded from rows x cols. Buffers are made once for the largest size: <see cref="Solve"/> allocates
/// nothing. A pair whose cost is at least <see cref="Forbidden"/> is never returned as matched.
/// </summary>
internal sealed class Hungarian
{
    public const double Forbidden = 1e6;
    private readonly int _max;
    private readonly double[] _cost, _u, _v, _minv;
    private readonly int[] _p, _way;
    private readonly bool[] _used;

    public Hungarian(int maxSize)
    {
        _max = maxSize;
        _cost = new double[maxSize * maxSize];
        _u = new double[maxSize + 1];
        _v = new double[maxSize + 1];
        _minv = new double[maxSize + 1];
        _p = new int[maxSize + 1];
        _way = new int[maxSize + 1];
        _used = new bool[maxSize + 1];
    }

    /// <summary>
    /// Assigns rows to columns minimising the total of <paramref name="cost"/>[r * cols + c]; writes each row's column
    /// (or −1: unmatched, or only a forbidden pair was left for it) to <paramref name="rowToCol"/>.
    /// </summary>
    public void Solve(ReadOnlySpan<double> cost, int rows, int cols, Span<int> rowToCol)
    {
        int n = Math.Max(rows, cols);
        if (n > _max)
            throw new ArgumentOutOfRangeException(nameof(rows), $"{rows}x{cols} is larger than {_max}x{_max}");
        for (int r = 0; r < n; r++)
            for (int c = 0; c < n; c++)
                _cost[r * n + c] = r < rows && c < cols ? Math.Min(cost[r * cols + c], Forbidden) : Forbidden / 10; // padding: cheaper than forbidden
        Array.Clear(_u, 0, n + 1);
        Array.Clear(_v, 0, n + 1);
        Array.Clear(_p, 0, n + 1);
        Array.Clear(_way, 0, n + 1);
        for (int i = 1; i <= n; i++)
        {
            _p[0] = i;
            int j0 = 0;
            Array.Fill(_minv, double.PositiveInfinity, 0, n + 1);
            Array.Clear(_used, 0, n + 1);
            do
            {
                _used[j0] = true;
                int i0 = _p[j0], j1 = 0;
                double delta = double.PositiveInfinity;
                for (int j = 1; j <= n; j++)
                {
                    if (_used[j])
                        continue;
                    double cur = _cost[(i0 - 1) * n + j - 1] - _u[i0] - _v[j];
                    if (cur < _minv[j])
                        (_minv[j], _way[j]) = (cur, j0);
                    if (_minv[j] < delta)
                        (delta, j1) = (_minv[j], j);
                }
                for (int j = 0; j <= n; j++)
                {
                    if (_used[j])
                    {
                        _u[_p[j]] += delta;
                        _v[j] -= delta;
                    }
                    else
                    {
                        _minv[j] -= delta;
                    }
                }
                j0 = j1;
            }
            while (_p[j0] != 0);
            do
            {
                int j1 = _way[j0];
                _p[j0] = _p[j1];
                j0 = j1;
            }
            while (j0 != 0);
        }
        for (int r = 0; r < rows; r++)
            rowToCol[r] = -1;
        for (int j = 1; j <= n; j++)
        {
            int r = _p[j] - 1, c = j - 1;
            if (r >= 0 && r < rows && c < cols && cost[r * cols + c] < Forbidden)
                rowToCol[r] = c;
        }
    }
}
