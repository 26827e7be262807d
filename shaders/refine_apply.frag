#version 330 core
// Mask refinement, last pass (MaskRefiner.Refine): the refined mask at half the frame's size. Texel t stands for the
// 2x2 frame pixels from 2t (clamped to the frame): its guide Y is their mean luma, its position their centre
// pos = 2t + 1 (frame pixel-centre coordinates). GUIDED: q = clamp(A * Y + B, 0, 1), (A, B) = u_refined.rg sampled
// bilinearly at pos (mask size, from refine_box.frag). BILATERAL: the 2x2 mask texels of pos's bilinear footprint, each
// weighted by its bilinear weight times (exp(-(Y - I')^2 / (2 sigma^2)) + 1e-4), (I', p) = u_refined.rg. (No fast
// path for uniform areas: llvmpipe runs both sides of a branch, so it would only add fetches.)
// Out: R32F, ceil(frame / 2), linear filtering: the effect passes read it as their mask (mask.glsl).
uniform sampler2D u_frame;     // RGBA8 frame size
uniform sampler2D u_refined;   // RGBA32F mask size
uniform sampler2D u_mask;      // R32F mask size (the model's)
uniform vec2 u_maskScale;      // mask size / frame size
#ifdef BILATERAL
uniform float u_rangeSigma;
#endif
layout(location = 0) out float o_mask;

float luma(ivec2 q) {
    return dot(texelFetch(u_frame, q, 0).rgb, vec3(0.299, 0.587, 0.114));
}

void main() {
    ivec2 t = ivec2(gl_FragCoord.xy);
    ivec2 last = textureSize(u_frame, 0) - 1;
    ivec2 a = min(2 * t, last);
    ivec2 b = min(2 * t + 1, last);
    float y = (luma(a) + luma(ivec2(b.x, a.y)) + luma(ivec2(a.x, b.y)) + luma(b)) * 0.25;
    vec2 pos = vec2(2 * t + 1);
    vec2 size = vec2(textureSize(u_mask, 0));
#ifdef GUIDED
    vec2 ab = texture(u_refined, pos * u_maskScale / size).rg;
    o_mask = clamp(ab.r * y + ab.g, 0.0, 1.0);
#else
    vec2 src = pos * u_maskScale - 0.5;
    vec2 f = floor(src);
    ivec2 top = ivec2(size) - 1;
    ivec2 t0 = clamp(ivec2(f), ivec2(0), top);
    vec2 g0 = texelFetch(u_refined, t0, 0).rg;
    vec2 w = src - f;
    ivec2 t1 = clamp(ivec2(f) + 1, ivec2(0), top);
    vec2 gb = texelFetch(u_refined, ivec2(t1.x, t0.y), 0).rg;
    vec2 gc = texelFetch(u_refined, ivec2(t0.x, t1.y), 0).rg;
    vec2 gd = texelFetch(u_refined, t1, 0).rg;
    float k = 0.5 / (u_rangeSigma * u_rangeSigma);
    float da = g0.r - y;
    float db = gb.r - y;
    float dc = gc.r - y;
    float dd = gd.r - y;
    float wa = (1.0 - w.x) * (1.0 - w.y) * (exp(-da * da * k) + 1e-4);
    float wb = w.x * (1.0 - w.y) * (exp(-db * db * k) + 1e-4);
    float wc = (1.0 - w.x) * w.y * (exp(-dc * dc * k) + 1e-4);
    float wd = w.x * w.y * (exp(-dd * dd * k) + 1e-4);
    o_mask = (wa * g0.g + wb * gb.g + wc * gc.g + wd * gd.g) / (wa + wb + wc + wd);
#endif
}
