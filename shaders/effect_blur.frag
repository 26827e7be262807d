#version 330 core
// Effect "blur": background blurred, person sharp. The reduced, blurred weighted sums are upsampled bilinearly by the
// texture unit (pixel centres aligned, as for the mask) and normalised: background = rgb / a. A small prior on the
// pixel's own colour (1e-3) keeps it defined where no background is near. Out = mix(background, frame, matte(mask)).
#include "mask.glsl"
uniform sampler2D u_blurred;   // RGBA32F reduced size, from blur_gaussian.frag; linear filtering
uniform vec2 u_scale;          // reduced size / frame size
uniform vec2 u_reducedSize;    // the used part of u_blurred (made once for the largest size a run may need)
layout(location = 0) out vec4 o_color;

void main() {
    ivec2 p = ivec2(gl_FragCoord.xy);
    // Clamping to the used part's outer texel centres is exactly clamp-to-edge filtering of a texture of that size.
    vec2 t = clamp(gl_FragCoord.xy * u_scale, vec2(0.5), u_reducedSize - 0.5);
    vec4 s = texture(u_blurred, t / vec2(textureSize(u_blurred, 0)));
    vec3 c = texelFetch(u_frame, p, 0).rgb;
    float m = maskAt(gl_FragCoord.xy);
    vec3 background = (s.rgb + c * 1e-3) / (s.a + 1e-3);
    o_color = vec4(mix(background, c, matte(m)), 1.0);
}
