// Copies the finished frame to the output, turned by a multiple of 90 degrees.

struct Params {
    // Quarter turns clockwise: 0, 1, 2 or 3.
    turns: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
};

@group(0) @binding(0) var frame: texture_2d<f32>;
@group(0) @binding(1) var<uniform> params: Params;

@vertex
fn vs_main(@builtin(vertex_index) vi: u32) -> @builtin(position) vec4<f32> {
    // One triangle covering the whole output.
    let x = f32((vi << 1u) & 2u) * 2.0 - 1.0;
    let y = f32(vi & 2u) * 2.0 - 1.0;
    return vec4<f32>(x, y, 0.0, 1.0);
}

@fragment
fn fs_main(@builtin(position) pos: vec4<f32>) -> @location(0) vec4<f32> {
    let src = vec2<i32>(textureDimensions(frame));
    let o = vec2<i32>(pos.xy);
    var s: vec2<i32>;
    switch params.turns {
        // Output pixel (x, y) of a frame turned clockwise comes from these source pixels.
        case 1u: { s = vec2<i32>(o.y, src.y - 1 - o.x); }
        case 2u: { s = vec2<i32>(src.x - 1 - o.x, src.y - 1 - o.y); }
        case 3u: { s = vec2<i32>(src.x - 1 - o.y, o.x); }
        default: { s = o; }
    }
    return textureLoad(frame, s, 0);
}
