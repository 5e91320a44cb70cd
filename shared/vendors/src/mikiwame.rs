//! ミキワメ client: renkei's assumed home contract (docs/contracts/mikiwame.md; Mikiwame
//! publishes no API). Departments are upserted by 部署コード with their 親部署 code, employees
//! by email, at most [`MAX_BATCH`] per call, and every record gets its own result with an
//! error code. Upserts are idempotent, so a call whose answer was lost is simply repeated.

use crate::http::{Ambiguity, Call, CallKind, HttpConfig, Reply, VendorClient, VendorError};
use reqwest::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::time::Duration;

/// Where a deployed stack may call Mikiwame without the operator's allowance: nowhere, since Mikiwame
/// documents no API host (docs/contracts/mikiwame.md); the operator names the customer's host in
/// the stack parameter `AllowedVendorHosts`.
pub const HOSTS: &[renkei_core::outbound::HostPattern] = &[];

const VENDOR: &str = "Mikiwame";

/// Records per upsert call (the contract's limit).
pub const MAX_BATCH: usize = 100;

/// Requests per minute per API key (the contract's limit).
pub const REQUESTS_PER_MINUTE: u32 = 60;

/// A department as Mikiwame holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Department {
    /// 部署コード (the key).
    pub code: String,
    /// 部署名.
    pub name: String,
    /// 親部署's code (None at the top).
    pub parent_code: Option<String>,
}

/// 雇用形態 as Mikiwame knows it (C3.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EmploymentType {
    /// 正社員.
    #[serde(rename = "正社員")]
    Regular,
    /// 契約社員.
    #[serde(rename = "契約社員")]
    Contract,
    /// 派遣社員.
    #[serde(rename = "派遣社員")]
    Dispatched,
    /// パート・アルバイト.
    #[serde(rename = "パート・アルバイト")]
    PartTime,
    /// 業務委託.
    #[serde(rename = "業務委託")]
    Outsourced,
    /// その他.
    #[serde(rename = "その他")]
    Other,
}

/// An employee as written (the key is the email).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Employee {
    /// メールアドレス (the key; lower-case).
    pub email: String,
    /// 氏名（姓）.
    pub last_name: String,
    /// 氏名（名）.
    pub first_name: String,
    /// 姓（カナ）.
    pub last_name_kana: String,
    /// 名（カナ）.
    pub first_name_kana: String,
    /// 社員番号 (half-width letters, digits and `-_.`).
    pub employee_number: Option<String>,
    /// 生年月日 `YYYY-MM-DD`.
    pub birthday: Option<String>,
    /// 所属部署: a 部署コード Mikiwame has.
    pub department_code: Option<String>,
    /// 役職.
    pub position: Option<String>,
    /// 性別 (as HRBrain names it).
    pub gender: Option<String>,
    /// 雇用形態.
    pub employment_type: Option<EmploymentType>,
    /// 退職者フラグ.
    pub retired: bool,
}

/// What Mikiwame did with one record of an upsert.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RecordResult {
    /// The record's key (部署コード or email).
    pub key: String,
    /// `created`, `updated` or `error`.
    pub status: String,
    /// For errors: the code (e.g. `department_not_found`) and a message.
    #[serde(default)]
    pub error: Option<RecordError>,
}

/// A per-record error.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RecordError {
    /// Machine-readable code.
    pub code: String,
    /// Human-readable message.
    #[serde(default)]
    pub message: String,
}

#[derive(Deserialize)]
struct Results {
    results: Vec<RecordResult>,
}

#[derive(Deserialize)]
struct DepartmentsReply {
    departments: Vec<Department>,
}

/// The Mikiwame client of one company (its API key).
#[derive(Debug)]
pub struct MikiwameClient {
    base: VendorClient,
    api_key: String,
}

impl MikiwameClient {
    /// A client against `base_url` (without `/api/v1`), limited to `per_minute` requests.
    pub fn new(
        base_url: &str,
        api_key: &str,
        per_minute: Option<u32>,
    ) -> Result<Self, VendorError> {
        let config = HttpConfig {
            base_url: format!("{}/api/v1", base_url.trim_end_matches('/')),
            timeout: Duration::from_secs(30),
            retry: Default::default(),
            limit: per_minute.map(|n| (n, Duration::from_secs(60))),
            write_limit: None,
        };
        let mut base = VendorClient::new(VENDOR, config)?;
        base.set_credential(api_key);
        Ok(Self {
            base,
            api_key: api_key.to_string(),
        })
    }

    /// Request counters.
    pub fn stats(&self) -> &crate::http::Stats {
        &self.base.stats
    }

    async fn call(
        &self,
        kind: CallKind,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<Reply, VendorError> {
        // Every call is a read or an idempotent upsert: retried whatever happened.
        let reply = self
            .base
            .send(Call::new(kind, Ambiguity::Retry), || {
                build().bearer_auth(&self.api_key)
            })
            .await?;
        if reply.status == StatusCode::UNAUTHORIZED || reply.status == StatusCode::FORBIDDEN {
            return Err(VendorError::Auth {
                vendor: VENDOR,
                message: "ミキワメのAPIキーが正しくありません (API key refused)".into(),
            });
        }
        Ok(reply)
    }

    /// Every department Mikiwame holds.
    pub async fn departments(&self) -> Result<Vec<Department>, VendorError> {
        let reply = self
            .call(CallKind::Read, || {
                self.base.request(Method::GET, "/departments")
            })
            .await?;
        Ok(
            crate::http::parse_json::<DepartmentsReply>(VENDOR, &reply.body, "departments")?
                .departments,
        )
    }

    async fn upsert<T: Serialize>(
        &self,
        path: &str,
        field: &str,
        records: &[T],
    ) -> Result<Vec<RecordResult>, VendorError> {
        let mut out = Vec::with_capacity(records.len());
        for chunk in records.chunks(MAX_BATCH) {
            let body = json!({ field: chunk });
            let reply = self
                .call(CallKind::Write, || {
                    self.base.request(Method::POST, path).json(&body)
                })
                .await?;
            let results = crate::http::parse_json::<Results>(VENDOR, &reply.body, "upsert")?;
            out.extend(results.results);
        }
        Ok(out)
    }

    /// Upserts departments by code, in the order given (parents first: Mikiwame refuses a
    /// parent code it does not hold).
    pub async fn upsert_departments(
        &self,
        departments: &[Department],
    ) -> Result<Vec<RecordResult>, VendorError> {
        self.upsert("/departments/upsert", "departments", departments)
            .await
    }

    /// Upserts employees by email.
    pub async fn upsert_employees(
        &self,
        employees: &[Employee],
    ) -> Result<Vec<RecordResult>, VendorError> {
        self.upsert("/employees/upsert", "employees", employees)
            .await
    }
}

impl crate::http::RunBound for MikiwameClient {
    fn base(&mut self) -> &mut VendorClient {
        &mut self.base
    }
}
