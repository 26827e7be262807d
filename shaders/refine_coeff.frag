#version 330 core
// Mask refinement (guided), coefficients: from the box means (mean I', mean p, mean I'^2, mean I'p) the linear model
// of each window, a = cov(I', p) / (var(I') + eps), b = mean p - a mean I'. Out: RGBA32F mask size (a, b, 0, 0).
uniform sampler2D u_means;
uniform float u_epsilon;
layout(location = 0) out vec4 o_coefficients;

void main() {
    vec4 m = texelFetch(u_means, ivec2(gl_FragCoord.xy), 0);
    float a = (m.w - m.x * m.y) / (m.z - m.x * m.x + u_epsilon);
    o_coefficients = vec4(a, m.y - a * m.x, 0.0, 0.0);
}
