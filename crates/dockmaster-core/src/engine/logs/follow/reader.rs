//! One container's log stream, read until it ends: demultiplexed, split into lines and masked, lines
//! already read dropped by timestamp, sent to the hub in chunks.

use std::sync::Arc;

use bollard::container::LogOutput;
use bollard::errors::Error as BollardError;
use bollard::query_parameters::LogsOptions;
use bollard::Docker;
use futures_util::StreamExt;
use tokio::sync::mpsc;

use crate::engine::client::reason;
use crate::engine::logs::split::{SplitLine, Splitter};
use crate::engine::logs::LogStream;
use crate::engine::now_nano;
use crate::secrets::Masker;

/// Log items a reader takes from its stream at once.
const READ_CHUNK: usize = 256;

/// What a reader tells the hub.
pub(super) enum StreamMsg {
    Lines { id: String, lines: Vec<(LogStream, SplitLine)> },
    Ended { id: String, error: Option<String> },
}

/// Reads one container's log stream until it ends.
pub(super) struct Reader {
    pub(super) docker: Docker,
    pub(super) id: String,
    pub(super) options: LogsOptions,
    /// Drop lines at or before this time (already read, or before `since`).
    pub(super) keep_after: Option<i64>,
    pub(super) masker: Arc<Masker>,
    pub(super) max_line: usize,
    pub(super) tx: mpsc::Sender<StreamMsg>,
}

impl Reader {
    pub(super) async fn run(mut self) {
        let mut stream = self.docker.logs(&self.id, Some(self.options.clone())).ready_chunks(READ_CHUNK);
        let mut splitters =
            [Splitter::new(self.max_line), Splitter::new(self.max_line), Splitter::new(self.max_line)];
        let mut split = Vec::new();
        let mut error = None;
        while let Some(items) = stream.next().await {
            let now = now_nano();
            let mut lines = Vec::new();
            for item in items {
                let (kind, message, console) = match item {
                    Ok(LogOutput::StdOut { message }) => (LogStream::Stdout, message, false),
                    Ok(LogOutput::StdErr { message }) => (LogStream::Stderr, message, false),
                    Ok(LogOutput::Console { message }) => (LogStream::Console, message, true),
                    Ok(LogOutput::StdIn { .. }) => continue,
                    Err(e) => {
                        error = stream_error(&e);
                        break;
                    }
                };
                let splitter = &mut splitters[kind as usize];
                if console {
                    splitter.push_console(&message, true, now, &self.masker, &mut split);
                } else {
                    splitter.push_entry(&message, true, now, &self.masker, &mut split);
                }
                self.keep(kind, &mut split, &mut lines);
            }
            if !lines.is_empty()
                && self.tx.send(StreamMsg::Lines { id: self.id.clone(), lines }).await.is_err()
            {
                return;
            }
            if error.is_some() {
                break;
            }
        }
        let mut lines = Vec::new();
        for kind in [LogStream::Stdout, LogStream::Stderr, LogStream::Console] {
            splitters[kind as usize].finish(&self.masker, &mut split);
            self.keep(kind, &mut split, &mut lines);
        }
        if !lines.is_empty() {
            let _ = self.tx.send(StreamMsg::Lines { id: self.id.clone(), lines }).await;
        }
        let _ = self.tx.send(StreamMsg::Ended { id: self.id, error }).await;
    }

    /// Moves the new lines from `split` to `out`, dropping the ones already read.
    fn keep(&mut self, kind: LogStream, split: &mut Vec<SplitLine>, out: &mut Vec<(LogStream, SplitLine)>) {
        for line in split.drain(..) {
            match self.keep_after {
                Some(after) if line.ts_nano <= after => continue,
                // Past the mark: within one container time only moves forward, stop checking.
                Some(_) => self.keep_after = None,
                None => {}
            }
            out.push((kind, line));
        }
    }
}

/// The error worth reporting when a stream fails (`None` for a container that is simply gone).
fn stream_error(e: &BollardError) -> Option<String> {
    match e {
        BollardError::DockerResponseServerError { status_code: 404, .. } => None,
        _ => Some(reason(e)),
    }
}
