use super::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use futures_util::StreamExt;
use std::sync::Mutex;
use std::sync::atomic::AtomicUsize;
use std::sync::mpsc as std_mpsc;
use std::time::Instant;

fn key(c: char) -> Event {
    Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

/// Events parsed and not read yet: crossterm's queue.
type Queue = Arc<Mutex<VecDeque<Event>>>;

/// A terminal the test types into: bursts arrive whole (as one `read` of the tty would give
/// them); every wait's timeout is recorded, and the polls a nudge ended are counted. A nudge is
/// an empty burst. A `patient` script waits without a timeout, so only a burst or a nudge ends
/// its wait.
struct Script {
    bursts: std_mpsc::Receiver<Vec<Event>>,
    nudger: std_mpsc::Sender<Vec<Event>>,
    parsed: Queue,
    timeouts: Arc<Mutex<Vec<Duration>>>,
    nudged: Arc<AtomicUsize>,
    patient: bool,
}

impl Source for Script {
    fn poll(&mut self, timeout: Duration) -> io::Result<bool> {
        if !self.parsed.lock().expect("lock").is_empty() {
            return Ok(true);
        }
        // Recorded once the queue was seen empty: what comes after this wakes the wait or is
        // left for the next poll.
        self.timeouts.lock().expect("lock").push(timeout);
        let got = if timeout.is_zero() {
            self.bursts.try_recv().ok()
        } else if self.patient {
            self.bursts.recv().ok()
        } else {
            self.bursts.recv_timeout(timeout).ok()
        };
        let mut parsed = self.parsed.lock().expect("lock");
        match got {
            Some(b) if b.is_empty() => {
                self.nudged.fetch_add(1, Ordering::SeqCst);
            }
            Some(b) => parsed.extend(b),
            None => {}
        }
        Ok(!parsed.is_empty())
    }
    fn read(&mut self) -> io::Result<Event> {
        self.parsed
            .lock()
            .expect("lock")
            .pop_front()
            .ok_or_else(|| io::Error::other("read without an event"))
    }
    fn nudge(&self) -> Nudge {
        let tx = Mutex::new(self.nudger.clone());
        Nudge::new(move || {
            let _ = tx.lock().expect("lock").send(Vec::new());
        })
    }
}

/// For sources nothing can wake.
fn no_nudge() -> Nudge {
    Nudge::new(|| {})
}

/// Every timeout the thread polled with.
type Waits = Arc<Mutex<Vec<Duration>>>;

struct Scripted {
    tx: std_mpsc::Sender<Vec<Event>>,
    parsed: Queue,
    timeouts: Waits,
    nudged: Arc<AtomicUsize>,
    input: TermInput,
}

fn scripted(patient: bool) -> Scripted {
    let (tx, rx) = std_mpsc::channel();
    let timeouts = Arc::new(Mutex::new(Vec::new()));
    let nudged = Arc::new(AtomicUsize::new(0));
    let parsed = Queue::default();
    let source = Script {
        bursts: rx,
        nudger: tx.clone(),
        parsed: parsed.clone(),
        timeouts: timeouts.clone(),
        nudged: nudged.clone(),
        patient,
    };
    let input = TermInput::with_source(source).expect("thread");
    Scripted {
        tx,
        parsed,
        timeouts,
        nudged,
        input,
    }
}

/// Waits (boundedly) until the thread has polled `n` times.
fn polled(timeouts: &Waits, n: usize) {
    let start = Instant::now();
    while timeouts.lock().expect("lock").len() < n {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the thread polls"
        );
        std::thread::yield_now();
    }
}

