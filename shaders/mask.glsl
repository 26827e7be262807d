// Included by the effect and blur shaders (#include "mask.glsl"): the mask upsampling, done where the mask is used.
// u_mask: R32F, model output size, 0..1 foreground probability, row 0 = top of the image, linear filtering,
// clamped to edge. u_frame: the frame, RGBA8, frame size (the guide of the refinement).
// maskAt(pos): the mask at frame position pos (pixel-centre coordinates, as gl_FragCoord.xy), upsampled as
// u_refine says (MaskRefiner.cs is the CPU reference of every mode):
//   0 bilinear: pixel centres aligned (src = pos * scale - 0.5, as OpenCV INTER_LINEAR), edge texels repeated. The
//     texture unit does the filtering (one fetch; on llvmpipe the weights are float and match the CPU reference
//     within 1 LSB; hardware GPUs use 8-bit sub-texel weights, an error of at most ~0.2% of the step between
//     neighbouring mask texels).
//   1 guided (fast guided filter): q = clamp(A * Y + B, 0, 1), Y the pixel's luma, (A, B) = u_refined.rg sampled
//     bilinearly like the mask (refine_*.frag made them at mask size).
//   2 joint bilateral: the 4x4 mask texels around the bilinear position, weighted by exp(-d^2/2) (d in texels) times
//     (exp(-(Y - I')^2 / (2 sigma^2)) + 1e-4), I' = u_refined.r the texel's mean luma, p = u_refined.g its mask value.
uniform sampler2D u_mask;
uniform sampler2D u_frame;
uniform sampler2D u_refined;  // guided: A, B; bilateral: I', p (mask size, RGBA32F)
uniform int u_refine;         // 0 bilinear, 1 guided, 2 bilateral
uniform float u_rangeSigma;   // bilateral range sigma (luma 0..1)
uniform vec2 u_maskScale;     // mask size / frame size, per axis

float lumaAt(vec2 pos) {
    return dot(texelFetch(u_frame, ivec2(pos), 0).rgb, vec3(0.299, 0.587, 0.114));
}

float maskAt(vec2 pos) {
    vec2 size = vec2(textureSize(u_mask, 0));
    if (u_refine == 1) {
        vec2 ab = texture(u_refined, pos * u_maskScale / size).rg;
        return clamp(ab.r * lumaAt(pos) + ab.g, 0.0, 1.0);
    }
    if (u_refine == 2) {
        vec2 src = pos * u_maskScale - 0.5;
        vec2 f = floor(src);
        float y = lumaAt(pos);
        ivec2 last = ivec2(size) - 1;
        float sum = 0.0;
        float weights = 0.0;
        for (int j = -1; j <= 2; j++) {
            for (int i = -1; i <= 2; i++) {
                vec2 d = f + vec2(i, j) - src;
                vec2 t = texelFetch(u_refined, clamp(ivec2(f) + ivec2(i, j), ivec2(0), last), 0).rg;
                float dl = y - t.r;
                float w = exp(-0.5 * dot(d, d)) * (exp(-dl * dl * (0.5 / (u_rangeSigma * u_rangeSigma))) + 1e-4);
                sum += w * t.g;
                weights += w;
            }
        }
        return sum / weights;
    }
    return texture(u_mask, pos * u_maskScale / size).r;
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
