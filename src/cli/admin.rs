//! clap definitions of `tokentab admin …` (issue 17), nothing else: a team's users, projects,
//! members, fleets and devices on a `tokentab serve` (users, projects and members on a JFrog
//! Platform too). Every command needs a platform admin token.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use super::ServerArgs;

/// What every admin command takes: `--json` and the server flags.
#[derive(Debug, Args, Clone, Default)]
pub struct AdminCommon {
    /// Print the server's answer as JSON instead of a table or a line.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub server: ServerArgs,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// People: list, add, disable, enable, remove.
    #[command(subcommand)]
    Users(UsersCommand),
    /// Projects: list, add, remove.
    #[command(subcommand)]
    Projects(ProjectsCommand),
    /// Who belongs to a project (their Connect-scoped tokens on it work only while they do).
    #[command(subcommand)]
    Members(MembersCommand),
    /// Fleets (Connect's device groups) of a project.
    #[command(subcommand)]
    Fleets(FleetsCommand),
    /// Devices of a project: list, add, remove, import from CSV or JSON Lines.
    #[command(subcommand)]
    Devices(DevicesCommand),
    /// The lifetime a token created without one gets (JFrog's default_expiry): shown, set
    /// (`30d`, `12h`, `3600` seconds; at most the server's --max-expiry) or --reset to the
    /// server's own (a year, capped by --max-expiry). Every replica's next create uses it.
    DefaultExpiry {
        #[arg(value_name = "DURATION")]
        value: Option<String>,
        /// Go back to the server's own default.
        #[arg(long)]
        reset: bool,
        #[command(flatten)]
        common: AdminCommon,
    },
    /// Webhook deliveries (`serve --webhook`): list them, retry a dead letter.
    #[command(subcommand)]
    Webhooks(super::webhooks::WebhooksCommand),
}

impl AdminCommand {
    /// The common flags of whichever command this is.
    pub fn common_mut(&mut self) -> &mut AdminCommon {
        match self {
            AdminCommand::Users(c) => match c {
                UsersCommand::List { common, .. }
                | UsersCommand::Add { common, .. }
                | UsersCommand::Disable { common, .. }
                | UsersCommand::Enable { common, .. }
                | UsersCommand::Remove { common, .. } => common,
            },
            AdminCommand::Projects(c) => match c {
                ProjectsCommand::List { common }
                | ProjectsCommand::Add { common, .. }
                | ProjectsCommand::Remove { common, .. } => common,
            },
            AdminCommand::Members(c) => match c {
                MembersCommand::List { common, .. }
                | MembersCommand::Add { common, .. }
                | MembersCommand::Remove { common, .. } => common,
            },
            AdminCommand::Fleets(c) => match c {
                FleetsCommand::List { common, .. }
                | FleetsCommand::Add { common, .. }
                | FleetsCommand::Remove { common, .. } => common,
            },
            AdminCommand::Devices(c) => match c {
                DevicesCommand::List { common, .. }
                | DevicesCommand::Add { common, .. }
                | DevicesCommand::Remove { common, .. } => common,
                DevicesCommand::Import(a) => &mut a.common,
            },
            AdminCommand::DefaultExpiry { common, .. } => common,
            AdminCommand::Webhooks(c) => match c {
                super::webhooks::WebhooksCommand::List { common, .. }
                | super::webhooks::WebhooksCommand::Retry { common, .. } => common,
            },
        }
    }

