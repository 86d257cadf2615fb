//! Group commit for a store whose writes are statements over a connection
//! pool (PostgreSQL): calls made while earlier ones are under way go to the
//! database together, as one statement, so they share its round trip, its
//! planning and its commit. A call made while nothing is under way goes at
//! once: grouping adds no wait.
//!
//! The groups are run by a task spawned on the runtime of the first call; if
//! that runtime goes away (a test's, a short-lived one), the next call starts
//! another on its own runtime.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, oneshot, Semaphore};

use crate::delivery::store::contract::StoreError;

/// Runs one group: one result per item, in the items' order.
pub(crate) type RunGroup<I, O> = Arc<
    dyn Fn(Vec<I>) -> Pin<Box<dyn Future<Output = Vec<Result<O, StoreError>>> + Send>>
        + Send
        + Sync,
>;

type Call<I, O> = (I, oneshot::Sender<Result<O, StoreError>>);

/// Calls of one kind (inserts, outcomes), run in groups.
pub(crate) struct Grouped<I, O> {
    queue: Mutex<Option<mpsc::UnboundedSender<Call<I, O>>>>,
    run: RunGroup<I, O>,
    /// The most items in one group.
    max_group: usize,
    /// The most groups under way at once (each holds a pooled connection).
    in_flight: usize,
}

impl<I: Send + 'static, O: Send + 'static> Grouped<I, O> {
    pub(crate) fn new(run: RunGroup<I, O>, max_group: usize, in_flight: usize) -> Self {
        Grouped {
            queue: Mutex::new(None),
            run,
            max_group: max_group.max(1),
            in_flight: in_flight.max(1),
        }
    }

    /// Runs `item` in the next group and returns its own result.
    pub(crate) async fn call(&self, item: I) -> Result<O, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.queue_call((item, reply));
        answer.await.unwrap_or_else(|_| {
            Err(StoreError::Unavailable(
                "the store's writer task stopped before answering".into(),
            ))
        })
    }

    fn queue_call(&self, call: Call<I, O>) {
        let mut queue = self
            .queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let call = match queue.as_ref() {
            Some(sender) => match sender.send(call) {
                Ok(()) => return,
                Err(mpsc::error::SendError(call)) => call,
            },
            None => call,
        };
        // No task yet, or its runtime is gone: start one here.
        let (sender, receiver) = mpsc::unbounded_channel();
        tokio::spawn(run_groups(
            receiver,
            Arc::clone(&self.run),
            self.max_group,
            self.in_flight,
        ));
        // The receiver is alive: it was just created.
        let _ = sender.send(call);
        *queue = Some(sender);
    }
}

/// Takes every call queued while a group slot was busy, runs them as one
/// group, answers each; up to `in_flight` groups at once.
async fn run_groups<I: Send + 'static, O: Send + 'static>(
    mut queue: mpsc::UnboundedReceiver<Call<I, O>>,
    run: RunGroup<I, O>,
    max_group: usize,
    in_flight: usize,
) {
    let slots = Arc::new(Semaphore::new(in_flight));
    while let Some(first) = queue.recv().await {
        let Ok(slot) = Arc::clone(&slots).acquire_owned().await else {
            return;
        };
        // What came in while waiting for the slot joins this group.
        let mut group = vec![first];
        while group.len() < max_group {
            match queue.try_recv() {
                Ok(call) => group.push(call),
                Err(_) => break,
            }
        }
        let run = Arc::clone(&run);
        tokio::spawn(async move {
            let (items, replies): (Vec<I>, Vec<_>) = group.into_iter().unzip();
            let results = run(items).await;
            // A reply whose caller gave up is dropped unread.
            for (reply, result) in replies.into_iter().zip(results) {
                let _ = reply.send(result);
            }
            drop(slot);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    /// A group runner that records each group's size, takes 20 ms, and
    /// answers each item with itself doubled (or an error for 13).
    fn recording(sizes: Arc<Mutex<Vec<usize>>>) -> RunGroup<u32, u32> {
        Arc::new(move |items: Vec<u32>| {
            let sizes = Arc::clone(&sizes);
            Box::pin(async move {
                sizes.lock().unwrap().push(items.len());
                tokio::time::sleep(Duration::from_millis(20)).await;
                items
                    .into_iter()
                    .map(|item| match item {
                        13 => Err(StoreError::Unavailable("thirteen".into())),
                        item => Ok(item * 2),
                    })
                    .collect()
            })
        })
    }

    #[tokio::test(flavor = "current_thread")]
    async fn calls_made_while_a_group_runs_share_the_next_and_each_gets_its_own_result() {
        let sizes = Arc::new(Mutex::new(Vec::new()));
        let grouped = Arc::new(Grouped::new(recording(Arc::clone(&sizes)), 64, 1));
        let calls: Vec<_> = (0..20u32)
            .map(|item| {
                let grouped = Arc::clone(&grouped);
                tokio::spawn(async move { grouped.call(item).await })
            })
            .collect();
        let mut results = Vec::new();
        for call in calls {
            results.push(call.await.unwrap());
        }
        for (item, result) in results.iter().enumerate() {
            match item {
                13 => assert!(result.is_err()),
                item => assert_eq!(result, &Ok(item as u32 * 2)),
            }
        }
        let sizes = sizes.lock().unwrap().clone();
        assert_eq!(sizes.iter().sum::<usize>(), 20);
        assert!(
            sizes.len() < 20,
            "20 concurrent calls ran one by one: {sizes:?}"
        );
    }

    #[test]
    fn a_call_after_its_runtime_ended_starts_a_task_on_the_new_one() {
        let sizes = Arc::new(Mutex::new(Vec::new()));
        let grouped = Grouped::new(recording(Arc::clone(&sizes)), 64, 2);
        let first = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        assert_eq!(first.block_on(grouped.call(1)), Ok(2));
        drop(first);
        let second = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        assert_eq!(second.block_on(grouped.call(2)), Ok(4));
        assert_eq!(*sizes.lock().unwrap(), vec![1, 1]);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn calls_made_one_after_another_each_run_alone() {
        let runs = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&runs);
        let run: RunGroup<u32, u32> = Arc::new(move |items: Vec<u32>| {
            counted.fetch_add(1, Ordering::Relaxed);
            Box::pin(async move { items.into_iter().map(Ok).collect() })
        });
        let grouped = Grouped::new(run, 64, 4);
        assert_eq!(grouped.call(7).await, Ok(7));
        assert_eq!(grouped.call(8).await, Ok(8));
        assert_eq!(runs.load(Ordering::Relaxed), 2);
    }
}
