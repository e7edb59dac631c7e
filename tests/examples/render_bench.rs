//! Benchmark of the renderer and of `beffroi-player run`.
//!
//! ```sh
//! cargo build --release -p beffroi-player
//! cargo run --release -p beffroi-tests --example render_bench
//! ```
//!
//! Prints figures, each against a peer measured in the same run where there is one; no
//! timing is a pass or a fail (only correctness facts are asserted):
//!
//! 1. the frame time of a 1080p fade between two full-screen images through
//!    `frame::Headless` (readback included), against a bare wgpu program mixing two uploaded
//!    textures by a uniform factor and reading the frame back the same way;
//! 2. the steady-state CPU of `run` on a static text slide for 10 s (frames drawn, wake-ups),
//!    against the same bundle with a scrolling ticker (continuous animation);
//! 3. the peak RSS of `run` on a 20-image playlist at 4× simulated speed, and the texture
//!    bytes uploaded per transition (with 20 × 8 MiB under the 192 MiB texture budget, the
//!    second pass should upload nothing).
//!
//! Needs Xvfb (Debian package xvfb) for 2 and 3, and a Vulkan or GL driver (Mesa's lavapipe
//! or llvmpipe on a machine without a GPU).

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use beffroi_protocol::bundle;
use beffroi_protocol::eval::Evaluator;
use beffroi_protocol::layout::Layout;
use beffroi_protocol::manifest::Manifest;
use image::RgbaImage;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

const W: u32 = 1920;
const H: u32 = 1080;
/// Bytes of one 1920×1080 RGBA texture.
const IMAGE_BYTES: u64 = W as u64 * H as u64 * 4;
/// Local midnight in Paris on 1 December 2026: default playlists are anchored there.
const MIDNIGHT: &str = "2026-11-30T23:00:00Z";

fn main() -> ExitCode {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let player = root.join("target/release/beffroi-player");
    if !player.is_file() {
        eprintln!(
            "render_bench: {} is missing; build it first:\n    cargo build --release -p beffroi-player",
            player.display()
        );
        return ExitCode::FAILURE;
    }
    warn_if_stale(&player, &root);
    let runtime = tempfile::tempdir().expect("a temporary directory");

    println!("# Beffroi renderer benchmark (release build, {W}×{H})");
    println!();
    fade_benchmark();

    let xvfb = match Xvfb::start() {
        Ok(x) => x,
        Err(why) => {
            eprintln!("render_bench: {why}");
            return ExitCode::FAILURE;
        }
    };
    let clk_tck = clock_ticks_per_second();
    let env = RunEnv {
        player: &player,
        display: &xvfb.display,
        xvfb_pid: xvfb.child.id(),
        runtime: runtime.path(),
        clk_tck,
    };
    println!();
    let baseline = static_slide_benchmark(&env);
    println!();
    playlist_benchmark(&env, baseline);
    ExitCode::SUCCESS
}

// ---------------------------------------------------------------------------------------
// 1. Frame time of a 1080p fade.

