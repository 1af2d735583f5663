//! [`Db`]'s admin operations (issue 17): users, projects and membership, fleets, device
//! registration and bulk import. Each is one transaction on either backend running one rule of
//! [`super::rules`]; a refusal is `Err(StoreError::Refused(..))` and writes nothing.
//!
//! Every write re-checks `by.caller` live first and writes its audit rows (from `by.audit`)
//! in its own transaction.

use crate::model::admin::{FleetRemoved, ImportReport, Member, ProjectRemoved, UserRemoved};
use crate::model::wire::{DeviceInfo, FleetInfo, ProjectInfo, UserInfo};
use crate::service::error::StoreError;

use super::admin::{Acting, ImportRow, NewUser, UserChange};
use super::backend::Db;

impl Db {
    // ---- users ----------------------------------------------------------------------------

    /// Adds an enabled user (realm `internal`). Conflict when the name is taken. Audit
    /// `user_add`.
    pub async fn user_add(&self, user: NewUser, by: Acting) -> Result<UserInfo, StoreError> {
        let _ = (user, by);
        todo!("issue 17: store")
    }

    /// Changes email, admin flag and/or disabled flag. Missing when no such user; Conflict
    /// when it would leave no enabled admin (disable or demote the last one). A disable takes
    /// effect at the next request on every process (the epoch triggers). Audit one row per
    /// kind of change: `user_disable`, `user_enable`, `user_update` (email, admin).
    pub async fn user_update(
        &self,
        username: String,
        change: UserChange,
        by: Acting,
    ) -> Result<UserInfo, StoreError> {
        let _ = (username, change, by);
        todo!("issue 17: store")
    }

    /// Deletes the user, its memberships and its tokens' rows, revoking each live token first
    /// with its own audit row (`revoke`), then `user_remove`. Missing; Conflict for the last
    /// enabled admin.
    pub async fn user_remove(
        &self,
        username: String,
        by: Acting,
    ) -> Result<UserRemoved, StoreError> {
        let _ = (username, by);
        todo!("issue 17: store")
    }

    // ---- projects and membership ------------------------------------------------------------

    pub async fn project(&self, key: String) -> Result<Option<ProjectInfo>, StoreError> {
        let _ = key;
        todo!("issue 17: store")
    }

    /// Conflict when the key is taken. Audit `project_add`.
    pub async fn project_add(&self, p: ProjectInfo, by: Acting) -> Result<ProjectInfo, StoreError> {
        let _ = (p, by);
        todo!("issue 17: store")
    }

    /// Deletes the project with its memberships and (empty) fleets. While live tokens name it
    /// (`project_key` or a scope target in it) or devices are in it: Conflict saying how many,
    /// unless `force`, which revokes those tokens (each with its `revoke` row) and deletes the
    /// devices and fleets. Missing. Audit `project_remove`.
    pub async fn project_remove(
        &self,
        key: String,
        force: bool,
        by: Acting,
    ) -> Result<ProjectRemoved, StoreError> {
        let _ = (key, force, by);
        todo!("issue 17: store")
    }

    /// None when the project does not exist.
    pub async fn members(&self, project: String) -> Result<Option<Vec<Member>>, StoreError> {
        let _ = project;
        todo!("issue 17: store")
    }

    /// Adds the member or replaces its roles. Missing for an unknown project or user. Audit
    /// `member_add` (new) or `member_update` (roles changed); nothing when unchanged.
    pub async fn member_put(
        &self,
        project: String,
        member: Member,
        by: Acting,
    ) -> Result<Member, StoreError> {
        let _ = (project, member, by);
        todo!("issue 17: store")
    }

    /// Missing when the project, the user or the membership does not exist. The user's tokens
    /// lose that project at the next request (epoch trigger). Audit `member_remove`.
    pub async fn member_remove(
        &self,
        project: String,
        username: String,
        by: Acting,
    ) -> Result<(), StoreError> {
        let _ = (project, username, by);
        todo!("issue 17: store")
    }

    // ---- fleets and devices -----------------------------------------------------------------

    /// Missing for an unknown project; Conflict when the fleet exists. Audit `fleet_add`.
    pub async fn fleet_add(
        &self,
        project: String,
        name: String,
        by: Acting,
    ) -> Result<FleetInfo, StoreError> {
        let _ = (project, name, by);
        todo!("issue 17: store")
    }

    /// Missing; Conflict while devices are in it unless `force` (which deletes them). Audit
    /// `fleet_remove` saying how many live tokens named it.
    pub async fn fleet_remove(
        &self,
        project: String,
        name: String,
        force: bool,
        by: Acting,
    ) -> Result<FleetRemoved, StoreError> {
        let _ = (project, name, force, by);
        todo!("issue 17: store")
    }

    /// Registers one device (the route fills a generated id when none was given). Missing for
    /// an unknown project; Invalid for an unknown fleet; Conflict when the id is taken. Audit
    /// `device_add`.
    pub async fn device_add(&self, dev: DeviceInfo, by: Acting) -> Result<DeviceInfo, StoreError> {
        let _ = (dev, by);
        todo!("issue 17: store")
    }

    /// Imports all rows or none, in one transaction: a row whose id exists updates that
    /// device, else adds it. Rows naming an unknown fleet are bad rows: BadRows with every one
    /// (line, field, reason). `dry_run` reads and reports, writes nothing. Missing for an
    /// unknown project. Audit one `device_import` row (counts in its description).
    pub async fn devices_import(
        &self,
        project: String,
        rows: Vec<ImportRow>,
        dry_run: bool,
        by: Acting,
    ) -> Result<ImportReport, StoreError> {
        let _ = (project, rows, dry_run, by);
        todo!("issue 17: store")
    }
}
