#version 330 core
// Background blur, pass 2 of 2 (vertical Gaussian) over the weighted sums of pass 1.
// In:  u_sums RGBA32F frame size (pass 1). Out: RGBA32F frame size, same meaning, blurred in both directions.
uniform sampler2D u_sums;
uniform int u_radius;
uniform float u_weights[33];
layout(location = 0) out vec4 o_sum;

void main() {
    ivec2 p = ivec2(gl_FragCoord.xy);
    int last = textureSize(u_sums, 0).y - 1;
    vec4 sum = vec4(0.0);
    for (int k = -u_radius; k <= u_radius; k++)
        sum += u_weights[abs(k)] * texelFetch(u_sums, ivec2(p.x, clamp(p.y + k, 0, last)), 0);
    o_sum = sum;
}
