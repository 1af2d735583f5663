//! The create panel's checks: the expiry against the formats and the server's limits (live,
//! under the field, before Generate), every field at Generate, and how a permission row's
//! target is named.

use chrono::{DateTime, Utc};
use tui_input::Input;

use crate::model::EntityRef;
use crate::model::expiry::{self, Expiry, ServerLimits};
use crate::model::scope::USER;
use crate::model::wire::CreateTokenRequest;

use super::super::super::msg::{ApiResult, ReqId};
use super::super::load::Load;
use super::super::picker::short_id;
use super::{CONNECT_AUDIENCE, Field, Form, MAX_DESCRIPTION};

impl Form {
    /// The expiry typed, parsed and held to the server's limits as far as they are known: the
    /// message to show beside the field when it cannot be sent.
    pub fn expiry(&self, now: DateTime<Utc>) -> Result<Expiry, String> {
        let e = Expiry::parse(self.expiration.value(), now).map_err(|e| e.to_string())?;
        if let Load::Loaded(Some(limits)) = &self.limits {
            limits.check(&e, now).map_err(|e| e.to_string())?;
        }
        Ok(e)
    }

    /// The live preview under the expiration field, or why it cannot be sent.
    pub fn expiry_preview(&self, now: DateTime<Utc>) -> Result<String, String> {
        self.expiry(now).map(|e| format!("→ {}", e.preview(now)))
    }

    /// The field's help: the formats it takes, then what the server allows (when it says).
    pub fn expiry_help(&self) -> Vec<String> {
        let mut help = vec![format!("formats: {}", expiry::formats_text())];
        match &self.limits {
            Load::Loading(_) => help.push("asking the server for its limits…".into()),
            Load::Loaded(Some(l)) if !l.help().is_empty() => help.push(l.help()),
            _ => {}
        }
        help
    }

    /// The limits asked for when the form opened (a failure leaves only the formats). When
    /// the untouched default is longer than the server allows, the server's default (or its
    /// limit) takes its place: a fresh form never opens on an error.
    pub(super) fn limits_arrived(
        &mut self,
        id: ReqId,
        r: ApiResult<Option<ServerLimits>>,
        now: DateTime<Utc>,
    ) {
        if !self.limits.awaits(id) {
            return;
        }
        self.limits = match r {
            Ok(l) => Load::Loaded(l),
            Err(e) => Load::Failed(e.shown()),
        };
        let untouched = self.expiration.value() == self.expiry_default;
        // A default an admin chose on the server (issue 20) is the form's, when it fits.
        if let (true, Load::Loaded(Some(l))) = (untouched, &self.limits) {
            let chosen = l
                .default_expiry
                .filter(|d| l.default_chosen && l.max_expiry.is_none_or(|m| *d <= m));
            if let Some(text) = chosen.and_then(span_input) {
                self.expiry_default = text;
                self.expiration = Input::new(self.expiry_default.clone());
                return;
            }
        }
        if let (true, Load::Loaded(Some(l)), Err(_)) = (untouched, &self.limits, self.expiry(now)) {
            let days = |s: u64| s / 86_400;
            let fits = l
                .default_expiry
                .filter(|d| l.max_expiry.is_none_or(|m| d <= &m));
            if let Some(d) = fits.or(l.max_expiry).map(days).filter(|d| *d > 0) {
                self.expiry_default = format!("+{d}d");
                self.expiration = Input::new(self.expiry_default.clone());
            }
        }
    }

    /// How a permission row names its target: a device by its name and short id, a fleet or a
    /// project by its name; with the project in front when the rows span several projects.
    pub fn row_name(&self, target: &EntityRef) -> String {
        let name = match target {
            EntityRef::Project { project } => return project.clone(),
            EntityRef::Fleet { fleet, .. } => fleet.clone(),
            EntityRef::Device { device, .. } => self
                .names
                .get(target)
                .cloned()
                .unwrap_or_else(|| short_id(device)),
        };
        let mut projects = self.scope.grants().map(|(t, _)| t.project());
        let first = projects.next();
        if projects.any(|p| Some(p) != first) {
            format!("{}/{name}", target.project())
        } else {
            name
        }
    }

    /// Validates every field; on success the request to send. Messages go beside the fields.
    pub fn validate(&mut self, now: DateTime<Utc>) -> Option<CreateTokenRequest> {
        self.errors.clear();
        let description = self.description.value().trim().to_owned();
        if description.is_empty() {
            self.set_error(Field::Description, "a description is required");
        } else if description.chars().count() > MAX_DESCRIPTION {
            self.set_error(
                Field::Description,
                format!(
                    "at most {MAX_DESCRIPTION} characters ({} now)",
                    description.chars().count()
                ),
            );
        }
        let expiry = match self.expiry(now) {
            Ok(e) => Some(e),
            Err(e) => {
                self.set_error(Field::Expiration, e);
                None
            }
        };
        if self.user.is_none() {
            self.set_error(Field::User, "choose a user");
        }
        let (username, scope, audience) = if self.custom {
            if self.scope.is_empty() {
                self.set_error(Field::Rows, "add at least one permission row");
            }
            (
                self.user.clone(),
                self.scope.to_string(),
                Some(CONNECT_AUDIENCE.to_owned()),
            )
        } else {
            (self.user.clone(), USER.to_owned(), None)
        };
        let expiry = expiry?;
        if !self.errors.is_empty() {
            return None;
        }
        Some(CreateTokenRequest {
            username,
            scope: Some(scope),
            expires_in: Some(expiry.expires_in(now)),
            refreshable: Some(false),
            description: Some(description),
            audience,
            ..CreateTokenRequest::default()
        })
    }
}

/// A lifetime in seconds as the form's input: `+30d`, `+12h` or `+90min` (whole minutes, never
/// longer than `secs`); None under a minute.
fn span_input(secs: u64) -> Option<String> {
    match secs {
        s if s >= 86_400 && s % 86_400 == 0 => Some(format!("+{}d", s / 86_400)),
        s if s >= 3_600 && s % 3_600 == 0 => Some(format!("+{}h", s / 3_600)),
        s if s >= 60 => Some(format!("+{}min", s / 60)),
        _ => None,
    }
}