fn fade_benchmark() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (a, b) = (jpeg(0), jpeg(1));
    let m = manifest(
        include_str!("../../layouts/fullscreen.toml"),
        json!([{ "id": "p", "items": [
            image_item("a", &a, 10_000, None),
            image_item("b", &b, 10_000, Some(json!({ "kind": "fade", "duration_ms": 1000 }))),
        ] }]),
        json!({ "main": "p" }),
        json!([asset(&a), asset(&b)]),
    );
    bundle::write(dir.path(), &m, [a.as_slice(), b.as_slice()]).expect("bundle written");
    let bundle = bundle::read(dir.path()).expect("bundle read back");

    // The second item starts 10 s after midnight and fades in over 1 s: 20 instants inside.
    let fade_start = ts(MIDNIGHT) + SignedDuration::from_secs(10);
    let ev = Evaluator::new(&bundle.manifest, &bundle.data);
    let instants: Vec<(Timestamp, f32)> = (0..20)
        .map(|k| {
            let t = fade_start + SignedDuration::from_millis(25 + 50 * k);
            let state = ev.state_at(t);
            let tr = state.progress[0]
                .transition
                .as_ref()
                .unwrap_or_else(|| panic!("no transition at {t}"));
            (t, f32::from(tr.eased_permille) / 1000.0)
        })
        .collect();

    let mut ours = beffroi_player::frame::Headless::new().expect("a GPU adapter");
    let decoded = |bytes: &[u8]| {
        image::load_from_memory(bytes)
            .expect("a generated JPEG")
            .to_rgba8()
    };
    let mut peer = Peer::new(&decoded(&a), &decoded(&b));

    // Warm-up, half-way (at the very start the new item's opacity is still 0 and it is not
    // drawn): decodes and uploads both images, compiles the shaders.
    let half = instants[instants.len() / 2];
    let warm_frame = ours.frame(&bundle, half.0, W, H);
    let _ = peer.frame(half.1);
    let warm = ours.stats();
    assert_eq!(warm_frame.dimensions(), (W, H));
    assert_eq!(
        warm.texture_bytes,
        2 * IMAGE_BYTES,
        "both images uploaded during the warm-up"
    );

    const ROUNDS: usize = 3;
    let mut ours_ms = Vec::new();
    let mut peer_ms = Vec::new();
    let mut ours_mid = None;
    let mut peer_mid = None;
    let mut mid_calls = 0;
    for _ in 0..ROUNDS {
        // Interleaved, so that a burst of load on the shared machine hits both alike.
        for (k, &(t, factor)) in instants.iter().enumerate() {
            let start = Instant::now();
            let frame = ours.frame(&bundle, t, W, H);
            ours_ms.push(ms(start.elapsed()));
            let start = Instant::now();
            let p = peer.frame(factor);
            peer_ms.push(ms(start.elapsed()));
            if k == instants.len() / 2 {
                mid_calls = ours.stats().draw_calls;
                ours_mid = Some((frame, factor));
                peer_mid = Some(p);
            }
        }
    }
    let first = ours.frame(&bundle, instants[0].0, W, H);
    let first_calls = ours.stats().draw_calls;
    let last = ours.frame(&bundle, instants[instants.len() - 1].0, W, H);
    let stats = ours.stats();
    assert_eq!(
        stats.texture_bytes, warm.texture_bytes,
        "nothing is uploaded again while the fade plays"
    );
    assert!(first != last, "the fade moves");
    let (ours_mid, mid_factor) = ours_mid.expect("frames drawn");
    let peer_mid = peer_mid.expect("frames drawn");

    let (om, op) = (median(&ours_ms), p90(&ours_ms));
    let (pm, pp) = (median(&peer_ms), p90(&peer_ms));
    println!(
        "## 1. Fade between two full-screen 1080p images ({} instants × {ROUNDS} rounds, readback included)",
        instants.len()
    );
    println!("adapter:                      {}", ours.describe());
    println!("beffroi Headless::frame:      median {om:6.2} ms   p90 {op:6.2} ms");
    println!("peer (bare wgpu mix):         median {pm:6.2} ms   p90 {pp:6.2} ms");
    println!(
        "ratio ours/peer:              median {:.2}×   p90 {:.2}×",
        om / pm,
        op / pp
    );
    println!(
        "peer differences:             one pass (ours: frame pass + rotation pass); both reuse their target and readback buffer"
    );
    println!(
        "Headless::stats():            draw calls {first_calls} at p = {:.3}, {mid_calls} at p = {mid_factor:.3}, {} at p = {:.3}; {} texture bytes uploaded ({:.1} MiB = {} images); {} frames",
        instants[0].1,
        stats.draw_calls,
        instants[instants.len() - 1].1,
        stats.texture_bytes,
        mib(stats.texture_bytes),
        stats.texture_bytes / IMAGE_BYTES,
        stats.frames
    );
    println!(
        "picture at p = {mid_factor:.3}:        mean |ours − peer| {:.1} per 8-bit channel (0 = the same cross-fade); mean level ours {:.1}, peer {:.1}",
        mean_abs_diff(&ours_mid, &peer_mid),
        mean_level(&ours_mid),
        mean_level(&peer_mid)
    );
}

/// The peer: what a minimal wgpu program needs to show a cross-fade of two uploaded
/// images and read it back: one fullscreen triangle, one pass, one copy.
struct Peer {
    device: wgpu::Device,
    queue: wgpu::Queue,
    pipeline: wgpu::RenderPipeline,
    group: wgpu::BindGroup,
    params: wgpu::Buffer,
    target: wgpu::Texture,
    view: wgpu::TextureView,
    readback: wgpu::Buffer,
    padded: u32,
}

const PEER_SHADER: &str = r"
@group(0) @binding(0) var a: texture_2d<f32>;
@group(0) @binding(1) var b: texture_2d<f32>;
@group(0) @binding(2) var samp: sampler;
@group(0) @binding(3) var<uniform> params: vec4<f32>; // mix factor, 1/width, 1/height, unused

