//! The layers a setting can come from, and the small readers each setting uses to pick the
//! first layer that has it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::error::ConfigError;
use super::{Env, Inputs, Source};
use crate::model::settings::Setting;

/// Settings by name -> the layer each came from (for `config show`).
pub(super) type Sources = BTreeMap<&'static str, Source>;

/// The first candidate present, highest layer first.
pub(super) fn first<T, const N: usize>(cands: [Option<(T, Source)>; N]) -> Option<(T, Source)> {
    cands.into_iter().flatten().next()
}

/// The first candidate present, or `default`; records the layer under `name`.
pub(super) fn pick<T, const N: usize>(
    sources: &mut Sources,
    name: &'static str,
    cands: [Option<(T, Source)>; N],
    default: T,
) -> T {
    let (v, s) = first(cands).unwrap_or((default, Source::Default));
    sources.insert(name, s);
    v
}

pub(super) fn env_val(env: &Env, var: &str) -> Option<(String, Source)> {
    env.get(var)
        .map(|v| (v.to_string(), Source::Env(var.to_string())))
}

pub(super) fn env_bool(env: &Env, var: &str) -> Result<Option<(bool, Source)>, ConfigError> {
    let Some(v) = env.get(var) else {
        return Ok(None);
    };
    let b = match v.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => true,
        "0" | "false" | "no" | "off" => false,
        _ => {
            return Err(ConfigError::BadValue {
                name: var.into(),
                value: v.into(),
                expected: "use true or false (1/0, yes/no, on/off)".into(),
            });
        }
    };
    Ok(Some((b, Source::Env(var.into()))))
}

pub(super) fn env_u64(env: &Env, var: &str) -> Result<Option<(u64, Source)>, ConfigError> {
    let Some(v) = env.get(var) else {
        return Ok(None);
    };
    let n = v.trim().parse().map_err(|_| ConfigError::BadValue {
        name: var.into(),
        value: v.into(),
        expected: "a whole number of seconds".into(),
    })?;
    Ok(Some((n, Source::Env(var.into()))))
}

/// A settings enum from the environment variable `var`: the config file's names, in any case.
pub(super) fn env_setting<T: Setting>(
    env: &Env,
    var: &str,
) -> Result<Option<(T, Source)>, ConfigError> {
    let Some(v) = env.get(var) else {
        return Ok(None);
    };
    let value = T::parse(v).ok_or_else(|| ConfigError::BadValue {
        name: var.into(),
        value: v.into(),
        expected: T::one_of(),
    })?;
    Ok(Some((value, Source::Env(var.into()))))
}

pub(super) fn normalize(url: &str) -> String {
    url.trim().trim_end_matches('/').to_string()
}

/// `embedded`, or an http(s) URL without the trailing slash.
pub(super) fn check_url(url: &str, from: &Source) -> Result<String, ConfigError> {
    let u = normalize(url);
    if u.eq_ignore_ascii_case("embedded") {
        return Ok("embedded".into());
    }
    let lower = u.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    match rest {
        Some(host)
            if !host.is_empty() && !u.chars().any(|c| c.is_whitespace() || c.is_control()) =>
        {
            Ok(u)
        }
        _ => Err(ConfigError::BadValue {
            name: format!("the URL (from {from})"),
            value: url.into(),
            expected: "use http://HOST[:PORT] or https://HOST, or `embedded`".into(),
        }),
    }
}

pub(super) fn expand(p: &Path, inp: &Inputs) -> PathBuf {
    match (p.strip_prefix("~"), &inp.home) {
        (Ok(rest), Some(home)) => home.join(rest),
        _ => p.to_path_buf(),
    }
}
