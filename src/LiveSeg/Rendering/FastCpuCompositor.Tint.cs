using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using LiveSeg.Effects;

namespace LiveSeg.Rendering;

internal sealed unsafe partial class FastCpuCompositor
{
    /// <summary>Registers <see cref="TintKernel"/> as the kernel of <see cref="EffectKind.Tint"/>.</summary>
    private static readonly Func<FastCpuCompositor, Kernel> s_newTintKernel = Registered(EffectKind.Tint, c => new TintKernel(c));

    /// <summary>The CPU renderer's part of <see cref="TintEffect"/>.</summary>
    internal sealed class TintKernel(FastCpuCompositor cpu) : Kernel
    {
        /// <summary>effect_tint.frag: mix(frame, colour, mask · strength).</summary>
        public override void ComposeRow(int band, int y, float* m, byte* src, byte* dst)
        {
            int x = 0, w = cpu._w;
            float strength = cpu._s.TintStrength;
            fixed (float* col = cpu._colour)
            {
                if (cpu._simd)
                {
                    Vector256<float> k0 = Avx.LoadVector256(col), k1 = Avx.LoadVector256(col + 8), k2 = Avx.LoadVector256(col + 16);
                    Vector256<float> vs = Vector256.Create(strength);
                    for (; x <= w - 8; x += 8)
                    {
                        CpuSimd.Spread(Avx.Multiply(Avx.LoadVector256(m + x), vs), out var a0, out var a1, out var a2);
                        CpuSimd.Load24(src + x * 3, out var c0, out var c1, out var c2);
                        CpuSimd.Store24(dst + x * 3, CpuSimd.Mix(c0, k0, a0), CpuSimd.Mix(c1, k1, a1), CpuSimd.Mix(c2, k2, a2));
                    }
                }
                for (; x < w; x++)
                {
                    float a = m[x] * strength;
                    for (int c = 0; c < 3; c++)
                        dst[x * 3 + c] = CpuCompositor.ToByte(Glsl.Mix(src[x * 3 + c] / 255f, col[c], a));
                }
            }
        }
    }
}
