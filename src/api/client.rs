//! Base URL, bearer auth, timeouts, retry policy (GET only), paging.

use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode, Url};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

use super::error::{ApiError, shorten};

#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    /// Retries for idempotent GETs (connect errors, 429, 502/503/504).
    pub max_retries: u32,
    /// Extra PEM root certificate(s).
    pub cacert_pem: Option<Vec<u8>>,
    pub insecure: bool,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            max_retries: 3,
            cacert_pem: None,
            insecure: false,
        }
    }
}

/// How long retries may wait: the first backoff step, the largest step, and the total over all
/// retries of one call. A `Retry-After` longer than what is left of the total is not waited for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryTiming {
    pub base: Duration,
    pub max_step: Duration,
    pub max_total: Duration,
}

impl Default for RetryTiming {
    fn default() -> Self {
        RetryTiming {
            base: Duration::from_millis(250),
            max_step: Duration::from_secs(4),
            max_total: Duration::from_secs(15),
        }
    }
}

/// Largest body read into memory.
const MAX_BODY: usize = 256 * 1024 * 1024;
/// Largest create response (holds a secret; JFrog's is ~2 KB).
const MAX_CREATE_BODY: usize = 1024 * 1024;

/// Cheap to clone (shares the connection pool); clones go into spawned API tasks.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: Url,
    base_text: String,
    token: SecretString,
    max_retries: u32,
    timing: RetryTiming,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base_text)
            .field("token", &"[REDACTED]")
            .finish()
    }
}

