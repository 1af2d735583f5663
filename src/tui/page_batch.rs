//! Token pages waiting in the loop's channel, applied as one. Each append costs the table a pass
//! over every row already loaded (the merge into the sort order, the view), so a tab that falls
//! behind a large load takes the pages that piled up in one step instead of one by one: the
//! slower the tab, the larger its steps. Bounded, so one step stays short.

use tokio::sync::mpsc::UnboundedReceiver;

use super::msg::{Answer, Msg};

/// Most tokens one step takes (a page is at most 10,000; a JFrog list comes in 5,000s).
pub const MAX_BATCH: usize = 50_000;

/// When `msg` is a page with more to come, moves the same list's pages already waiting in `rx`
/// into it, in order, up to [`MAX_BATCH`] tokens; stops at the last page or the first other
/// message, which it hands back (it goes next, so no order changes).
pub fn take_waiting_pages(msg: &mut Msg, rx: &mut UnboundedReceiver<Msg>) -> Option<Msg> {
    let Msg::Reply {
        owner,
        id,
        answer: Answer::Page(Ok(page)),
    } = msg
    else {
        return None;
    };
    while page.more && page.tokens.len() < MAX_BATCH {
        match rx.try_recv().ok()? {
            Msg::Reply {
                owner: o,
                id: i,
                answer: Answer::Page(Ok(next)),
            } if o == *owner && i == *id => {
                page.tokens.extend(next.tokens);
                page.more = next.more;
                page.estimate = next.estimate.or(page.estimate);
                if page.changes.is_none() {
                    page.changes = next.changes;
                }
            }
            other => return Some(other),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use tokio::sync::mpsc;

    use super::*;
    use crate::model::wire::TokenInfo;
    use crate::tui::msg::{CallError, Owner, ReqId, TokenPage};

    fn page(ids: std::ops::Range<usize>, more: bool, id: u64) -> Msg {
        let tokens = ids
            .map(|i| {
                serde_json::from_value::<TokenInfo>(
                    serde_json::json!({"token_id": format!("t{i}")}),
                )
                .expect("a token")
            })
            .collect();
        Msg::Reply {
            owner: Owner::Table,
            id: ReqId(id),
            answer: Answer::Page(Ok(TokenPage {
                tokens,
                more,
                estimate: Some(ids_total()),
                changes: (id == 1).then(|| "c".to_owned()),
            })),
        }
    }

    fn ids_total() -> u64 {
        99
    }

    fn ids_of(msg: &Msg) -> (Vec<String>, bool) {
        match msg {
            Msg::Reply {
                answer: Answer::Page(Ok(p)),
                ..
            } => (
                p.tokens.iter().map(|t| t.token_id.clone()).collect(),
                p.more,
            ),
            other => panic!("not a page: {other:?}"),
        }
    }

    fn names(r: std::ops::Range<usize>) -> Vec<String> {
        r.map(|i| format!("t{i}")).collect()
    }

    #[test]
    fn waiting_pages_of_the_same_list_join_in_order_up_to_the_last() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        tx.send(page(2..4, true, 1)).unwrap();
        tx.send(page(4..5, false, 1)).unwrap();
        tx.send(page(9..10, true, 1)).unwrap(); // after the last page: not taken
        let mut first = page(0..2, true, 1);
        assert!(take_waiting_pages(&mut first, &mut rx).is_none());
        assert_eq!(ids_of(&first), (names(0..5), false));
        assert_eq!(ids_of(&rx.try_recv().unwrap()).0, names(9..10));
    }

    #[test]
    fn another_message_stops_the_batch_and_goes_next() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        tx.send(page(2..3, true, 1)).unwrap();
        tx.send(page(3..4, true, 7)).unwrap(); // another list
        tx.send(page(4..5, true, 1)).unwrap();
        let mut first = page(0..2, true, 1);
        let other = take_waiting_pages(&mut first, &mut rx).expect("the other list's page");
        assert_eq!(ids_of(&first), (names(0..3), true));
        assert_eq!(ids_of(&other).0, names(3..4));
        // A failed page is not joined either.
        let err = Msg::Reply {
            owner: Owner::Table,
            id: ReqId(1),
            answer: Answer::Page(Err(CallError::Lost)),
        };
        tx.send(err).unwrap();
        let mut next = rx.try_recv().unwrap();
        let stop = take_waiting_pages(&mut next, &mut rx).expect("the failure");
        assert_eq!(ids_of(&next), (names(4..5), true));
        assert!(matches!(
            stop,
            Msg::Reply {
                answer: Answer::Page(Err(_)),
                ..
            }
        ));
    }

    #[test]
    fn a_batch_stops_at_its_bound() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let step = MAX_BATCH / 4;
        for k in 1..8 {
            tx.send(page(k * step..(k + 1) * step, true, 1)).unwrap();
        }
        let mut first = page(0..step, true, 1);
        assert!(take_waiting_pages(&mut first, &mut rx).is_none());
        assert_eq!(ids_of(&first).0, names(0..MAX_BATCH));
        assert_eq!(
            ids_of(&rx.try_recv().unwrap()).0[0],
            format!("t{MAX_BATCH}")
        );
    }
}
