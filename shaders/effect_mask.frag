#version 330 core
// Effect "mask": the mask as greyscale (white = foreground). Out: RGBA8, frame size.
#include "mask.glsl"
layout(location = 0) out vec4 o_color;

void main() {
    o_color = vec4(vec3(maskAt(gl_FragCoord.xy)), 1.0);
}
