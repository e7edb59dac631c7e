//! The renderer: draws a [`Scene`] with wgpu. The only module of the player that touches the
//! GPU; it never sees a schedule, a playlist or a data set.
//!
//! Every frame goes to an offscreen target first (the same path serves the screen, headless
//! frames and thumbnails), then is copied to the output turned by the screen's rotation.
//! Components follow the prepare/render split of glyphon: uploads happen in `prepare`, draw
//! calls are recorded in `render`.

mod gpu;
mod quads;
mod text;
mod textures;

pub use gpu::{Gpu, GpuError};

use glyphon::{Cache, FontSystem, Resolution, SwashCache, TextAtlas, TextRenderer, Viewport};
use image::RgbaImage;

use crate::scene::{ImageSource, Node, Scene, Shape};
use quads::{Instance, Quads};
use textures::Textures;

/// Texture format of every target: 8-bit sRGB, so blending happens in linear light.
const FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8UnormSrgb;
/// The same bytes seen without sRGB conversion, for the exact rotation copy.
const RAW_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8Unorm;
/// Decoded images kept on the GPU at most (a Pi 4 shares its 1–8 GB with the GPU).
const TEXTURE_BUDGET: u64 = 192 << 20;

/// Counters for benchmarks and the player's status; hardware-independent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Frames drawn since start.
    pub frames: u64,
    /// Draw calls recorded for the last frame.
    pub draw_calls: u32,
    /// Texture bytes uploaded since start.
    pub texture_bytes: u64,
}

/// One layer: shapes first, then the text on top of them.
#[derive(Debug, Default)]
struct Layer {
    /// Runs of instances sharing a texture: (texture source or `None` for solids, range).
    runs: Vec<(Option<ImageSource>, std::ops::Range<u32>)>,
    text: usize,
}

