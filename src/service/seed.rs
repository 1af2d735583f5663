//! The demo account (`assets/demo-seed.json`) loaded into an empty database in one transaction.
//! Devices are generated deterministically from each fleet's compact description.

use std::collections::{HashMap, HashSet};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::model::scope::Scope;
use crate::model::wire::{DeviceInfo, ProjectInfo, UserInfo};

use super::auth::{hash_secret, new_secret};
use super::error::StoreError;
use super::store::backend::Write;
use super::store::tokens::NewToken;

const SEED: &str = include_str!("../../assets/demo-seed.json");
const DAY: f64 = 86_400.0;

#[derive(Deserialize)]
struct SeedFile {
    projects: Vec<SeedProject>,
    extra_tags: Vec<ExtraTag>,
    users: Vec<SeedUser>,
    tokens: Vec<SeedToken>,
}

#[derive(Deserialize)]
struct SeedProject {
    key: String,
    display_name: String,
    description: String,
    fleets: Vec<SeedFleet>,
}

#[derive(Deserialize)]
struct SeedFleet {
    name: String,
    devices: usize,
    prefix: String,
    tags: Vec<String>,
    agent: String,
    describe: String,
    sites: Vec<String>,
}

#[derive(Deserialize)]
struct ExtraTag {
    tag: String,
    every: usize,
    offset: usize,
}

#[derive(Deserialize)]
struct SeedUser {
    username: String,
    email: String,
    admin: bool,
    projects: Vec<String>,
}

#[derive(Deserialize)]
struct SeedToken {
    user: String,
    scope: String,
    description: String,
    issued_days_ago: f64,
    expires_in_days: Option<f64>,
    #[serde(default)]
    refreshable: bool,
    #[serde(default)]
    project: Option<String>,
}

/// What was loaded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeedSummary {
    pub projects: usize,
    pub fleets: usize,
    pub devices: usize,
    pub users: usize,
    pub tokens: usize,
}

fn corrupt(msg: String) -> StoreError {
    StoreError::Corrupt(format!("demo seed: {msg}"))
}

/// `d-xxxx-xxxx`, stable for a given project, fleet and index.
fn device_uuid(project: &str, fleet: &str, index: usize, taken: &mut HashSet<String>) -> String {
    let mut salt = 0u32;
    loop {
        let h = Sha256::digest(format!("{project}/{fleet}/{index}/{salt}").as_bytes());
        let id = format!("d-{:02x}{:02x}-{:02x}{:02x}", h[0], h[1], h[2], h[3]);
        if taken.insert(id.clone()) {
            return id;
        }
        salt += 1;
    }
}

/// Replaces every `{project/fleet#index}` in a seed scope by `project/<device uuid>`.
fn resolve_scope(
    text: &str,
    ids: &HashMap<(String, String, usize), String>,
) -> Result<String, StoreError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..]
            .find('}')
            .ok_or_else(|| corrupt(format!("unclosed brace in {text}")))?
            + open;
        let inner = &rest[open + 1..close];
        let (path, index) = inner
            .split_once('#')
            .ok_or_else(|| corrupt(format!("bad device reference {inner}")))?;
        let (project, fleet) = path
            .split_once('/')
            .ok_or_else(|| corrupt(format!("bad device reference {inner}")))?;
        let index: usize = index
            .parse()
            .map_err(|_| corrupt(format!("bad device index in {inner}")))?;
        let id = ids
            .get(&(project.to_owned(), fleet.to_owned(), index))
            .ok_or_else(|| corrupt(format!("no device {inner}")))?;
        out.push_str(&format!("{project}/{id}"));
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The demo account as rows to write, in an order the foreign keys accept: for either
/// backend ([`crate::service::store::backend::Db::apply_if_empty`]).
pub fn writes(now: i64) -> Result<(Vec<Write>, SeedSummary), StoreError> {
    let mut out = Vec::new();
    let seed: SeedFile =
        serde_json::from_str(SEED).map_err(|e| corrupt(format!("cannot parse: {e}")))?;
    let mut summary = SeedSummary::default();
    let mut taken = HashSet::new();
    let mut ids = HashMap::new();
    for (pi, p) in seed.projects.iter().enumerate() {
        out.push(Write::Project(ProjectInfo {
            project_key: p.key.clone(),
            display_name: p.display_name.clone(),
            description: p.description.clone(),
        }));
        summary.projects += 1;
        for (fi, f) in p.fleets.iter().enumerate() {
            out.push(Write::Fleet {
                project: p.key.clone(),
                name: f.name.clone(),
            });
            summary.fleets += 1;
            for i in 0..f.devices {
                let uuid = device_uuid(&p.key, &f.name, i, &mut taken);
                let mut tags = f.tags.clone();
                for extra in &seed.extra_tags {
                    if extra.every > 0 && i % extra.every == extra.offset {
                        tags.push(extra.tag.clone());
                    }
                }
                let site = f
                    .sites
                    .get(i % f.sites.len().max(1))
                    .map_or("", String::as_str);
                let agent = if i % 9 == 4 { "5.8" } else { f.agent.as_str() };
                out.push(Write::Device(DeviceInfo {
                    device_uuid: uuid.clone(),
                    device_name: format!("{}-{:03}", f.prefix, i + 1),
                    project: p.key.clone(),
                    group: f.name.clone(),
                    description: f.describe.replace("{site}", site),
                    tags,
                    device_ip: Some(format!("10.{}.{}.{}", pi + 10, fi + 1, i % 250 + 2)),
                    agent_version: Some(agent.to_owned()),
                }));
                ids.insert((p.key.clone(), f.name.clone(), i), uuid);
                summary.devices += 1;
            }
        }
    }
    for u in &seed.users {
        out.push(Write::User(UserInfo {
            username: u.username.clone(),
            email: Some(u.email.clone()),
            admin: Some(u.admin),
            status: Some("enabled".into()),
            realm: Some("internal".into()),
        }));
        for p in &u.projects {
            out.push(Write::Membership {
                username: u.username.clone(),
                project: p.clone(),
            });
        }
        summary.users += 1;
    }
    for t in &seed.tokens {
        let scope_text = resolve_scope(&t.scope, &ids)?;
        let scope: Scope = scope_text
            .parse()
            .map_err(|e| corrupt(format!("scope {scope_text}: {e}")))?;
        // A secret nobody ever sees: only its hash is kept, so the token cannot be used.
        let secret = new_secret()?;
        let issued_at = now - (t.issued_days_ago * DAY) as i64;
        out.push(Write::Token(NewToken {
            token_id: uuid::Uuid::new_v4().to_string(),
            secret_hash: hash_secret(&secret),
            username: t.user.clone(),
            audience: if scope.is_custom() { "jfcon@*" } else { "*@*" }.to_owned(),
            scope: scope.to_string(),
            description: t.description.clone(),
            project_key: t.project.clone(),
            refreshable: t.refreshable,
            issued_at,
            expiry: t.expires_in_days.map(|d| now + (d * DAY) as i64),
        }));
        summary.tokens += 1;
    }
    Ok((out, summary))
}
