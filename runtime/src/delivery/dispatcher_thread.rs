//! The thread deliveries run on, whatever the web server's workers do.

use std::sync::Mutex;
use std::time::Duration;

/// The dispatcher thread: a tokio runtime of its own, so deliveries go on whatever
/// the web server's workers do, and one HTTP client and one store connection pool
/// serve them all.
pub(super) struct Dispatcher {
    pub(super) handle: tokio::runtime::Handle,
    pub(super) stop: Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
    pub(super) thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl Dispatcher {
    pub(super) fn start() -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .thread_name("hookspec-callbacks")
            .build()?;
        let handle = runtime.handle().clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("hookspec-callbacks".into())
            .spawn(move || {
                runtime.block_on(async {
                    let _ = stopped.await;
                });
                // Dropping the runtime cancels the attempts still under way; their
                // leases run out and the deliveries stay in the store.
                runtime.shutdown_timeout(Duration::from_secs(1));
            })?;
        Ok(Dispatcher {
            handle,
            stop: Mutex::new(Some(stop)),
            thread: Mutex::new(Some(thread)),
        })
    }

    /// Runs `work` on the dispatcher's runtime and waits for it from any thread
    /// (while building: to open a store, and to count it).
    pub(super) fn block_on<T: Send + 'static>(
        &self,
        work: impl std::future::Future<Output = T> + Send + 'static,
    ) -> Option<T> {
        let (done, result) = std::sync::mpsc::channel();
        self.handle.spawn(async move {
            let _ = done.send(work.await);
        });
        result.recv().ok()
    }

    pub(super) fn stop(&self) {
        if let Some(stop) = self.stop.lock().ok().and_then(|mut stop| stop.take()) {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.lock().ok().and_then(|mut thread| thread.take()) {
            // Never join from the dispatcher thread itself.
            if thread.thread().id() != std::thread::current().id() {
                let _ = thread.join();
            }
        }
    }
}

impl Drop for Dispatcher {
    fn drop(&mut self) {
        self.stop();
    }
}