@vertex
fn vs_main(@builtin(vertex_index) i: u32) -> @builtin(position) vec4<f32> {
    let p = vec2<f32>(f32((i << 1u) & 2u), f32(i & 2u));
    return vec4<f32>(p * 2.0 - 1.0, 0.0, 1.0);
}

@fragment
fn fs_main(@builtin(position) pos: vec4<f32>) -> @location(0) vec4<f32> {
    let uv = pos.xy * params.yz;
    return mix(textureSample(a, samp, uv), textureSample(b, samp, uv), params.x);
}
";

impl Peer {
    fn new(a: &RgbaImage, b: &RgbaImage) -> Self {
        // The same adapter choice and limits as the player's `Gpu::headless`.
        let instance =
            wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
        let adapter =
            pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions::default()))
                .expect("a GPU adapter");
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("peer device"),
            required_limits: wgpu::Limits::downlevel_defaults().using_resolution(adapter.limits()),
            ..Default::default()
        }))
        .expect("a GPU device");
        let format = wgpu::TextureFormat::Rgba8UnormSrgb;
        let extent = wgpu::Extent3d {
            width: W,
            height: H,
            depth_or_array_layers: 1,
        };
        let texture = |img: &RgbaImage| {
            let t = device.create_texture(&wgpu::TextureDescriptor {
                label: Some("peer image"),
                size: extent,
                mip_level_count: 1,
                sample_count: 1,
                dimension: wgpu::TextureDimension::D2,
                format,
                usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
                view_formats: &[],
            });
            queue.write_texture(
                wgpu::TexelCopyTextureInfo {
                    texture: &t,
                    mip_level: 0,
                    origin: wgpu::Origin3d::ZERO,
                    aspect: wgpu::TextureAspect::All,
                },
                img.as_raw(),
                wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(4 * W),
                    rows_per_image: Some(H),
                },
                extent,
            );
            t.create_view(&wgpu::TextureViewDescriptor::default())
        };
        let (va, vb) = (texture(a), texture(b));
        let sampler = device.create_sampler(&wgpu::SamplerDescriptor {
            mag_filter: wgpu::FilterMode::Linear,
            min_filter: wgpu::FilterMode::Linear,
            ..Default::default()
        });
        let params = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("peer params"),
            size: 16,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let tex_entry = |binding| wgpu::BindGroupLayoutEntry {
            binding,
            visibility: wgpu::ShaderStages::FRAGMENT,
            ty: wgpu::BindingType::Texture {
                sample_type: wgpu::TextureSampleType::Float { filterable: true },
                view_dimension: wgpu::TextureViewDimension::D2,
                multisampled: false,
            },
            count: None,
        };
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("peer layout"),
            entries: &[
                tex_entry(0),
                tex_entry(1),
                wgpu::BindGroupLayoutEntry {
                    binding: 2,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Filtering),
                    count: None,
                },
                wgpu::BindGroupLayoutEntry {
                    binding: 3,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Buffer {
                        ty: wgpu::BufferBindingType::Uniform,
                        has_dynamic_offset: false,
                        min_binding_size: None,
                    },
                    count: None,
                },
            ],
        });
        let group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("peer group"),
            layout: &layout,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: wgpu::BindingResource::TextureView(&va),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: wgpu::BindingResource::TextureView(&vb),
                },
                wgpu::BindGroupEntry {
                    binding: 2,
                    resource: wgpu::BindingResource::Sampler(&sampler),
                },
                wgpu::BindGroupEntry {
                    binding: 3,
                    resource: params.as_entire_binding(),
                },
            ],
        });
        let shader = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("peer shader"),
            source: wgpu::ShaderSource::Wgsl(PEER_SHADER.into()),
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("peer pipeline layout"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let pipeline = device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
            label: Some("peer pipeline"),
            layout: Some(&pipeline_layout),
            vertex: wgpu::VertexState {
                module: &shader,
                entry_point: Some("vs_main"),
                compilation_options: Default::default(),
                buffers: &[],
            },
            primitive: wgpu::PrimitiveState::default(),
            depth_stencil: None,
            multisample: wgpu::MultisampleState::default(),
            fragment: Some(wgpu::FragmentState {
                module: &shader,
                entry_point: Some("fs_main"),
                compilation_options: Default::default(),
                targets: &[Some(wgpu::ColorTargetState {
                    format,
                    blend: None,
                    write_mask: wgpu::ColorWrites::ALL,
                })],
            }),
            multiview_mask: None,
            cache: None,
        });
        let target = device.create_texture(&wgpu::TextureDescriptor {
            label: Some("peer target"),
            size: extent,
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format,
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC,
            view_formats: &[],
        });
        let view = target.create_view(&wgpu::TextureViewDescriptor::default());
        let padded = (4 * W).div_ceil(wgpu::COPY_BYTES_PER_ROW_ALIGNMENT)
            * wgpu::COPY_BYTES_PER_ROW_ALIGNMENT;
        let readback = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("peer readback"),
            size: u64::from(padded) * u64::from(H),
            usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
            mapped_at_creation: false,
        });
        Self {
            device,
            queue,
            pipeline,
            group,
            params,
            target,
            view,
            readback,
            padded,
        }
    }

    /// Draws `mix(a, b, factor)` and reads it back.
    fn frame(&mut self, factor: f32) -> RgbaImage {
        let params: Vec<u8> = [factor, 1.0 / W as f32, 1.0 / H as f32, 0.0]
            .iter()
            .flat_map(|v| v.to_ne_bytes())
            .collect();
        self.queue.write_buffer(&self.params, 0, &params);
        let mut encoder = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("peer encoder"),
            });
        {
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("peer pass"),
                color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                    view: &self.view,
                    depth_slice: None,
                    resolve_target: None,
                    ops: wgpu::Operations {
                        load: wgpu::LoadOp::Clear(wgpu::Color::BLACK),
                        store: wgpu::StoreOp::Store,
                    },
                })],
                depth_stencil_attachment: None,
                timestamp_writes: None,
                occlusion_query_set: None,
                multiview_mask: None,
            });
            pass.set_pipeline(&self.pipeline);
            pass.set_bind_group(0, &self.group, &[]);
            pass.draw(0..3, 0..1);
        }
        encoder.copy_texture_to_buffer(
            wgpu::TexelCopyTextureInfo {
                texture: &self.target,
                mip_level: 0,
                origin: wgpu::Origin3d::ZERO,
                aspect: wgpu::TextureAspect::All,
            },
            wgpu::TexelCopyBufferInfo {
                buffer: &self.readback,
                layout: wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(self.padded),
                    rows_per_image: Some(H),
                },
            },
            wgpu::Extent3d {
                width: W,
                height: H,
                depth_or_array_layers: 1,
            },
        );
        self.queue.submit(Some(encoder.finish()));
        let slice = self.readback.slice(..);
        slice.map_async(wgpu::MapMode::Read, |_| {});
        let _ = self.device.poll(wgpu::PollType::wait_indefinitely());
        let mapped = slice.get_mapped_range().expect("mapped above");
        let row = (4 * W) as usize;
        let mut pixels = Vec::with_capacity(row * H as usize);
        for y in 0..H as usize {
            let start = y * self.padded as usize;
            pixels.extend_from_slice(&mapped[start..start + row]);
        }
        drop(mapped);
        self.readback.unmap();
        RgbaImage::from_raw(W, H, pixels).expect("W × H pixels")
    }
}

