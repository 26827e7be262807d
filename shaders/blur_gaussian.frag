#version 330 core
// Background blur, passes 2 and 3: one direction of a separable Gaussian over the reduced weighted sums.
// In:  u_sums RGBA32F, of which the reduced size u_size is used (the texture is made once for the largest size a
// run may need). Out: RGBA32F, same size and meaning. Edges repeat.
uniform sampler2D u_sums;
uniform ivec2 u_size;            // the used (reduced) size
uniform ivec2 u_direction;       // (1,0) horizontal, (0,1) vertical
uniform int u_radius;            // 1..32 texels
uniform float u_weights[33];     // g(0..radius), normalised over -radius..radius
layout(location = 0) out vec4 o_sum;

void main() {
    ivec2 p = ivec2(gl_FragCoord.xy);
    ivec2 last = u_size - 1;
    vec4 sum = vec4(0.0);
    for (int k = -u_radius; k <= u_radius; k++)
        sum += u_weights[abs(k)] * texelFetch(u_sums, clamp(p + u_direction * k, ivec2(0), last), 0);
    o_sum = sum;
}
