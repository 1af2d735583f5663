use super::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use futures_util::StreamExt;
use std::sync::Mutex;
use std::sync::mpsc as std_mpsc;
use std::time::Instant;

fn key(c: char) -> Event {
    Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

/// A terminal the test types into: bursts arrive whole (as one `read` of the tty would give
/// them); every poll's timeout is recorded.
struct Script {
    bursts: std_mpsc::Receiver<Vec<Event>>,
    parsed: VecDeque<Event>,
    timeouts: Arc<Mutex<Vec<Duration>>>,
}

impl Source for Script {
    fn poll(&mut self, timeout: Duration) -> io::Result<bool> {
        self.timeouts.lock().expect("lock").push(timeout);
        if !self.parsed.is_empty() {
            return Ok(true);
        }
        let got = if timeout.is_zero() {
            self.bursts.try_recv().ok()
        } else {
            self.bursts.recv_timeout(timeout).ok()
        };
        match got {
            Some(b) => {
                self.parsed.extend(b);
                Ok(!self.parsed.is_empty())
            }
            None => Ok(false),
        }
    }
    fn read(&mut self) -> io::Result<Event> {
        self.parsed
            .pop_front()
            .ok_or_else(|| io::Error::other("read without an event"))
    }
}

/// Every timeout the thread polled with.
type Waits = Arc<Mutex<Vec<Duration>>>;

fn scripted() -> (std_mpsc::Sender<Vec<Event>>, Waits, TermInput) {
    let (tx, rx) = std_mpsc::channel();
    let timeouts = Arc::new(Mutex::new(Vec::new()));
    let source = Script {
        bursts: rx,
        parsed: VecDeque::new(),
        timeouts: timeouts.clone(),
    };
    let input = TermInput::with_source(source).expect("thread");
    (tx, timeouts, input)
}

#[tokio::test]
async fn a_burst_reaches_the_loop_as_one_batch_and_silence_after_it_loses_nothing() {
    let (tx, timeouts, mut input) = scripted();
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

    // A second burst after a silence longer than a poll is delivered too (nothing froze).
    let start = Instant::now();
    while timeouts.lock().expect("lock").len() < 4 {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the thread polls"
        );
        tokio::task::yield_now().await;
    }
    tx.send(vec![key('x')]).expect("send");
    let late = tokio::time::timeout(Duration::from_secs(20), input.next())
        .await
        .expect("the late key is delivered");
    assert_eq!(late.expect("open").expect("ok"), key('x'));

    // Every wait was bounded: the input lock is given back at least every POLL.
    let waits = timeouts.lock().expect("lock").clone();
    assert!(waits.iter().all(|t| *t <= POLL), "{waits:?}");
    input.stop();
}

#[test]
fn stopping_ends_the_thread_within_about_one_poll() {
    let (_tx, _timeouts, input) = scripted();
    let start = Instant::now();
    input.stop();
    let took = start.elapsed();
    assert!(took < POLL * 3 + Duration::from_secs(1), "{took:?}");
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
    }
    let input = TermInput::with_source(Stuck).expect("thread");
    let start = Instant::now();
    input.stop();
    let took = start.elapsed();
    assert!(took < POLL * 4 + Duration::from_secs(2), "{took:?}");
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
    }
    let mut input = TermInput::with_source(Failing(0)).expect("thread");
    let a = input.next().await.expect("open").expect("first event");
    assert_eq!(a, key('a'));
    assert!(input.next().await.expect("the error").is_err());
    assert!(input.next().await.is_none(), "then the end");
}
