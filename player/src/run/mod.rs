//! `beffroi-player run`: a window (fullscreen by default) playing a bundle as time passes.
//!
//! One winit event loop on the main thread. Each wake-up evaluates the program with the
//! injectable clock, builds the scene, and draws only if the scene changed ([`Pacer`]); then
//! the loop sleeps until the next deadline. Images are decoded on worker threads, including
//! those of the next item before its transition starts.

mod decoder;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use beffroi_protocol::bundle::Bundle;
use beffroi_protocol::eval::Evaluator;
use jiff::Timestamp;
use winit::application::ApplicationHandler;
use winit::dpi::{PhysicalPosition, PhysicalSize};
use winit::event::WindowEvent;
use winit::event_loop::{ActiveEventLoop, ControlFlow, EventLoop, EventLoopProxy};
use winit::window::{Fullscreen, Window, WindowId};

use crate::clock::Clock;
use crate::live::Live;
use crate::pacing::{Decision, Pacer, Reason};
use crate::playback;
use crate::render::{Gpu, Renderer};
use crate::scene::Scene;
pub use decoder::Decoded;
use decoder::Decoders;

/// What the window plays.
#[derive(Debug)]
pub enum Content {
    /// One bundle, as it is (`run --bundle`).
    Bundle(Box<Bundle>),
    /// The live player (`run --config`): synced content, alerts, its own screens.
    Live(Box<Live>),
}

/// How `run` plays.
pub struct Options {
    /// What is played.
    pub content: Content,
    /// A window of this size at the top-left corner instead of fullscreen.
    pub windowed: Option<(u32, u32)>,
    /// The clock (system, frozen or simulated).
    pub clock: Arc<dyn Clock>,
    /// Animation frame-rate cap.
    pub fps: u32,
    /// Stop after this much real time (benchmarks, smoke tests).
    pub exit_after: Option<Duration>,
    /// Called at every wake-up: the systemd watchdog ping goes here.
    pub on_wake: Option<Box<dyn FnMut()>>,
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("windowed", &self.windowed)
            .field("fps", &self.fps)
            .finish_non_exhaustive()
    }
}

/// What a run did, printed when it ends.
#[derive(Debug, Clone, Copy, Default)]
pub struct Summary {
    /// Wake-ups (program evaluations).
    pub wakeups: u64,
    /// Frames drawn.
    pub frames: u64,
    /// Draw calls of the last frame.
    pub draw_calls: u32,
    /// Texture bytes uploaded.
    pub texture_bytes: u64,
    /// The live player ended because the server asked for a restart.
    pub restart: bool,
}

/// Why the player could not run.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// No display server or event loop.
    #[error("cannot open the display: {0}")]
    EventLoop(String),
    /// No window.
    #[error("cannot open a window: {0}")]
    Window(String),
    /// No GPU device or surface.
    #[error("{0}")]
    Gpu(String),
}

/// Events sent to the event loop from other threads.
#[derive(Debug)]
pub enum UserEvent {
    /// An image decoded on a worker thread.
    Decoded(Decoded),
    /// The live player has news (sync, configuration).
    Live,
}

/// Makes the event loop the live player will wake; hand its proxy to [`Live::start`].
pub fn event_loop() -> Result<EventLoop<UserEvent>, RunError> {
    EventLoop::<UserEvent>::with_user_event()
        .build()
        .map_err(|e| RunError::EventLoop(e.to_string()))
}

/// A wake-up for [`Live`] through the event loop's proxy.
pub fn waker(event_loop: &EventLoop<UserEvent>) -> crate::live::Wake {
    let proxy = event_loop.create_proxy();
    Arc::new(move || {
        let _ = proxy.send_event(UserEvent::Live);
    })
}

/// Plays `options.content` until the window closes (or `exit_after` passes).
pub fn run(options: Options) -> Result<Summary, RunError> {
    run_on(event_loop()?, options)
}

