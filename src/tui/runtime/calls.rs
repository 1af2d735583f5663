//! The request dispatch: each `Effect::Call` becomes a spawned task (abortable, bounded by the
//! timeout) whose result comes back to the loop as a message.

use std::future::Future;

use crate::api::connect::DeviceQuery;
use crate::api::{ApiError, Client, user_is_disabled};
use crate::model::EntityKind;
use crate::tui::msg::{
    Answer, ApiResult, CallError, Msg, Owner, PickItem, PickKind, PickPage, PickQuery, ReqId,
    Request,
};
use crate::tui::switch::Session;
use crate::tui::token_stream::stream_tokens;

use super::Runner;

impl Runner {
    /// Runs one request for `owner`; its answer comes back as `Msg::Reply { owner, id, … }`.
    pub(super) fn call(&mut self, owner: Owner, id: ReqId, request: Request) {
        let c = self.deps.client.clone();
        let reply = move |answer| Msg::Reply { owner, id, answer };
        match request {
            Request::Me => self.spawn(id, async move { c.get_me().await }, move |r| {
                reply(Answer::Token(r))
            }),
            Request::ListTokens => {
                let stream =
                    stream_tokens(c, self.deps.request_timeout, self.tx.clone(), move |r| {
                        reply(Answer::Page(r))
                    });
                self.tasks.insert(id, tokio::spawn(stream).abort_handle());
            }
            Request::GetToken(tid) => {
                self.spawn(id, async move { c.get_token(&tid).await }, move |r| {
                    reply(Answer::Token(r))
                })
            }
            Request::CreateToken(req) => {
                self.spawn(id, async move { c.create_token(&req).await }, move |r| {
                    reply(Answer::Created(r))
                })
            }
            Request::RevokeToken(tid) => {
                self.spawn(id, async move { c.revoke_token(&tid).await }, move |r| {
                    reply(Answer::Revoked(r))
                })
            }
            Request::BulkRevoke(ids) => self.spawn(
                id,
                async move {
                    c.bulk_revoke(&crate::api::bulk_revoke::ids_request(ids))
                        .await
                },
                move |r| reply(Answer::BulkRevoked(r)),
            ),
            Request::Pick(q) => self.spawn(id, pick(c, q), move |r| reply(Answer::Picked(r))),
            Request::TokenLimits => {
                self.spawn(id, async move { c.token_limits().await }, move |r| {
                    reply(Answer::Limits(r))
                })
            }
            Request::DeviceNames(devices) => self.spawn(
                id,
                async move { Ok::<_, ApiError>(c.device_names(devices).await) },
                move |r| reply(Answer::DeviceNames(r.unwrap_or_default())),
            ),
            Request::ListAudit(q) => {
                self.spawn(id, async move { c.list_audit(&q).await }, move |r| {
                    reply(Answer::Audit(r))
                })
            }
            Request::Connect(key) => self.connect(id, key, move |r| reply(Answer::Connected(r))),
            Request::TokensById(ids) => self.spawn(
                id,
                crate::tui::token_refresh::tokens_by_id(c, ids),
                move |r| reply(Answer::TokensById(r)),
            ),
            Request::TokenChanges(cursor) => self.spawn(
                id,
                async move { c.token_changes(&cursor).await },
                move |r| reply(Answer::Changes(r)),
            ),
            Request::ExportCsv {
                path,
                tokens,
                now,
                overwrite,
            } => {
                let tx = self.tx.clone();
                tokio::task::spawn_blocking(move || {
                    let r = crate::tui::export_file::write_csv_file(&path, &tokens, now, overwrite);
                    let _ = tx.send(reply(Answer::Exported(r)));
                });
            }
        }
    }

    /// Spawns a switch through the connector (cancellable like a call).
    fn connect(
        &mut self,
        id: ReqId,
        key: String,
        wrap: impl FnOnce(Result<Session, String>) -> Msg + Send + 'static,
    ) {
        let tx = self.tx.clone();
        let Some(connector) = self.deps.connector.clone() else {
            let _ = tx.send(wrap(Err("switching servers is not available here".into())));
            return;
        };
        let check = self.deps.request_timeout;
        let task = tokio::spawn(async move {
            let r = crate::tui::switch::connect_and_check(connector, key, check).await;
            let _ = tx.send(wrap(r));
        });
        self.tasks.insert(id, task.abort_handle());
    }

    /// Spawns one API call with its id: abortable (Esc), bounded by the timeout; its result
    /// comes back as a message.
    fn spawn<T, F>(
        &mut self,
        id: ReqId,
        fut: F,
        wrap: impl FnOnce(ApiResult<T>) -> Msg + Send + 'static,
    ) where
        T: Send + 'static,
        F: Future<Output = Result<T, ApiError>> + Send + 'static,
    {
        let tx = self.tx.clone();
        let timeout = self.deps.request_timeout;
        let inner = tokio::spawn(tokio::time::timeout(timeout, fut));
        self.tasks.insert(id, inner.abort_handle());
        tokio::spawn(async move {
            let msg = match inner.await {
                Ok(Ok(r)) => wrap(r.map_err(CallError::Api)),
                Ok(Err(_)) => wrap(Err(CallError::TimedOut {
                    secs: timeout.as_secs(),
                })),
                Err(e) if e.is_cancelled() => return,
                Err(_) => wrap(Err(CallError::Lost)),
            };
            let _ = tx.send(msg);
        });
    }
}

/// Items asked for per picker page.
const PAGE: u32 = 200;

/// One picker page from the API, its entries as the model words them. Servers that ignore the
/// search get filtered by the picker.
async fn pick(c: Client, q: PickQuery) -> Result<PickPage, ApiError> {
    fn items<T: Into<PickItem>>(list: Vec<T>) -> Vec<PickItem> {
        list.into_iter().map(Into::into).collect()
    }
    let search = (!q.search.is_empty()).then_some(q.search.clone());
    let project = q.project.unwrap_or_default();
    Ok(match q.kind {
        PickKind::User => {
            // Only enabled users: asked of the server, and a server that ignores the
            // parameter still has its disabled users dropped here.
            let page = c
                .list_users_page_with(
                    search.as_deref(),
                    Some("enabled"),
                    q.cursor.as_deref(),
                    Some(PAGE),
                )
                .await?;
            let enabled = page.users.into_iter().filter(|u| !user_is_disabled(u));
            PickPage {
                items: items(enabled.collect()),
                next: page.cursor,
            }
        }
        PickKind::Entity(EntityKind::Project) => PickPage {
            items: items(c.list_projects().await?),
            next: None,
        },
        PickKind::Entity(EntityKind::Fleet) => PickPage {
            items: items(c.list_fleets(&project).await?),
            next: None,
        },
        PickKind::Entity(EntityKind::Device) => {
            let query = DeviceQuery {
                fleet: None,
                search,
                after: q.cursor,
                limit: Some(PAGE),
            };
            let page = c.list_devices_page(&project, &query).await?;
            PickPage {
                items: items(page.devices),
                next: page.after,
            }
        }
    })
}
