#version 330 core
// Mask refinement, box passes: the mean of 2r+1 texels along u_direction, counting only texels inside the texture
// (the window is cut at the borders, as MaskRefiner.BoxMean). RGBA32F in and out, mask size.
uniform sampler2D u_source;
uniform ivec2 u_direction;   // (1,0) or (0,1)
uniform int u_radius;
layout(location = 0) out vec4 o_mean;

void main() {
    ivec2 p = ivec2(gl_FragCoord.xy);
    ivec2 size = textureSize(u_source, 0);
    vec4 sum = vec4(0.0);
    int n = 0;
    for (int k = -u_radius; k <= u_radius; k++) {
        ivec2 q = p + u_direction * k;
        if (any(lessThan(q, ivec2(0))) || any(greaterThanEqual(q, size)))
            continue;
        sum += texelFetch(u_source, q, 0);
        n++;
    }
    o_mean = sum * (1.0 / float(n));
}
