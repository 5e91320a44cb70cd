//! Reading a vendor's JSON answer into its typed shape: apart from the client's sending,
//! retries and windows, since every vendor's answers pass through it and its errors are what
//! an operator shows the vendor.

use crate::error::VendorError;

/// Parses a vendor's JSON answer; a body of another shape is a contract change (Permanent).
pub fn parse_json<T: serde::de::DeserializeOwned>(
    vendor: &'static str,
    body: &str,
    what: &str,
) -> Result<T, VendorError> {
    // The error names where in the answer it went wrong (`items[0].items`), so an operator
    // can tell the vendor which field changed.
    let mut de = serde_json::Deserializer::from_str(body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| VendorError::Permanent {
        vendor,
        status: 200,
        message: match e.path().to_string().as_str() {
            "." => format!("unexpected {what} answer ({})", e.inner()),
            path => format!("unexpected {what} answer at {path} ({})", e.inner()),
        },
    })
}
