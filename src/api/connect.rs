//! JFrog Connect v2: fleets and devices.

use crate::model::wire::{DeviceInfo, DeviceList, DevicePatch, FleetInfo};

use super::client::Client;
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

impl Client {
    pub async fn list_fleets(&self, project: &str) -> Result<Vec<FleetInfo>, ApiError> {
        let _ = project;
        todo!()
    }

    pub async fn list_devices_page(
        &self,
        project: &str,
        query: &DeviceQuery,
    ) -> Result<DeviceList, ApiError> {
        let _ = (project, query);
        todo!()
    }

    pub async fn get_device(&self, project: &str, device: &str) -> Result<DeviceInfo, ApiError> {
        let _ = (project, device);
        todo!()
    }

    pub async fn patch_device(
        &self,
        project: &str,
        device: &str,
        patch: &DevicePatch,
    ) -> Result<DeviceInfo, ApiError> {
        let _ = (project, device, patch);
        todo!()
    }

    pub async fn delete_device(&self, project: &str, device: &str) -> Result<(), ApiError> {
        let _ = (project, device);
        todo!()
    }
}
