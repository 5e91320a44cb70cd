//! RFC 5322 addr-spec check for applicants' addresses (C1.5).
//!
//! `addr-spec = local-part "@" domain`, where `local-part` is a dot-atom or a quoted string
//! and `domain` is a dot-atom or a domain literal (`[…]`). The obsolete forms and comments
//! (CFWS) that RFC 5322 accepts only for reading old mail are not accepted, and neither are
//! non-ASCII characters (RFC 5322 is ASCII; a full-width ＠ or ． is a typing mistake here).
//! RFC 5321's length limits apply: 64 octets for the local part, 254 for the address.
//!
//! So `taro.@docomo.ne.jp` (a dot right before @), `.taro@…` (a leading dot) and
//! `ta..ro@…` (two dots in a row) are rejected, as Japanese carriers once allowed them.

/// Why an address is not an RFC 5322 addr-spec; the message is for the recruiter.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailProblem {
    /// Empty.
    #[error("メールアドレスが空です (no email address)")]
    Empty,
    /// No @.
    #[error("「@」がありません (no @)")]
    NoAt,
    /// Non-ASCII characters.
    #[error("全角文字など使えない文字が含まれています (non-ASCII character)")]
    NonAscii,
    /// Local part missing.
    #[error("「@」の前が空です (empty local part)")]
    EmptyLocal,
    /// Dot at the start.
    #[error("先頭が「.」です (leading dot)")]
    LeadingDot,
    /// Dot right before the @.
    #[error("「@」の直前に「.」があります (dot right before @)")]
    DotBeforeAt,
    /// Two dots in a row.
    #[error("「.」が連続しています (two dots in a row)")]
    ConsecutiveDots,
    /// A character outside atext.
    #[error("使えない文字「{0}」が含まれています (character not allowed unquoted)")]
    BadChar(char),
    /// Quoted string not closed or with a bad character.
    #[error("引用符で囲まれた部分が正しくありません (malformed quoted local part)")]
    BadQuoted,
    /// Domain problems.
    #[error("ドメインが正しくありません (invalid domain: {0})")]
    BadDomain(&'static str),
    /// Too long.
    #[error("長すぎます (local part over 64 or address over 254 characters)")]
    TooLong,
}

/// atext of RFC 5322 §3.2.3.
fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            '!' | '#'
                | '$'
                | '%'
                | '&'
                | '\''
                | '*'
                | '+'
                | '-'
                | '/'
                | '='
                | '?'
                | '^'
                | '_'
                | '`'
                | '{'
                | '|'
                | '}'
                | '~'
        )
}

/// Checks a dot-atom-text: atoms of atext joined by single dots.
fn dot_atom(s: &str, before_at: bool) -> Result<(), EmailProblem> {
    if s.starts_with('.') {
        return Err(EmailProblem::LeadingDot);
    }
    if s.ends_with('.') {
        return Err(if before_at {
            EmailProblem::DotBeforeAt
        } else {
            EmailProblem::BadDomain("ends with a dot")
        });
    }
    if s.contains("..") {
        return Err(EmailProblem::ConsecutiveDots);
    }
    match s.chars().find(|&c| c != '.' && !is_atext(c)) {
        Some(c) => Err(EmailProblem::BadChar(c)),
        None => Ok(()),
    }
}

/// Checks `"…"`: qtext (printable ASCII but `"` and `\`) or quoted pairs (`\` + VCHAR/WSP).
fn quoted(s: &str) -> Result<(), EmailProblem> {
    let inner = s
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .filter(|_| s.len() >= 2)
        .ok_or(EmailProblem::BadQuoted)?;
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(n) if n == ' ' || n == '\t' || n.is_ascii_graphic() => {}
                _ => return Err(EmailProblem::BadQuoted),
            },
            '"' => return Err(EmailProblem::BadQuoted),
            c if c == ' ' || c == '\t' || c.is_ascii_graphic() => {}
            _ => return Err(EmailProblem::BadQuoted),
        }
    }
    Ok(())
}

/// Validates an address as an RFC 5322 addr-spec.
pub fn validate(address: &str) -> Result<(), EmailProblem> {
    if address.is_empty() {
        return Err(EmailProblem::Empty);
    }
    if !address.is_ascii() {
        return Err(EmailProblem::NonAscii);
    }
    // The domain cannot hold an @ (outside a literal), so the last @ splits.
    let at = address.rfind('@').ok_or(EmailProblem::NoAt)?;
    let (local, domain) = (&address[..at], &address[at + 1..]);
    if local.is_empty() {
        return Err(EmailProblem::EmptyLocal);
    }
    if local.len() > 64 || address.len() > 254 {
        return Err(EmailProblem::TooLong);
    }
    if local.starts_with('"') {
        quoted(local)?;
    } else {
        dot_atom(local, true)?;
    }
    if domain.is_empty() {
        return Err(EmailProblem::BadDomain("empty"));
    }
    if let Some(literal) = domain.strip_prefix('[') {
        let inner = literal
            .strip_suffix(']')
            .ok_or(EmailProblem::BadDomain("unclosed ["))?;
        // dtext: printable ASCII except [ ] and \.
        if inner
            .chars()
            .all(|c| c.is_ascii_graphic() && !"[]\\".contains(c))
        {
            return Ok(());
        }
        return Err(EmailProblem::BadDomain("bad character in [ ]"));
    }
    dot_atom(domain, false).map_err(|e| match e {
        EmailProblem::LeadingDot => EmailProblem::BadDomain("starts with a dot"),
        EmailProblem::ConsecutiveDots => EmailProblem::BadDomain("two dots in a row"),
        EmailProblem::BadChar(_) => EmailProblem::BadDomain("character not allowed"),
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c1_5_accepts_rfc_addresses() {
        for ok in [
            "taro@docomo.ne.jp",
            "taro.yamada@example.co.jp",
            "t+tag@example.com",
            "o'brien@example.com",
            "\"taro.\"@docomo.ne.jp",
            "\"a b\\\"c\"@example.com",
            "user@[192.0.2.1]",
            "a@b",
        ] {
            assert_eq!(validate(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn c1_5_rejects_non_rfc_addresses_with_the_reason() {
        for (bad, why) in [
            ("taro.@docomo.ne.jp", EmailProblem::DotBeforeAt),
            (".taro@docomo.ne.jp", EmailProblem::LeadingDot),
            ("ta..ro@docomo.ne.jp", EmailProblem::ConsecutiveDots),
            ("taro@", EmailProblem::BadDomain("empty")),
            ("@docomo.ne.jp", EmailProblem::EmptyLocal),
            ("taro", EmailProblem::NoAt),
            ("", EmailProblem::Empty),
            ("taro＠docomo.ne.jp", EmailProblem::NonAscii),
            ("ta ro@example.com", EmailProblem::BadChar(' ')),
            (
                "taro@example..com",
                EmailProblem::BadDomain("two dots in a row"),
            ),
            (
                "taro@example.com.",
                EmailProblem::BadDomain("ends with a dot"),
            ),
            ("\"taro@example.com", EmailProblem::BadQuoted),
        ] {
            assert_eq!(validate(bad), Err(why), "{bad}");
        }
        assert_eq!(
            validate(&format!("{}@example.com", "a".repeat(65))),
            Err(EmailProblem::TooLong)
        );
    }
}
