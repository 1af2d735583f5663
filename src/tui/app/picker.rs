//! A searchable list fed page by page from the API: search as you type (debounced), load more
//! when the selection nears the end. Only the current page window is ever drawn.

use std::time::Duration;

use tui_input::Input;

use crate::model::sanitize::clean;
use crate::model::wire::{DeviceInfo, FleetInfo, ProjectInfo, UserInfo};

use super::super::keymap::Action;
use super::super::msg::{
    Answer, ApiResult, Effect, Owner, PickItem, PickKind, PickPage, PickQuery, ReqId, Request,
};
use super::super::text_fit::count;
use super::ctx::Ctx;

pub const DEBOUNCE: Duration = Duration::from_millis(250);
/// Ask for the next page when the selection is this close to the end.
const LOAD_AHEAD: usize = 10;

#[derive(Debug)]
pub struct Picker {
    pub kind: PickKind,
    pub project: Option<String>,
    pub search: Input,
    pub items: Vec<PickItem>,
    pub selected: usize,
    pub offset: usize,
    /// The page request in flight.
    pub loading: Option<ReqId>,
    /// The debounce timer waiting to search.
    pub debounce: Option<ReqId>,
    pub next: Option<String>,
    pub error: Option<String>,
    /// The items belong to an older search; the next page 1 replaces them.
    stale: bool,
}

impl Picker {
    pub fn new(kind: PickKind, project: Option<String>) -> Picker {
        Picker {
            kind,
            project,
            search: Input::default(),
            items: Vec::new(),
            selected: 0,
            offset: 0,
            loading: None,
            debounce: None,
            next: None,
            error: None,
            stale: true,
        }
    }

    pub fn title(&self) -> String {
        match self.kind {
            PickKind::User => "Choose a user".into(),
            PickKind::Entity(k) => match &self.project {
                Some(p) if k != crate::model::EntityKind::Project => {
                    format!("Choose a {} in {}", k.as_str(), p)
                }
                _ => format!("Choose a {}", k.as_str()),
            },
        }
    }

    /// The query for the first page (a new search) or the next page.
    pub fn query(&self, more: bool) -> PickQuery {
        PickQuery {
            kind: self.kind,
            project: self.project.clone(),
            search: self.search.value().trim().to_owned(),
            cursor: if more { self.next.clone() } else { None },
        }
    }

    /// Starts a fresh search with request `id`.
    pub fn start(&mut self, id: ReqId) {
        self.loading = Some(id);
        self.next = None;
        self.error = None;
        self.stale = true;
    }

    /// Asks for the next page with request `id`.
    pub fn more(&mut self, id: ReqId) {
        self.loading = Some(id);
        self.error = None;
    }

    /// Asks for page 1 of the current search.
    pub fn search_now(&mut self, cx: &mut Ctx) {
        let id = cx.call(Owner::Picker, Request::Pick(self.query(false)));
        self.start(id);
    }

    /// A reply to one of the picker's calls.
    pub fn on_reply(&mut self, id: ReqId, answer: Answer) {
        if let Answer::Picked(page) = answer {
            self.receive(id, page);
        }
    }

    /// A page arrived; true when it was the one we wait for.
    pub fn receive(&mut self, id: ReqId, page: ApiResult<PickPage>) -> bool {
        if self.loading != Some(id) {
            return false;
        }
        self.loading = None;
        match page {
            Ok(page) => {
                if self.stale {
                    self.items.clear();
                    self.selected = 0;
                    self.offset = 0;
                }
                let search = self.search.value().trim().to_lowercase();
                self.items.extend(
                    page.items
                        .into_iter()
                        .map(|i| PickItem {
                            id: clean(&i.id),
                            label: clean(&i.label),
                            name: clean(&i.name),
                        })
                        // Servers that ignore the search still get filtered here.
                        .filter(|i| {
                            search.is_empty()
                                || i.label.to_lowercase().contains(&search)
                                || i.id.to_lowercase().contains(&search)
                        }),
                );
                self.next = page.next;
                self.stale = false;
            }
            Err(e) => self.error = Some(e.shown()),
        }
        true
    }

    pub fn wants_more(&self) -> bool {
        self.loading.is_none()
            && self.debounce.is_none()
            && self.next.is_some()
            && self.selected + LOAD_AHEAD >= self.items.len()
    }

    pub fn move_by(&mut self, delta: isize) {
        if self.items.is_empty() {
            return;
        }
        let pos = self.selected as isize + delta;
        self.selected = pos.clamp(0, self.items.len() as isize - 1) as usize;
    }

    pub fn chosen(&self) -> Option<&PickItem> {
        self.items.get(self.selected)
    }

    /// Moves the selection; near the end of what is loaded, asks for the next page.
    pub fn scroll(&mut self, delta: isize, cx: &mut Ctx) {
        self.move_by(delta);
        if self.wants_more() {
            let id = cx.call(Owner::Picker, Request::Pick(self.query(true)));
            self.more(id);
        }
    }

