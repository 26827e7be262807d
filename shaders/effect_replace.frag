#version 330 core
// Effect "replace": the background replaced by an image (already scaled to cover the frame), with light wrap: the
// new background's colour is screened over the person by u_lightWrap * (1 - m), so its light spills over the edge
// band of the person (m < 1) and not over the inside. Out = mix(background, wrapped frame, matte(m)).
#include "mask.glsl"
uniform sampler2D u_background;   // RGBA8 frame size
uniform float u_lightWrap;        // 0 (off) .. 1
layout(location = 0) out vec4 o_color;

void main() {
    ivec2 p = ivec2(gl_FragCoord.xy);
    vec3 c = texelFetch(u_frame, p, 0).rgb;
    vec3 background = texelFetch(u_background, p, 0).rgb;
    float m = maskAt(gl_FragCoord.xy);
    vec3 wrapped = 1.0 - (1.0 - c) * (1.0 - background * (u_lightWrap * (1.0 - m)));
    o_color = vec4(mix(background, wrapped, matte(m)), 1.0);
}