impl Client {
    pub fn new(base_url: &str, token: SecretString, opts: ClientOptions) -> Result<Self, ApiError> {
        // reqwest is built without a default crypto provider; install ring once per process.
        let _ = rustls::crypto::ring::default_provider().install_default();

        let trimmed = base_url.trim().trim_end_matches('/');
        let base = Url::parse(trimmed).map_err(|e| ApiError::InvalidUrl {
            message: shorten(&format!("{trimmed}: {e}")),
        })?;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(ApiError::InvalidUrl {
                message: shorten(&format!("{trimmed}: use http:// or https://")),
            });
        }
        if !base.username().is_empty() || base.password().is_some() {
            return Err(ApiError::InvalidUrl {
                message: "credentials in the URL are not allowed; use TOKENTAB_TOKEN".into(),
            });
        }
        let mut builder = reqwest::Client::builder()
            .connect_timeout(opts.connect_timeout)
            .timeout(opts.request_timeout)
            .user_agent(concat!("tokentab/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none());
        if let Some(pem) = &opts.cacert_pem {
            let certs =
                reqwest::Certificate::from_pem_bundle(pem).map_err(|e| ApiError::Setup {
                    message: shorten(&format!("the CA certificate file is not valid PEM: {e}")),
                })?;
            if certs.is_empty() {
                return Err(ApiError::Setup {
                    message: "the CA certificate file holds no certificate".into(),
                });
            }
            builder = builder.tls_certs_merge(certs);
        }
        if opts.insecure {
            builder = builder.tls_danger_accept_invalid_certs(true);
        }
        let http = builder.build().map_err(|e| ApiError::Setup {
            message: shorten(&e.to_string()),
        })?;
        Ok(Client {
            http,
            base_text: base.as_str().trim_end_matches('/').to_owned(),
            base,
            token,
            max_retries: opts.max_retries,
            timing: RetryTiming::default(),
        })
    }

    /// The base URL as given (no trailing slash).
    pub fn base_url(&self) -> &str {
        &self.base_text
    }

    /// Replaces the retry timing (tests use short steps).
    pub fn with_retry_timing(mut self, timing: RetryTiming) -> Self {
        self.timing = timing;
        self
    }

    /// `base` + the segments, each percent-encoded as one path segment.
    pub(crate) fn url(&self, segments: &[&str]) -> Result<Url, ApiError> {
        // The url crate drops "." and ".." segments: `revoke("..")` must not become a DELETE
        // on the collection.
        if let Some(bad) = segments
            .iter()
            .find(|s| matches!(s.trim(), "" | "." | ".."))
        {
            return Err(ApiError::InvalidArgument {
                message: format!("{bad:?} is not a valid id"),
            });
        }
        let mut url = self.base.clone();
        {
            let mut path = url.path_segments_mut().map_err(|_| ApiError::InvalidUrl {
                message: shorten(&self.base_text),
            })?;
            path.pop_if_empty();
            path.extend(segments);
        }
        Ok(url)
    }

    fn request(&self, method: Method, url: Url) -> reqwest::RequestBuilder {
        self.http
            .request(method, url)
            .bearer_auth(self.token.expose_secret())
            .header(reqwest::header::ACCEPT, "application/json")
    }

    /// GET with retries; returns the body of a 2xx answer.
    pub(crate) async fn get_bytes(
        &self,
        segments: &[&str],
        query: &[(&str, String)],
    ) -> Result<Vec<u8>, ApiError> {
        read_success(self.get_head(segments, query).await?).await
    }

    /// A GET with the usual retries, answered with a success status: its headers are in, its
    /// body is still to be read ([`read_success`]). Any other answer is the error it says.
    pub(crate) async fn get_head(
        &self,
        segments: &[&str],
        query: &[(&str, String)],
    ) -> Result<reqwest::Response, ApiError> {
        let url = self.url(segments)?;
        let mut attempt = 0u32;
        let mut waited = Duration::ZERO;
        loop {
            let sent = self
                .request(Method::GET, url.clone())
                .query(query)
                .send()
                .await;
            let wait = match &sent {
                // Retry-After is honoured where the server sends it (429, and 503 per RFC 9110).
                Ok(resp) if retryable_status(resp.status()) => {
                    Some(retry_after(resp.headers()).unwrap_or_else(|| self.backoff(attempt)))
                }
                Err(e) if e.is_connect() => Some(self.backoff(attempt)),
                _ => None,
            };
            match wait {
                Some(w) if attempt < self.max_retries && waited + w <= self.timing.max_total => {
                    tracing::debug!(attempt, wait_ms = w.as_millis() as u64, %url, "retrying GET");
                    drop(sent);
                    tokio::time::sleep(w).await;
                    waited += w;
                    attempt += 1;
                }
                _ => {
                    let resp = sent.map_err(|e| ApiError::from_reqwest(&e))?;
                    if resp.status().is_success() {
                        return Ok(resp);
                    }
                    return Err(read_success(resp)
                        .await
                        .err()
                        .unwrap_or_else(|| ApiError::decode("response", "unexpected status")));
                }
            }
        }
    }

    pub(crate) async fn get_json<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        query: &[(&str, String)],
        what: &str,
    ) -> Result<T, ApiError> {
        let body = self.get_bytes(segments, query).await?;
        serde_json::from_slice(&body).map_err(|e| ApiError::decode(what, e))
    }

    /// One attempt, never retried (POST, PATCH, DELETE). Returns the response of any status;
    /// callers decide what success is.
    pub(crate) async fn send_once<B: serde::Serialize + ?Sized>(
        &self,
        method: Method,
        segments: &[&str],
        json: Option<&B>,
    ) -> Result<reqwest::Response, ApiError> {
        self.send_query(method, segments, &[], json).await
    }

    /// [`Client::send_once`] with a query string.
    pub(crate) async fn send_query<B: serde::Serialize + ?Sized>(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, String)],
        json: Option<&B>,
    ) -> Result<reqwest::Response, ApiError> {
        let body = match json {
            Some(body) => Some((
                "application/json",
                serde_json::to_vec(body).map_err(|e| ApiError::Setup {
                    message: shorten(&format!("cannot encode the request: {e}")),
                })?,
            )),
            None => None,
        };
        self.send_raw(method, segments, query, body).await
    }

    /// One attempt, never retried, with a body of any content type (`(content type, bytes)`).
    pub(crate) async fn send_raw(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, String)],
        body: Option<(&str, Vec<u8>)>,
    ) -> Result<reqwest::Response, ApiError> {
        let url = self.url(segments)?;
        let mut req = self.request(method, url);
        if !query.is_empty() {
            req = req.query(query);
        }
        if let Some((content_type, bytes)) = body {
            req = req
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(bytes);
        }
        req.send().await.map_err(|e| ApiError::from_reqwest(&e))
    }

    /// Exponential backoff with equal jitter: half the step fixed, half random.
    fn backoff(&self, attempt: u32) -> Duration {
        let step = self
            .timing
            .base
            .saturating_mul(1u32 << attempt.min(16))
            .min(self.timing.max_step);
        let half = step / 2;
        let jitter_ms = half.as_millis() as u64;
        let r = if jitter_ms == 0 {
            0
        } else {
            getrandom::u64().unwrap_or(0) % (jitter_ms + 1)
        };
        half + Duration::from_millis(r)
    }
}

