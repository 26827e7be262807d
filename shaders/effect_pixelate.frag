#version 330 core
// Effect "pixelate": the background as coarse blocks of u_block x u_block pixels, the person sharp (privacy). Blocks
// are aligned to the frame's top-left corner; the last column and row of blocks are clipped by the frame. A block's
// colour is the mean of an n x n grid of its pixels (n = min(u_block, 4); sample i of an extent e at floor((2i + 1) e
// / 2n)), each weighted by its background-ness 1 - mask + 0.01, so the person's colours do not leak into the blocks
// around them (the 0.01 keeps a block defined where the person covers it). Every pixel of a block sums the same
// samples in the same order, so a block is one colour. Out = mix(block, frame, matte(mask)).
#include "mask.glsl"
uniform int u_block;
layout(location = 0) out vec4 o_color;

void main() {
    ivec2 p = ivec2(gl_FragCoord.xy);
    ivec2 origin = (p / u_block) * u_block;
    ivec2 extent = min(origin + u_block, textureSize(u_frame, 0)) - origin;
    int n = min(u_block, 4);
    vec3 sum = vec3(0.0);
    float weights = 0.0;
    for (int j = 0; j < n; j++) {
        for (int i = 0; i < n; i++) {
            ivec2 q = origin + ((2 * ivec2(i, j) + 1) * extent) / (2 * n);
            float w = 1.0 - maskAt(vec2(q) + 0.5) + 0.01;
            sum += texelFetch(u_frame, q, 0).rgb * w;
            weights += w;
        }
    }
    vec3 c = texelFetch(u_frame, p, 0).rgb;
    o_color = vec4(mix(sum / weights, c, matte(maskAt(gl_FragCoord.xy))), 1.0);
}
