#version 330 core
// Background blur, pass 1 of 2 (horizontal Gaussian), weighted by background-ness (1 - mask) so the person's colours
// never bleed into the blurred background (no halo around the subject).
// In:  u_frame RGBA8 frame; u_mask R32F frame size.
// Out: RGBA32F frame size: rgb = sum g(k) * (1 - m) * colour, a = sum g(k) * (1 - m), over k = -radius..radius.
uniform sampler2D u_frame;
uniform sampler2D u_mask;
uniform int u_radius;            // 0..32 pixels
uniform float u_weights[33];     // g(0..radius), normalised over -radius..radius
layout(location = 0) out vec4 o_sum;

void main() {
    ivec2 p = ivec2(gl_FragCoord.xy);
    int last = textureSize(u_frame, 0).x - 1;
    vec4 sum = vec4(0.0);
    for (int k = -u_radius; k <= u_radius; k++) {
        ivec2 q = ivec2(clamp(p.x + k, 0, last), p.y);
        float w = u_weights[abs(k)] * (1.0 - texelFetch(u_mask, q, 0).r);
        sum += vec4(texelFetch(u_frame, q, 0).rgb * w, w);
    }
    o_sum = sum;
}
