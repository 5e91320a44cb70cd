//! C3's connection settings and secret, and the two vendor clients built from them.

use renkei_vendors::VendorError;
use renkei_vendors::hrbrain::{self, HrbrainClient, HrbrainConfig};
use renkei_vendors::mikiwame::{self, MikiwameClient};
use serde::{Deserialize, Serialize};

/// Connection settings (no secrets here).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Settings {
    /// HRBrain client ID: the subdomain of `https://{subdomain}.members.hrbrain.jp`.
    pub subdomain: String,
    /// HRBrain API base URL; None: `https://{subdomain}.oapi.hrbrain.jp`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hrbrain_url: Option<String>,
    /// Mikiwame API base URL (without `/api/v1`).
    pub mikiwame_url: String,
    /// The organization whose items are the departments; None: the one the 主部署 field
    /// (MainTeam) is a pull-down of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    /// Records written per page (checkpoint granularity).
    #[serde(default = "default_page_size")]
    pub page_size: usize,
    /// HRBrain requests per minute (its limits are not public: conservative by default).
    #[serde(default = "default_hrbrain_rate")]
    pub hrbrain_per_minute: Option<u32>,
    /// Mikiwame requests per minute (its contract's limit).
    #[serde(default = "default_mikiwame_rate")]
    pub mikiwame_per_minute: Option<u32>,
}

fn default_page_size() -> usize {
    mikiwame::MAX_BATCH
}
#[allow(clippy::unnecessary_wraps)]
fn default_hrbrain_rate() -> Option<u32> {
    Some(60)
}
#[allow(clippy::unnecessary_wraps)]
fn default_mikiwame_rate() -> Option<u32> {
    Some(mikiwame::REQUESTS_PER_MINUTE)
}

impl Settings {
    pub(super) fn hrbrain_url(&self) -> String {
        self.hrbrain_url
            .clone()
            .unwrap_or_else(|| hrbrain::base_url(&self.subdomain))
    }
}

/// The connection's secret (one Secrets Manager secret, JSON).
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Secret {
    /// HRBrain client secret: a public-API token with member:read and organization:read.
    pub hrbrain_token: String,
    /// Mikiwame API key of the company.
    pub mikiwame_api_key: String,
    /// The signing secret entered in HRBrain's Webhook設定 (None: no webhooks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_secret: Option<String>,
}

pub(super) fn clients(
    settings: &Settings,
    secret: &Secret,
) -> Result<(HrbrainClient, MikiwameClient), VendorError> {
    let hrbrain = HrbrainClient::new(
        HrbrainConfig::new(&settings.hrbrain_url(), settings.hrbrain_per_minute),
        &settings.subdomain,
        &secret.hrbrain_token,
    )?;
    let mikiwame = MikiwameClient::new(
        &settings.mikiwame_url,
        &secret.mikiwame_api_key,
        settings.mikiwame_per_minute,
    )?;
    Ok((hrbrain, mikiwame))
}