#[tokio::test]
async fn a_burst_reaches_the_loop_as_one_batch_and_silence_after_it_loses_nothing() {
    let Scripted {
        tx,
        timeouts,
        mut input,
        ..
    } = scripted(false);
    let paste: Vec<Event> = "a fifty character paste typed as keys, every one."
        .chars()
        .map(key)
        .collect();
    tx.send(paste.clone()).expect("send");
    let first = tokio::time::timeout(Duration::from_secs(20), input.next())
        .await
        .expect("the burst is delivered though nothing follows it")
        .expect("open")
        .expect("no error");
    assert_eq!(first, paste[0]);
    // The rest came in the same message: ready without another wake-up.
    assert_eq!(input.ready.len(), paste.len() - 1);
    let mut rest = Vec::new();
    while let Some(ev) = input.ready.front().cloned() {
        rest.push(ev);
        input.next().await;
    }
    assert_eq!(rest, paste[1..]);

    // A second burst after the thread went back to waiting is delivered too (nothing froze).
    polled(&timeouts, 2);
    tx.send(vec![key('x')]).expect("send");
    let late = tokio::time::timeout(Duration::from_secs(20), input.next())
        .await
        .expect("the late key is delivered");
    assert_eq!(late.expect("open").expect("ok"), key('x'));

    // Every wait was bounded (the safety net behind the wake-ups).
    let waits = timeouts.lock().expect("lock").clone();
    assert!(waits.iter().all(|t| *t <= IDLE_CHECK), "{waits:?}");
    input.stop();
}

#[test]
fn stopping_wakes_the_waiting_thread() {
    // Patient: the wait has no timeout, so only the stop's nudge can end the thread.
    let Scripted {
        timeouts,
        nudged,
        input,
        ..
    } = scripted(true);
    polled(&timeouts, 1);
    input.stop();
    assert_eq!(
        nudged.load(Ordering::SeqCst),
        1,
        "the stop's nudge ended the wait"
    );
}

#[tokio::test]
async fn a_nudge_delivers_events_that_came_without_waking_the_thread() {
    // The keys a cursor read takes off the tty land in crossterm's queue, and the tty has
    // nothing left to wake the thread: the loop nudges it after the read. Patient, so nothing
    // but the nudge ends the wait.
    let Scripted {
        parsed,
        timeouts,
        nudged,
        mut input,
        ..
    } = scripted(true);
    polled(&timeouts, 1);
    parsed.lock().expect("lock").push_back(key('k'));
    input.nudge().nudge();
    let got = tokio::time::timeout(Duration::from_secs(20), input.next())
        .await
        .expect("the nudge has the key delivered");
    assert_eq!(got.expect("open").expect("ok"), key('k'));
    assert_eq!(nudged.load(Ordering::SeqCst), 1);
    input.stop();
}

#[test]
fn a_thread_stuck_in_the_source_does_not_keep_the_tab_from_quitting() {
    // crossterm on a closed terminal: `poll` never returns (it loops on `read() == 0`).
    struct Stuck;
    impl Source for Stuck {
        fn poll(&mut self, _: Duration) -> io::Result<bool> {
            loop {
                std::thread::park();
            }
        }
        fn read(&mut self) -> io::Result<Event> {
            unreachable!("poll never returns")
        }
        fn nudge(&self) -> Nudge {
            no_nudge()
        }
    }
    let input = TermInput::with_source(Stuck).expect("thread");
    let start = Instant::now();
    input.stop();
    let took = start.elapsed();
    assert!(took < STOP_WAIT + Duration::from_secs(2), "{took:?}");
}

#[tokio::test]
async fn a_read_error_ends_the_stream_after_the_events_before_it() {
    struct Failing(u8);
    impl Source for Failing {
        fn poll(&mut self, _: Duration) -> io::Result<bool> {
            Ok(true)
        }
        fn read(&mut self) -> io::Result<Event> {
            self.0 += 1;
            match self.0 {
                1 => Ok(key('a')),
                _ => Err(io::Error::other("tty gone")),
            }
        }
        fn nudge(&self) -> Nudge {
            no_nudge()
        }
    }
    let mut input = TermInput::with_source(Failing(0)).expect("thread");
    let a = input.next().await.expect("open").expect("first event");
    assert_eq!(a, key('a'));
    assert!(input.next().await.expect("the error").is_err());
    assert!(input.next().await.is_none(), "then the end");
}
