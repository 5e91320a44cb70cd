//! ロウムメイト (Roumumate) client. Roumumate publishes no API; renkei's assumed home contract
//! is documented in docs/contracts/roumumate.md and simulated by the sandbox:
//!
//! - `GET /api/v1/employees?cursor=<c>&limit=<n>` with `Authorization: Bearer <token>` →
//!   `{"employees":[…], "next_cursor":"…", "has_more":bool}`: employees created or changed
//!   after the cursor, oldest change first.
//! - `GET /api/v1/employees/cursor` → `{"cursor":"…"}`: the position "now" (a connection
//!   starts there: differences older than the connection are not pushed, C2.7).
//! - `GET /api/v1/gender_options` → `{"options":[{"code","label"}]}`: the fixed options.

use crate::http::{Call, HttpConfig, VendorClient, VendorError};
use reqwest::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Where a deployed stack may call Roumumate without the operator's allowance: nowhere, since Roumumate
/// documents no API host (docs/contracts/roumumate.md); the operator names the customer's host in
/// the stack parameter `AllowedVendorHosts`.
pub const HOSTS: &[renkei_core::outbound::HostPattern] = &[];

const VENDOR: &str = "Roumumate";

/// An employee as Roumumate sends it: every field raw and optional. The connector's mapping
/// turns it into a typed record and rejects what does not parse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct RawEmployee {
    /// Roumumate's internal id.
    pub id: String,
    /// 社員番号.
    #[serde(default)]
    pub employee_number: Option<String>,
    /// 従業員ステータス: applicant, onboarding, active, on_leave, left.
    #[serde(default)]
    pub status: Option<String>,
    /// 状況: entry_in_progress, data_entry_complete.
    #[serde(default)]
    pub state: Option<String>,
    /// 雇用形態 label (正社員, 契約社員, …).
    #[serde(default)]
    pub employment_type: Option<String>,
    /// 入社日 YYYY-MM-DD.
    #[serde(default)]
    pub hire_date: Option<String>,
    /// 生年月日 YYYY-MM-DD.
    #[serde(default)]
    pub birth_date: Option<String>,
    /// 姓.
    #[serde(default)]
    pub last_name: Option<String>,
    /// 名.
    #[serde(default)]
    pub first_name: Option<String>,
    /// 姓(ヨミガナ).
    #[serde(default)]
    pub last_name_kana: Option<String>,
    /// 名(ヨミガナ).
    #[serde(default)]
    pub first_name_kana: Option<String>,
    /// ビジネスネーム (as one string, e.g. "山田 花子").
    #[serde(default)]
    pub business_name: Option<String>,
    /// ビジネスネーム(ヨミガナ).
    #[serde(default)]
    pub business_name_kana: Option<String>,
    /// 性別 option code.
    #[serde(default)]
    pub gender: Option<String>,
    /// Further attributes usable in target filters (部署, 勤務地, …).
    #[serde(default)]
    pub attributes: std::collections::BTreeMap<String, String>,
}

/// One page of changed employees.
#[derive(Debug, Clone, Deserialize)]
pub struct EmployeePage {
    /// Employees.
    pub employees: Vec<RawEmployee>,
    /// Cursor after this page.
    pub next_cursor: String,
    /// More pages follow.
    pub has_more: bool,
}

/// A gender option.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenderOption {
    /// Code sent on employees.
    pub code: String,
    /// Label shown to people.
    pub label: String,
}

/// The Roumumate client of one tenant.
#[derive(Debug)]
pub struct RoumumateClient {
    base: VendorClient,
    token: String,
    page_size: u32,
}

fn parse<T: serde::de::DeserializeOwned>(body: &str, what: &str) -> Result<T, VendorError> {
    crate::http::parse_json(VENDOR, body, what)
}

impl RoumumateClient {
    /// A client; `page_size` employees per page (the contract allows up to 500).
    pub fn new(base_url: &str, token: &str, page_size: u32) -> Result<Self, VendorError> {
        let config = HttpConfig {
            base_url: crate::base_url::api_root(base_url, "/api/v1"),
            timeout: Duration::from_secs(30),
            retry: Default::default(),
            limit: None,
            write_limit: None,
        };
        Self::with_config(config, token, page_size)
    }

    /// A client with explicit HTTP settings.
    pub fn with_config(
        config: HttpConfig,
        token: &str,
        page_size: u32,
    ) -> Result<Self, VendorError> {
        let mut base = VendorClient::new(VENDOR, config)?;
        base.set_credential(token);
        Ok(Self {
            base,
            token: token.to_string(),
            page_size: page_size.clamp(1, 500),
        })
    }

    async fn get(&self, path: &str, query: &[(&str, String)]) -> Result<String, VendorError> {
        let reply = self
            .base
            .send(Call::read(), || {
                self.base
                    .request(Method::GET, path)
                    .bearer_auth(&self.token)
                    .query(query)
            })
            .await?;
        if reply.status == StatusCode::UNAUTHORIZED || reply.status == StatusCode::FORBIDDEN {
            return Err(VendorError::Auth {
                vendor: VENDOR,
                message: "the Roumumate API token was refused".into(),
            });
        }
        Ok(reply.body)
    }

    /// Employees changed after `cursor` (None: from the beginning).
    pub async fn changed_employees(
        &self,
        cursor: Option<&str>,
    ) -> Result<EmployeePage, VendorError> {
        let mut q = vec![("limit", self.page_size.to_string())];
        if let Some(c) = cursor {
            q.push(("cursor", c.to_string()));
        }
        parse(&self.get("/api/v1/employees", &q).await?, "employees")
    }

    /// The cursor standing at "now".
    pub async fn current_cursor(&self) -> Result<String, VendorError> {
        #[derive(Deserialize)]
        struct C {
            cursor: String,
        }
        Ok(parse::<C>(&self.get("/api/v1/employees/cursor", &[]).await?, "cursor")?.cursor)
    }

    /// Roumumate's fixed gender options.
    pub async fn gender_options(&self) -> Result<Vec<GenderOption>, VendorError> {
        #[derive(Deserialize)]
        struct O {
            options: Vec<GenderOption>,
        }
        Ok(parse::<O>(
            &self.get("/api/v1/gender_options", &[]).await?,
            "gender options",
        )?
        .options)
    }
}

impl crate::http::RunBound for RoumumateClient {
    fn base(&mut self) -> &mut VendorClient {
        &mut self.base
    }
}
