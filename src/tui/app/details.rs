//! The details of one token: what the list has at once, and the token as the server has it
//! now, asked for on every open (its last use may be newer than the list). The service records
//! a token's first use at once and later uses at most once an hour
//! (`service::auth::LAST_USED_GRANULARITY`), so "Last used" says so.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::model::Token;
use crate::model::entity::EntityRef;
use crate::model::scope::ScopeItem;

use super::super::keymap::Action;
use super::super::msg::{Answer, Effect, Owner, ReqId, Request};
use super::Load;
use super::ctx::Ctx;
use super::tokens::{Row, Rows};

#[derive(Debug)]
pub struct Details {
    pub id: String,
    pub load: Load<Token>,
    /// The fresh copy asked for while the list's copy is shown.
    pub refresh: Option<ReqId>,
    pub scroll: usize,
    /// Device id -> name, for the scope's device lines (asked once per token shown).
    pub device_names: HashMap<String, String>,
    names_asked: bool,
}

impl Details {
    /// Opens on `token` and asks the server for it: when the list carried its scope the list's
    /// copy shows meanwhile and the answer replaces it (a newer last use, say).
    pub fn open(token: Token, cx: &mut Ctx) -> Details {
        let id = cx.call(Owner::Details, Request::GetToken(token.token_id.clone()));
        let (load, refresh) = if token.scope.is_some() {
            (Load::Loaded(token.clone()), Some(id))
        } else {
            (Load::Loading(id), None)
        };
        let mut d = Details {
            id: token.token_id,
            load,
            refresh,
            scroll: 0,
            device_names: HashMap::new(),
            names_asked: false,
        };
        d.ask_device_names(cx);
        d
    }

    /// Asks once for the names of the devices the loaded token's scope names by id.
    fn ask_device_names(&mut self, cx: &mut Ctx) {
        let Load::Loaded(t) = &self.load else {
            return;
        };
        if self.names_asked {
            return;
        }
        let devices: Vec<(String, String)> = t
            .parsed_scope()
            .map(|s| s.items().iter().filter_map(device_of).collect())
            .unwrap_or_default();
        self.names_asked = true;
        if !devices.is_empty() {
            cx.call(Owner::Details, Request::DeviceNames(devices));
        }
    }

    /// The token as the server has it now; the table's row is updated too.
    pub fn on_reply(
        &mut self,
        id: ReqId,
        answer: Answer,
        rows: &mut Rows,
        now: DateTime<Utc>,
        cx: &mut Ctx,
    ) {
        let r = match answer {
            Answer::Token(r) => r,
            Answer::DeviceNames(names) => {
                self.device_names.extend(names);
                return;
            }
            _ => return,
        };
        let refreshed = self.refresh == Some(id);
        if !self.load.awaits(id) && !refreshed {
            return;
        }
        self.refresh = None;
        match r {
            Ok(info) => {
                let token = info.into_token();
                rows.update_token(token.clone(), now);
                self.load = Load::Loaded(Row::new(token).token);
                self.ask_device_names(cx);
            }
            // The list's copy stays; the failure is not worth hiding it.
            Err(_) if refreshed => {}
            Err(e) => self.load = Load::Failed(e.shown()),
        }
    }

    /// Keys of the view; true when it closes (a load in flight is cancelled).
    pub fn on_action(&mut self, a: Action, cx: &mut Ctx) -> bool {
        match a {
            Action::Back | Action::Confirm => {
                if let Load::Loading(id) = self.load {
                    cx.emit(Effect::Cancel(id));
                }
                if let Some(id) = self.refresh.take() {
                    cx.emit(Effect::Cancel(id));
                }
                return true;
            }
            Action::Up => self.scroll = self.scroll.saturating_sub(1),
            Action::Down => self.scroll += 1,
            Action::Top => self.scroll = 0,
            _ => {}
        }
        false
    }
}

/// `(project, device id)` of a scope item naming one device.
fn device_of(item: &ScopeItem) -> Option<(String, String)> {
    match item {
        ScopeItem::Connect {
            target: EntityRef::Device { project, device },
            ..
        } => Some((project.clone(), device.clone())),
        _ => None,
    }
}
