//! Instanced rectangles: solid, textured, rounded, clipped — everything that is not text.

use beffroi_protocol::layout::Colour;
use bytemuck::{Pod, Zeroable};

use crate::scene::Rect;

/// One rectangle as the shader reads it.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub(crate) struct Instance {
    rect: [f32; 4],
    uv: [f32; 4],
    colour: [f32; 4],
    clip: [f32; 4],
    params: [f32; 4],
}

impl Instance {
    /// A rectangle of `colour` at `opacity`, clipped to `clip` (pixel edges).
    pub(crate) fn solid(
        rect: Rect,
        colour: Colour,
        radius: f32,
        opacity: f32,
        clip: [f32; 4],
    ) -> Self {
        Self {
            rect: [rect.x, rect.y, rect.w, rect.h],
            uv: [0.0, 0.0, 1.0, 1.0],
            colour: premultiplied(colour, opacity),
            clip,
            params: [radius, 0.0, 0.0, 0.0],
        }
    }

    /// An image over `rect`, showing the `uv` part of its texture, corners rounded by
    /// `radius`.
    pub(crate) fn textured(
        rect: Rect,
        uv: Rect,
        radius: f32,
        opacity: f32,
        clip: [f32; 4],
    ) -> Self {
        Self {
            rect: [rect.x, rect.y, rect.w, rect.h],
            uv: [uv.x, uv.y, uv.w, uv.h],
            colour: [opacity; 4],
            clip,
            params: [radius, 1.0, 0.0, 0.0],
        }
    }
}

/// sRGB byte to linear light.
pub(crate) fn linear(c: u8) -> f32 {
    let c = f32::from(c) / 255.0;
    if c <= 0.04045 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

/// A colour as premultiplied linear RGBA, with `opacity` applied.
pub(crate) fn premultiplied(c: Colour, opacity: f32) -> [f32; 4] {
    let a = f32::from(c.a) / 255.0 * opacity.clamp(0.0, 1.0);
    [linear(c.r) * a, linear(c.g) * a, linear(c.b) * a, a]
}

/// The quad pipeline and its per-frame instance buffer.
#[derive(Debug)]
pub(crate) struct Quads {
    pipeline: wgpu::RenderPipeline,
    globals: wgpu::Buffer,
    globals_group: wgpu::BindGroup,
    pub(crate) texture_layout: wgpu::BindGroupLayout,
    instances: wgpu::Buffer,
    capacity: u64,
}

const INSTANCE_SIZE: u64 = std::mem::size_of::<Instance>() as u64;

impl Quads {
    pub(crate) fn new(device: &wgpu::Device, format: wgpu::TextureFormat) -> Self {
        let shader = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("quads shader"),
            source: wgpu::ShaderSource::Wgsl(include_str!("quads.wgsl").into()),
        });
        let globals_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("quads globals layout"),
            entries: &[super::uniform_entry(0, wgpu::ShaderStages::VERTEX)],
        });
        let texture_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("quads texture layout"),
            entries: &[
                super::texture_entry(0, true),
                wgpu::BindGroupLayoutEntry {
                    binding: 1,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Filtering),
                    count: None,
                },
            ],
        });
        let globals = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("quads globals"),
            size: 16,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let globals_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("quads globals group"),
            layout: &globals_layout,
            entries: &[wgpu::BindGroupEntry {
                binding: 0,
                resource: globals.as_entire_binding(),
            }],
        });
        let layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("quads pipeline layout"),
            bind_group_layouts: &[Some(&globals_layout), Some(&texture_layout)],
            immediate_size: 0,
        });
        let attributes = wgpu::vertex_attr_array![0 => Float32x4, 1 => Float32x4, 2 => Float32x4, 3 => Float32x4, 4 => Float32x4];
        let pipeline = device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
            label: Some("quads pipeline"),
            layout: Some(&layout),
            vertex: wgpu::VertexState {
                module: &shader,
                entry_point: Some("vs_main"),
                compilation_options: Default::default(),
                buffers: &[Some(wgpu::VertexBufferLayout {
                    array_stride: INSTANCE_SIZE,
                    step_mode: wgpu::VertexStepMode::Instance,
                    attributes: &attributes,
                })],
            },
            primitive: wgpu::PrimitiveState {
                topology: wgpu::PrimitiveTopology::TriangleStrip,
                ..Default::default()
            },
            depth_stencil: None,
            multisample: wgpu::MultisampleState::default(),
            fragment: Some(wgpu::FragmentState {
                module: &shader,
                entry_point: Some("fs_main"),
                compilation_options: Default::default(),
                targets: &[Some(wgpu::ColorTargetState {
                    format,
                    blend: Some(wgpu::BlendState::PREMULTIPLIED_ALPHA_BLENDING),
                    write_mask: wgpu::ColorWrites::ALL,
                })],
            }),
            multiview_mask: None,
            cache: None,
        });
        let capacity = 1024;
        let instances = Self::instance_buffer(device, capacity);
        Self {
            pipeline,
            globals,
            globals_group,
            texture_layout,
            instances,
            capacity,
        }
    }

    fn instance_buffer(device: &wgpu::Device, capacity: u64) -> wgpu::Buffer {
        device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("quads instances"),
            size: capacity * INSTANCE_SIZE,
            usage: wgpu::BufferUsages::VERTEX | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        })
    }

    /// Uploads the frame size and every instance of the frame, growing the buffer if needed.
    pub(crate) fn prepare(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        size: (u32, u32),
        instances: &[Instance],
    ) {
        queue.write_buffer(
            &self.globals,
            0,
            bytemuck::cast_slice(&[size.0 as f32, size.1 as f32, 0.0, 0.0]),
        );
        let needed = instances.len() as u64;
        if needed > self.capacity {
            self.capacity = needed.next_power_of_two();
            self.instances = Self::instance_buffer(device, self.capacity);
        }
        if !instances.is_empty() {
            queue.write_buffer(&self.instances, 0, bytemuck::cast_slice(instances));
        }
    }

    /// Draws instances `range` with the texture `group`.
    pub(crate) fn draw(
        &self,
        pass: &mut wgpu::RenderPass<'_>,
        group: &wgpu::BindGroup,
        range: std::ops::Range<u32>,
    ) {
        if range.is_empty() {
            return;
        }
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, &self.globals_group, &[]);
        pass.set_bind_group(1, group, &[]);
        pass.set_vertex_buffer(0, self.instances.slice(..));
        pass.draw(0..4, range);
    }
}
