// Included by the effect and blur shaders (#include "mask.glsl"): the mask upsampling, done where the mask is used.
// u_mask: R32F, model output size, 0..1 foreground probability, row 0 = top of the image, linear filtering,
// clamped to edge. u_frame: the frame, RGBA8, frame size (the guide of the refinement).
// maskAt(pos): the mask at frame position pos (pixel-centre coordinates, as gl_FragCoord.xy), upsampled as the
// compile-time REFINE says (the program is built per mode; MaskRefiner.cs is the CPU reference of every mode):
//   0 bilinear: pixel centres aligned (src = pos * scale - 0.5, as OpenCV INTER_LINEAR), edge texels repeated. The
//     texture unit does the filtering (one fetch; on llvmpipe the weights are float and match the CPU reference
//     within 1 LSB; hardware GPUs use 8-bit sub-texel weights, an error of at most ~0.2% of the step between
//     neighbouring mask texels).
//   1 guided (fast guided filter): q = clamp(A * Y + B, 0, 1), Y the pixel's luma, (A, B) = u_refined.rg sampled
//     bilinearly like the mask (refine_*.frag made them at mask size).
//   2 joint bilateral: the 2x2 mask texels p of the bilinear position, each weighted by its bilinear weight times
//     (exp(-(Y - I')^2 / (2 sigma^2)) + 1e-4), I' = u_refined.r the texel's guide luma, p = u_refined.g. Where the
//     texels of the block starting at the first texel agree within 1/512 (u_refined.b = 1: inside or outside the
//     person, most of the frame) the plain bilinear value, at the cost of bilinear.
#ifndef REFINE
#define REFINE 0
#endif
uniform sampler2D u_mask;
uniform sampler2D u_frame;
uniform vec2 u_maskScale;     // mask size / frame size, per axis
#if REFINE != 0
uniform sampler2D u_refined;  // guided: A, B; bilateral: I', p (mask size, RGBA32F)

float lumaAt(vec2 pos) {
    return dot(texelFetch(u_frame, ivec2(pos), 0).rgb, vec3(0.299, 0.587, 0.114));
}
#endif
#if REFINE == 2
uniform float u_rangeSigma;   // bilateral range sigma (luma 0..1)
#endif

float maskAt(vec2 pos) {
    vec2 size = vec2(textureSize(u_mask, 0));
#if REFINE == 1
    vec2 ab = texture(u_refined, pos * u_maskScale / size).rg;
    return clamp(ab.r * lumaAt(pos) + ab.g, 0.0, 1.0);
#elif REFINE == 2
    vec2 src = pos * u_maskScale - 0.5;
    vec2 f = floor(src);
    ivec2 last = ivec2(size) - 1;
    ivec2 t0 = clamp(ivec2(f), ivec2(0), last);
    vec4 g0 = texelFetch(u_refined, t0, 0);
    // Inside or outside the person (the 2x2 block's texels agree within 1/512; refine_guide.frag's flag): bilinear.
    if (g0.b > 0.5)
        return texture(u_mask, pos * u_maskScale / size).r;
    vec2 w = src - f;
    ivec2 t1 = clamp(ivec2(f) + 1, ivec2(0), last);
    vec2 gb = texelFetch(u_refined, ivec2(t1.x, t0.y), 0).rg;
    vec2 gc = texelFetch(u_refined, ivec2(t0.x, t1.y), 0).rg;
    vec2 gd = texelFetch(u_refined, t1, 0).rg;
    float y = lumaAt(pos);
    float k = 0.5 / (u_rangeSigma * u_rangeSigma);
    float da = g0.r - y;
    float db = gb.r - y;
    float dc = gc.r - y;
    float dd = gd.r - y;
    float wa = (1.0 - w.x) * (1.0 - w.y) * (exp(-da * da * k) + 1e-4);
    float wb = w.x * (1.0 - w.y) * (exp(-db * db * k) + 1e-4);
    float wc = (1.0 - w.x) * w.y * (exp(-dc * dc * k) + 1e-4);
    float wd = w.x * w.y * (exp(-dd * dd * k) + 1e-4);
    return (wa * g0.g + wb * gb.g + wc * gc.g + wd * gd.g) / (wa + wb + wc + wd);
#else
    return texture(u_mask, pos * u_maskScale / size).r;
#endif
}

// The mask texel that covers frame pixel p (nearest, no filtering, never refined): for weights that need no
// sub-texel precision.
float maskNearest(ivec2 p) {
    ivec2 size = textureSize(u_mask, 0);
    ivec2 t = ivec2(floor((vec2(p) + 0.5) * u_maskScale));
    return texelFetch(u_mask, clamp(t, ivec2(0), size - 1), 0).r;
}

// The matte of a composite (blur, replace): the mask, or with a feathered edge width u_feather > 0,
// smoothstep(0.5 - u_feather, 0.5 + u_feather, m).
uniform float u_feather;

float matte(float m) {
    return u_feather > 0.0 ? smoothstep(0.5 - u_feather, 0.5 + u_feather, m) : m;
}
