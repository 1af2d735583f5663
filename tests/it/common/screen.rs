//! Reading what a screen shows (a TestBackend frame or a tmux capture): the same text either way.

/// The secret shown in the secret view (`tkt_…` with a good checksum, or a legacy one).
pub fn secret_on(screen: &str) -> String {
    let found: Vec<&str> = screen
        .split(|c: char| c.is_whitespace() || c == '│')
        .filter(|w| tokentab::model::token_format::is_well_formed(w))
        .collect();
    assert_eq!(found.len(), 1, "one secret on screen:\n{screen}");
    found[0].to_owned()
}

/// The token id shown in the secret view ("Token ID <id>").
pub fn token_id_on(screen: &str) -> String {
    screen
        .lines()
        .filter_map(|l| l.split("│Token ID ").nth(1))
        .filter_map(|rest| rest.split_whitespace().next())
        .find(|id| id.len() >= 32)
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("no token id on screen:\n{screen}"))
}

/// The service URL from the header line: " tokentab · http://127.0.0.1:PORT (embedded) · …".
pub fn url_on(screen: &str) -> String {
    screen
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("no service URL in the header:\n{screen}"))
}

/// The line of `screen` holding `needle`.
pub fn row_of<'a>(screen: &'a str, needle: &str) -> &'a str {
    screen
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no row with {needle}:\n{screen}"))
}

/// The user name of a `jfac@…/users/NAME` subject.
pub fn username(subject: &str) -> &str {
    subject.rsplit('/').next().unwrap_or(subject)
}