// ---------------------------------------------------------------------------------------
// 2. A static slide for 10 s, against a ticker.

/// What part 3 compares with: the static slide's peak RSS.
struct Baseline {
    peak_rss_kb: u64,
}

fn static_slide_benchmark(env: &RunEnv<'_>) -> Baseline {
    let text = json!({ "id": "bienvenue", "duration_ms": 60_000, "kind": "text",
        "title": { "fr": "Bienvenue à la mairie" },
        "body": { "fr": "Ouvert du lundi au vendredi, de 9 h à 12 h et de 14 h à 17 h." } });
    let static_dir = tempfile::tempdir().expect("a temporary directory");
    let m = manifest(
        include_str!("../../layouts/fullscreen.toml"),
        json!([{ "id": "p", "items": [text.clone()] }]),
        json!({ "main": "p" }),
        json!([]),
    );
    bundle::write(static_dir.path(), &m, std::iter::empty()).expect("bundle written");
    let ticker_dir = tempfile::tempdir().expect("a temporary directory");
    let m = manifest(
        include_str!("../../layouts/main-ticker.toml"),
        json!([
            { "id": "p", "items": [text] },
            { "id": "bandeau", "items": [{ "id": "defile", "duration_ms": 60_000, "kind": "ticker",
                "source": "text", "speed_px_s": 120,
                "text": { "fr": "Collecte des sapins du 4 au 15 janvier · Marché de Noël samedi 12 décembre, place de la mairie" } }] }
        ]),
        json!({ "main": "p", "ticker": "bandeau" }),
        json!([]),
    );
    bundle::write(ticker_dir.path(), &m, std::iter::empty()).expect("bundle written");

    let args = ["--windowed", "1920x1080", "--exit-after", "10"];
    let s = env.run(static_dir.path(), &args, 10.0);
    let t = env.run(ticker_dir.path(), &args, 10.0);
    println!(
        "## 2. `run` for 10 s under Xvfb, system clock: a static text slide against the same slide above a ticker"
    );
    for (name, r) in [("static text slide", &s), ("ticker (peer)", &t)] {
        println!("{name}:");
        println!(
            "  counters:                   frames drawn {}, wake-ups {}, draw calls (last frame) {}, texture bytes {}",
            r.counters.frames, r.counters.wakeups, r.counters.draw_calls, r.counters.texture_bytes
        );
        r.print_cpu();
    }
    println!(
        "frames drawn, static:        {} (goal ≤ 2)",
        s.counters.frames
    );
    let (sc, tc) = (s.steady_cpu_ms(), t.steady_cpu_ms());
    let tick_ms = 1000.0 / env.clk_tck as f64;
    if tc > 0.0 && sc > 0.0 {
        println!(
            "ratio static/ticker CPU:     {:.4} (steady state, player process)",
            sc / tc
        );
    } else if tc > 0.0 {
        println!(
            "ratio static/ticker CPU:     0 (< {:.4}: the static slide used no {tick_ms:.0} ms clock tick; steady state, player process)",
            tick_ms / tc
        );
    } else {
        println!("ratio static/ticker CPU:     n/a (the ticker used no measurable CPU)");
    }
    Baseline {
        peak_rss_kb: s.peak_rss_kb,
    }
}

