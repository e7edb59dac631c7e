//! The GPU device: one instance, adapter, device and queue for the whole player.

/// Why no GPU device could be opened.
#[derive(Debug, thiserror::Error)]
pub enum GpuError {
    /// No adapter: no Vulkan or GL driver (on a CPU-only machine, install Mesa's lavapipe or
    /// llvmpipe).
    #[error("no GPU adapter found (install mesa-vulkan-drivers for lavapipe, or a GL driver): {0}")]
    NoAdapter(String),
    /// The adapter refused the device.
    #[error("the GPU refused to open a device: {0}")]
    Device(String),
}

/// An open GPU device.
#[derive(Debug)]
pub struct Gpu {
    /// The wgpu instance (kept for creating surfaces).
    pub instance: wgpu::Instance,
    /// The adapter in use.
    pub adapter: wgpu::Adapter,
    /// The device.
    pub device: wgpu::Device,
    /// Its queue.
    pub queue: wgpu::Queue,
}

impl Gpu {
    /// Opens a device without any window: for headless frames, previews and tests.
    /// `WGPU_BACKEND=vulkan|gl` selects the backend, as wgpu documents.
    pub fn headless() -> Result<Self, GpuError> {
        let instance =
            wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
        Self::with_instance(instance, None)
    }

    /// Opens a device on `instance`, compatible with `surface` when given.
    pub fn with_instance(
        instance: wgpu::Instance,
        surface: Option<&wgpu::Surface<'_>>,
    ) -> Result<Self, GpuError> {
        let adapter = pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions {
            compatible_surface: surface,
            ..Default::default()
        }))
        .map_err(|e| GpuError::NoAdapter(e.to_string()))?;
        // Downlevel limits: what a Raspberry Pi's V3D (Vulkan 1.2 / GLES 3.1) offers.
        let limits = wgpu::Limits::downlevel_defaults().using_resolution(adapter.limits());
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("beffroi device"),
            required_limits: limits,
            ..Default::default()
        }))
        .map_err(|e| GpuError::Device(e.to_string()))?;
        Ok(Self {
            instance,
            adapter,
            device,
            queue,
        })
    }

    /// The adapter's name and backend, for logs and status.
    pub fn describe(&self) -> String {
        let info = self.adapter.get_info();
        format!("{} ({:?})", info.name, info.backend)
    }
}