    /// The search text changed: cancel the page in flight and search after a pause.
    pub fn search_changed(&mut self, cx: &mut Ctx) {
        if let Some(old) = self.loading.take() {
            cx.emit(Effect::Cancel(old));
        }
        let id = cx.next_id();
        self.debounce = Some(id);
        cx.emit(Effect::Debounce(id, DEBOUNCE));
    }

    /// A debounce timer fired: when it is the latest one, search now.
    pub fn debounce_due(&mut self, id: ReqId, cx: &mut Ctx) {
        if self.debounce != Some(id) {
            return;
        }
        self.debounce = None;
        self.search_now(cx);
    }

    /// Keys of the open picker.
    pub fn on_action(&mut self, a: Action, cx: &mut Ctx) -> PickerOutcome {
        match a {
            Action::Up => self.scroll(-1, cx),
            Action::Down => self.scroll(1, cx),
            Action::PageUp => self.scroll(-10, cx),
            Action::PageDown => self.scroll(10, cx),
            Action::Top => self.scroll(isize::MIN / 2, cx),
            Action::Bottom => self.scroll(isize::MAX / 2, cx),
            Action::Back => {
                self.cancel(cx);
                return PickerOutcome::Closed;
            }
            Action::Confirm => {
                if let Some(item) = self.chosen().cloned() {
                    self.cancel(cx);
                    return PickerOutcome::Chosen(item);
                }
            }
            _ => {}
        }
        PickerOutcome::Open
    }

    fn cancel(&mut self, cx: &mut Ctx) {
        if let Some(id) = self.loading {
            cx.emit(Effect::Cancel(id));
        }
    }
}

/// What became of the picker after a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PickerOutcome {
    Open,
    Closed,
    Chosen(PickItem),
}

// What each kind of entry shows in the list (the runtime only fetches the pages). Devices and
// fleets go by their names; a device's id is shown short beside its name, as the issue asks
// ("kiosk-12 (d-03c2…)"), since two devices may share a name.

/// Characters of an id kept before the ellipsis.
const SHORT_ID: usize = 6;

/// "d-03c2…": an id cut to its first characters (whole when short).
pub fn short_id(id: &str) -> String {
    if id.chars().count() <= SHORT_ID + 1 {
        return id.to_owned();
    }
    let head: String = id.chars().take(SHORT_ID).collect();
    format!("{head}…")
}

/// "kiosk-12 (d-03c2…)"; the id alone when the name is empty or is the id.
pub fn name_with_id(name: &str, id: &str) -> String {
    let name = name.trim();
    if name.is_empty() || name == id {
        id.to_owned()
    } else {
        format!("{name} ({})", short_id(id))
    }
}

impl From<UserInfo> for PickItem {
    fn from(u: UserInfo) -> PickItem {
        PickItem {
            label: match &u.email {
                Some(e) => format!("{} <{e}>", u.username),
                None => u.username.clone(),
            },
            name: u.username.clone(),
            id: u.username,
        }
    }
}

impl From<ProjectInfo> for PickItem {
    fn from(p: ProjectInfo) -> PickItem {
        PickItem {
            label: if p.display_name.is_empty() {
                p.project_key.clone()
            } else {
                format!("{} — {}", p.project_key, p.display_name)
            },
            name: p.project_key.clone(),
            id: p.project_key,
        }
    }
}

impl From<FleetInfo> for PickItem {
    fn from(f: FleetInfo) -> PickItem {
        PickItem {
            label: format!("{} ({})", f.name, count(f.device_count as usize, "device")),
            name: f.name.clone(),
            id: f.name,
        }
    }
}

impl From<DeviceInfo> for PickItem {
    fn from(d: DeviceInfo) -> PickItem {
        let name = name_with_id(&d.device_name, &d.device_uuid);
        PickItem {
            label: if d.group.is_empty() {
                name.clone()
            } else {
                format!("{name} · fleet {}", d.group)
            },
            name,
            id: d.device_uuid,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_go_by_name_with_a_short_id() {
        let d = DeviceInfo {
            device_uuid: "d-03c2-1f75".into(),
            device_name: "kiosk-12".into(),
            project: "demo".into(),
            group: "edge-eu".into(),
            description: String::new(),
            tags: Vec::new(),
            device_ip: None,
            agent_version: None,
        };
        let item = PickItem::from(d);
        assert_eq!(item.name, "kiosk-12 (d-03c2…)");
        assert_eq!(item.label, "kiosk-12 (d-03c2…) · fleet edge-eu");
        assert_eq!(item.id, "d-03c2-1f75");
        assert_eq!(name_with_id("", "d-03c2-1f75"), "d-03c2-1f75");
        assert_eq!(short_id("d-1"), "d-1");
    }
}
