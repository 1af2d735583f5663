//! The token table and its row menu: moving, filtering, sorting, marking, refreshing, and what a
//! row leads to (revoke, copy ID, details).

use super::super::keymap::Action;
use super::super::layout::{Col, TableGeometry};
use super::super::msg::Effect;
use super::confirm::{Confirm, RevokeState, Target};
use super::details::Details;
use super::form::Form;
use super::tokens::{Column, Row};
use super::{App, Load, Overlay};

/// The row menu (Enter on a row, like the web UI's ⋯).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MenuItem {
    Rotate,
    Revoke,
    CopyId,
    Details,
}

impl MenuItem {
    pub fn label(self) -> &'static str {
        match self {
            MenuItem::Rotate => "Rotate",
            MenuItem::Revoke => "Revoke",
            MenuItem::CopyId => "Copy token ID",
            MenuItem::Details => "Details",
        }
    }
}

/// The sort column a display column stands for (Status sorts by expiry).
pub fn sort_column(col: Col) -> Option<Column> {
    Some(match col {
        Col::Description => Column::Description,
        Col::Subject => Column::Subject,
        Col::TokenId => Column::TokenId,
        Col::Issued => Column::Issued,
        Col::Status | Col::Expiry => Column::Expiry,
        Col::LastUsed => Column::LastUsed,
        Col::Scope => Column::Scope,
    })
}

fn target_of(row: Row) -> Target {
    Target {
        id: row.token.token_id.clone(),
        description: row.token.description.clone(),
        admin: row.token.is_admin_scoped(),
        state: RevokeState::Pending,
    }
}

impl App {
    pub fn menu_items(&self) -> Vec<MenuItem> {
        let mut v = Vec::new();
        if !self.cfg.readonly {
            v.push(MenuItem::Revoke);
        }
        v.push(MenuItem::CopyId);
        v.push(MenuItem::Details);
        // Last, so the items before it keep their places.
        if !self.cfg.readonly {
            v.push(MenuItem::Rotate);
        }
        v
    }

    pub(super) fn table_action(&mut self, a: Action, fx: &mut Vec<Effect>) {
        let page = self.page_height() as isize;
        match a {
            Action::Up => self.rows.move_by(-1),
            Action::Down => self.rows.move_by(1),
            Action::Top => self.rows.select_pos(0),
            Action::Bottom => self.rows.select_pos(usize::MAX),
            Action::PageUp => self.rows.move_by(-page),
            Action::PageDown => self.rows.move_by(page),
            Action::Filter => self.filtering = true,
            Action::SortNext => {
                let (c, d) = (self.rows.sort.next(), self.rows.descending);
                self.rows.set_sort(c, d);
            }
            Action::SortReverse => {
                let (c, d) = (self.rows.sort, !self.rows.descending);
                self.rows.set_sort(c, d);
            }
            Action::New => {
                if self.cfg.readonly {
                    self.refuse_readonly("creating tokens");
                } else if self.form.is_none() {
                    self.form = Some(Form::new(self.me_name().map(str::to_owned)));
                }
            }
            Action::RowActions if self.rows.selected_row().is_some() => {
                self.overlay = Overlay::Menu(0);
            }
            Action::Revoke => self.open_revoke(),
            Action::Rotate => self.open_rotate(fx),
            Action::Export => self.open_export(),
            Action::MineExpiring => self.filter_mine_expiring(),
            Action::Mark => {
                if self.cfg.readonly {
                    self.refuse_readonly("revoking tokens");
                } else {
                    self.rows.toggle_mark();
                    self.rows.move_by(1);
                }
            }
            Action::Refresh => self.refresh(fx),
            Action::Help => self.overlay = Overlay::Help(0),
            Action::Back => self.table_back(fx),
            Action::CopyId => self.copy_id(fx),
            Action::Details => self.open_details(fx),
            Action::Audit => self.open_audit(fx),
            _ => {}
        }
    }

    /// Esc on the table: cancel a load, else a refresh, else clear the filter, else the marks.
    fn table_back(&mut self, fx: &mut Vec<Effect>) {
        if let Load::Loading(id) = self.list {
            fx.push(Effect::Cancel(id));
            // Pages already in stay usable; say that the list is partial.
            self.list = Load::Failed(match self.load_progress() {
                Some((n, _)) if n > 0 => format!("stopped after {n} tokens — press r to load all"),
                _ => "cancelled — press r to retry".into(),
            });
        } else if let Some(id) = self.refreshing.take() {
            fx.push(Effect::Cancel(id));
            self.say("refresh cancelled", false);
        } else if !self.rows.filter().is_empty() {
            self.filter.reset();
            self.rows.set_filter("");
        } else {
            self.rows.marked.clear();
        }
    }

    /// Keys while the filter line is being typed (text goes through `text`).
    pub(super) fn filter_action(&mut self, a: Action) {
        match a {
            Action::Back => {
                self.filter.reset();
                self.rows.set_filter("");
                self.filtering = false;
            }
            Action::Confirm => self.filtering = false,
            Action::Up => self.rows.move_by(-1),
            Action::Down => self.rows.move_by(1),
            Action::PageUp => self.rows.move_by(-(self.page_height() as isize)),
            Action::PageDown => self.rows.move_by(self.page_height() as isize),
            _ => {}
        }
    }

