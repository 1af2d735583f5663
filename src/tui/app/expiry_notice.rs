//! The header's notice: how many of the signed-in user's own tokens expire within 7 days,
//! recounted on start and after each list; `x` sets the filter to exactly those.

use chrono::{DateTime, Utc};
use tui_input::Input;

use crate::model::TokenStatus;
use crate::model::filter_query::FilterQuery;

use super::ctx::Ctx;
use super::list::Table;

impl Table {
    /// The filter `x` sets for the signed-in user.
    pub fn mine_expiring_filter(&self) -> Option<String> {
        self.me_name()
            .filter(|me| !me.is_empty() && !me.contains(char::is_whitespace))
            .map(|me| format!("user:{me} status:expiring"))
    }

    pub fn recount_mine(&mut self, now: DateTime<Utc>) {
        self.mine_expiring = 0;
        self.count_mine_from(0, now);
    }

    /// Adds the signed-in user's expiring tokens among the rows from `from` on.
    pub(super) fn count_mine_from(&mut self, from: usize, now: DateTime<Utc>) {
        if let Some(me) = self.me_name().map(str::to_lowercase) {
            let q = FilterQuery {
                users: vec![me],
                statuses: vec![TokenStatus::Expiring],
                ..FilterQuery::default()
            };
            self.mine_expiring += self.rows.count_keys_from(&q, now, from);
        }
    }

    pub(super) fn filter_mine_expiring(&mut self, cx: &mut Ctx) {
        match self.mine_expiring_filter() {
            Some(q) => {
                self.rows.set_filter(&q);
                self.filter = Input::new(q);
                self.filtering = false;
            }
            None => cx.say(
                "who you are is not known yet; try again after a refresh",
                true,
            ),
        }
    }
}
