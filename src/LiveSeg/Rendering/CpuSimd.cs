using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LiveSeg.Rendering;

/// <summary>
/// The CPU renderer's vector pieces (AVX2, 8 floats at a time): 8 BGR pixels (24 bytes) in and out as three vectors of
/// interleaved channel values, a per-pixel value spread over its pixel's three channels, row blends. Callers check
/// <see cref="IsSupported"/> and run their scalar loop otherwise (and for a row's last few pixels).
/// </summary>
internal static unsafe class CpuSimd
{
    public static bool IsSupported => Avx2.IsSupported;

    private static readonly Vector256<int> s_spread0 = Vector256.Create(0, 0, 0, 1, 1, 1, 2, 2);
    private static readonly Vector256<int> s_spread1 = Vector256.Create(2, 3, 3, 3, 4, 4, 4, 5);
    private static readonly Vector256<int> s_spread2 = Vector256.Create(5, 5, 6, 6, 6, 7, 7, 7);
    private static readonly Vector256<float> s_inv255 = Vector256.Create(1f / 255f);

    /// <summary>24 bytes (8 BGR pixels) as floats 0..1, in memory order (b0 g0 r0 b1 …): three vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Load24(byte* p, out Vector256<float> a, out Vector256<float> b, out Vector256<float> c)
    {
        a = Avx.Multiply(Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(p)), s_inv255);
        b = Avx.Multiply(Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(p + 8)), s_inv255);
        c = Avx.Multiply(Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(p + 16)), s_inv255);
    }

    /// <summary>Three vectors of values 0..1 (any value clamped) as 24 bytes, round(v · 255) as GL stores unsigned-normalised values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store24(byte* p, Vector256<float> a, Vector256<float> b, Vector256<float> c)
    {
        Vector256<int> ia = ToInt255(a), ib = ToInt255(b), ic = ToInt255(c);
        Vector256<short> ab = Vector256.Narrow(ia, ib);
        Vector256<short> cc = Vector256.Narrow(ic, ic);
        Vector256<byte> bytes = Vector256.Narrow(ab.AsUInt16(), cc.AsUInt16());
        bytes.GetLower().Store(p);
        *(ulong*)(p + 16) = bytes.GetUpper().AsUInt64().ToScalar();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> ToInt255(Vector256<float> v)
    {
        v = Avx.Min(Avx.Max(v, Vector256<float>.Zero), Vector256<float>.One);
        return Avx.ConvertToVector256Int32WithTruncation(Avx.Add(Avx.Multiply(v, Vector256.Create(255f)), Vector256.Create(0.5f)));
    }

    /// <summary>8 per-pixel values spread over the 24 channel values of their pixels (v0 v0 v0 v1 v1 v1 …).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Spread(Vector256<float> v, out Vector256<float> a, out Vector256<float> b, out Vector256<float> c)
    {
        a = Avx2.PermuteVar8x32(v, s_spread0);
        b = Avx2.PermuteVar8x32(v, s_spread1);
        c = Avx2.PermuteVar8x32(v, s_spread2);
    }

    /// <summary>GLSL mix(x, y, a) = x·(1 − a) + y·a.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Mix(Vector256<float> x, Vector256<float> y, Vector256<float> a) =>
        Avx.Add(Avx.Multiply(x, Avx.Subtract(Vector256<float>.One, a)), Avx.Multiply(y, a));

    /// <summary>GLSL smoothstep(e0, e1, x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> SmoothStep(float e0, float e1, Vector256<float> x)
    {
        Vector256<float> t = Avx.Divide(Avx.Subtract(x, Vector256.Create(e0)), Vector256.Create(e1 - e0));
        t = Avx.Min(Avx.Max(t, Vector256<float>.Zero), Vector256<float>.One);
        return Avx.Multiply(Avx.Multiply(t, t), Avx.Subtract(Vector256.Create(3f), Avx.Multiply(Vector256.Create(2f), t)));
    }

    /// <summary>dst[i] = a[i]·(1 − w) + b[i]·w over the span (a vertical blend of two rows).</summary>
    public static void BlendRows(ReadOnlySpan<float> a, ReadOnlySpan<float> b, float w, Span<float> dst, bool simd = true)
    {
        int i = 0;
        float wa = 1 - w;
        if (simd && IsSupported)
        {
            fixed (float* pa = a, pb = b, pd = dst)
            {
                Vector256<float> va = Vector256.Create(wa), vb = Vector256.Create(w);
                for (; i <= dst.Length - 8; i += 8)
                    Avx.Store(pd + i, Avx.Add(Avx.Multiply(Avx.LoadVector256(pa + i), va), Avx.Multiply(Avx.LoadVector256(pb + i), vb)));
            }
        }
        for (; i < dst.Length; i++)
            dst[i] = a[i] * wa + b[i] * w;
    }

    /// <summary>dst[i] += a[i]·w over the span.</summary>
    public static void AddScaled(ReadOnlySpan<float> a, float w, Span<float> dst, bool simd = true)
    {
        int i = 0;
        if (simd && IsSupported)
        {
            fixed (float* pa = a, pd = dst)
            {
                Vector256<float> vw = Vector256.Create(w);
                for (; i <= dst.Length - 8; i += 8)
                    Avx.Store(pd + i, Avx.Add(Avx.LoadVector256(pd + i), Avx.Multiply(Avx.LoadVector256(pa + i), vw)));
            }
        }
        for (; i < dst.Length; i++)
            dst[i] += a[i] * w;
    }
}
