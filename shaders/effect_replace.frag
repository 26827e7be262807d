#version 330 core
// Effect "replace": the background replaced by an image (already scaled to cover the frame). Out = mix(bg, frame, mask).
#include "mask.glsl"
uniform sampler2D u_frame;
uniform sampler2D u_background;   // RGBA8 frame size
layout(location = 0) out vec4 o_color;

void main() {
    ivec2 p = ivec2(gl_FragCoord.xy);
    vec3 c = texelFetch(u_frame, p, 0).rgb;
    vec3 background = texelFetch(u_background, p, 0).rgb;
    o_color = vec4(mix(background, c, maskAt(gl_FragCoord.xy)), 1.0);
}
