//! `tokentab tokens revoke --scope TARGET [--exact] | --user NAME | --filter WORDS` (issue 20,
//! item 3): a dry run listing what would go (and what is kept, and why) unless `--yes`; one
//! request to the service's bulk endpoint, or, against a server without it (a JFrog
//! Platform), the same selectors applied to the listing and the tokens revoked one by one
//! (said on stderr). Exit 0 when the dry run listed something or every picked token was
//! revoked; 1 when nothing matched or one was not revoked.

use std::io::Write;
use std::process::ExitCode;

use crate::api::bulk_revoke::BulkAnswer;
use crate::api::{Client, RevokeOutcome};
use crate::cli::TokensCommand;
use crate::model::bulk_revoke::{BulkRevokeReply, BulkRevokeRequest, BulkToken, KEPT_ADMIN};
use crate::model::filter_query::FilterQuery;
use crate::model::sanitize::sanitize_line;
use crate::model::scope::selector::ScopeTarget;

use super::super::report::{Failure, write_json};

/// What the command line asked.
#[derive(Debug, Clone, Default)]
pub(super) struct BulkArgs {
    pub scope: Option<String>,
    pub exact: bool,
    pub user: Option<String>,
    pub filter: Option<String>,
    pub include_admin: bool,
    pub yes: bool,
    pub json: bool,
}

impl BulkArgs {
    /// The bulk part of a `tokens revoke` (empty for any other command).
    pub(super) fn of(cmd: &TokensCommand) -> BulkArgs {
        match cmd {
            TokensCommand::Revoke {
                scope,
                exact,
                user,
                filter,
                include_admin,
                yes,
                json,
                ..
            } => BulkArgs {
                scope: scope.clone(),
                exact: *exact,
                user: user.clone(),
                filter: filter.clone(),
                include_admin: *include_admin,
                yes: *yes,
                json: *json,
            },
            _ => BulkArgs::default(),
        }
    }

    pub(super) fn asked(&self) -> bool {
        self.scope.is_some() || self.user.is_some() || self.filter.is_some()
    }

    /// Usage checks with no server: the target and the filter words parse.
    pub(super) fn check(&self) -> Result<(), Failure> {
        if let Some(s) = &self.scope {
            s.parse::<ScopeTarget>()
                .map_err(|e| Failure::Usage(format!("--scope: {e}")))?;
        }
        if let Some(f) = &self.filter {
            FilterQuery::parse(f).map_err(|e| Failure::Usage(format!("--filter: {e}")))?;
        }
        Ok(())
    }

    fn request(&self) -> BulkRevokeRequest {
        BulkRevokeRequest {
            scope: self.scope.clone(),
            exact: self.exact,
            user: self.user.clone(),
            filter: self.filter.clone(),
            token_ids: None,
            include_admin: self.include_admin,
            dry_run: !self.yes,
        }
    }
}

pub(super) async fn bulk_revoke(client: &Client, args: &BulkArgs) -> Result<ExitCode, Failure> {
    let req = args.request();
    let reply = match client.bulk_revoke(&req).await? {
        BulkAnswer::Done(r) => r,
        BulkAnswer::NothingMatched(msg) => {
            if args.json {
                let empty = BulkRevokeReply {
                    dry_run: req.dry_run,
                    ..BulkRevokeReply::default()
                };
                write_json(&mut std::io::stdout().lock(), &empty, true)?;
            }
            return Err(Failure::Other(msg));
        }
        BulkAnswer::NoEndpoint => one_by_one(client, &req).await?,
    };
    if reply.matched == 0 {
        if args.json {
            write_json(&mut std::io::stdout().lock(), &reply, true)?;
        }
        return Err(Failure::Other(nothing(&reply)));
    }
    let mut out = std::io::stdout().lock();
    if args.json {
        write_json(&mut out, &reply, true)?;
    } else {
        write_text(&mut out, &reply, args.include_admin).map_err(Failure::from)?;
    }
    out.flush().map_err(Failure::from)?;
    Ok(if reply.dry_run || reply.revoked == reply.matched {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// A server without the endpoint: pick from the listing, revoke each (unless a dry run).
async fn one_by_one(client: &Client, req: &BulkRevokeRequest) -> Result<BulkRevokeReply, Failure> {
    eprintln!(
        "tokentab: this server has no bulk revoke: picking from its token list, revoking one by one"
    );
    let me = client.get_me().await.ok().map(|t| t.token_id);
    let mut reply = client.bulk_pick(req, me.as_deref()).await?;
    if req.dry_run {
        return Ok(reply);
    }
    let mut gone = Vec::new();
    for t in reply.tokens {
        match client.revoke_token(&t.token_id).await {
            Ok(RevokeOutcome::Revoked) => {
                reply.revoked += 1;
                gone.push(t);
            }
            Ok(RevokeOutcome::AlreadyGone) => eprintln!(
                "tokentab: {}: not revoked (already gone)",
                sanitize_line(&t.token_id)
            ),
            Err(e) => eprintln!(
                "tokentab: {}: {}",
                sanitize_line(&t.token_id),
                sanitize_line(&e.user_message())
            ),
        }
    }
    reply.tokens = gone;
    Ok(reply)
}

fn nothing(reply: &BulkRevokeReply) -> String {
    let mut msg = "no live token matches: nothing was revoked".to_owned();
    if !reply.kept.is_empty() {
        msg.push_str(&format!(
            " ({} kept: admin-scoped or your own)",
            reply.kept.len()
        ));
    }
    msg
}

fn line(out: &mut impl Write, t: &BulkToken) -> std::io::Result<()> {
    writeln!(
        out,
        "  {}  {}  {}  [{}]",
        sanitize_line(&t.token_id),
        sanitize_line(&t.username),
        sanitize_line(&t.description),
        sanitize_line(&t.scope),
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "token" } else { "tokens" }
}

fn write_text(
    out: &mut impl Write,
    r: &BulkRevokeReply,
    include_admin: bool,
) -> std::io::Result<()> {
    let n = r.tokens.len();
    if r.dry_run {
        writeln!(out, "would revoke {n} {}:", plural(n))?;
    } else {
        writeln!(out, "revoked {} {}:", r.revoked, plural(r.revoked as usize))?;
    }
    for t in &r.tokens {
        line(out, t)?;
    }
    let (admin, own): (Vec<&BulkToken>, Vec<&BulkToken>) = r
        .kept
        .iter()
        .partition(|t| t.kept_because.as_deref() == Some(KEPT_ADMIN));
    if !admin.is_empty() {
        writeln!(
            out,
            "kept {} admin-scoped {} (they reach everything; --include-admin takes them too):",
            admin.len(),
            plural(admin.len())
        )?;
        for t in admin {
            line(out, t)?;
        }
    } else if !include_admin {
        writeln!(out, "admin-scoped tokens are kept unless --include-admin")?;
    }
    if !own.is_empty() {
        writeln!(out, "kept your own token (revoke it by id):")?;
        for t in own {
            line(out, t)?;
        }
    }
    if r.dry_run {
        writeln!(
            out,
            "dry run: nothing was revoked; add --yes to revoke these {n}"
        )?;
    }
    Ok(())
}