/// [`run`] on an event loop made beforehand (the live player's wakes go through it).
pub fn run_on(event_loop: EventLoop<UserEvent>, options: Options) -> Result<Summary, RunError> {
    let proxy = event_loop.create_proxy();
    let mut app = App {
        options,
        proxy,
        screen: None,
        error: None,
        started: Instant::now(),
        summary: Summary::default(),
        frame_ms: None,
    };
    event_loop
        .run_app(&mut app)
        .map_err(|e| RunError::EventLoop(e.to_string()))?;
    if let Content::Live(live) = app.options.content {
        app.summary.restart = live.restart_requested();
        live.stop();
    }
    match app.error {
        Some(e) => Err(e),
        None => Ok(app.summary),
    }
}

struct App {
    options: Options,
    proxy: EventLoopProxy<UserEvent>,
    screen: Option<Screen>,
    error: Option<RunError>,
    started: Instant,
    summary: Summary,
    /// How long the last frame took to draw and present, for the heartbeat.
    frame_ms: Option<f64>,
}

/// Everything that exists once the window does. Field order matters: the surface must drop
/// before the window it draws on.
struct Screen {
    gpu: Gpu,
    renderer: Renderer,
    pacer: Pacer,
    decoders: Decoders,
    surface: wgpu::Surface<'static>,
    config: wgpu::SurfaceConfiguration,
    /// The surface's format without sRGB conversion: the frame arrives already encoded.
    raw_format: wgpu::TextureFormat,
    scene: Option<Scene>,
    window: Arc<Window>,
}

impl App {
    fn open(&mut self, event_loop: &ActiveEventLoop) -> Result<Screen, RunError> {
        let mut attrs = Window::default_attributes()
            .with_title("Beffroi")
            .with_decorations(self.options.windowed.is_none());
        attrs = match self.options.windowed {
            // No window manager places windows under a bare X server: say where, exactly.
            Some((w, h)) => attrs
                .with_inner_size(PhysicalSize::new(w, h))
                .with_position(PhysicalPosition::new(0, 0))
                .with_resizable(false),
            None => attrs.with_fullscreen(Some(Fullscreen::Borderless(None))),
        };
        let window = Arc::new(
            event_loop
                .create_window(attrs)
                .map_err(|e| RunError::Window(e.to_string()))?,
        );
        window.set_cursor_visible(false);
        let instance =
            wgpu::Instance::new(wgpu::InstanceDescriptor::new_with_display_handle_from_env(
                Box::new(event_loop.owned_display_handle()),
            ));
        let surface = instance
            .create_surface(Arc::clone(&window))
            .map_err(|e| RunError::Gpu(e.to_string()))?;
        let gpu = Gpu::with_instance(instance, Some(&surface))
            .map_err(|e| RunError::Gpu(e.to_string()))?;
        let caps = surface.get_capabilities(&gpu.adapter);
        let format = caps
            .formats
            .iter()
            .copied()
            .find(wgpu::TextureFormat::is_srgb)
            .or_else(|| caps.formats.first().copied())
            .ok_or_else(|| RunError::Gpu("the surface offers no format".into()))?;
        let raw_format = format.remove_srgb_suffix();
        let size = window.inner_size();
        let config = wgpu::SurfaceConfiguration {
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT,
            format,
            width: size.width.max(1),
            height: size.height.max(1),
            present_mode: wgpu::PresentMode::Fifo,
            alpha_mode: caps
                .alpha_modes
                .first()
                .copied()
                .unwrap_or(wgpu::CompositeAlphaMode::Auto),
            view_formats: vec![raw_format],
            desired_maximum_frame_latency: 2,
            color_space: wgpu::SurfaceColorSpace::Auto,
        };
        surface.configure(&gpu.device, &config);
        eprintln!("beffroi-player: drawing with {}", gpu.describe());
        let renderer = Renderer::new(&gpu);
        let proxy = self.proxy.clone();
        let decoders = Decoders::start(2, move |d| {
            let _ = proxy.send_event(UserEvent::Decoded(d));
        });
        Ok(Screen {
            gpu,
            renderer,
            pacer: Pacer::new(self.options.fps),
            decoders,
            surface,
            config,
            raw_format,
            scene: None,
            window,
        })
    }

