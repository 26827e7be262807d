#version 330 core
// Effect "outline": a coloured contour along the mask edge. inside(q) = smoothstep(0.4, 0.6, mask(q)); the edge
// strength is max - min of inside() over a 3x3 ring of samples u_width pixels apart (positions clamped to the frame),
// so the line is about 2 * u_width pixels wide and soft. Out = mix(frame, colour, edge).
#include "mask.glsl"
uniform vec3 u_color;
uniform int u_width;
layout(location = 0) out vec4 o_color;

void main() {
    ivec2 p = ivec2(gl_FragCoord.xy);
    vec2 last = vec2(textureSize(u_frame, 0) - 1);
    float lo = 1.0;
    float hi = 0.0;
    for (int dy = -1; dy <= 1; dy++) {
        for (int dx = -1; dx <= 1; dx++) {
            vec2 q = clamp(vec2(p + ivec2(dx, dy) * u_width), vec2(0.0), last) + 0.5;
            float v = smoothstep(0.4, 0.6, maskAt(q));
            lo = min(lo, v);
            hi = max(hi, v);
        }
    }
    vec3 c = texelFetch(u_frame, p, 0).rgb;
    o_color = vec4(mix(c, u_color, hi - lo), 1.0);
}
