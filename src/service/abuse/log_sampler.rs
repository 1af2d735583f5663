//! Request lines for client errors (4xx) are sampled: at most `per_second` a second are
//! written, the rest counted and reported in one summary line ("suppressed N request lines")
//! when the next one is written and by the periodic sweep. A flood of refused requests then
//! costs a few lines a second instead of one line per request.

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(1);

struct Window {
    start: Instant,
    written: u32,
    suppressed: u64,
}

pub struct LogSampler {
    per_second: u32,
    window: Mutex<Window>,
}

/// Whether to write a line, and how many were suppressed before it.
#[derive(Debug, PartialEq, Eq)]
pub enum Sample {
    Write { suppressed_before: u64 },
    Suppress,
}

impl LogSampler {
    /// `per_second` 0 writes every line.
    pub fn new(per_second: u32) -> LogSampler {
        LogSampler {
            per_second,
            window: Mutex::new(Window {
                start: Instant::now(),
                written: 0,
                suppressed: 0,
            }),
        }
    }

    fn window(&self) -> MutexGuard<'_, Window> {
        self.window.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// One client-error line: written or suppressed.
    pub fn client_error(&self) -> Sample {
        if self.per_second == 0 {
            return Sample::Write {
                suppressed_before: 0,
            };
        }
        let mut w = self.window();
        let now = Instant::now();
        if now.duration_since(w.start) >= WINDOW {
            w.start = now;
            w.written = 0;
        }
        if w.written < self.per_second {
            w.written += 1;
            Sample::Write {
                suppressed_before: std::mem::take(&mut w.suppressed),
            }
        } else {
            w.suppressed += 1;
            Sample::Suppress
        }
    }

    /// Lines suppressed and not yet reported (the sweep reports them).
    pub fn take_suppressed(&self) -> u64 {
        std::mem::take(&mut self.window().suppressed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_most_n_lines_a_second_and_the_rest_counted() {
        let s = LogSampler::new(3);
        let written = (0..10)
            .filter(|_| matches!(s.client_error(), Sample::Write { .. }))
            .count();
        assert_eq!(written, 3);
        assert_eq!(s.take_suppressed(), 7);
        assert_eq!(s.take_suppressed(), 0);
        for _ in 0..5 {
            s.client_error();
        }
        // A new second: the first line written carries the count suppressed before it.
        s.window().start -= WINDOW;
        assert_eq!(
            s.client_error(),
            Sample::Write {
                suppressed_before: 5
            }
        );
    }
}
