#version 330 core
// Background blur, pass 1: reduce the frame by u_factor in each direction, averaging each u_factor x u_factor block
// weighted per pixel by background-ness (1 - mask, nearest mask texel), so the person's colours never bleed into the
// blurred background (no halo). Block pixels past the frame edge repeat the edge.
// Out: RGBA32F, ceil(frame / factor): rgb = mean((1 - m) * colour), a = mean(1 - m).
#include "mask.glsl"
uniform int u_factor;
layout(location = 0) out vec4 o_sum;

void main() {
    ivec2 last = textureSize(u_frame, 0) - 1;
    ivec2 origin = ivec2(gl_FragCoord.xy) * u_factor;
    vec4 sum = vec4(0.0);
    for (int dy = 0; dy < u_factor; dy++) {
        for (int dx = 0; dx < u_factor; dx++) {
            ivec2 q = min(origin + ivec2(dx, dy), last);
            float w = 1.0 - maskNearest(q);
            sum += vec4(texelFetch(u_frame, q, 0).rgb * w, w);
        }
    }
    o_sum = sum / float(u_factor * u_factor);
}
