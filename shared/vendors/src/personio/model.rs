//! The Recruiting API's bodies as its spec describes them: `submit_application`, file
//! references, and the documents endpoint's `uploaded_document` (the same in v1 and v2:
//! changelog "Job Application Submission").

use serde::{Deserialize, Serialize};

/// An application as `submit_application` describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    /// First name(s); not blank.
    pub first_name: String,
    /// Last name(s); not blank.
    pub last_name: String,
    /// Email address.
    pub email: String,
    /// The job (from the XML feed).
    pub job_position_id: u64,
    /// The recruiting channel (source reporting).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recruiting_channel_id: Option<u64>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `YYYY-MM-DD`, not in the future.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_date: Option<String>,
    /// System attributes (phone, location, …) and `custom_attribute_N`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<Attribute>,
    /// Documents uploaded before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FileRef>,
    /// Tags (created when missing).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

/// An applicant attribute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attribute {
    /// `phone`, `location`, … or `custom_attribute_N`.
    pub id: String,
    /// The value.
    pub value: String,
}

/// A document's category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileCategory {
    /// Lebenslauf.
    Cv,
    /// Anschreiben.
    CoverLetter,
    /// Arbeitszeugnis.
    EmploymentReference,
    /// Zertifikat.
    Certificate,
    /// Arbeitsprobe.
    WorkSample,
    /// Sonstiges.
    Other,
}

/// A reference to an uploaded document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRef {
    /// The documents endpoint's uuid.
    pub uuid: String,
    /// The file's name.
    pub original_filename: String,
    /// Its category.
    pub category: FileCategory,
}

/// The documents endpoint's answer (`uploaded_document`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadedDocument {
    /// Reference for an application's `files`.
    pub uuid: String,
    /// Bytes.
    pub size: u64,
    /// Detected type.
    pub mimetype: String,
    /// The name sent.
    pub original_filename: String,
    /// The extension.
    pub extension: String,
}
