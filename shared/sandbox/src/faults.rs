//! Seeded fault injection for the vendor routes: server errors, 429 bursts, latency,
//! time-outs and dropped connections. The same seed gives the same fault sequence.

use crate::Sandbox;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Fault configuration (all rates are probabilities per request, 0.0–1.0).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// Answer 500/503 with a plain-text body.
    pub error_rate: f64,
    /// Answer 429 with `Retry-After`; each hit starts a burst of `burst_len` 429s.
    pub throttle_rate: f64,
    /// Length of a 429 burst.
    pub burst_len: u32,
    /// Hold the request for `timeout_ms`, then answer 504 (client time-outs).
    pub timeout_rate: f64,
    /// How long a time-out holds.
    pub timeout_ms: u64,
    /// Send headers, then drop the connection mid-body.
    pub drop_rate: f64,
    /// Added to every request.
    pub latency_ms: u64,
    /// Seed of the fault sequence.
    pub seed: u64,
    #[serde(skip)]
    rng: Option<fastrand::Rng>,
    #[serde(skip)]
    burst_left: u32,
}

enum Fault {
    None,
    Error,
    Throttle,
    Timeout(Duration),
    Drop,
}

impl Faults {
    /// Starts the fault sequence from the seed.
    pub fn seeded(mut self) -> Self {
        self.rng = Some(fastrand::Rng::with_seed(self.seed));
        self
    }

    /// The same faults at `rate` each for errors, 429s, time-outs and drops.
    pub fn uniform(rate: f64, seed: u64) -> Self {
        Self {
            error_rate: rate / 4.0,
            throttle_rate: rate / 4.0,
            burst_len: 1,
            timeout_rate: rate / 4.0,
            timeout_ms: 300,
            drop_rate: rate / 4.0,
            seed,
            ..Default::default()
        }
        .seeded()
    }

    fn draw(&mut self) -> Fault {
        if self.burst_left > 0 {
            self.burst_left -= 1;
            return Fault::Throttle;
        }
        let seed = self.seed;
        let r = self
            .rng
            .get_or_insert_with(|| fastrand::Rng::with_seed(seed))
            .f64();
        let mut edge = self.error_rate;
        if r < edge {
            return Fault::Error;
        }
        edge += self.throttle_rate;
        if r < edge {
            self.burst_left = self.burst_len.saturating_sub(1);
            return Fault::Throttle;
        }
        edge += self.timeout_rate;
        if r < edge {
            return Fault::Timeout(Duration::from_millis(self.timeout_ms));
        }
        edge += self.drop_rate;
        if r < edge {
            return Fault::Drop;
        }
        Fault::None
    }
}

/// Middleware on the vendor routes. Faults strike before the simulator sees the request.
pub(crate) async fn inject(State(sb): State<Sandbox>, req: Request, next: Next) -> Response {
    let (fault, latency) = {
        let mut w = sb.world();
        (w.faults.draw(), w.faults.latency_ms)
    };
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    match fault {
        Fault::None => next.run(req).await,
        Fault::Error => (StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable").into_response(),
        Fault::Throttle => (
            StatusCode::TOO_MANY_REQUESTS,
            [("Retry-After", "0")],
            axum::Json(serde_json::json!({"errors": ["リクエスト数が上限を超えています"]})),
        )
            .into_response(),
        Fault::Timeout(d) => {
            tokio::time::sleep(d).await;
            (StatusCode::GATEWAY_TIMEOUT, "Gateway Timeout").into_response()
        }
        Fault::Drop => {
            let stream = futures::stream::iter(vec![
                Ok::<_, std::io::Error>(axum::body::Bytes::from_static(b"{\"member_")),
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "dropped by sandbox",
                )),
            ]);
            Response::builder()
                .status(StatusCode::OK)
                .header("content-type", "application/json")
                .header("content-length", "4096")
                .body(Body::from_stream(stream))
                .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
    }
}