// ---------------------------------------------------------------------------------------
// 3. Peak RSS and texture uploads over a 20-image playlist.

fn playlist_benchmark(env: &RunEnv<'_>, baseline: Baseline) {
    const IMAGES: u32 = 20;
    const SPEED: f64 = 4.0;
    const EXIT_AFTER: f64 = 12.0;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let jpegs: Vec<Vec<u8>> = (0..IMAGES).map(|i| jpeg(100 + i)).collect();
    let items: Vec<Value> = jpegs
        .iter()
        .enumerate()
        .map(|(i, j)| {
            image_item(
                &format!("photo-{i:02}"),
                j,
                1000,
                Some(json!({ "kind": "fade", "duration_ms": 300 })),
            )
        })
        .collect();
    let assets: Vec<Value> = jpegs.iter().map(|j| asset(j)).collect();
    let m = manifest(
        include_str!("../../layouts/fullscreen.toml"),
        json!([{ "id": "photos", "items": items }]),
        json!({ "main": "photos" }),
        Value::Array(assets),
    );
    bundle::write(dir.path(), &m, jpegs.iter().map(Vec::as_slice)).expect("bundle written");

    let speed = SPEED.to_string();
    let exit_after = EXIT_AFTER.to_string();
    let r = env.run(
        dir.path(),
        &[
            "--windowed",
            "1920x1080",
            "--start-at",
            MIDNIGHT,
            "--speed",
            &speed,
            "--exit-after",
            &exit_after,
        ],
        EXIT_AFTER,
    );
    // The playlist starts at the simulated start (local midnight): one item a simulated
    // second, each entering with its fade.
    let simulated_s = SPEED * EXIT_AFTER;
    let items_shown = simulated_s.floor() as u64;
    let c = &r.counters;
    println!(
        "## 3. `run` on a {IMAGES}-image playlist (1 s items, 300 ms fades), --speed {SPEED} for {EXIT_AFTER} s"
    );
    println!(
        "simulated:                    {simulated_s:.0} s = {items_shown} items shown ({:.1} passes over the playlist)",
        items_shown as f64 / f64::from(IMAGES)
    );
    println!(
        "counters:                     frames drawn {}, wake-ups {}, draw calls (last frame) {}",
        c.frames, c.wakeups, c.draw_calls
    );
    println!(
        "peak RSS (VmHWM):             {:.1} MiB   (static text slide: {:.1} MiB; difference {:.1} MiB)",
        r.peak_rss_kb as f64 / 1024.0,
        baseline.peak_rss_kb as f64 / 1024.0,
        (r.peak_rss_kb as f64 - baseline.peak_rss_kb as f64) / 1024.0
    );
    println!(
        "texture bytes uploaded:       {} ({:.1} MiB = {:.2} × a 1080p image; {IMAGES} distinct images = {:.1} MiB)",
        c.texture_bytes,
        mib(c.texture_bytes),
        c.texture_bytes as f64 / IMAGE_BYTES as f64,
        mib(u64::from(IMAGES) * IMAGE_BYTES)
    );
    println!(
        "texture bytes per transition: {:.0} ({:.2} MiB; {} bytes uploaded / {items_shown} items shown)",
        c.texture_bytes as f64 / items_shown as f64,
        mib(c.texture_bytes) / items_shown as f64,
        c.texture_bytes
    );
    let uploaded_images = c.texture_bytes / IMAGE_BYTES;
    let verdict = if c.texture_bytes > u64::from(IMAGES) * IMAGE_BYTES {
        format!(
            "yes: {} uploads beyond the {IMAGES} distinct images",
            uploaded_images - u64::from(IMAGES)
        )
    } else if c.texture_bytes == u64::from(IMAGES) * IMAGE_BYTES {
        "no: each image was uploaded once".to_owned()
    } else {
        format!("no ({uploaded_images} of {IMAGES} images uploaded)")
    };
    println!("uploads again on 2nd pass:    {verdict}");
    r.print_cpu();
}

