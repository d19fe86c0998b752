//! Log lines kept in memory: what a [`JsonLines`](super::JsonLines) layer wrote, read back
//! as JSON, so a test can assert on what was logged and in which span. Test code only:
//! behind the `test-util` feature.

use std::io::Write;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tracing_subscriber::fmt::MakeWriter;

/// A writer that keeps every byte; clones share one buffer.
#[derive(Clone, Default)]
pub struct CapturedLines(Arc<Mutex<Vec<u8>>>);

impl CapturedLines {
    /// Every line written so far, parsed as JSON.
    ///
    /// # Panics
    /// When a line is not one JSON object, which is the failure a test wants to see.
    pub fn json(&self) -> Vec<Value> {
        let bytes = self.0.lock().unwrap_or_else(|p| p.into_inner()).clone();
        String::from_utf8(bytes)
            .expect("log lines are UTF-8")
            .lines()
            .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
            .collect()
    }
}

impl Write for CapturedLines {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for CapturedLines {
    type Writer = CapturedLines;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}
