//! What a state's handler may use besides its own state: the model's clock, the one source of
//! request ids, the effects it asks for and the status line.

use chrono::{DateTime, Duration as Span, Utc};

use crate::model::sanitize::clean;

use super::super::msg::{Effect, Owner, ReqId, Request};

/// How long a status message stays.
pub const MESSAGE_SECS: i64 = 5;

/// A line in the status bar until `until`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub text: String,
    pub error: bool,
    pub until: DateTime<Utc>,
}

impl Status {
    /// A message shown from `now` for [`MESSAGE_SECS`]; the text is sanitised here.
    pub fn new(text: impl Into<String>, error: bool, now: DateTime<Utc>) -> Status {
        Status {
            text: clean(&text.into()),
            error,
            until: now + Span::seconds(MESSAGE_SECS),
        }
    }
}

/// Hands out request ids: each call and each debounce timer gets a fresh one, so a late result
/// is recognised as stale.
#[derive(Debug, Default)]
pub struct IdGen(u64);

impl IdGen {
    pub fn next_id(&mut self) -> ReqId {
        self.0 += 1;
        ReqId(self.0)
    }
}

/// Borrowed from the model for one handler call.
pub struct Ctx<'a> {
    pub now: DateTime<Utc>,
    ids: &'a mut IdGen,
    fx: &'a mut Vec<Effect>,
    status: &'a mut Option<Status>,
}

impl<'a> Ctx<'a> {
    pub fn new(
        now: DateTime<Utc>,
        ids: &'a mut IdGen,
        fx: &'a mut Vec<Effect>,
        status: &'a mut Option<Status>,
    ) -> Ctx<'a> {
        Ctx {
            now,
            ids,
            fx,
            status,
        }
    }

    pub fn next_id(&mut self) -> ReqId {
        self.ids.next_id()
    }

    /// Asks the runtime to run `request` for `owner`; the reply carries both and the id
    /// returned here.
    pub fn call(&mut self, owner: Owner, request: Request) -> ReqId {
        let id = self.next_id();
        self.fx.push(Effect::Call { owner, id, request });
        id
    }

    /// Asks the runtime for `effect`.
    pub fn emit(&mut self, effect: Effect) {
        self.fx.push(effect);
    }

    /// Puts a message in the status bar.
    pub fn say(&mut self, text: impl Into<String>, error: bool) {
        *self.status = Some(Status::new(text, error, self.now));
    }
}
