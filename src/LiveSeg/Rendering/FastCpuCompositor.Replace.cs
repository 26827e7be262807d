using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using LiveSeg.Effects;

namespace LiveSeg.Rendering;

internal sealed unsafe partial class FastCpuCompositor
{
    /// <summary>Registers <see cref="ReplaceKernel"/> as the kernel of <see cref="EffectKind.Replace"/>.</summary>
    private static readonly Func<FastCpuCompositor, Kernel> s_newReplaceKernel = Registered(EffectKind.Replace, c => new ReplaceKernel(c));

    /// <summary>The CPU renderer's part of <see cref="ReplaceEffect"/>: the background is the compositor's (<see cref="SetBackground"/>).</summary>
    internal sealed class ReplaceKernel(FastCpuCompositor cpu) : Kernel
    {
        /// <summary>effect_replace.frag: the new background, with its light wrapped over the person's edge.</summary>
        public override void ComposeRow(int band, int y, float* m, byte* src, byte* dst)
        {
            fixed (byte* background = &cpu._background[y * cpu._w * 3])
                Compose(m, src, background, dst);
        }

        private void Compose(float* m, byte* src, byte* background, byte* dst)
        {
            int x = 0, w = cpu._w;
            float lightWrap = cpu._s.LightWrap;
            if (cpu._simd)
            {
                Vector256<float> one = Vector256<float>.One, vw = Vector256.Create(lightWrap);
                for (; x <= w - 8; x += 8)
                {
                    Vector256<float> mv = Avx.LoadVector256(m + x);
                    CpuSimd.Spread(Avx.Multiply(vw, Avx.Subtract(one, mv)), out var w0, out var w1, out var w2);
                    CpuSimd.Spread(cpu.Matte(mv), out var a0, out var a1, out var a2);
                    CpuSimd.Load24(src + x * 3, out var c0, out var c1, out var c2);
                    CpuSimd.Load24(background + x * 3, out var g0, out var g1, out var g2);
                    CpuSimd.Store24(dst + x * 3,
                        CpuSimd.Mix(g0, Wrapped(c0, g0, w0), a0), CpuSimd.Mix(g1, Wrapped(c1, g1, w1), a1), CpuSimd.Mix(g2, Wrapped(c2, g2, w2), a2));
                }
            }
            for (; x < w; x++)
            {
                float wrap = lightWrap * (1 - m[x]), matte = cpu.Matte(m[x]);
                for (int c = 0; c < 3; c++)
                {
                    float bg = background[x * 3 + c] / 255f;
                    dst[x * 3 + c] = CpuCompositor.ToByte(Glsl.Mix(bg, Glsl.Screen(src[x * 3 + c] / 255f, bg * wrap), matte));
                }
            }
        }

        /// <summary>1 − (1 − c)(1 − bg · wrap): the background's light screened over the frame.</summary>
        private static Vector256<float> Wrapped(Vector256<float> c, Vector256<float> bg, Vector256<float> wrap)
        {
            Vector256<float> one = Vector256<float>.One;
            return Avx.Subtract(one, Avx.Multiply(Avx.Subtract(one, c), Avx.Subtract(one, Avx.Multiply(bg, wrap))));
        }
    }
}
