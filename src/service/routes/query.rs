//! Query strings and form bodies as key/value pairs, with JFrog-style 400s for bad values.

use super::super::error::ApiErr;

pub struct Params(Vec<(String, String)>);

impl Params {
    pub fn parse(raw: Option<&str>) -> Params {
        Self::from_bytes(raw.unwrap_or_default().as_bytes())
    }

    pub fn from_bytes(bytes: &[u8]) -> Params {
        Params(
            form_urlencoded::parse(bytes)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }

    /// The last value given for `key`; an empty value counts as absent.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// Every value of a repeatable key; `a,b` counts as two.
    pub fn all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect()
    }

    pub fn bool(&self, key: &str) -> Result<Option<bool>, ApiErr> {
        match self.get(key).map(str::to_ascii_lowercase).as_deref() {
            None => Ok(None),
            Some("true" | "1" | "yes") => Ok(Some(true)),
            Some("false" | "0" | "no") => Ok(Some(false)),
            Some(_) => Err(ApiErr::bad_request(format!("{key} must be true or false"))),
        }
    }

    /// A whole number in `min..=max`, or absent.
    pub fn number(&self, key: &str, min: u32, max: u32) -> Result<Option<u32>, ApiErr> {
        let Some(v) = self.get(key) else {
            return Ok(None);
        };
        match v.trim().parse::<u32>() {
            Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
            _ => Err(ApiErr::bad_request(format!(
                "{key} must be a whole number from {min} to {max}"
            ))),
        }
    }

    /// `cursor` of a list paged backwards by row number (the audit trail, webhook deliveries):
    /// the last number seen, a whole number above 0.
    pub fn seq_cursor(&self) -> Result<Option<i64>, ApiErr> {
        let Some(c) = self.get("cursor") else {
            return Ok(None);
        };
        c.parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .map(Some)
            .ok_or_else(|| ApiErr::bad_request("cursor is not valid (start over)"))
    }
}
