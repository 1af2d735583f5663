//! clap definitions (derive), nothing else.
