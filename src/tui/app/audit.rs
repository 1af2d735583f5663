//! The audit view (`A`): the trail of the selected token, or everyone's (`Tab`), newest first,
//! scrollable and filterable (`/`). A server without the endpoint (a JFrog Platform) gets a
//! plain sentence instead of rows.

use tui_input::Input;

use crate::api::audit::{AuditQuery, NO_AUDIT_TRAIL, is_missing_endpoint};
use crate::model::wire::AuditEntry;

use super::super::keymap::Action;
use super::super::msg::{Answer, CallError, Effect, Owner, ReqId, Request};
use super::Load;
use super::ctx::Ctx;

/// Rows a page key moves.
const PAGE: usize = 10;

#[derive(Debug)]
pub struct AuditView {
    /// The token the view opened on: id and description.
    pub token: Option<(String, String)>,
    /// Everyone's rows rather than the token's.
    pub everyone: bool,
    pub load: Load<Vec<AuditEntry>>,
    pub filter: Input,
    /// `/` typed: keys go to the filter.
    pub filtering: bool,
    /// First row shown (of the filtered rows).
    pub scroll: usize,
}

impl AuditView {
    /// Opens on `token` (everyone's when None) and asks for its rows.
    pub fn open(token: Option<(String, String)>, cx: &mut Ctx) -> AuditView {
        let mut v = AuditView {
            everyone: token.is_none(),
            token,
            load: Load::Idle,
            filter: Input::default(),
            filtering: false,
            scroll: 0,
        };
        v.reload(cx);
        v
    }

    pub fn query(&self) -> AuditQuery {
        AuditQuery {
            token_id: match (&self.token, self.everyone) {
                (Some((id, _)), false) => Some(id.clone()),
                _ => None,
            },
            ..AuditQuery::default()
        }
    }

    fn reload(&mut self, cx: &mut Ctx) {
        if let Load::Loading(old) = self.load {
            cx.emit(Effect::Cancel(old));
        }
        self.load = Load::Loading(cx.call(Owner::Audit, Request::ListAudit(self.query())));
        self.scroll = 0;
    }

    /// The loaded rows the filter keeps (case-insensitive, over every column).
    pub fn visible(&self) -> Vec<&AuditEntry> {
        let Load::Loaded(rows) = &self.load else {
            return Vec::new();
        };
        let needle = self.filter.value().trim().to_lowercase();
        rows.iter()
            .filter(|e| needle.is_empty() || haystack(e).contains(&needle))
            .collect()
    }

    fn last_start(&self) -> usize {
        self.visible().len().saturating_sub(1)
    }

    /// Keys of the view; true when it closes (a load in flight is cancelled).
    pub fn on_action(&mut self, a: Action, cx: &mut Ctx) -> bool {
        if self.filtering {
            match a {
                Action::Back => {
                    self.filter = Input::default();
                    self.filtering = false;
                }
                Action::Confirm => self.filtering = false,
                _ => self.scroll_by(a),
            }
            self.scroll = self.scroll.min(self.last_start());
            return false;
        }
        match a {
            Action::Back => {
                if let Load::Loading(id) = self.load {
                    cx.emit(Effect::Cancel(id));
                }
                return true;
            }
            Action::NextField if self.token.is_some() => {
                self.everyone = !self.everyone;
                self.reload(cx);
            }
            Action::Refresh => self.reload(cx),
            Action::Filter => self.filtering = true,
            _ => self.scroll_by(a),
        }
        false
    }

    fn scroll_by(&mut self, a: Action) {
        let last = self.last_start();
        self.scroll = match a {
            Action::Up => self.scroll.saturating_sub(1),
            Action::Down => (self.scroll + 1).min(last),
            Action::PageUp => self.scroll.saturating_sub(PAGE),
            Action::PageDown => (self.scroll + PAGE).min(last),
            Action::Top => 0,
            Action::Bottom => last,
            _ => self.scroll,
        };
    }

