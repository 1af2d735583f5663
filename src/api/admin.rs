//! The admin endpoints of issue 17: users (JFrog Access v2), projects and membership (JFrog
//! Access v1), fleets, device registration and bulk import (Connect v2 shaped, `tokentab serve`
//! only). Every call is one attempt, never retried, except the lists (GET).

use reqwest::Method;
use serde::Serialize;

use crate::model::admin::{
    DeviceRemoved, FleetRemoved, ImportReport, ImportRowError, Member, NewDevice, NewFleet,
    ProjectRemoved, UserRemoved,
};
use crate::model::wire::{DeviceInfo, FleetInfo, ProjectInfo, UserInfo};

use super::access::lenient_list;
use super::client::{Client, read_limited, read_success};
use super::error::{ApiError, server_message, shorten};

const USERS: [&str; 4] = ["access", "api", "v2", "users"];
const PROJECTS: [&str; 4] = ["access", "api", "v1", "projects"];

/// Largest import answer read (the report names every change: 100,000 rows at most).
const MAX_IMPORT_ANSWER: usize = 64 * 1024 * 1024;

/// `POST /access/api/v2/users` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NewUserRequest {
    pub username: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub admin: bool,
}

/// `PATCH /access/api/v2/users/{name}` body: only the fields to change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UserPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin: Option<bool>,
    /// `"enabled"` or `"disabled"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// `POST /access/api/v1/projects` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NewProjectRequest {
    pub project_key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Serialize)]
struct MemberBody<'a> {
    name: &'a str,
    roles: &'a [String],
}

/// The body format of a device import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportFormat {
    Csv,
    JsonLines,
}

impl ImportFormat {
    pub fn content_type(self) -> &'static str {
        match self {
            ImportFormat::Csv => "text/csv",
            ImportFormat::JsonLines => "application/x-ndjson",
        }
    }
}

/// Why an import was not done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportError {
    /// 400 with the bad rows (every one, file order): nothing was imported.
    BadRows {
        message: String,
        rows: Vec<ImportRowError>,
    },
    Api(ApiError),
}

impl From<ApiError> for ImportError {
    fn from(e: ApiError) -> Self {
        ImportError::Api(e)
    }
}

#[derive(serde::Deserialize)]
struct BadRowsBody {
    rows: Vec<ImportRowError>,
}

#[derive(serde::Deserialize)]
struct DeleteDeviceAnswer {
    #[serde(default)]
    live_tokens_naming: Option<u64>,
}

/// `?{name}=true` when `on`, else no query (`force`, `dry_run`).
fn flag_query(name: &'static str, on: bool) -> Vec<(&'static str, String)> {
    if on {
        vec![(name, "true".to_owned())]
    } else {
        Vec::new()
    }
}

/// The 2xx body of `resp` as `T`.
async fn answer<T: serde::de::DeserializeOwned>(
    resp: reqwest::Response,
    what: &str,
) -> Result<T, ApiError> {
    let body = read_success(resp).await?;
    serde_json::from_slice(&body).map_err(|e| ApiError::decode(what, e))
}

/// Strings a server sent, cleaned for a terminal and cut.
fn clean_rows(rows: Vec<ImportRowError>) -> Vec<ImportRowError> {
    rows.into_iter()
        .map(|r| ImportRowError {
            line: r.line,
            field: r.field.map(|f| shorten(&f)),
            message: shorten(&r.message),
        })
        .collect()
}

impl Client {
    pub async fn create_user(&self, req: &NewUserRequest) -> Result<UserInfo, ApiError> {
        let resp = self.send_once(Method::POST, &USERS, Some(req)).await?;
        answer(resp, "user").await
    }

    pub async fn patch_user(&self, name: &str, patch: &UserPatch) -> Result<UserInfo, ApiError> {
        let resp = self
            .send_once(
                Method::PATCH,
                &["access", "api", "v2", "users", name],
                Some(patch),
            )
            .await?;
        answer(resp, "user").await
    }

    pub async fn delete_user(&self, name: &str) -> Result<UserRemoved, ApiError> {
        let resp = self
            .send_once::<()>(
                Method::DELETE,
                &["access", "api", "v2", "users", name],
                None,
            )
            .await?;
        answer(resp, "user removal").await
    }

    pub async fn create_project(&self, req: &NewProjectRequest) -> Result<ProjectInfo, ApiError> {
        let resp = self.send_once(Method::POST, &PROJECTS, Some(req)).await?;
        answer(resp, "project").await
    }

