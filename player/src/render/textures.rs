//! GPU textures of decoded images, keyed by their source, with a byte budget.

use std::collections::HashMap;

use image::RgbaImage;

use crate::scene::ImageSource;

/// One uploaded image.
#[derive(Debug)]
struct Entry {
    group: wgpu::BindGroup,
    bytes: u64,
    /// The box it was decoded for: a larger one needs a new decode, a smaller one does not
    /// (an image smaller than its box comes back at its own size, and is not asked again).
    requested: (u32, u32),
    /// Frame counter when last drawn, for least-recently-used eviction.
    last_used: u64,
}

/// Uploaded images plus the white texture solids use and the placeholder for broken images.
#[derive(Debug)]
pub(crate) struct Textures {
    sampler: wgpu::Sampler,
    pub(crate) white: wgpu::BindGroup,
    placeholder: wgpu::BindGroup,
    entries: HashMap<ImageSource, Entry>,
    /// Sources that failed to decode: drawn as the placeholder, never retried for this bundle.
    failed: HashMap<ImageSource, String>,
    budget: u64,
    used: u64,
    /// Bytes uploaded since the renderer started (a counter for benchmarks).
    pub(crate) uploaded: u64,
}

/// Colour of the neutral placeholder drawn for an image that cannot be shown.
const PLACEHOLDER: [u8; 4] = [0x5a, 0x62, 0x70, 0xff];

impl Textures {
    pub(crate) fn new(
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        layout: &wgpu::BindGroupLayout,
        budget: u64,
    ) -> Self {
        let sampler = device.create_sampler(&wgpu::SamplerDescriptor {
            label: Some("image sampler"),
            mag_filter: wgpu::FilterMode::Linear,
            min_filter: wgpu::FilterMode::Linear,
            address_mode_u: wgpu::AddressMode::ClampToEdge,
            address_mode_v: wgpu::AddressMode::ClampToEdge,
            ..Default::default()
        });
        let pixel = |rgba: [u8; 4], label: &str| {
            let img = RgbaImage::from_pixel(1, 1, image::Rgba(rgba));
            upload(device, queue, layout, &sampler, &img, label)
        };
        let white = pixel([255; 4], "white pixel");
        let placeholder = pixel(PLACEHOLDER, "placeholder pixel");
        Self {
            sampler,
            white,
            placeholder,
            entries: HashMap::new(),
            failed: HashMap::new(),
            budget,
            used: 0,
            uploaded: 0,
        }
    }

    /// True when `source` must be decoded to be drawn in a `size` box: it is not uploaded
    /// (nor known to be broken), or it was decoded for a smaller box.
    pub(crate) fn needs(&self, source: &ImageSource, size: (u32, u32)) -> bool {
        if self.failed.contains_key(source) {
            return false;
        }
        self.entries
            .get(source)
            .is_none_or(|e| size.0 > e.requested.0 || size.1 > e.requested.1)
    }

    /// Uploads `img`, decoded for a `requested` box, for `source`, evicting the least
    /// recently used images beyond the budget.
    #[allow(clippy::too_many_arguments)] // the GPU handles plus what the entry records
    pub(crate) fn insert(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        layout: &wgpu::BindGroupLayout,
        source: ImageSource,
        requested: (u32, u32),
        img: &RgbaImage,
        frame: u64,
    ) {
        let bytes = u64::from(img.width()) * u64::from(img.height()) * 4;
        let group = upload(device, queue, layout, &self.sampler, img, "image");
        self.uploaded += bytes;
        self.used += bytes;
        if let Some(old) = self.entries.insert(
            source,
            Entry {
                group,
                bytes,
                requested,
                last_used: frame,
            },
        ) {
            self.used -= old.bytes;
        }
        while self.used > self.budget && self.entries.len() > 1 {
            let Some(oldest) = self
                .entries
                .iter()
                .filter(|(_, e)| e.last_used < frame)
                .min_by_key(|(_, e)| e.last_used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some(e) = self.entries.remove(&oldest) {
                self.used -= e.bytes;
            }
        }
    }

    /// Records that `source` cannot be shown.
    pub(crate) fn mark_failed(&mut self, source: ImageSource, why: String) {
        self.failed.insert(source, why);
    }

    /// The bind group to draw `source` with: the image, or the placeholder.
    pub(crate) fn group(&mut self, source: &ImageSource, frame: u64) -> &wgpu::BindGroup {
        match self.entries.get_mut(source) {
            Some(e) => {
                e.last_used = frame;
                &e.group
            }
            None => &self.placeholder,
        }
    }
}

fn upload(
    device: &wgpu::Device,
    queue: &wgpu::Queue,
    layout: &wgpu::BindGroupLayout,
    sampler: &wgpu::Sampler,
    img: &RgbaImage,
    label: &str,
) -> wgpu::BindGroup {
    let size = wgpu::Extent3d {
        width: img.width(),
        height: img.height(),
        depth_or_array_layers: 1,
    };
    let texture = device.create_texture(&wgpu::TextureDescriptor {
        label: Some(label),
        size,
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: wgpu::TextureFormat::Rgba8UnormSrgb,
        usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
        view_formats: &[],
    });
    queue.write_texture(
        wgpu::TexelCopyTextureInfo {
            texture: &texture,
            mip_level: 0,
            origin: wgpu::Origin3d::ZERO,
            aspect: wgpu::TextureAspect::All,
        },
        img.as_raw(),
        wgpu::TexelCopyBufferLayout {
            offset: 0,
            bytes_per_row: Some(4 * img.width()),
            rows_per_image: Some(img.height()),
        },
        size,
    );
    let view = texture.create_view(&wgpu::TextureViewDescriptor::default());
    device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some(label),
        layout,
        entries: &[
            wgpu::BindGroupEntry {
                binding: 0,
                resource: wgpu::BindingResource::TextureView(&view),
            },
            wgpu::BindGroupEntry {
                binding: 1,
                resource: wgpu::BindingResource::Sampler(sampler),
            },
        ],
    })
}
