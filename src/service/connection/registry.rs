//! The connection cap: a slot per open connection, and at the cap the eviction of the
//! connection that has waited longest with no request in progress.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use super::activity::{Activity, HEAD, IDLE};

/// How long the accept loop waits for an evicted connection to close before it picks another
/// (the first may have started a request in the meantime, and a busy one is never cut).
const EVICTION_WAIT: Duration = Duration::from_millis(100);
/// How often, meanwhile, it looks whether its victim has started a request (it is then kept,
/// and another is picked).
const VICTIM_CHECK_EVERY: Duration = Duration::from_millis(2);

/// The open connections of one listener.
pub struct Registry {
    slots: Arc<Semaphore>,
    max: u32,
    open: Mutex<HashMap<u64, Arc<Activity>>>,
    next_id: AtomicU64,
    epoch: Instant,
}

/// One open connection's place; dropping it frees the slot.
pub struct Registered {
    registry: Arc<Registry>,
    id: u64,
    activity: Arc<Activity>,
    _slot: OwnedSemaphorePermit,
}

impl Registered {
    pub fn activity(&self) -> &Arc<Activity> {
        &self.activity
    }

    /// The instant [`Activity::since_us`] counts from.
    pub fn epoch(&self) -> Instant {
        self.registry.epoch
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        self.registry.lock().remove(&self.id);
    }
}

impl Registry {
    pub fn new(max_connections: usize) -> Arc<Registry> {
        let max = max_connections.clamp(1, Semaphore::MAX_PERMITS.min(u32::MAX as usize));
        Arc::new(Registry {
            slots: Arc::new(Semaphore::new(max)),
            max: u32::try_from(max).unwrap_or(u32::MAX),
            open: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(0),
            epoch: Instant::now(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<u64, Arc<Activity>>> {
        match self.open.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// A slot for a new connection: at once when below the cap; otherwise after evicting the
    /// connection that has waited longest without a request in progress. When all are busy this
    /// waits for one of them to end.
    pub async fn admit(self: &Arc<Self>) -> Registered {
        let slot = loop {
            if let Ok(slot) = Arc::clone(&self.slots).try_acquire_owned() {
                break slot;
            }
            let victim = self.evict_stalest();
            if let Some(slot) = self.slot_freed_by(victim.as_deref()).await {
                break slot;
            }
        };
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let activity = Arc::new(Activity::new(self.micros_since_epoch(Instant::now())));
        self.lock().insert(id, Arc::clone(&activity));
        Registered {
            registry: Arc::clone(self),
            id,
            activity,
            _slot: slot,
        }
    }

    /// Waits for a free slot, up to [`EVICTION_WAIT`]; gives up early (None) when `victim`
    /// did something meanwhile (a request, an answer), which voids its eviction.
    async fn slot_freed_by(&self, victim: Option<&Activity>) -> Option<OwnedSemaphorePermit> {
        let give_up = Instant::now() + EVICTION_WAIT;
        let freed = Arc::clone(&self.slots).acquire_owned();
        tokio::pin!(freed);
        loop {
            tokio::select! {
                slot = &mut freed => return slot.ok(),
                () = tokio::time::sleep(VICTIM_CHECK_EVERY) => {}
            }
            if Instant::now() >= give_up || victim.is_some_and(|v| !v.eviction_pending()) {
                return None;
            }
        }
    }

    /// [`Activity::since_us`] of `at`.
    pub fn micros_since_epoch(&self, at: Instant) -> u64 {
        u64::try_from(at.saturating_duration_since(self.epoch).as_micros()).unwrap_or(u64::MAX)
    }

    /// Asks the open connection that has waited longest with no request in progress (nor an
    /// answer still going out, and not already leaving) to close; that connection, if there is one.
    pub fn evict_stalest(&self) -> Option<Arc<Activity>> {
        let open = self.lock();
        let victim = open
            .values()
            .filter(|a| matches!(a.state(), HEAD | IDLE) && !a.eviction_pending())
            .min_by_key(|a| a.since_us())?;
        victim.evict_if_unchanged(victim.load().1);
        Some(Arc::clone(victim))
    }

    /// At shutdown: every connection closes as soon as no request is in progress on it.
    pub fn close_all_when_idle(&self) {
        for a in self.lock().values() {
            a.close_when_idle();
        }
    }

    /// Waits until every connection has ended (all slots are back).
    pub async fn all_closed(&self) {
        let _ = self.slots.acquire_many(self.max).await;
    }
}