    /// One wake-up: evaluate, build the scene, decide, prefetch, schedule the next.
    fn wake(&mut self, event_loop: &ActiveEventLoop) {
        let Some(screen) = self.screen.as_mut() else {
            return;
        };
        if let Some(f) = self.options.on_wake.as_mut() {
            f();
        }
        let now = self.options.clock.now();
        let (w, h) = (screen.config.width, screen.config.height);
        let (scene, decision) = match &mut self.options.content {
            Content::Bundle(bundle) => {
                let ev = Evaluator::new(&bundle.manifest, &bundle.data);
                let scene = scene_at(bundle, &ev, now, w, h);
                request_images(screen, &bundle.dir, &scene);
                let decision = screen
                    .pacer
                    .decide(&ev, &ev.state_at(now), scene.clone(), now);
                // Decode what the next program will show now, so that its texture is on
                // the GPU before its transition starts.
                if let Some(next) = ev.next_change_after(now) {
                    let upcoming = scene_at(bundle, &ev, next, w, h);
                    request_images(screen, &bundle.dir, &upcoming);
                }
                (scene, decision)
            }
            Content::Live(live) => {
                if live.update(now) {
                    screen.pacer.invalidate();
                }
                let (scene, state) = live.scene(now, w, h);
                let dir = live.shared().cache.root().to_owned();
                request_images(screen, &dir, &scene);
                let next = live.next_change_after(now);
                let decision = screen
                    .pacer
                    .decide_at(state.as_ref(), next, scene.clone(), now);
                if let Some(next) = next {
                    let (upcoming, _) = live.scene(next, w, h);
                    request_images(screen, &dir, &upcoming);
                }
                live.shown(state.as_ref(), now, self.frame_ms.take());
                if live.thumbnail_due() {
                    let frame = screen.renderer.render_image(&screen.gpu, &scene);
                    live.send_thumbnail(&frame);
                }
                if live.restart_requested() {
                    event_loop.exit();
                }
                (scene, decision)
            }
        };
        let Decision {
            redraw,
            wake_at,
            reason,
        } = decision;
        if redraw {
            screen.scene = Some(scene);
            screen.window.request_redraw();
        }
        // Animation frames are paced in real time whatever the clock's speed (a simulated
        // clock at 4× must not ask for 120 frames a second); everything else waits for its
        // instant on the clock.
        let clock = &self.options.clock;
        let delay = match clock.real_delay(wake_at.duration_since(now)) {
            // A frozen clock: nothing moves; look again in a minute (new images, resize).
            None => Duration::from_secs(60),
            Some(_) if reason == Reason::Animation => {
                Duration::from_secs_f64(1.0 / f64::from(self.options.fps.clamp(1, 120)))
            }
            Some(d) => d,
        };
        self.summary.wakeups = screen.pacer.wakeups;
        let mut deadline = Instant::now() + delay;
        if let Some(limit) = self.options.exit_after {
            deadline = deadline.min(self.started + limit);
        }
        event_loop.set_control_flow(ControlFlow::WaitUntil(deadline));
    }

