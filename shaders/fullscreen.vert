#version 330 core
// One triangle that covers the viewport; no vertex buffer (positions from gl_VertexID).
// Fragment shaders address pixels with gl_FragCoord and texelFetch: framebuffer row y holds image row y (row 0 = top
// of the image), because textures are uploaded top row first and never flipped. Flip only when presenting to a window.
void main() {
    vec2 p = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
    gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}
