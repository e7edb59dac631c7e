//! Image decoding on worker threads: the render thread only uploads finished pixels.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::thread;

use image::RgbaImage;

use crate::scene::ImageSource;

/// One image to decode (or icon to rasterise).
#[derive(Debug)]
struct Job {
    source: ImageSource,
    /// The bundle or cache folder holding the assets.
    dir: PathBuf,
    max_w: u32,
    max_h: u32,
}

/// A decoded image (or why it could not be), for the render thread.
#[derive(Debug)]
pub struct Decoded {
    pub(crate) source: ImageSource,
    /// The box it was decoded for.
    pub(crate) size: (u32, u32),
    pub(crate) result: Result<RgbaImage, String>,
}

/// A small pool of decoding threads; results are handed to `deliver`.
#[derive(Debug)]
pub(crate) struct Decoders {
    jobs: Sender<Job>,
    pending: HashSet<ImageSource>,
}

impl Decoders {
    /// Starts `threads` workers that call `deliver` with each result.
    pub(crate) fn start(threads: usize, deliver: impl Fn(Decoded) + Send + Sync + 'static) -> Self {
        let (jobs, rx) = channel::<Job>();
        let rx: Arc<Mutex<Receiver<Job>>> = Arc::new(Mutex::new(rx));
        let deliver = Arc::new(deliver);
        for i in 0..threads.max(1) {
            let rx = Arc::clone(&rx);
            let deliver = Arc::clone(&deliver);
            let spawned = thread::Builder::new()
                .name(format!("decoder-{i}"))
                .spawn(move || {
                    loop {
                        // The lock is held only while waiting for the next job.
                        let job = match rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => return,
                        };
                        let Ok(job) = job else { return };
                        let result =
                            crate::images::load(&job.dir, &job.source, job.max_w, job.max_h);
                        deliver(Decoded {
                            source: job.source,
                            size: (job.max_w, job.max_h),
                            result,
                        });
                    }
                });
            if let Err(e) = spawned {
                eprintln!("beffroi-player: cannot start a decoding thread: {e}");
            }
        }
        Self {
            jobs,
            pending: HashSet::new(),
        }
    }

    /// Asks for `source` (an asset of the folder `dir`, or an icon) unless it is already
    /// being decoded.
    pub(crate) fn request(&mut self, source: ImageSource, dir: PathBuf, max_w: u32, max_h: u32) {
        if self.pending.insert(source.clone()) {
            let _ = self.jobs.send(Job {
                source,
                dir,
                max_w,
                max_h,
            });
        }
    }

    /// Marks `source` as delivered.
    pub(crate) fn done(&mut self, source: &ImageSource) {
        self.pending.remove(source);
    }
}
