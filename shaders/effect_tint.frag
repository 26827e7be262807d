#version 330 core
// Effect "tint": a colour overlay on the foreground. Out = mix(frame, colour, mask * strength). Out: RGBA8.
#include "mask.glsl"
uniform vec3 u_color;
uniform float u_strength;
layout(location = 0) out vec4 o_color;

void main() {
    vec3 c = texelFetch(u_frame, ivec2(gl_FragCoord.xy), 0).rgb;
    o_color = vec4(mix(c, u_color, maskAt(gl_FragCoord.xy) * u_strength), 1.0);
}
