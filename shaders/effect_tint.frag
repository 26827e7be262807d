#version 330 core
// Effect "tint": a colour overlay on the foreground. Out = mix(frame, colour, mask * strength). Out: RGBA8.
uniform sampler2D u_frame;
uniform sampler2D u_mask;
uniform vec3 u_color;
uniform float u_strength;
layout(location = 0) out vec4 o_color;

void main() {
    ivec2 p = ivec2(gl_FragCoord.xy);
    vec3 c = texelFetch(u_frame, p, 0).rgb;
    float m = texelFetch(u_mask, p, 0).r;
    o_color = vec4(mix(c, u_color, m * u_strength), 1.0);
}
