//! A plugin's WASI stdout and stderr. Whatever a plugin prints (a Rust panic, Python's `print` or traceback, a
//! stray `console.log` that the SDK did not route) is:
//!
//! - kept, its last [`TAIL`] bytes, for the message of a crash ("its output ended with");
//! - shown at `-v` in the host's log, line by line, tagged with the plugin and the stream, through the run's plugin
//!   log ([`crate::capabilities::log::LogSink`]: its cap per message and per run, and its escaping), and at most
//!   [`SHOWN_PER_CALL`] bytes per plugin call, past which one note says the rest is not shown.
//!
//! Writes never fail: a plugin printing without end costs a bounded tail and, at `-v`, a bounded log, and is
//! stopped by its CPU limit like any other loop, not by a write error it may not expect.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

use crate::capabilities::RunContext;

/// Output kept for error messages, from its end (a panic's message is its last line).
pub const TAIL: usize = 64 << 10;
/// Output shown in the log per plugin call, at `-v`.
pub const SHOWN_PER_CALL: usize = 64 << 10;
/// The longest line shown whole; a longer one is shown cut (the log caps it further).
const LINE_MAX: usize = 4096;

/// The two streams of one plugin instance, sharing one tail.
#[derive(Clone)]
pub struct PluginOutput {
    shared: Arc<Mutex<Shared>>,
}

struct Shared {
    ctx: Arc<RunContext>,
    tail: VecDeque<u8>,
    /// Bytes shown in the log during the current call.
    shown: usize,
    /// Whether the current call's "not shown" note was given.
    noted: bool,
    /// A line not yet ended, per stream (stdout, stderr).
    partial: [Vec<u8>; 2],
}

impl PluginOutput {
    pub fn new(ctx: Arc<RunContext>) -> Self {
        Self {
            shared: Arc::new(Mutex::new(Shared {
                ctx,
                tail: VecDeque::new(),
                shown: 0,
                noted: false,
                partial: [Vec::new(), Vec::new()],
            })),
        }
    }

    /// The stream to give WASI as stdout (`0`) or stderr (`1`).
    pub fn stream(&self, index: usize) -> Stream {
        Stream { shared: self.shared.clone(), index: index.min(1) }
    }

    /// The kept tail of the output, as text.
    pub fn tail(&self) -> String {
        let shared = self.lock();
        let (a, b) = shared.tail.as_slices();
        let mut bytes = Vec::with_capacity(a.len() + b.len());
        bytes.extend_from_slice(a);
        bytes.extend_from_slice(b);
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// Ends a plugin call: shows the lines it left unended and opens the next call's allowance.
    pub fn end_call(&self) {
        let mut shared = self.lock();
        for index in 0..2 {
            let rest = std::mem::take(&mut shared.partial[index]);
            if !rest.is_empty() {
                shared.show(index, &rest);
            }
        }
        shared.shown = 0;
        shared.noted = false;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Shared {
    fn write(&mut self, index: usize, bytes: &[u8]) {
        // The tail: only the last TAIL bytes of a large write are worth copying.
        let kept = &bytes[bytes.len().saturating_sub(TAIL)..];
        let over = (self.tail.len() + kept.len()).saturating_sub(TAIL);
        self.tail.drain(..over.min(self.tail.len()));
        self.tail.extend(kept);
        if !tracing::enabled!(tracing::Level::DEBUG) || self.noted {
            return;
        }
        let mut rest = bytes;
        while let Some(end) = rest.iter().position(|&b| b == b'\n') {
            let mut line = std::mem::take(&mut self.partial[index]);
            line.extend_from_slice(&rest[..end]);
            self.show(index, &line);
            rest = &rest[end + 1..];
            if self.noted {
                return;
            }
        }
        let partial = &mut self.partial[index];
        let room = LINE_MAX.saturating_sub(partial.len());
        partial.extend_from_slice(&rest[..rest.len().min(room)]);
        if partial.len() >= LINE_MAX {
            let line = std::mem::take(partial);
            self.show(index, &line);
        }
    }

    fn show(&mut self, index: usize, line: &[u8]) {
        if self.noted {
            return;
        }
        let line = &line[..line.len().min(LINE_MAX)];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        self.shown += line.len() + 1;
        let stream = if index == 0 { "stdout" } else { "stderr" };
        if self.shown > SHOWN_PER_CALL {
            self.noted = true;
            self.ctx.log.output(
                &self.ctx.plugin.label,
                stream,
                &format!("(more output in this call not shown: over {} KiB)", SHOWN_PER_CALL >> 10),
            );
            return;
        }
        self.ctx.log.output(&self.ctx.plugin.label, stream, &String::from_utf8_lossy(line));
    }
}

/// One of a plugin's output streams.
#[derive(Clone)]
pub struct Stream {
    shared: Arc<Mutex<Shared>>,
    index: usize,
}

impl IsTerminal for Stream {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for Stream {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

impl OutputStream for Stream {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.shared.lock().unwrap_or_else(|p| p.into_inner()).write(self.index, &bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        // Always room: what is not kept or shown is dropped, never refused.
        Ok(1 << 20)
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for Stream {
    async fn ready(&mut self) {}
}

impl tokio::io::AsyncWrite for Stream {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        self.shared.lock().unwrap_or_else(|p| p.into_inner()).write(self.index, buf);
        std::task::Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}