// ---------------------------------------------------------------------------------------
// Running the player under Xvfb and watching it through /proc.

struct RunEnv<'a> {
    player: &'a Path,
    display: &'a str,
    xvfb_pid: u32,
    runtime: &'a Path,
    clk_tck: u64,
}

/// The counters the player prints when it exits.
#[derive(Debug, Default)]
struct Counters {
    wakeups: u64,
    frames: u64,
    draw_calls: u64,
    texture_bytes: u64,
}

struct RunResult {
    counters: Counters,
    /// Player CPU ticks at the first sample ≥ 1 s after spawning, and when.
    cpu_at_1s: (u64, f64),
    /// Player CPU ticks at the last sample before exiting, and when.
    cpu_last: (u64, f64),
    /// X server CPU ticks over the same window.
    xvfb_cpu: u64,
    /// When the player said it was drawing (start-up done), seconds after spawning.
    ready_s: Option<f64>,
    peak_rss_kb: u64,
    clk_tck: u64,
}

impl RunResult {
    fn steady_cpu_ms(&self) -> f64 {
        (self.cpu_last.0 - self.cpu_at_1s.0) as f64 * 1000.0 / self.clk_tck as f64
    }

    fn print_cpu(&self) {
        let window = self.cpu_last.1 - self.cpu_at_1s.1;
        let cpu = self.steady_cpu_ms();
        println!(
            "  player CPU after 1 s:       {cpu:.0} ms over {window:.1} s = {:.1} % of a core (start-up, first second: {:.0} ms; start-up done at {})",
            cpu / 10.0 / window.max(1e-9),
            self.cpu_at_1s.0 as f64 * 1000.0 / self.clk_tck as f64,
            self.ready_s
                .map_or_else(|| "?".to_owned(), |s| format!("{s:.2} s"))
        );
        println!(
            "  Xvfb CPU, same window:      {:.0} ms",
            self.xvfb_cpu as f64 * 1000.0 / self.clk_tck as f64
        );
        println!(
            "  peak RSS (VmHWM):           {:.1} MiB",
            self.peak_rss_kb as f64 / 1024.0
        );
    }
}

impl RunEnv<'_> {
    /// Runs `beffroi-player run --bundle DIR ARGS…`, sampling /proc every 100 ms.
    fn run(&self, bundle: &Path, args: &[&str], exit_after: f64) -> RunResult {
        let started = Instant::now();
        let mut child = Command::new(self.player)
            .args(["run", "--bundle"])
            .arg(bundle)
            .args(args)
            .env("DISPLAY", self.display)
            .env("XDG_RUNTIME_DIR", self.runtime)
            .env_remove("WAYLAND_DISPLAY")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the player starts");
        let pid = child.id();
        let mut stdout = child.stdout.take().expect("piped");
        let stderr = child.stderr.take().expect("piped");
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            let mut lines = Vec::new();
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.contains("drawing with") {
                    let _ = tx.send(started.elapsed().as_secs_f64());
                }
                lines.push(line);
            }
            lines
        });
        let mut child = Guard(child);
        let proc = PathBuf::from(format!("/proc/{pid}"));
        let xproc = PathBuf::from(format!("/proc/{}", self.xvfb_pid));
        let deadline = started + Duration::from_secs_f64(exit_after + 60.0);
        let mut cpu_at_1s = None;
        let mut cpu_last = (0, 0.0);
        let mut xvfb_1s = 0;
        let mut xvfb_last = 0;
        let mut peak_rss_kb = 0;
        let status = loop {
            if let Some(cpu) = process_cpu(&proc) {
                let at = started.elapsed().as_secs_f64();
                let x = process_cpu(&xproc).unwrap_or(0);
                if cpu_at_1s.is_none() && at >= 1.0 {
                    cpu_at_1s = Some((cpu, at));
                    xvfb_1s = x;
                }
                cpu_last = (cpu, at);
                xvfb_last = x;
                peak_rss_kb = peak_rss_kb.max(vm_hwm_kb(&proc).unwrap_or(0));
            }
            if let Some(status) = child.0.try_wait().expect("waiting for the player") {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "the player did not exit within {exit_after} s + 60 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        };
        let mut out = String::new();
        stdout
            .read_to_string(&mut out)
            .expect("the player's output");
        let errors = reader.join().expect("stderr reader");
        assert!(
            status.success(),
            "the player failed ({status}):\n{}",
            errors.join("\n")
        );
        let counters = parse_counters(&out)
            .unwrap_or_else(|| panic!("no counters in the player's output: {out:?}"));
        RunResult {
            counters,
            cpu_at_1s: cpu_at_1s.unwrap_or((0, 0.0)),
            cpu_last,
            xvfb_cpu: xvfb_last.saturating_sub(xvfb_1s),
            ready_s: rx.try_recv().ok(),
            peak_rss_kb,
            clk_tck: self.clk_tck,
        }
    }
}