    pub async fn delete_project(&self, key: &str, force: bool) -> Result<ProjectRemoved, ApiError> {
        let resp = self
            .send_query::<()>(
                Method::DELETE,
                &["access", "api", "v1", "projects", key],
                &flag_query("force", force),
                None,
            )
            .await?;
        answer(resp, "project removal").await
    }

    /// `{"members":[…]}` (also accepted: a bare array).
    pub async fn list_members(&self, key: &str) -> Result<Vec<Member>, ApiError> {
        let body = self
            .get_bytes(&["access", "api", "v1", "projects", key, "users"], &[])
            .await?;
        lenient_list(&body, &["members", "users", "data"], "member list")
    }

    /// Adds `user` to the project, or sets their roles when they are a member already.
    pub async fn put_member(
        &self,
        key: &str,
        user: &str,
        roles: &[String],
    ) -> Result<Member, ApiError> {
        let body = MemberBody { name: user, roles };
        let resp = self
            .send_once(
                Method::PUT,
                &["access", "api", "v1", "projects", key, "users", user],
                Some(&body),
            )
            .await?;
        answer(resp, "member").await
    }

    pub async fn delete_member(&self, key: &str, user: &str) -> Result<(), ApiError> {
        let resp = self
            .send_once::<()>(
                Method::DELETE,
                &["access", "api", "v1", "projects", key, "users", user],
                None,
            )
            .await?;
        read_success(resp).await.map(|_| ())
    }

    pub async fn create_fleet(&self, project: &str, name: &str) -> Result<FleetInfo, ApiError> {
        let body = NewFleet {
            name: name.to_owned(),
        };
        let resp = self
            .send_once(Method::POST, &["api", "v2", project, "fleets"], Some(&body))
            .await?;
        answer(resp, "fleet").await
    }

    pub async fn delete_fleet(
        &self,
        project: &str,
        name: &str,
        force: bool,
    ) -> Result<FleetRemoved, ApiError> {
        let resp = self
            .send_query::<()>(
                Method::DELETE,
                &["api", "v2", project, "fleets", name],
                &flag_query("force", force),
                None,
            )
            .await?;
        answer(resp, "fleet removal").await
    }

    pub async fn create_device(
        &self,
        project: &str,
        device: &NewDevice,
    ) -> Result<DeviceInfo, ApiError> {
        let resp = self
            .send_once(
                Method::POST,
                &["api", "v2", project, "devices"],
                Some(device),
            )
            .await?;
        answer(resp, "device").await
    }

    /// Deletes a device; says how many live tokens named it (0 when the server does not say).
    pub async fn remove_device(
        &self,
        project: &str,
        uuid: &str,
    ) -> Result<DeviceRemoved, ApiError> {
        let resp = self
            .send_once::<()>(
                Method::DELETE,
                &["api", "v2", project, "devices", uuid],
                None,
            )
            .await?;
        let body = read_success(resp).await?;
        let live = serde_json::from_slice::<DeleteDeviceAnswer>(&body)
            .ok()
            .and_then(|a| a.live_tokens_naming)
            .unwrap_or(0);
        Ok(DeviceRemoved {
            project: project.to_owned(),
            device_uuid: uuid.to_owned(),
            live_tokens_naming: live,
        })
    }

    /// `POST /api/v2/{project}/devices/import[?dry_run=true]`: all rows or none.
    pub async fn import_devices(
        &self,
        project: &str,
        body: Vec<u8>,
        format: ImportFormat,
        dry_run: bool,
    ) -> Result<ImportReport, ImportError> {
        let resp = self
            .send_raw(
                Method::POST,
                &["api", "v2", project, "devices", "import"],
                &flag_query("dry_run", dry_run),
                Some((format.content_type(), body)),
            )
            .await?;
        if resp.status().as_u16() == 400 {
            let bytes = read_limited(resp, MAX_IMPORT_ANSWER).await?;
            return Err(match serde_json::from_slice::<BadRowsBody>(&bytes) {
                Ok(b) if !b.rows.is_empty() => ImportError::BadRows {
                    message: server_message(&bytes),
                    rows: clean_rows(b.rows),
                },
                _ => ImportError::Api(ApiError::from_response(400, None, &bytes)),
            });
        }
        Ok(answer(resp, "import report").await?)
    }
}
