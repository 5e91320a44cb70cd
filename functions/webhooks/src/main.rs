//! webhooks Lambda (P9): the one ingress for every vendor that calls renkei, behind a
//! Function URL (`POST /webhooks/{vendor}/{tenant}/{connection}`, `GET` for LinkedIn's
//! challenge). Verification, replay rejection and coalescing are renkei_core::webhook (via
//! renkei_aws::lambda); which connectors take webhooks is renkei_connectors::registry.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    renkei_aws::lambda::serve_webhooks(renkei_connectors::registry()).await
}
