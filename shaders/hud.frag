#version 330 core
// HUD overlay: an RGBA8 image (row 0 = top, alpha = coverage) drawn over the window with alpha blending.
// The viewport is set to the overlay's rectangle; u_origin is that rectangle's bottom-left corner in window pixels
// (GL window origin is bottom-left, so rows are flipped here).
uniform sampler2D u_overlay;
uniform ivec2 u_origin;
layout(location = 0) out vec4 o_color;

void main() {
    ivec2 size = textureSize(u_overlay, 0);
    ivec2 p = ivec2(gl_FragCoord.xy) - u_origin;
    o_color = texelFetch(u_overlay, ivec2(p.x, size.y - 1 - p.y), 0);
}
