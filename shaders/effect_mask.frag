#version 330 core
// Effect "mask": the mask as greyscale (white = foreground). In: u_mask R32F frame size. Out: RGBA8.
uniform sampler2D u_frame;
uniform sampler2D u_mask;
layout(location = 0) out vec4 o_color;

void main() {
    float m = texelFetch(u_mask, ivec2(gl_FragCoord.xy), 0).r;
    o_color = vec4(vec3(m), 1.0);
}
