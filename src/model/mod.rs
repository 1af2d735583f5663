//! Domain types shared by the service, the client and the TUI. No I/O, no async.

pub mod admin;
pub mod bulk_revoke;
pub mod clock;
pub mod counts;
pub mod csv;
pub mod device_import;
pub mod duration;
pub mod entity;
pub mod expiry;
pub mod filter_query;
pub mod lookup;
pub mod rotate;
pub mod sanitize;
pub mod scope;
pub mod settings;
pub mod token;
pub mod token_format;
pub mod webhook;
pub mod wire;

pub use entity::{EntityKind, EntityRef, IdError};
pub use expiry::{Expiry, ExpiryError};
pub use scope::{Actions, Scope, ScopeError, ScopeItem};
pub use token::{Token, TokenStatus};
