// Included by the effect and blur shaders (#include "mask.glsl"): the mask upsampling, done where the mask is used.
// u_mask: R32F, model output size (or the refined mask's), 0..1 foreground probability, row 0 = top of the image,
// linear filtering, clamped to edge. u_frame: the frame, RGBA8, frame size.
// maskAt(pos): the mask at frame position pos (pixel-centre coordinates, as gl_FragCoord.xy), bilinear with pixel
// centres aligned (src = pos * scale - 0.5, as OpenCV INTER_LINEAR) and edge texels repeated. The texture unit does
// the filtering (one fetch; on llvmpipe the weights are float and match the CPU reference within 1 LSB; hardware GPUs
// use 8-bit sub-texel weights, an error of at most ~0.2% of the step between neighbouring mask texels).
// u_mask is the model's mask, or with --refine the refined mask at half the frame's size (refine_apply.frag).
uniform sampler2D u_mask;
uniform sampler2D u_frame;
uniform vec2 u_maskScale;     // mask size / frame size, per axis

float maskAt(vec2 pos) {
    return texture(u_mask, pos * u_maskScale / vec2(textureSize(u_mask, 0))).r;
}

// The mask texel that covers frame pixel p (nearest, no filtering): for weights that need no
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