/// Draws scenes on one GPU device.
pub struct Renderer {
    quads: Quads,
    textures: Textures,
    font_system: FontSystem,
    swash: SwashCache,
    viewport: Viewport,
    atlas: TextAtlas,
    /// One text renderer per layer in use (text must interleave with shapes).
    text_renderers: Vec<TextRenderer>,
    layers: Vec<Layer>,
    clear: wgpu::Color,
    /// The offscreen frame, kept while the frame size stays the same.
    frame: Option<Target>,
    /// The turned copy read back by `render_image`, kept likewise.
    output: Option<Target>,
    /// The rotation pass for each output format in use (raw for readback, the surface's).
    rotate: Vec<(wgpu::TextureFormat, Rotate)>,
    stats: Stats,
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Renderer")
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl Renderer {
    /// A renderer drawing on `gpu`.
    pub fn new(gpu: &Gpu) -> Self {
        let device = &gpu.device;
        let quads = Quads::new(device, FORMAT);
        let textures = Textures::new(device, &gpu.queue, &quads.texture_layout, TEXTURE_BUDGET);
        let cache = Cache::new(device);
        let viewport = Viewport::new(device, &cache);
        let atlas = TextAtlas::new(device, &gpu.queue, &cache, FORMAT);
        Self {
            quads,
            textures,
            font_system: text::font_system(),
            swash: SwashCache::new(),
            viewport,
            atlas,
            text_renderers: Vec::new(),
            layers: Vec::new(),
            clear: wgpu::Color::BLACK,
            frame: None,
            output: None,
            rotate: Vec::new(),
            stats: Stats::default(),
        }
    }

    /// The counters.
    pub fn stats(&self) -> Stats {
        Stats {
            texture_bytes: self.textures.uploaded,
            ..self.stats
        }
    }

    /// Image sources of `scene` to decode, with the size to decode each to: those neither
    /// uploaded nor known to be broken, and those uploaded for a smaller box than `scene`
    /// draws them in (a photo first seen as a thumbnail, then as a banner). The caller
    /// decodes them (off the render thread) and hands them to [`Renderer::set_image`].
    pub fn missing_images(&self, scene: &Scene) -> Vec<(ImageSource, (u32, u32))> {
        scene
            .image_sizes()
            .into_iter()
            .filter(|(source, size)| self.textures.needs(source, *size))
            .collect()
    }

    /// Uploads an image decoded for a box of `size` pixels (as [`Renderer::missing_images`]
    /// asked), or records why it cannot be shown (drawn as a placeholder).
    pub fn set_image(
        &mut self,
        gpu: &Gpu,
        source: ImageSource,
        size: (u32, u32),
        image: Result<RgbaImage, String>,
    ) {
        match image {
            Ok(img) => self.textures.insert(
                &gpu.device,
                &gpu.queue,
                &self.quads.texture_layout,
                source,
                size,
                &img,
                self.stats.frames,
            ),
            Err(why) => self.textures.mark_failed(source, why),
        }
    }

    /// Uploads everything `scene` needs: instances, text, frame size.
    pub fn prepare(&mut self, gpu: &Gpu, scene: &Scene) {
        let (device, queue) = (&gpu.device, &gpu.queue);
        let full = [0.0, 0.0, scene.width as f32, scene.height as f32];
        let mut instances: Vec<Instance> = Vec::new();
        let mut laid: Vec<Vec<text::Laid>> = vec![Vec::new()];
        self.layers = vec![Layer::default()];
        for Node {
            shape,
            opacity,
            clip,
            ..
        } in &scene.nodes
        {
            let clip_edges = clip.map_or(full, |c| [c.x, c.y, c.right(), c.bottom()]);
            let (inst, key) = match shape {
                Shape::Rect {
                    rect,
                    colour,
                    radius,
                } => (
                    Instance::solid(*rect, *colour, *radius, *opacity, clip_edges),
                    None,
                ),
                Shape::Image {
                    rect,
                    source,
                    uv,
                    radius,
                } => (
                    Instance::textured(*rect, *uv, *radius, *opacity, clip_edges),
                    Some(source.clone()),
                ),
                Shape::Text(t) => {
                    let l = text::lay_out(&mut self.font_system, t, *opacity, *clip);
                    // Strike-through lines join the text's own layer: drawn just before
                    // the glyphs, in their colour, they read as one with them.
                    let layer = self.layers.last_mut().expect("one layer at least");
                    for r in &l.strikes {
                        let inst = Instance::solid(*r, t.colour, 0.0, *opacity, clip_edges);
                        push_run(&mut instances, layer, inst, None);
                    }
                    laid.last_mut().expect("one layer at least").push(l);
                    continue;
                }
            };
            // A shape after text starts a new layer so that it covers that text.
            if !laid.last().expect("one layer at least").is_empty() {
                laid.push(Vec::new());
                self.layers.push(Layer::default());
            }
            let layer = self.layers.last_mut().expect("one layer at least");
            push_run(&mut instances, layer, inst, key);
        }
        self.quads
            .prepare(device, queue, (scene.width, scene.height), &instances);
        self.viewport.update(
            queue,
            Resolution {
                width: scene.width,
                height: scene.height,
            },
        );
        while self.text_renderers.len() < laid.len() {
            self.text_renderers.push(TextRenderer::new(
                &mut self.atlas,
                device,
                wgpu::MultisampleState::default(),
                None,
            ));
        }
        for (i, texts) in laid.iter().enumerate() {
            self.layers[i].text = texts.len();
            let areas: Vec<_> = texts.iter().flat_map(text::Laid::areas).collect();
            if let Err(e) = self.text_renderers[i].prepare(
                device,
                queue,
                &mut self.font_system,
                &mut self.atlas,
                &self.viewport,
                areas,
                &mut self.swash,
            ) {
                // The atlas is full: text is dropped for this frame rather than the frame.
                eprintln!("beffroi-player: text not drawn this frame: {e}");
            }
        }
        let c = scene.clear;
        let lin = |v: u8| f64::from(quads::linear(v));
        self.clear = wgpu::Color {
            r: lin(c.r),
            g: lin(c.g),
            b: lin(c.b),
            a: 1.0,
        };
    }

    /// Records the frame's draw calls into `view` (a target of the frame's size).
    fn render(&mut self, encoder: &mut wgpu::CommandEncoder, view: &wgpu::TextureView) {
        let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some("frame pass"),
            color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                view,
                depth_slice: None,
                resolve_target: None,
                ops: wgpu::Operations {
                    load: wgpu::LoadOp::Clear(self.clear),
                    store: wgpu::StoreOp::Store,
                },
            })],
            depth_stencil_attachment: None,
            timestamp_writes: None,
            occlusion_query_set: None,
            multiview_mask: None,
        });
        let mut calls = 0;
        let frame = self.stats.frames;
        for (layer, renderer) in self.layers.iter().zip(&self.text_renderers) {
            for (key, range) in &layer.runs {
                let group = match key {
                    None => &self.textures.white,
                    Some(source) => self.textures.group(source, frame),
                };
                self.quads.draw(&mut pass, group, range.clone());
                calls += 1;
            }
            if layer.text > 0 {
                if let Err(e) = renderer.render(&self.atlas, &self.viewport, &mut pass) {
                    eprintln!("beffroi-player: text not drawn this frame: {e}");
                }
                calls += 1;
            }
        }
        self.stats.draw_calls = calls;
        self.stats.frames += 1;
    }

    /// Draws `scene` offscreen and reads it back, turned by the scene's rotation: a headless
    /// frame, a preview or a thumbnail.
    pub fn render_image(&mut self, gpu: &Gpu, scene: &Scene) -> RgbaImage {
        let (w, h) = output_size(scene);
        // The output texture and its readback buffer are kept while the size stays the same:
        // previews and thumbnails draw many frames of one size.
        let out = match self.output.take() {
            Some(t) if (t.width, t.height) == (w, h) => t,
            _ => Target::new(&gpu.device, w, h, "output"),
        };
        let encoder = self.draw_into(gpu, scene, &out.raw, RAW_FORMAT);
        let image = out.read(gpu, encoder);
        self.output = Some(out);
        self.atlas.trim();
        image
    }

    /// Draws `scene` to a window surface texture, turned by the scene's rotation.
    /// `view` must be a view of the surface texture in `format` without sRGB conversion (the
    /// frame is already sRGB-encoded: the copy moves bytes, it does not convert them).
    pub fn render_to_surface(
        &mut self,
        gpu: &Gpu,
        scene: &Scene,
        view: &wgpu::TextureView,
        format: wgpu::TextureFormat,
    ) {
        let encoder = self.draw_into(gpu, scene, view, format);
        gpu.queue.submit(Some(encoder.finish()));
        self.atlas.trim();
    }

    /// Prepares and records `scene` into the offscreen frame and its turned copy into `output`.
    fn draw_into(
        &mut self,
        gpu: &Gpu,
        scene: &Scene,
        output: &wgpu::TextureView,
        format: wgpu::TextureFormat,
    ) -> wgpu::CommandEncoder {
        self.prepare(gpu, scene);
        if self
            .frame
            .as_ref()
            .is_none_or(|f| (f.width, f.height) != (scene.width, scene.height))
        {
            self.frame = Some(Target::new(&gpu.device, scene.width, scene.height, "frame"));
        }
        if !self.rotate.iter().any(|(f, _)| *f == format) {
            self.rotate.push((format, Rotate::new(&gpu.device, format)));
        }
        let mut encoder = gpu
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("frame encoder"),
            });
        let frame = self.frame.take().expect("created above");
        self.render(&mut encoder, &frame.view);
        let turns = u32::from(scene.rotation.degrees() / 90);
        let (_, rotate) = self
            .rotate
            .iter()
            .find(|(f, _)| *f == format)
            .expect("created above");
        rotate.record(
            &gpu.device,
            &gpu.queue,
            &mut encoder,
            &frame.raw,
            output,
            turns,
        );
        self.frame = Some(frame);
        encoder
    }
}

