//! ApiError: reads JFrog's error bodies and says what went wrong in words a user can act on.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    #[error("not implemented yet")]
    Todo,
}