    pub(super) fn refresh(&mut self, fx: &mut Vec<Effect>) {
        if let Load::Loading(id) = self.list {
            fx.push(Effect::Cancel(id));
        }
        if let Some(id) = self.refreshing.take() {
            fx.push(Effect::Cancel(id));
        }
        let id = self.next_req_id();
        if matches!(self.list, Load::Loaded(_)) {
            self.refreshing = Some(id);
        } else {
            self.list = Load::Loading(id);
        }
        fx.push(Effect::ListTokens(id));
        if !matches!(self.me, Load::Loaded(_)) {
            let mid = self.next_req_id();
            self.me = Load::Loading(mid);
            fx.push(Effect::LoadMe(mid));
        }
    }

    /// The 60 s refresh while idle: skipped while a load runs; retries a failed first load.
    pub(super) fn quiet_refresh(&mut self, fx: &mut Vec<Effect>) {
        if self.refreshing.is_some() || self.list.is_loading() {
            return;
        }
        let id = self.next_req_id();
        if matches!(self.list, Load::Failed(_)) {
            self.list = Load::Loading(id);
            self.dirty = true;
        } else {
            self.refreshing = Some(id);
        }
        fx.push(Effect::ListTokens(id));
    }

    fn copy_id(&mut self, fx: &mut Vec<Effect>) {
        if let Some(id) = self.rows.selected_row().map(|r| r.token.token_id.clone()) {
            fx.push(Effect::CopyText(id));
        }
    }

    fn open_details(&mut self, fx: &mut Vec<Effect>) {
        let Some(row) = self.rows.selected_row() else {
            return;
        };
        let token = row.token.clone();
        let load = if token.scope.is_some() {
            Load::Loaded(token.clone())
        } else {
            let id = self.next_req_id();
            fx.push(Effect::GetToken(id, token.token_id.clone()));
            Load::Loading(id)
        };
        self.overlay = Overlay::Details(Details {
            id: token.token_id,
            load,
            scroll: 0,
        });
    }

    /// Revoke the marked rows, or the selected one when none is marked.
    fn open_revoke(&mut self) {
        if self.cfg.readonly {
            self.refuse_readonly("revoking tokens");
            return;
        }
        let targets: Vec<Target> = if self.rows.marked.is_empty() {
            self.rows
                .selected_row()
                .into_iter()
                .map(target_of)
                .collect()
        } else {
            let mut ids: Vec<&String> = self.rows.marked.iter().collect();
            ids.sort();
            ids.into_iter()
                .filter_map(|id| self.rows.find(id))
                .map(target_of)
                .collect()
        };
        if !targets.is_empty() {
            self.overlay = Overlay::Confirm(Confirm::new(targets));
        }
    }

    pub(super) fn menu_action(&mut self, a: Action, fx: &mut Vec<Effect>) {
        let items = self.menu_items();
        let Overlay::Menu(sel) = &mut self.overlay else {
            return;
        };
        let chosen = match a {
            Action::Up => {
                *sel = sel.saturating_sub(1);
                None
            }
            Action::Down => {
                *sel = (*sel + 1).min(items.len().saturating_sub(1));
                None
            }
            Action::Back => {
                self.overlay = Overlay::None;
                None
            }
            Action::Confirm => items.get(*sel).copied(),
            Action::Revoke => items
                .contains(&MenuItem::Revoke)
                .then_some(MenuItem::Revoke),
            Action::CopyId => Some(MenuItem::CopyId),
            Action::Details => Some(MenuItem::Details),
            Action::Rotate => items
                .contains(&MenuItem::Rotate)
                .then_some(MenuItem::Rotate),
            _ => None,
        };
        if let Some(item) = chosen {
            self.overlay = Overlay::None;
            match item {
                MenuItem::Revoke => {
                    // The menu acts on its own row, not on marked ones.
                    if let Some(t) = self.rows.selected_row().map(target_of) {
                        self.overlay = Overlay::Confirm(Confirm::new(vec![t]));
                    }
                }
                MenuItem::Rotate => self.open_rotate(fx),
                MenuItem::CopyId => self.copy_id(fx),
                MenuItem::Details => self.open_details(fx),
            }
        }
    }

    /// A click on a header sorts by that column (again: reverses); on a row selects it.
    pub(super) fn on_click(&mut self, x: u16, y: u16) {
        if !matches!(self.overlay, Overlay::None) {
            return;
        }
        if self.form.as_ref().is_some_and(|f| f.picker.is_some()) {
            return;
        }
        let geo = TableGeometry::of(self.regions().table);
        if !geo.area_contains(x, y) {
            return;
        }
        if y == geo.header_y {
            if let Some(col) = geo.column_at(x).and_then(sort_column) {
                if col == self.rows.sort {
                    let d = !self.rows.descending;
                    self.rows.set_sort(col, d);
                } else {
                    self.rows.set_sort(col, false);
                }
            }
        } else if y >= geo.body_y {
            let pos = self.rows.offset + usize::from(y - geo.body_y);
            if pos < self.rows.visible_len() {
                self.rows.select_pos(pos);
            }
        }
    }
}
