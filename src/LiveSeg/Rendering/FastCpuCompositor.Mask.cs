using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using LiveSeg.Effects;

namespace LiveSeg.Rendering;

internal sealed unsafe partial class FastCpuCompositor
{
    /// <summary>Registers <see cref="MaskKernel"/> as the kernel of <see cref="EffectKind.Mask"/>.</summary>
    private static readonly Func<FastCpuCompositor, Kernel> s_newMaskKernel = Registered(EffectKind.Mask, c => new MaskKernel(c));

    /// <summary>The CPU renderer's part of <see cref="MaskEffect"/>.</summary>
    internal sealed class MaskKernel(FastCpuCompositor cpu) : Kernel
    {
        /// <summary>effect_mask.frag: the mask as grey.</summary>
        public override void ComposeRow(int band, int y, float* m, byte* src, byte* dst)
        {
            int x = 0, w = cpu._w;
            if (cpu._simd)
            {
                for (; x <= w - 8; x += 8)
                {
                    CpuSimd.Spread(Avx.LoadVector256(m + x), out var a, out var b, out var c);
                    CpuSimd.Store24(dst + x * 3, a, b, c);
                }
            }
            for (; x < w; x++)
                dst[x * 3] = dst[x * 3 + 1] = dst[x * 3 + 2] = CpuCompositor.ToByte(m[x]);
        }
    }
}
