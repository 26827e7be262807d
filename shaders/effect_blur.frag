#version 330 core
// Effect "blur": background blurred, person sharp. The reduced, blurred weighted sums are upsampled bilinearly (pixel
// centres aligned, as for the mask) and normalised: background = rgb / a. A small prior on the pixel's own colour
// (1e-3) keeps it defined where no background is near. Out = mix(background, frame, mask).
uniform sampler2D u_frame;
uniform sampler2D u_mask;
uniform sampler2D u_blurred;   // RGBA32F reduced size, from blur_gaussian.frag
uniform vec2 u_scale;          // reduced size / frame size
layout(location = 0) out vec4 o_color;

vec4 sumAt(ivec2 p, ivec2 size) {
    return texelFetch(u_blurred, clamp(p, ivec2(0), size - 1), 0);
}

void main() {
    ivec2 p = ivec2(gl_FragCoord.xy);
    ivec2 size = textureSize(u_blurred, 0);
    vec2 src = gl_FragCoord.xy * u_scale - 0.5;
    vec2 f = floor(src);
    vec2 w = src - f;
    ivec2 i = ivec2(f);
    vec4 top = mix(sumAt(i, size), sumAt(i + ivec2(1, 0), size), w.x);
    vec4 bottom = mix(sumAt(i + ivec2(0, 1), size), sumAt(i + ivec2(1, 1), size), w.x);
    vec4 s = mix(top, bottom, w.y);
    vec3 c = texelFetch(u_frame, p, 0).rgb;
    float m = texelFetch(u_mask, p, 0).r;
    vec3 background = (s.rgb + c * 1e-3) / (s.a + 1e-3);
    o_color = vec4(mix(background, c, m), 1.0);
}