    /// The rows asked for (a server without the endpoint gets the plain sentence).
    pub fn on_reply(&mut self, id: ReqId, answer: Answer) {
        let Answer::Audit(r) = answer else {
            return;
        };
        if !self.load.awaits(id) {
            return;
        }
        self.load = match r {
            Ok(rows) => Load::Loaded(rows),
            Err(CallError::Api(e)) if is_missing_endpoint(&e) => {
                Load::Failed(NO_AUDIT_TRAIL.to_owned())
            }
            Err(e) => Load::Failed(e.shown()),
        };
        self.scroll = 0;
    }

    /// The filter changed: start from the top.
    pub fn filter_changed(&mut self) {
        self.scroll = 0;
    }
}

fn haystack(e: &AuditEntry) -> String {
    [
        e.actor.as_str(),
        e.action.as_str(),
        e.token_id.as_deref().unwrap_or(""),
        e.description.as_deref().unwrap_or(""),
        e.device.as_deref().unwrap_or(""),
        e.source.as_deref().unwrap_or(""),
        e.result.as_str(),
    ]
    .join("\u{1f}")
    .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ApiError;
    use crate::tui::app::{App, AppConfig, Overlay};
    use crate::tui::msg::{ApiResult, Msg};

    fn listed(id: ReqId, r: ApiResult<Vec<AuditEntry>>) -> Msg {
        Msg::Reply {
            owner: Owner::Audit,
            id,
            answer: Answer::Audit(r),
        }
    }

    fn entry(id: i64, actor: &str, action: &str) -> AuditEntry {
        AuditEntry {
            id,
            time: 1_790_000_000 + id,
            actor: actor.into(),
            actor_token_id: "t0".into(),
            action: action.into(),
            token_id: Some("tok-1".into()),
            description: Some("ci deploy".into()),
            device: None,
            source: Some("127.0.0.1:5000".into()),
            result: "ok".into(),
            count: 1,
        }
    }

    fn open(app: &mut App) -> ReqId {
        let fx = app.update(Msg::Action(Action::Audit));
        match fx.as_slice() {
            [
                Effect::Call {
                    owner: Owner::Audit,
                    id,
                    request: Request::ListAudit(q),
                },
            ] => {
                assert_eq!(q.token_id, None, "no row selected: everyone's");
                *id
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn loads_filters_scrolls_and_closes() {
        let mut app = App::new(AppConfig::default(), chrono::Utc::now());
        let id = open(&mut app);
        let rows = vec![
            entry(3, "alice", "revoke"),
            entry(2, "admin", "create"),
            entry(1, "admin", "create"),
        ];
        app.update(listed(id, Ok(rows)));
        let Overlay::Audit(v) = &app.overlay else {
            panic!()
        };
        assert_eq!(v.visible().len(), 3);
        app.update(Msg::Action(Action::Down));
        app.update(Msg::Action(Action::Filter));
        assert_eq!(app.mode(), crate::tui::keymap::Mode::AuditFilter);
        app.update(Msg::Paste("ALICE".into()));
        let Overlay::Audit(v) = &app.overlay else {
            panic!()
        };
        assert_eq!(v.visible().len(), 1);
        assert_eq!(v.scroll, 0);
        app.update(Msg::Action(Action::Back));
        let Overlay::Audit(v) = &app.overlay else {
            panic!()
        };
        assert_eq!(v.visible().len(), 3, "Esc in the filter clears it");
        app.update(Msg::Action(Action::Back));
        assert!(matches!(app.overlay, Overlay::None));
    }

    #[test]
    fn a_server_without_the_endpoint_is_said_plainly_and_stale_results_ignored() {
        let mut app = App::new(AppConfig::default(), chrono::Utc::now());
        let id = open(&mut app);
        app.update(listed(ReqId(id.0 + 100), Ok(vec![entry(1, "x", "create")])));
        let Overlay::Audit(v) = &app.overlay else {
            panic!()
        };
        assert!(v.load.is_loading());
        let e = ApiError::NotFound {
            message: "no such endpoint".into(),
        };
        app.update(listed(id, Err(e.into())));
        let Overlay::Audit(v) = &app.overlay else {
            panic!()
        };
        assert_eq!(v.load, Load::Failed(NO_AUDIT_TRAIL.to_owned()));
    }
}
