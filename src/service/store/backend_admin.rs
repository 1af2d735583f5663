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
use super::backend::{Db, run};
use super::rules::{devices, fleets, import, projects, users};
use super::sqlite::Access;
use super::tx::Tx;

impl Db {
    // ---- users ----------------------------------------------------------------------------

    /// Adds an enabled user (realm `internal`). Conflict when the name is taken. Audit
    /// `user_add`.
    pub async fn user_add(&self, user: NewUser, by: Acting) -> Result<UserInfo, StoreError> {
        let out = run!(self, write, |tx| users::add(tx, &user, &by).await);
        self.health().record(out)
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
        let out = run!(self, write, |tx| users::update(tx, &username, &change, &by)
            .await);
        self.health().record(out)
    }

    /// Deletes the user, its memberships and its tokens' rows, revoking each live token first
    /// with its own audit row (`revoke`), then `user_remove`. Missing; Conflict for the last
    /// enabled admin.
    pub async fn user_remove(
        &self,
        username: String,
        by: Acting,
    ) -> Result<UserRemoved, StoreError> {
        let out = run!(self, write, |tx| users::remove(tx, &username, &by).await);
        self.health().record(out)
    }

    // ---- projects and membership ------------------------------------------------------------

    pub async fn project(&self, key: String) -> Result<Option<ProjectInfo>, StoreError> {
        run!(self, read, |tx| tx.project(&key).await)
    }

    /// Conflict when the key is taken. Audit `project_add`.
    pub async fn project_add(&self, p: ProjectInfo, by: Acting) -> Result<ProjectInfo, StoreError> {
        let out = run!(self, write, |tx| projects::add(tx, &p, &by).await);
        self.health().record(out)
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
        let out = run!(self, write, |tx| projects::remove(tx, &key, force, &by)
            .await);
        self.health().record(out)
    }

    /// None when the project does not exist.
    pub async fn members(&self, project: String) -> Result<Option<Vec<Member>>, StoreError> {
        run!(self, read, |tx| projects::members(tx, &project).await)
    }

    /// Adds the member or replaces its roles. Missing for an unknown project or user. Audit
    /// `member_add` (new) or `member_update` (roles changed); nothing when unchanged.
    pub async fn member_put(
        &self,
        project: String,
        member: Member,
        by: Acting,
    ) -> Result<Member, StoreError> {
        let out = run!(self, write, |tx| projects::put_member(
            tx, &project, &member, &by
        )
        .await);
        self.health().record(out)
    }

    /// Missing when the project, the user or the membership does not exist. The user's tokens
    /// lose that project at the next request (epoch trigger). Audit `member_remove`.
    pub async fn member_remove(
        &self,
        project: String,
        username: String,
        by: Acting,
    ) -> Result<(), StoreError> {
        let out = run!(self, write, |tx| projects::remove_member(
            tx, &project, &username, &by
        )
        .await);
        self.health().record(out)
    }

    // ---- fleets and devices -----------------------------------------------------------------

    /// Missing for an unknown project; Conflict when the fleet exists. Audit `fleet_add`.
    pub async fn fleet_add(
        &self,
        project: String,
        name: String,
        by: Acting,
    ) -> Result<FleetInfo, StoreError> {
        let out = run!(self, write, |tx| fleets::add(tx, &project, &name, &by)
            .await);
        self.health().record(out)
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
        let out = run!(self, write, |tx| fleets::remove(
            tx, &project, &name, force, &by
        )
        .await);
        self.health().record(out)
    }

    /// Registers one device (the route fills a generated id when none was given). Missing for
    /// an unknown project; Invalid for an unknown fleet; Conflict when the id is taken. Audit
    /// `device_add`.
    pub async fn device_add(&self, dev: DeviceInfo, by: Acting) -> Result<DeviceInfo, StoreError> {
        let out = run!(self, write, |tx| devices::add(tx, &dev, &by).await);
        self.health().record(out)
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
        let out = run!(self, write, |tx| import::import(
            tx, &project, rows, dry_run, &by
        )
        .await);
        self.health().record(out)
    }
}
