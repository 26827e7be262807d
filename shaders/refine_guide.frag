#version 330 core
// Mask refinement, pass 1 (MaskRefiner.Prepare): at the mask's size, the guide I' = mean luma of the 2x2 frame pixels
// at the mask texel's centre (c = ((2t + 1) * frame) / (2 * mask), then c and c - 1, clamped to the frame), and the
// mask value p. Out: RGBA32F mask size: (I', p, I'^2, I' p) (the bilateral pass reads only I' and p).
uniform sampler2D u_frame;   // RGBA8 frame size
uniform sampler2D u_mask;    // R32F mask size
layout(location = 0) out vec4 o_moments;

float luma(ivec2 q) {
    return dot(texelFetch(u_frame, q, 0).rgb, vec3(0.299, 0.587, 0.114));
}

void main() {
    ivec2 t = ivec2(gl_FragCoord.xy);
    ivec2 frame = textureSize(u_frame, 0);
    ivec2 mask = textureSize(u_mask, 0);
    ivec2 c = min(((2 * t + 1) * frame) / (2 * mask), frame - 1);
    ivec2 d = max(c - 1, ivec2(0));
    float guide = (luma(c) + luma(ivec2(d.x, c.y)) + luma(ivec2(c.x, d.y)) + luma(d)) * 0.25;
    float p = texelFetch(u_mask, t, 0).r;
    o_moments = vec4(guide, p, guide * guide, guide * p);
}
