#version 330 core
// Mask refinement, pass 1 (MaskRefiner.Prepare): at the mask's size, the guide I' = mean luma of the frame pixels a
// mask texel covers (integer bounds [t * frame / mask, max(that + 1, (t + 1) * frame / mask)), clamped), and the
// mask value p. Out: RGBA32F mask size: (I', p, I'^2, I' p).
uniform sampler2D u_frame;   // RGBA8 frame size
uniform sampler2D u_mask;    // R32F mask size
layout(location = 0) out vec4 o_moments;

ivec2 first(ivec2 t, ivec2 frame, ivec2 mask) {
    return min(t * frame / mask, frame - 1);
}

void main() {
    ivec2 t = ivec2(gl_FragCoord.xy);
    ivec2 frame = textureSize(u_frame, 0);
    ivec2 mask = textureSize(u_mask, 0);
    ivec2 a = first(t, frame, mask);
    ivec2 b = min(max(a + 1, (t + 1) * frame / mask), frame);
    float sum = 0.0;
    for (int y = a.y; y < b.y; y++) {
        for (int x = a.x; x < b.x; x++)
            sum += dot(texelFetch(u_frame, ivec2(x, y), 0).rgb, vec3(0.299, 0.587, 0.114));
    }
    float guide = sum / float((b.x - a.x) * (b.y - a.y));
    float p = texelFetch(u_mask, t, 0).r;
    o_moments = vec4(guide, p, guide * guide, guide * p);
}
