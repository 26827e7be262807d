#version 330 core
// Effect "blur": background blurred, person sharp. Background colour = weighted sums / weight from the blur passes
// (a tiny prior on the pixel's own colour keeps it defined where no background is near). Out = mix(bg, frame, mask).
uniform sampler2D u_frame;
uniform sampler2D u_mask;
uniform sampler2D u_blurred;   // RGBA32F from blur_vertical.frag
layout(location = 0) out vec4 o_color;

void main() {
    ivec2 p = ivec2(gl_FragCoord.xy);
    vec3 c = texelFetch(u_frame, p, 0).rgb;
    float m = texelFetch(u_mask, p, 0).r;
    vec4 s = texelFetch(u_blurred, p, 0);
    vec3 background = (s.rgb + c * 1e-4) / (s.a + 1e-4);
    o_color = vec4(mix(background, c, m), 1.0);
}
