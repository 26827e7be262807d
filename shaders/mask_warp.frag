#version 330 core
// Motion compensation (MaskWarp is the CPU side, held to this within 1 LSB): an older frame's mask brought to the
// shown frame. Texel t of the output stands for frame position p = (t + 0.5) * frame / mask size; the motion field
// (u_field: one vector per u_cell x u_cell frame pixels, cell (i, j) centred at (i + 0.5) * u_cell, in frame pixels)
// is read there bilinearly between cell centres (clamped), grid rows blended first as on the CPU; the older mask is
// sampled bilinearly (edges repeated) at t + v * mask size / frame size. texelFetch only: the weights are computed
// here exactly as on the CPU (a GPU's fixed-point filtering weights would not be).
// Out: R32F, mask size, linear filtering (what refinement, blur and the effects read as the mask).
uniform sampler2D u_mask;    // R32F mask size: the older frame's mask
uniform sampler2D u_field;   // RG32F grid size: (dx, dy) in frame pixels, row 0 = top
uniform vec2 u_frameSize;    // frame width, height in pixels
uniform float u_cell;        // frame pixels per grid cell
layout(location = 0) out float o_mask;

float texel(ivec2 q, ivec2 top) {
    return texelFetch(u_mask, clamp(q, ivec2(0), top), 0).r;
}

void main() {
    ivec2 size = textureSize(u_mask, 0);
    ivec2 grid = textureSize(u_field, 0);
    vec2 t = floor(gl_FragCoord.xy);
    vec2 g = ((t + 0.5) * (u_frameSize / vec2(size)) - u_cell * 0.5) / u_cell;
    vec2 gf = floor(g);
    vec2 gw = g - gf;
    ivec2 g0 = clamp(ivec2(gf), ivec2(0), grid - 1);
    ivec2 g1 = clamp(ivec2(gf) + 1, ivec2(0), grid - 1);
    vec2 left = texelFetch(u_field, ivec2(g0.x, g0.y), 0).rg * (1.0 - gw.y) + texelFetch(u_field, ivec2(g0.x, g1.y), 0).rg * gw.y;
    vec2 right = texelFetch(u_field, ivec2(g1.x, g0.y), 0).rg * (1.0 - gw.y) + texelFetch(u_field, ivec2(g1.x, g1.y), 0).rg * gw.y;
    vec2 v = left * (1.0 - gw.x) + right * gw.x;
    vec2 s = t + v * (vec2(size) / u_frameSize);
    vec2 f = floor(s);
    vec2 w = s - f;
    ivec2 i = ivec2(f);
    ivec2 top = size - 1;
    float a = texel(i, top) * (1.0 - w.x) + texel(i + ivec2(1, 0), top) * w.x;
    float b = texel(i + ivec2(0, 1), top) * (1.0 - w.x) + texel(i + ivec2(1, 1), top) * w.x;
    o_mask = a * (1.0 - w.y) + b * w.y;
}
