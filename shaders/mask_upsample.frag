#version 330 core
// Mask upsampling + temporal smoothing.
// In:  u_mask     R32F, model output size, 0..1 foreground probability.
//      u_previous R32F, frame size: last frame's smoothed mask (zeros on the first frame, with u_keep = 0).
// Out: R32F, frame size: mix(bilinear(mask), previous, u_keep).
// Bilinear with pixel centres aligned (src = (dst + 0.5) * scale - 0.5, as OpenCV INTER_LINEAR) and edge texels
// repeated; weights computed here in float rather than by the texture unit, so every GPU gives the same result.
uniform sampler2D u_mask;
uniform sampler2D u_previous;
uniform vec2 u_scale;   // mask size / frame size, per axis
uniform float u_keep;   // weight of the previous mask, 0..1
layout(location = 0) out float o_mask;

float maskAt(ivec2 p, ivec2 size) {
    return texelFetch(u_mask, clamp(p, ivec2(0), size - 1), 0).r;
}

void main() {
    ivec2 size = textureSize(u_mask, 0);
    vec2 src = gl_FragCoord.xy * u_scale - 0.5;
    vec2 f = floor(src);
    vec2 w = src - f;
    ivec2 i = ivec2(f);
    float top = mix(maskAt(i, size), maskAt(i + ivec2(1, 0), size), w.x);
    float bottom = mix(maskAt(i + ivec2(0, 1), size), maskAt(i + ivec2(1, 1), size), w.x);
    float m = mix(top, bottom, w.y);
    float previous = texelFetch(u_previous, ivec2(gl_FragCoord.xy), 0).r;
    o_mask = mix(m, previous, u_keep);
}
