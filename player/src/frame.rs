//! Headless frames: what a screen shows at an instant, drawn offscreen. The path behind
//! `beffroi-player render`, server previews and thumbnails.

use beffroi_protocol::bundle::Bundle;
use beffroi_protocol::eval::Evaluator;
use image::RgbaImage;
use jiff::Timestamp;

use crate::playback;
use crate::render::{Gpu, GpuError, Renderer};
use crate::scene::Scene;

/// A GPU device and a renderer kept for drawing several frames.
#[derive(Debug)]
pub struct Headless {
    gpu: Gpu,
    renderer: Renderer,
}

impl Headless {
    /// Opens a GPU device without a window.
    pub fn new() -> Result<Self, GpuError> {
        let gpu = Gpu::headless()?;
        let renderer = Renderer::new(&gpu);
        Ok(Self { gpu, renderer })
    }

    /// The adapter in use, for logs.
    pub fn describe(&self) -> String {
        self.gpu.describe()
    }

    /// The renderer's counters.
    pub fn stats(&self) -> crate::render::Stats {
        self.renderer.stats()
    }

    /// The scene of `bundle` at `at` for a panel of `width`×`height` pixels (the picture as
    /// the panel shows it; the scene itself is turned by the screen's rotation).
    pub fn scene(bundle: &Bundle, at: Timestamp, width: u32, height: u32) -> Scene {
        let state = Evaluator::new(&bundle.manifest, &bundle.data).state_at(at);
        playback::build_for_panel(&bundle.manifest, &bundle.data, &state, width, height)
    }

    /// Draws `bundle` at `at` for a `width`×`height` panel.
    pub fn frame(&mut self, bundle: &Bundle, at: Timestamp, width: u32, height: u32) -> RgbaImage {
        let scene = Self::scene(bundle, at, width, height);
        self.draw(bundle, &scene)
    }

    /// Draws `scene`, decoding the images of `bundle` it needs first.
    pub fn draw(&mut self, bundle: &Bundle, scene: &Scene) -> RgbaImage {
        self.draw_in(&bundle.dir, scene)
    }

    /// Draws `scene`, decoding the images it needs from the bundle (or cache) directory
    /// `dir`.
    pub fn draw_in(&mut self, dir: &std::path::Path, scene: &Scene) -> RgbaImage {
        for (source, (w, h)) in self.renderer.missing_images(scene) {
            let decoded = crate::images::load(dir, &source, w, h);
            if let Err(why) = &decoded {
                eprintln!("beffroi-player: {source} is shown as a placeholder: {why}");
            }
            self.renderer.set_image(&self.gpu, source, (w, h), decoded);
        }
        self.renderer.render_image(&self.gpu, scene)
    }
}
