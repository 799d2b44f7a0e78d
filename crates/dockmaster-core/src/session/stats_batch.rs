//! The window's usage samples handed over together, every two seconds: one message (one wake-up of the
//! window's main loop, one script run in the page) however many containers are sampled, not one per sample.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::lock;
use crate::engine::stats::StatsUpdate;

/// How often the collected samples are handed over, so how often the window's usage numbers change: every
/// two seconds, as the host is sampled (`StatsConfig::host_interval`). Each hand-over costs the window a script
/// run, a style and layout pass and a repaint of the changed numbers; at one a second that was most of its
/// cost at rest (docs/BENCHMARKS.md, "Idle footprint").
pub(super) const BATCH_EVERY: Duration = Duration::from_secs(2);

/// Where a batch goes; `false` once the receiver is gone.
pub(super) type BatchSink = Box<dyn FnMut(Vec<StatsUpdate>) -> bool + Send>;

/// Collects a stats watcher's updates and hands them, in order, to the current sink once per period, until
/// the sink refuses a batch or this is dropped.
pub(super) struct Batcher {
    pending: Arc<Mutex<Vec<StatsUpdate>>>,
    sink: Arc<Mutex<BatchSink>>,
    closed: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl Batcher {
    /// Starts the hand-over task on the current Tokio runtime.
    pub(super) fn spawn(sink: BatchSink, every: Duration) -> Self {
        let pending: Arc<Mutex<Vec<StatsUpdate>>> = Arc::default();
        let sink = Arc::new(Mutex::new(sink));
        let closed = Arc::new(AtomicBool::new(false));
        let task =
            tokio::spawn(hand_over(Arc::clone(&pending), Arc::clone(&sink), Arc::clone(&closed), every));
        Self { pending, sink, closed, task }
    }

    /// The watcher's sink: keeps each update for the next batch; `false` once the receiver is gone.
    pub(super) fn collector(&self) -> impl FnMut(StatsUpdate) -> bool + Send + 'static {
        let pending = Arc::clone(&self.pending);
        let closed = Arc::clone(&self.closed);
        move |update| {
            if closed.load(Ordering::SeqCst) {
                return false;
            }
            lock(&pending).push(update);
            true
        }
    }

    /// The next batches go to `sink` (a new window channel).
    pub(super) fn replace_sink(&self, sink: BatchSink) {
        *lock(&self.sink) = sink;
    }

    /// False once the receiver refused a batch.
    pub(super) fn is_open(&self) -> bool {
        !self.closed.load(Ordering::SeqCst)
    }
}

impl Drop for Batcher {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn hand_over(
    pending: Arc<Mutex<Vec<StatsUpdate>>>,
    sink: Arc<Mutex<BatchSink>>,
    closed: Arc<AtomicBool>,
    every: Duration,
) {
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let batch = std::mem::take(&mut *lock(&pending));
        if batch.is_empty() {
            continue;
        }
        if !(lock(&sink))(batch) {
            closed.store(true, Ordering::SeqCst);
            return;
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use tokio::sync::mpsc;

    fn stopped(id: &str) -> StatsUpdate {
        StatsUpdate::Stopped { id: id.to_string(), service: "db".to_string() }
    }

    fn channel_sink(tx: mpsc::UnboundedSender<Vec<StatsUpdate>>) -> BatchSink {
        Box::new(move |batch| tx.send(batch).is_ok())
    }

    #[tokio::test(start_paused = true)]
    async fn updates_of_one_period_arrive_as_one_batch_in_order() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let batcher = Batcher::spawn(channel_sink(tx), BATCH_EVERY);
        let mut collect = batcher.collector();
        assert!(collect(stopped("a")));
        assert!(collect(stopped("b")));
        tokio::time::sleep(BATCH_EVERY + Duration::from_millis(10)).await;
        assert_eq!(rx.recv().await.unwrap(), vec![stopped("a"), stopped("b")]);
        assert!(collect(stopped("c")));
        tokio::time::sleep(BATCH_EVERY).await;
        assert_eq!(rx.recv().await.unwrap(), vec![stopped("c")]);
    }

    #[tokio::test(start_paused = true)]
    async fn an_empty_period_sends_nothing() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let batcher = Batcher::spawn(channel_sink(tx), BATCH_EVERY);
        tokio::time::sleep(BATCH_EVERY * 3).await;
        assert!(rx.try_recv().is_err(), "no message without samples");
        assert!(batcher.is_open());
    }

    #[tokio::test(start_paused = true)]
    async fn a_replaced_sink_gets_the_next_batch() {
        let (old_tx, mut old_rx) = mpsc::unbounded_channel();
        let (new_tx, mut new_rx) = mpsc::unbounded_channel();
        let batcher = Batcher::spawn(channel_sink(old_tx), BATCH_EVERY);
        let mut collect = batcher.collector();
        collect(stopped("a"));
        batcher.replace_sink(channel_sink(new_tx));
        tokio::time::sleep(BATCH_EVERY + Duration::from_millis(10)).await;
        assert_eq!(new_rx.recv().await.unwrap(), vec![stopped("a")]);
        assert!(old_rx.try_recv().is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn a_gone_receiver_closes_the_collector() {
        let (tx, rx) = mpsc::unbounded_channel();
        drop(rx);
        let batcher = Batcher::spawn(channel_sink(tx), BATCH_EVERY);
        let mut collect = batcher.collector();
        assert!(collect(stopped("a")));
        tokio::time::sleep(BATCH_EVERY + Duration::from_millis(10)).await;
        assert!(!batcher.is_open());
        assert!(!collect(stopped("b")), "the watcher is told to stop");
    }
}