/// Appends `inst` to the instances and to `layer`'s last run when it shares its texture,
/// else to a new run.
fn push_run(
    instances: &mut Vec<Instance>,
    layer: &mut Layer,
    inst: Instance,
    key: Option<ImageSource>,
) {
    let i = instances.len() as u32;
    instances.push(inst);
    match layer.runs.last_mut() {
        Some((k, range)) if *k == key && range.end == i => range.end = i + 1,
        _ => layer.runs.push((key, i..i + 1)),
    }
}

/// The size of the picture `scene` gives once turned.
pub fn output_size(scene: &Scene) -> (u32, u32) {
    if scene.rotation.degrees() % 180 == 90 {
        (scene.height, scene.width)
    } else {
        (scene.width, scene.height)
    }
}

/// A bind-group entry for a 2D float texture read by the fragment stage.
fn texture_entry(binding: u32, filterable: bool) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::FRAGMENT,
        ty: wgpu::BindingType::Texture {
            sample_type: wgpu::TextureSampleType::Float { filterable },
            view_dimension: wgpu::TextureViewDimension::D2,
            multisampled: false,
        },
        count: None,
    }
}

/// A bind-group entry for a small uniform buffer.
fn uniform_entry(binding: u32, visibility: wgpu::ShaderStages) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Uniform,
            has_dynamic_offset: false,
            min_binding_size: None,
        },
        count: None,
    }
}

