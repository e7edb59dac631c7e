// Instanced rectangles: solid or textured, rounded, clipped, premultiplied alpha.

struct Globals {
    size: vec2<f32>,
    _pad: vec2<f32>,
};

@group(0) @binding(0) var<uniform> globals: Globals;
@group(1) @binding(0) var tex: texture_2d<f32>;
@group(1) @binding(1) var samp: sampler;

struct Instance {
    @location(0) rect: vec4<f32>,   // x, y, w, h in pixels
    @location(1) uv: vec4<f32>,     // u, v, w, h in 0..1
    @location(2) colour: vec4<f32>, // linear, premultiplied, opacity included
    @location(3) clip: vec4<f32>,   // x0, y0, x1, y1 in pixels
    @location(4) params: vec4<f32>, // corner radius, textured (0/1), unused, unused
};

struct VertexOut {
    @builtin(position) position: vec4<f32>,
    @location(0) local: vec2<f32>,
    @location(1) uv: vec2<f32>,
    @location(2) colour: vec4<f32>,
    @location(3) @interpolate(flat) clip: vec4<f32>,
    @location(4) @interpolate(flat) params: vec4<f32>,
    @location(5) @interpolate(flat) half_size: vec2<f32>,
};

@vertex
fn vs_main(@builtin(vertex_index) vi: u32, inst: Instance) -> VertexOut {
    // Triangle strip over the four corners (0,0) (1,0) (0,1) (1,1).
    let corner = vec2<f32>(f32(vi & 1u), f32((vi >> 1u) & 1u));
    let p = inst.rect.xy + corner * inst.rect.zw;
    var out: VertexOut;
    out.position = vec4<f32>(p.x / globals.size.x * 2.0 - 1.0, 1.0 - p.y / globals.size.y * 2.0, 0.0, 1.0);
    out.local = (corner - vec2<f32>(0.5, 0.5)) * inst.rect.zw;
    out.uv = inst.uv.xy + corner * inst.uv.zw;
    out.colour = inst.colour;
    out.clip = inst.clip;
    out.params = inst.params;
    out.half_size = inst.rect.zw * 0.5;
    return out;
}

@fragment
fn fs_main(in: VertexOut) -> @location(0) vec4<f32> {
    let px = in.position.xy;
    if (px.x < in.clip.x || px.y < in.clip.y || px.x >= in.clip.z || px.y >= in.clip.w) {
        discard;
    }
    var c = in.colour;
    if (in.params.y > 0.5) {
        // Level 0 explicitly: sampling happens in non-uniform control flow.
        let t = textureSampleLevel(tex, samp, in.uv, 0.0);
        c = vec4<f32>(t.rgb * t.a, t.a) * in.colour;
    }
    let r = min(in.params.x, min(in.half_size.x, in.half_size.y));
    if (r > 0.0) {
        let q = abs(in.local) - in.half_size + vec2<f32>(r, r);
        let d = length(max(q, vec2<f32>(0.0, 0.0))) + min(max(q.x, q.y), 0.0) - r;
        c = c * clamp(0.5 - d, 0.0, 1.0);
    }
    return c;
}