    /// Whether it changes anything (refused with --readonly).
    pub fn writes(&self) -> bool {
        !matches!(
            self,
            AdminCommand::Users(UsersCommand::List { .. })
                | AdminCommand::Projects(ProjectsCommand::List { .. })
                | AdminCommand::Members(MembersCommand::List { .. })
                | AdminCommand::Fleets(FleetsCommand::List { .. })
                | AdminCommand::Devices(DevicesCommand::List { .. })
                | AdminCommand::DefaultExpiry {
                    value: None,
                    reset: false,
                    ..
                }
                | AdminCommand::Webhooks(super::webhooks::WebhooksCommand::List { .. })
        ) && !matches!(self, AdminCommand::Devices(DevicesCommand::Import(a)) if a.dry_run)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UserStatus {
    Enabled,
    Disabled,
}

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Enabled => "enabled",
            UserStatus::Disabled => "disabled",
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// List users.
    List {
        /// Only users in this state.
        #[arg(long, value_enum, value_name = "STATE")]
        status: Option<UserStatus>,
        #[command(flatten)]
        common: AdminCommon,
    },
    /// Add a user (they sign in with the tokens an admin makes for them: no password).
    Add {
        /// 1-64 lowercase letters, digits and . _ - @, starting with a letter or digit.
        #[arg(value_name = "USER")]
        username: String,
        /// Their email address.
        #[arg(long, value_name = "ADDRESS")]
        email: Option<String>,
        /// Make them a platform admin.
        #[arg(long)]
        admin: bool,
        #[command(flatten)]
        common: AdminCommon,
    },
    /// Disable a user: their tokens are refused at once, until enabled again.
    Disable {
        #[arg(value_name = "USER")]
        username: String,
        #[command(flatten)]
        common: AdminCommon,
    },
    /// Enable a disabled user: their live tokens work again.
    Enable {
        #[arg(value_name = "USER")]
        username: String,
        #[command(flatten)]
        common: AdminCommon,
    },
    /// Remove a user and revoke all their tokens.
    Remove {
        #[arg(value_name = "USER")]
        username: String,
        #[command(flatten)]
        common: AdminCommon,
    },
}

#[derive(Debug, Subcommand)]
pub enum ProjectsCommand {
    /// List projects.
    List {
        #[command(flatten)]
        common: AdminCommon,
    },
    /// Add a project.
    Add {
        /// 2-32 lowercase letters, digits and -, starting with a letter.
        #[arg(value_name = "KEY")]
        key: String,
        /// Default: the key.
        #[arg(long, value_name = "NAME")]
        display_name: Option<String>,
        /// What the project is for.
        #[arg(long, value_name = "TEXT")]
        description: Option<String>,
        #[command(flatten)]
        common: AdminCommon,
    },
    /// Remove a project (refused while live tokens or devices name it, unless --force).
    Remove {
        #[arg(value_name = "KEY")]
        key: String,
        /// Also revoke the tokens that name it and delete its devices and fleets.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        common: AdminCommon,
    },
}

#[derive(Debug, Subcommand)]
pub enum MembersCommand {
    /// List the members of a project and their roles.
    List {
        #[arg(value_name = "PROJECT")]
        project: String,
        #[command(flatten)]
        common: AdminCommon,
    },
    /// Add a user to a project (or set the roles of a member).
    Add {
        #[arg(value_name = "PROJECT")]
        project: String,
        #[arg(value_name = "USER")]
        user: String,
        /// A role to record (repeat for more); roles grant nothing beyond membership here.
        #[arg(long = "role", value_name = "ROLE")]
        roles: Vec<String>,
        #[command(flatten)]
        common: AdminCommon,
    },
    /// Remove a user from a project: their tokens for it stop working at once.
    Remove {
        #[arg(value_name = "PROJECT")]
        project: String,
        #[arg(value_name = "USER")]
        user: String,
        #[command(flatten)]
        common: AdminCommon,
    },
}

#[derive(Debug, Subcommand)]
pub enum FleetsCommand {
    /// List the fleets of a project.
    List {
        /// The project's key.
        #[arg(long, value_name = "KEY")]
        project: String,
        #[command(flatten)]
        common: AdminCommon,
    },
    /// Add a fleet to a project.
    Add {
        /// The project's key.
        #[arg(long, value_name = "KEY")]
        project: String,
        #[arg(value_name = "NAME")]
        name: String,
        #[command(flatten)]
        common: AdminCommon,
    },
    /// Remove a fleet (refused while it holds devices, unless --force).
    Remove {
        /// The project's key.
        #[arg(long, value_name = "KEY")]
        project: String,
        #[arg(value_name = "NAME")]
        name: String,
        /// Also delete its devices.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        common: AdminCommon,
    },
}

#[derive(Debug, Subcommand)]
pub enum DevicesCommand {
    /// List the devices of a project.
    List {
        /// The project's key.
        #[arg(long, value_name = "KEY")]
        project: String,
        /// Only the devices of this fleet.
        #[arg(long, value_name = "NAME")]
        fleet: Option<String>,
        #[command(flatten)]
        common: AdminCommon,
    },
    /// Register a device (tokentab serve only: JFrog Connect registers devices through its
    /// agent).
    Add {
        /// The project's key.
        #[arg(long, value_name = "KEY")]
        project: String,
        /// The device's name.
        #[arg(long, value_name = "NAME")]
        name: String,
        /// The fleet it belongs to (it must exist).
        #[arg(long, value_name = "NAME")]
        fleet: String,
        /// Its id; default: a new d-xxxx-xxxx.
        #[arg(long, value_name = "UUID")]
        id: Option<String>,
        /// A tag (repeat for more).
        #[arg(long = "tag", value_name = "TAG")]
        tags: Vec<String>,
        /// What the device is.
        #[arg(long, value_name = "TEXT")]
        description: Option<String>,
        #[command(flatten)]
        common: AdminCommon,
    },
    /// Delete a device; says how many live tokens named it.
    Remove {
        /// The project's key.
        #[arg(long, value_name = "KEY")]
        project: String,
        #[arg(value_name = "UUID")]
        uuid: String,
        #[command(flatten)]
        common: AdminCommon,
    },
    /// Add or update many devices at once from CSV or JSON Lines: all rows or none.
    Import(ImportArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ImportFileFormat {
    Csv,
    Jsonl,
}

/// `tokentab admin devices import`.
#[derive(Debug, Args, Clone)]
#[command(
    after_help = "CSV: a header line naming the columns device_name and fleet, and \
    optionally device_uuid, tags and description, in any order; tags separated by ; inside \
    their field; quotes as RFC 4180. JSON Lines: one object per line with the same fields \
    (tags a list). A row whose device_uuid exists updates that device; one without a \
    device_uuid gets a new id. Any bad row: nothing is imported and every bad row is listed \
    (line N: field: why), exit 1. At most 100,000 rows and 16 MiB."
)]
pub struct ImportArgs {
    /// The project's key.
    #[arg(long, value_name = "KEY")]
    pub project: String,
    /// The file to import; - reads standard input.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Check every row and print what would change (one line per change); change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The file's format; default: from its extension (.csv, .jsonl, .ndjson), else from its
    /// first character ({ means JSON Lines).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<ImportFileFormat>,
    #[command(flatten)]
    pub common: AdminCommon,
}