/// An offscreen colour target with a raw (non-sRGB) view for exact copies.
struct Target {
    texture: wgpu::Texture,
    view: wgpu::TextureView,
    raw: wgpu::TextureView,
    width: u32,
    height: u32,
    /// Rows padded to the copy alignment, created on the first read.
    readback: std::cell::OnceCell<wgpu::Buffer>,
}

impl Target {
    fn new(device: &wgpu::Device, width: u32, height: u32, label: &str) -> Self {
        let texture = device.create_texture(&wgpu::TextureDescriptor {
            label: Some(label),
            size: wgpu::Extent3d {
                width,
                height,
                depth_or_array_layers: 1,
            },
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: FORMAT,
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT
                | wgpu::TextureUsages::TEXTURE_BINDING
                | wgpu::TextureUsages::COPY_SRC,
            view_formats: &[RAW_FORMAT],
        });
        let view = texture.create_view(&wgpu::TextureViewDescriptor::default());
        let raw = texture.create_view(&wgpu::TextureViewDescriptor {
            format: Some(RAW_FORMAT),
            ..Default::default()
        });
        Self {
            texture,
            view,
            raw,
            width,
            height,
            readback: std::cell::OnceCell::new(),
        }
    }

    /// Copies the target to memory once `encoder` has run.
    fn read(&self, gpu: &Gpu, mut encoder: wgpu::CommandEncoder) -> RgbaImage {
        let row = self.width * 4;
        let padded =
            row.div_ceil(wgpu::COPY_BYTES_PER_ROW_ALIGNMENT) * wgpu::COPY_BYTES_PER_ROW_ALIGNMENT;
        let buffer = self.readback.get_or_init(|| {
            gpu.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("readback"),
                size: u64::from(padded) * u64::from(self.height),
                usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
                mapped_at_creation: false,
            })
        });
        encoder.copy_texture_to_buffer(
            wgpu::TexelCopyTextureInfo {
                texture: &self.texture,
                mip_level: 0,
                origin: wgpu::Origin3d::ZERO,
                aspect: wgpu::TextureAspect::All,
            },
            wgpu::TexelCopyBufferInfo {
                buffer,
                layout: wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(padded),
                    rows_per_image: Some(self.height),
                },
            },
            wgpu::Extent3d {
                width: self.width,
                height: self.height,
                depth_or_array_layers: 1,
            },
        );
        gpu.queue.submit(Some(encoder.finish()));
        let slice = buffer.slice(..);
        slice.map_async(wgpu::MapMode::Read, |_| {});
        let _ = gpu.device.poll(wgpu::PollType::wait_indefinitely());
        let mapped = slice
            .get_mapped_range()
            .expect("the readback buffer was mapped above");
        let mut pixels = Vec::with_capacity((row * self.height) as usize);
        for y in 0..self.height as usize {
            let start = y * padded as usize;
            pixels.extend_from_slice(&mapped[start..start + row as usize]);
        }
        drop(mapped);
        buffer.unmap();
        RgbaImage::from_raw(self.width, self.height, pixels)
            .expect("the buffer holds width × height pixels")
    }
}

/// The rotation pass: copies the frame to the output turned by quarter turns.
struct Rotate {
    pipeline: wgpu::RenderPipeline,
    layout: wgpu::BindGroupLayout,
    params: wgpu::Buffer,
}

impl Rotate {
    fn new(device: &wgpu::Device, format: wgpu::TextureFormat) -> Self {
        let shader = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("rotate shader"),
            source: wgpu::ShaderSource::Wgsl(include_str!("rotate.wgsl").into()),
        });
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("rotate layout"),
            entries: &[
                texture_entry(0, false),
                uniform_entry(1, wgpu::ShaderStages::FRAGMENT),
            ],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("rotate pipeline layout"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let pipeline = device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
            label: Some("rotate pipeline"),
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
        let params = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("rotate params"),
            size: 16,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        Self {
            pipeline,
            layout,
            params,
        }
    }

    fn record(
        &self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        from: &wgpu::TextureView,
        to: &wgpu::TextureView,
        turns: u32,
    ) {
        queue.write_buffer(&self.params, 0, bytemuck::cast_slice(&[turns, 0u32, 0, 0]));
        let group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("rotate group"),
            layout: &self.layout,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: wgpu::BindingResource::TextureView(from),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: self.params.as_entire_binding(),
                },
            ],
        });
        let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some("rotate pass"),
            color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                view: to,
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
        pass.set_bind_group(0, &group, &[]);
        pass.draw(0..3, 0..1);
    }
}