/// utime + stime of a live (not zombie) process, in clock ticks.
fn process_cpu(proc: &Path) -> Option<u64> {
    let stat = std::fs::read_to_string(proc.join("stat")).ok()?;
    // Fields after the command name, which is in parentheses and may contain spaces:
    // state (3), …, utime (14), stime (15).
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    if fields.first() == Some(&"Z") {
        return None;
    }
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// Peak resident set size in kB.
fn vm_hwm_kb(proc: &Path) -> Option<u64> {
    let status = std::fs::read_to_string(proc.join("status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Reads `wake-ups N, frames drawn N, draw calls (last frame) N, texture bytes uploaded N`.
fn parse_counters(out: &str) -> Option<Counters> {
    let line = out.lines().rev().find(|l| l.starts_with("wake-ups "))?;
    let number = |label: &str| -> Option<u64> {
        let at = line.find(label)? + label.len();
        line[at..]
            .trim_start()
            .split(|c: char| !c.is_ascii_digit())
            .next()?
            .parse()
            .ok()
    };
    Some(Counters {
        wakeups: number("wake-ups")?,
        frames: number("frames drawn")?,
        draw_calls: number("draw calls (last frame)")?,
        texture_bytes: number("texture bytes uploaded")?,
    })
}

fn clock_ticks_per_second() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100)
}

/// Kills the child when dropped, even by panic.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A virtual X server on a free display, stopped when dropped.
struct Xvfb {
    child: Child,
    display: String,
}

impl Xvfb {
    fn start() -> Result<Self, String> {
        let base = 100 + std::process::id() % 400;
        let n = (base..base + 100)
            .find(|n| {
                !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                    && !Path::new(&format!("/tmp/.X{n}-lock")).exists()
            })
            .ok_or("no free X display number")?;
        let display = format!(":{n}");
        let child = Command::new("Xvfb")
            .args([
                display.as_str(),
                "-screen",
                "0",
                &format!("{W}x{H}x24"),
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start Xvfb (Debian package xvfb): {e}"))?;
        let x = Self { child, display };
        let socket = PathBuf::from(format!("/tmp/.X11-unix/X{n}"));
        let deadline = Instant::now() + Duration::from_secs(30);
        while !socket.exists() {
            if Instant::now() > deadline {
                return Err(format!("Xvfb {} did not start", x.display));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(x)
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------
// Bundles.

fn manifest(layout_toml: &str, playlists: Value, defaults: Value, assets: Value) -> Manifest {
    let layout = Layout::from_toml(layout_toml).expect("a valid layout");
    let mut m: Manifest = serde_json::from_value(json!({
        "schema_version": 1,
        "generated_at": "2026-11-29T08:00:00Z",
        "screen": { "id": "banc-essai", "name": "Banc d'essai", "commune": "62364",
                    "time_zone": "Europe/Paris" },
        "layout": layout.id.clone(),
        "layouts": [layout],
        "playlists": playlists,
        "default_playlists": defaults,
        "schedule": [],
        "assets": assets,
    }))
    .expect("a valid manifest");
    m.seal().expect("a sealable manifest");
    m
}

fn image_item(id: &str, jpeg: &[u8], duration_ms: u64, transition: Option<Value>) -> Value {
    let mut item = json!({ "id": id, "duration_ms": duration_ms, "kind": "image",
        "asset": beffroi_protocol::ids::Sha256::of(jpeg), "fit": "cover" });
    if let Some(t) = transition {
        item["transition"] = t;
    }
    item
}

fn asset(jpeg: &[u8]) -> Value {
    json!({ "sha256": beffroi_protocol::ids::Sha256::of(jpeg), "size": jpeg.len(), "mime": "image/jpeg" })
}

/// A distinct 1920×1080 picture for each `seed`: a hue gradient, stripes and a disc.
fn jpeg(seed: u32) -> Vec<u8> {
    let (cx, cy) = ((seed * 397 % W) as f32, (seed * 211 % H) as f32);
    let period = 40 + seed % 50;
    let img = image::RgbImage::from_fn(W, H, |x, y| {
        let (fx, fy) = (x as f32 / W as f32, y as f32 / H as f32);
        let hue = (fx + seed as f32 * 0.13).fract();
        let stripe = ((x + y + seed * 7) / period).is_multiple_of(2);
        let d = ((x as f32 - cx).powi(2) + (y as f32 - cy).powi(2)).sqrt();
        let disc = d < 200.0 + (seed % 5) as f32 * 40.0;
        let v = if disc {
            0.95
        } else if stripe {
            0.8
        } else {
            0.55
        };
        let [r, g, b] = hsv(hue, 0.4 + 0.5 * fy, v);
        image::Rgb([r, g, b])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&img)
        .expect("JPEG encoding");
    out
}

fn hsv(h: f32, s: f32, v: f32) -> [u8; 3] {
    let i = (h * 6.0).floor();
    let f = h * 6.0 - i;
    let (p, q, t) = (v * (1.0 - s), v * (1.0 - f * s), v * (1.0 - (1.0 - f) * s));
    let (r, g, b) = match i as i32 % 6 {
        0 => (v, t, p),
        1 => (q, v, p),
        2 => (p, v, t),
        3 => (p, q, v),
        4 => (t, p, v),
        _ => (v, p, q),
    };
    let c = |x: f32| (x * 255.0).round() as u8;
    [c(r), c(g), c(b)]
}

// ---------------------------------------------------------------------------------------
// Small helpers.

fn ts(s: &str) -> Timestamp {
    s.parse().expect("a valid instant")
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / f64::from(1 << 20)
}

fn sorted(v: &[f64]) -> Vec<f64> {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s
}

fn median(v: &[f64]) -> f64 {
    let s = sorted(v);
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

/// The 90th percentile, nearest rank.
fn p90(v: &[f64]) -> f64 {
    let s = sorted(v);
    let rank = (0.9 * s.len() as f64).ceil() as usize;
    s[rank.clamp(1, s.len()) - 1]
}

fn mean_abs_diff(a: &RgbaImage, b: &RgbaImage) -> f64 {
    let total: u64 = a
        .pixels()
        .zip(b.pixels())
        .map(|(p, q)| {
            p.0[..3]
                .iter()
                .zip(&q.0[..3])
                .map(|(x, y)| u64::from(x.abs_diff(*y)))
                .sum::<u64>()
        })
        .sum();
    total as f64 / (f64::from(W) * f64::from(H) * 3.0)
}

/// Mean of the R, G and B bytes.
fn mean_level(a: &RgbaImage) -> f64 {
    let total: u64 = a
        .pixels()
        .map(|p| p.0[..3].iter().map(|&x| u64::from(x)).sum::<u64>())
        .sum();
    total as f64 / (f64::from(a.width()) * f64::from(a.height()) * 3.0)
}

/// Warns when the player binary is older than the sources it is built from.
fn warn_if_stale(player: &Path, root: &Path) {
    let Ok(built) = std::fs::metadata(player).and_then(|m| m.modified()) else {
        return;
    };
    let newest = ["player/src", "protocol/src"]
        .iter()
        .filter_map(|d| newest_mtime(&root.join(d)))
        .max();
    if newest.is_some_and(|n| n > built) {
        eprintln!(
            "render_bench: warning: {} is older than the player's sources; rebuild with\n    cargo build --release -p beffroi-player",
            player.display()
        );
    }
}

fn newest_mtime(dir: &Path) -> Option<std::time::SystemTime> {
    let mut newest = None;
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        let t = if path.is_dir() {
            newest_mtime(&path)
        } else {
            entry.metadata().and_then(|m| m.modified()).ok()
        };
        newest = newest.max(t);
    }
    newest
}