    fn draw(&mut self) {
        let Some(screen) = self.screen.as_mut() else {
            return;
        };
        let Some(scene) = screen.scene.as_ref() else {
            return;
        };
        let frame = match screen.surface.get_current_texture() {
            wgpu::CurrentSurfaceTexture::Success(f)
            | wgpu::CurrentSurfaceTexture::Suboptimal(f) => f,
            wgpu::CurrentSurfaceTexture::Timeout | wgpu::CurrentSurfaceTexture::Occluded => {
                screen.window.request_redraw();
                return;
            }
            wgpu::CurrentSurfaceTexture::Outdated
            | wgpu::CurrentSurfaceTexture::Lost
            | wgpu::CurrentSurfaceTexture::Validation => {
                // Reconfigure and try again on the next redraw.
                screen.surface.configure(&screen.gpu.device, &screen.config);
                screen.window.request_redraw();
                return;
            }
        };
        let drawing = Instant::now();
        let view = frame.texture.create_view(&wgpu::TextureViewDescriptor {
            format: Some(screen.raw_format),
            ..Default::default()
        });
        screen
            .renderer
            .render_to_surface(&screen.gpu, scene, &view, screen.raw_format);
        screen.window.pre_present_notify();
        screen.gpu.queue.present(frame);
        self.frame_ms = Some(drawing.elapsed().as_secs_f64() * 1000.0);
        let stats = screen.renderer.stats();
        self.summary = Summary {
            wakeups: self.summary.wakeups,
            frames: stats.frames,
            draw_calls: stats.draw_calls,
            texture_bytes: stats.texture_bytes,
            restart: false,
        };
    }
}

/// The scene of `bundle` at `t` for a surface of `width`×`height`.
fn scene_at(bundle: &Bundle, ev: &Evaluator<'_>, t: Timestamp, width: u32, height: u32) -> Scene {
    playback::build_for_panel(
        &bundle.manifest,
        &bundle.data,
        &ev.state_at(t),
        width,
        height,
    )
}

fn request_images(screen: &mut Screen, dir: &Path, scene: &Scene) {
    for (source, (w, h)) in screen.renderer.missing_images(scene) {
        screen.decoders.request(source, dir.to_owned(), w, h);
    }
}

impl ApplicationHandler<UserEvent> for App {
    fn resumed(&mut self, event_loop: &ActiveEventLoop) {
        if self.screen.is_some() {
            return;
        }
        match self.open(event_loop) {
            Ok(screen) => {
                self.screen = Some(screen);
                self.wake(event_loop);
            }
            Err(e) => {
                self.error = Some(e);
                event_loop.exit();
            }
        }
    }

    fn user_event(&mut self, event_loop: &ActiveEventLoop, event: UserEvent) {
        let UserEvent::Decoded(d) = event else {
            // News from the live player: the wake-up below applies it.
            self.wake(event_loop);
            return;
        };
        if let Some(screen) = self.screen.as_mut() {
            if let Err(why) = &d.result {
                eprintln!(
                    "beffroi-player: {} is shown as a placeholder: {why}",
                    d.source
                );
            }
            screen.decoders.done(&d.source);
            screen
                .renderer
                .set_image(&screen.gpu, d.source, d.size, d.result);
            // The image may be on screen now: draw again.
            screen.pacer.invalidate();
        }
        self.wake(event_loop);
    }

    fn window_event(&mut self, event_loop: &ActiveEventLoop, _: WindowId, event: WindowEvent) {
        match event {
            WindowEvent::CloseRequested => event_loop.exit(),
            WindowEvent::Resized(size) => {
                if let Some(screen) = self.screen.as_mut() {
                    screen.config.width = size.width.max(1);
                    screen.config.height = size.height.max(1);
                    screen.surface.configure(&screen.gpu.device, &screen.config);
                    screen.pacer.invalidate();
                }
                self.wake(event_loop);
            }
            WindowEvent::RedrawRequested => self.draw(),
            _ => {}
        }
    }

    fn new_events(&mut self, event_loop: &ActiveEventLoop, cause: winit::event::StartCause) {
        if let Some(limit) = self.options.exit_after
            && self.started.elapsed() >= limit
        {
            event_loop.exit();
            return;
        }
        if matches!(cause, winit::event::StartCause::ResumeTimeReached { .. }) {
            self.wake(event_loop);
        }
    }
}