fn retryable_status(s: StatusCode) -> bool {
    matches!(s.as_u16(), 429 | 502 | 503 | 504)
}

/// `Retry-After` in seconds (the HTTP-date form is not used by JFrog; treated as absent).
pub(crate) fn retry_after(h: &HeaderMap) -> Option<Duration> {
    let v = h.get(RETRY_AFTER)?.to_str().ok()?.trim();
    v.parse::<u64>().ok().map(Duration::from_secs)
}

/// The body of a 2xx answer, or the error built from a non-2xx one.
pub(crate) async fn read_success(resp: reqwest::Response) -> Result<Vec<u8>, ApiError> {
    let status = resp.status();
    let ra = retry_after(resp.headers());
    // Redirects are not followed (a POST must not turn into a GET): say where it points.
    if status.is_redirection() {
        let to = resp
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("?");
        return Err(ApiError::Status {
            status: status.as_u16(),
            message: shorten(&format!("the server redirects to {to}: use that URL")),
        });
    }
    let body = read_limited(resp, MAX_BODY).await?;
    if status.is_success() {
        Ok(body)
    } else {
        Err(ApiError::from_response(status.as_u16(), ra, &body))
    }
}

pub(crate) async fn read_limited(
    mut resp: reqwest::Response,
    max: usize,
) -> Result<Vec<u8>, ApiError> {
    let mut buf = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| ApiError::from_reqwest(&e))? {
        if buf.len() + chunk.len() > max {
            return Err(ApiError::decode(
                "response body",
                format!("larger than {} MiB", max / (1024 * 1024)),
            ));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf)
}

/// Reads a body that holds a secret into zeroizing memory. The buffer never reallocates in
/// place: when it must grow, the old one is wiped as it is dropped.
pub(crate) async fn read_secret_body(
    mut resp: reqwest::Response,
) -> Result<Zeroizing<Vec<u8>>, ApiError> {
    let hint = resp
        .content_length()
        .map_or(16 * 1024, |n| n as usize)
        .min(MAX_CREATE_BODY);
    let mut buf = Zeroizing::new(Vec::with_capacity(hint));
    while let Some(chunk) = resp.chunk().await.map_err(|e| ApiError::from_reqwest(&e))? {
        let need = buf.len() + chunk.len();
        if need > MAX_CREATE_BODY {
            return Err(ApiError::decode("create response", "too large"));
        }
        if need > buf.capacity() {
            let mut bigger = Zeroizing::new(Vec::with_capacity(need.max(buf.capacity() * 2)));
            bigger.extend_from_slice(&buf);
            buf = bigger;
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_and_is_capped() {
        let c = Client::new(
            "http://127.0.0.1:9",
            SecretString::from("t".to_owned()),
            ClientOptions::default(),
        )
        .expect("client");
        for attempt in 0..40 {
            let step = (Duration::from_millis(250) * 2u32.pow(attempt.min(10)))
                .min(Duration::from_secs(4));
            for _ in 0..20 {
                let w = c.backoff(attempt);
                assert!(
                    w >= step / 2 && w <= step,
                    "attempt {attempt}: {w:?} vs {step:?}"
                );
            }
        }
    }

    #[test]
    fn retry_after_seconds_only() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, "7".parse().expect("header"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert(
            RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().expect("header"),
        );
        assert_eq!(retry_after(&h), None);
    }
}
