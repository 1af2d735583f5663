//! `Load<T>`: remote data as the model holds it.

use super::super::msg::ReqId;

/// Remote data as the model holds it; a result whose id is not the awaited one is ignored.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Load<T> {
    #[default]
    Idle,
    Loading(ReqId),
    Loaded(T),
    Failed(String),
}

impl<T> Load<T> {
    pub fn is_loading(&self) -> bool {
        matches!(self, Load::Loading(_))
    }
    pub fn awaits(&self, id: ReqId) -> bool {
        matches!(self, Load::Loading(x) if *x == id)
    }
}
