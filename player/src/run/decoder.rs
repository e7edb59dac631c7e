//! Image decoding on worker threads: the render thread only uploads finished pixels.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::thread;

use image::RgbaImage;

use crate::scene::ImageSource;

/// One image to decode.
#[derive(Debug)]
struct Job {
    source: ImageSource,
    path: PathBuf,
    max_w: u32,
    max_h: u32,
}

/// A decoded image (or why it could not be), for the render thread.
#[derive(Debug)]
pub struct Decoded {
    pub(crate) source: ImageSource,
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
                        let result = std::fs::read(&job.path)
                            .map_err(|e| e.to_string())
                            .and_then(|bytes| {
                                crate::images::decode(&bytes, job.max_w, job.max_h)
                                    .map_err(|e| e.to_string())
                            });
                        deliver(Decoded {
                            source: job.source,
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

    /// Asks for `source` (read from `path`) unless it is already being decoded.
    pub(crate) fn request(&mut self, source: ImageSource, path: PathBuf, max_w: u32, max_h: u32) {
        if self.pending.insert(source.clone()) {
            let _ = self.jobs.send(Job {
                source,
                path,
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
