//! JFrog Connect v2: fleets and devices.

use crate::model::wire::{DeviceInfo, DeviceList, DevicePatch, FleetInfo};

use reqwest::Method;

use super::access::{MAX_PAGES, lenient_list};
use super::client::{Client, read_success};
use super::error::ApiError;

/// Filters for one page of devices.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceQuery {
    /// `group_name`: only devices of this fleet.
    pub fleet: Option<String>,
    /// `search` (our extension): id or name contains, case-insensitive. Real Connect ignores it;
    /// callers filter the page they get as well.
    pub search: Option<String>,
    pub after: Option<String>,
    /// 1..=1000
    pub limit: Option<u32>,
}

const DEVICE_LIST_KEYS: [&str; 3] = ["devices", "data", "items"];
const DEVICE_CURSOR_KEYS: [&str; 4] = ["after", "cursor", "next", "next_cursor"];

/// Lenient device-list parser: a bare array, or an object with the list under
/// devices/data/items and the cursor under after/cursor/next/next_cursor (string or number).
pub fn parse_device_list(body: &[u8]) -> Result<DeviceList, ApiError> {
    let what = "device list";
    let v: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| ApiError::decode(what, e))?;
    let (list, after) = match v {
        serde_json::Value::Array(_) => (v, None),
        serde_json::Value::Object(mut m) => {
            let list = DEVICE_LIST_KEYS
                .iter()
                .find_map(|k| m.remove(*k).filter(|x| x.is_array() || x.is_null()))
                .map(|x| {
                    if x.is_null() {
                        serde_json::Value::Array(vec![])
                    } else {
                        x
                    }
                })
                .ok_or_else(|| ApiError::decode(what, "no list under devices/data/items"))?;
            let after = DEVICE_CURSOR_KEYS.iter().find_map(|k| match m.get(*k) {
                Some(serde_json::Value::String(s)) if !s.is_empty() => Some(s.clone()),
                Some(serde_json::Value::Number(n)) => Some(n.to_string()),
                _ => None,
            });
            (list, after)
        }
        _ => return Err(ApiError::decode(what, "expected a list")),
    };
    let devices = serde_json::from_value(list).map_err(|e| ApiError::decode(what, e))?;
    Ok(DeviceList { devices, after })
}

impl Client {
    /// `{"fleets":[…]}` (also accepted: a bare array).
    pub async fn list_fleets(&self, project: &str) -> Result<Vec<FleetInfo>, ApiError> {
        let body = self
            .get_bytes(&["api", "v2", project, "fleets"], &[])
            .await?;
        lenient_list(&body, &["fleets", "data", "items"], "fleet list")
    }

    pub async fn list_devices_page(
        &self,
        project: &str,
        query: &DeviceQuery,
    ) -> Result<DeviceList, ApiError> {
        let mut q: Vec<(&str, String)> = Vec::new();
        if let Some(f) = query.fleet.as_deref().filter(|f| !f.is_empty()) {
            q.push(("group_name", f.to_owned()));
        }
        if let Some(s) = query.search.as_deref().filter(|s| !s.is_empty()) {
            q.push(("search", s.to_owned()));
        }
        if let Some(a) = query.after.as_deref().filter(|a| !a.is_empty()) {
            q.push(("after", a.to_owned()));
        }
        if let Some(l) = query.limit {
            q.push(("limit", l.clamp(1, 1000).to_string()));
        }
        let body = self
            .get_bytes(&["api", "v2", project, "devices"], &q)
            .await?;
        parse_device_list(&body)
    }

    /// Every page, following `after` from `query.after` on.
    pub async fn list_all_devices(
        &self,
        project: &str,
        query: &DeviceQuery,
    ) -> Result<Vec<DeviceInfo>, ApiError> {
        let mut q = query.clone();
        let mut all = Vec::new();
        for _ in 0..MAX_PAGES {
            let page = self.list_devices_page(project, &q).await?;
            let empty = page.devices.is_empty();
            all.extend(page.devices);
            match page.after {
                Some(next) if Some(&next) == q.after.as_ref() => {
                    return Err(ApiError::decode(
                        "device list",
                        "the server repeated a cursor",
                    ));
                }
                // A cursor with an empty page would loop forever on some servers.
                Some(next) if !empty => q.after = Some(next),
                _ => return Ok(all),
            }
        }
        Err(ApiError::decode("device list", "too many pages"))
    }

    pub async fn get_device(&self, project: &str, device: &str) -> Result<DeviceInfo, ApiError> {
        self.get_json(&["api", "v2", project, "devices", device], &[], "device")
            .await
    }

    /// The names of these `(project, device id)` devices, asked at once; devices the caller
    /// may not read, or that are gone, are left out (their id is shown instead).
    pub async fn device_names(&self, devices: Vec<(String, String)>) -> Vec<(String, String)> {
        let asks = devices.into_iter().map(|(project, id)| async move {
            let d = self.get_device(&project, &id).await.ok()?;
            Some((id, d.device_name))
        });
        futures_util::future::join_all(asks)
            .await
            .into_iter()
            .flatten()
            .collect()
    }

    /// Never retried. The device as changed, or None when the token may write but not read it
    /// (204 No Content).
    pub async fn patch_device(
        &self,
        project: &str,
        device: &str,
        patch: &DevicePatch,
    ) -> Result<Option<DeviceInfo>, ApiError> {
        let resp = self
            .send_once(
                Method::PATCH,
                &["api", "v2", project, "devices", device],
                Some(patch),
            )
            .await?;
        let body = read_success(resp).await?;
        if body.is_empty() {
            return Ok(None);
        }
        serde_json::from_slice(&body)
            .map(Some)
            .map_err(|e| ApiError::decode("device", e))
    }

    /// Never retried.
    pub async fn delete_device(&self, project: &str, device: &str) -> Result<(), ApiError> {
        let resp = self
            .send_once::<()>(
                Method::DELETE,
                &["api", "v2", project, "devices", device],
                None,
            )
            .await?;
        read_success(resp).await.map(|_| ())
    }
}
