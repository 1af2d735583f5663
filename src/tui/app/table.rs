//! The token table's keys and its row menu: moving, sorting, marking, and what a row leads to
//! (revoke, rotate, copy ID, details, audit, export). The list itself is [`super::list::Table`].

use super::super::keymap::{Action, Mode};
use super::super::layout::{Col, TableGeometry, columns};
use super::super::msg::Effect;
use super::audit::AuditView;
use super::confirm::Confirm;
use super::ctx::Ctx;
use super::details::Details;
use super::export::ExportPrompt;
use super::form::Form;
use super::rotate::RotateDialog;
use super::tokens::Column;
use super::{App, Overlay};

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

/// What the sort message needs besides the new order: the columns shown, the glyphs and the
/// `s` key.
struct SortView {
    shown: Vec<Col>,
    asc: &'static str,
    desc: &'static str,
    next_key: String,
}

impl SortView {
    /// "sorted by last used ▼ (not shown at this width) · s next: scope": cycling through
    /// hidden columns is never blind.
    fn said(&self, col: Column, descending: bool) -> String {
        let hidden = if self.shown.iter().any(|c| sort_column(*c) == Some(col)) {
            ""
        } else {
            " (not shown at this width)"
        };
        let arrow = if descending { self.desc } else { self.asc };
        format!(
            "sorted by {} {arrow}{hidden} · {} next: {}",
            col.title().to_lowercase(),
            self.next_key,
            col.next().title().to_lowercase()
        )
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

    fn sort_view(&self) -> SortView {
        let table = self.regions().table;
        let g = self.theme.glyphs;
        SortView {
            shown: columns(table.width.saturating_sub(2))
                .into_iter()
                .map(|(c, _)| c)
                .collect(),
            asc: g.sort_asc,
            desc: g.sort_desc,
            next_key: self
                .keymap
                .key_for(Mode::Table, Action::SortNext)
                .map_or_else(|| "s".into(), |k| k.label()),
        }
    }

    pub(super) fn table_action(&mut self, a: Action, fx: &mut Vec<Effect>) {
        let page = self.page_height() as isize;
        let sort_view = self.sort_view();
        let mut cx = Ctx::new(self.now, &mut self.ids, fx, &mut self.status);
        let rows = &mut self.table.rows;
        match a {
            Action::Up => rows.move_by(-1),
            Action::Down => rows.move_by(1),
            Action::Top => rows.select_pos(0),
            Action::Bottom => rows.select_pos(usize::MAX),
            Action::PageUp => rows.move_by(-page),
            Action::PageDown => rows.move_by(page),
            Action::Filter => self.table.filtering = true,
            Action::SortNext => {
                let (c, d) = (rows.sort.next(), rows.descending);
                rows.set_sort(c, d);
                cx.say(sort_view.said(rows.sort, rows.descending), false);
            }
            Action::SortReverse => {
                let (c, d) = (rows.sort, !rows.descending);
                rows.set_sort(c, d);
                cx.say(sort_view.said(rows.sort, rows.descending), false);
            }
            Action::New => {
                if self.cfg.readonly {
                    refuse_readonly("creating tokens", &mut cx);
                } else if self.form.is_none() {
                    self.form = Some(Form::open(self.table.me_name().map(str::to_owned), &mut cx));
                }
            }
            Action::RowActions if rows.selected_row().is_some() => {
                self.overlay = Overlay::Menu(0);
            }
            Action::Revoke => self.open_revoke(),
            Action::RevokeShown => self.open_revoke_shown(),
            Action::Rotate => self.open_rotate(fx),
            Action::Export => {
                if let Some(p) = ExportPrompt::open(rows, &mut cx) {
                    self.overlay = Overlay::Export(p);
                }
            }
            Action::MineExpiring => self.table.filter_mine_expiring(&mut cx),
            Action::Mark => {
                if self.cfg.readonly {
                    refuse_readonly("revoking tokens", &mut cx);
                } else {
                    rows.toggle_mark();
                    rows.move_by(1);
                }
            }
            Action::Refresh => self.table.refresh(&mut cx),
            Action::Help => self.overlay = Overlay::Help(0),
            Action::Back => self.table.back(&mut cx),
            Action::CopyId => self.copy_id(fx),
            Action::Details => self.open_details(fx),
            Action::Audit => {
                let token = rows
                    .selected_row()
                    .map(|r| (r.token.token_id.clone(), r.token.description.clone()));
                self.overlay = Overlay::Audit(AuditView::open(token, &mut cx));
            }
            _ => {}
        }
    }

    fn copy_id(&mut self, fx: &mut Vec<Effect>) {
        if let Some(id) = self
            .table
            .rows
            .selected_row()
            .map(|r| r.token.token_id.clone())
        {
            fx.push(Effect::CopyText(id));
        }
    }

    fn open_details(&mut self, fx: &mut Vec<Effect>) {
        let Some(row) = self.table.rows.selected_row() else {
            return;
        };
        let mut cx = Ctx::new(self.now, &mut self.ids, fx, &mut self.status);
        self.overlay = Overlay::Details(Details::open(row.token, &mut cx));
    }

    /// `R` or the row menu's Rotate on the selected row.
    fn open_rotate(&mut self, fx: &mut Vec<Effect>) {
        let mut cx = Ctx::new(self.now, &mut self.ids, fx, &mut self.status);
        if self.cfg.readonly {
            return refuse_readonly("rotating tokens", &mut cx);
        }
        if self.rotation.as_ref().is_some_and(|r| r.outcome.is_none()) {
            cx.say("a rotation is still finishing; try again in a moment", true);
            return;
        }
        if let Some(row) = self.table.rows.selected_row() {
            self.overlay = Overlay::Rotate(RotateDialog::open(row.token, &mut cx));
        }
    }

    /// Revoke the marked rows the filter shows, or the selected one when none is marked.
    fn open_revoke(&mut self) {
        if self.cfg.readonly {
            return self.refuse_readonly("revoking tokens");
        }
        if let Some(c) = Confirm::for_revoke(&self.table) {
            self.overlay = Overlay::Confirm(c);
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
                    if let Some(c) = Confirm::for_selected(&self.table) {
                        self.overlay = Overlay::Confirm(c);
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
        let rows = &mut self.table.rows;
        if y == geo.header_y {
            if let Some(col) = geo.column_at(x).and_then(sort_column) {
                if col == rows.sort {
                    let d = !rows.descending;
                    rows.set_sort(col, d);
                } else {
                    rows.set_sort(col, false);
                }
            }
        } else if y >= geo.body_y {
            let pos = rows.offset + usize::from(y - geo.body_y);
            if pos < rows.visible_len() {
                rows.select_pos(pos);
            }
        }
    }
}

/// Why a read-only session does not do `what`.
pub(super) fn readonly_refusal(what: &str) -> String {
    format!("read-only session: {what} is turned off (--readonly)")
}

fn refuse_readonly(what: &str, cx: &mut Ctx) {
    cx.say(readonly_refusal(what), true);
}
