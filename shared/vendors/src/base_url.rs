//! Base URLs as customers paste them.

/// A vendor's base URL as the client joins paths to it: without a trailing slash and without
/// the API's version prefix when the customer pasted the documented API base (e.g.
/// `https://host/api/v1`), so that both forms a vendor's documentation shows work alike.
pub fn api_root(base_url: &str, version_prefix: &str) -> String {
    let url = base_url.trim_end_matches('/');
    url.strip_suffix(version_prefix).unwrap_or(url).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_base_url_works_with_or_without_the_documented_api_prefix() {
        for url in [
            "https://x.example/hrmos",
            "https://x.example/hrmos/",
            "https://x.example/hrmos/api/v1",
            "https://x.example/hrmos/api/v1/",
        ] {
            assert_eq!(api_root(url, "/api/v1"), "https://x.example/hrmos", "{url}");
        }
    }
}
