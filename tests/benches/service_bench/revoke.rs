//! Revoke-to-refusal across replicas: a token warmed on replica A (its principal cached there)
//! is revoked on replica B; the very next request on A must be refused. Counts how many of
//! those first requests were refused and times B's 200 to A's 401.

use std::time::{Duration, Instant};

use reqwest::StatusCode;

use super::servers::{device_token, devices};

pub struct Outcome {
    pub rounds: usize,
    pub refused_first: usize,
    /// B's 200 to A's 401, one per round (late refusals included).
    pub latency: Vec<Duration>,
    /// Rounds where A still served the token after 5 s.
    pub never_refused: usize,
}

async fn status(req: reqwest::RequestBuilder) -> StatusCode {
    let resp = req.send().await.expect("request");
    let status = resp.status();
    let _ = resp.bytes().await;
    status
}

pub async fn across(
    http: &reqwest::Client,
    a: &str,
    b: &str,
    admin: &str,
    rounds: usize,
) -> Outcome {
    let devices = devices(http, b, admin).await;
    let mut out = Outcome {
        rounds,
        refused_first: 0,
        latency: Vec::with_capacity(rounds),
        never_refused: 0,
    };
    for i in 0..rounds {
        let device = &devices[i % devices.len()];
        let (id, secret) = device_token(http, b, admin, device, &format!("revoke probe {i}")).await;
        let read = format!("{a}/api/v2/{}/devices/{}", device.0, device.1);
        for _ in 0..2 {
            let s = status(http.get(&read).bearer_auth(&secret)).await;
            assert_eq!(s, StatusCode::OK, "warm-up read on A");
        }
        let revoked = status(
            http.delete(format!("{b}/access/api/v1/tokens/{id}"))
                .bearer_auth(admin),
        )
        .await;
        assert_eq!(revoked, StatusCode::OK, "revoke on B");
        let acked = Instant::now();
        let mut first = true;
        loop {
            let s = status(http.get(&read).bearer_auth(&secret)).await;
            if s == StatusCode::UNAUTHORIZED {
                out.refused_first += usize::from(first);
                out.latency.push(acked.elapsed());
                break;
            }
            assert_eq!(s, StatusCode::OK, "A answers the revoked token with {s}");
            first = false;
            if acked.elapsed() > Duration::from_secs(5) {
                out.never_refused += 1;
                break;
            }
        }
    }
    out.latency.sort();
    out
}

impl Outcome {
    pub fn lines(&self) -> Vec<String> {
        let ms = |q: f64| {
            if self.latency.is_empty() {
                return f64::NAN;
            }
            let i =
                ((self.latency.len() as f64 * q).ceil() as usize).clamp(1, self.latency.len()) - 1;
            self.latency[i].as_secs_f64() * 1000.0
        };
        let verdict = if self.refused_first == self.rounds {
            "goal met"
        } else {
            "GOAL MISSED"
        };
        vec![
            format!(
                "first request on A after B's 200 refused (401): {}/{}   (goal: all, the next request: {verdict}){}",
                self.refused_first,
                self.rounds,
                if self.never_refused > 0 {
                    format!("; {} STILL SERVED after 5 s", self.never_refused)
                } else {
                    String::new()
                }
            ),
            format!(
                "B's 200 -> A's 401: p50 {:.3} ms  p99 {:.3} ms  max {:.3} ms",
                ms(0.5),
                ms(0.99),
                ms(1.0)
            ),
        ]
    }
}
