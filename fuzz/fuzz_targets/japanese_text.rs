//! The Japanese text functions on a row's fields: readings (kana), employee numbers, 応募日時
//! and 生年月日. No panic; what they accept is stable (normalising twice changes nothing) and
//! the fast date writers agree with chrono's own.
#![no_main]

use libfuzzer_sys::fuzz_target;
use renkei_connectors::kana::{half_width_code, katakana};
use renkei_connectors::mynavi_hrmos::dates::{
    parse_applied_at, parse_birthday, write_date, write_utc,
};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(k) = katakana(s) {
        assert_eq!(katakana(&k).as_deref(), Ok(k.as_str()), "{s:?}");
    }
    if let Ok(c) = half_width_code(s) {
        assert_eq!(half_width_code(&c).as_deref(), Ok(c.as_str()), "{s:?}");
    }
    if let Some(t) = parse_applied_at(s) {
        let mut out = String::new();
        write_utc(t, &mut out);
        assert_eq!(out, t.with_timezone(&chrono::Utc).to_rfc3339(), "{s:?}");
    }
    if let Some(d) = parse_birthday(s) {
        let mut out = String::new();
        write_date(d, &mut out);
        assert_eq!(out, d.to_string(), "{s:?}");
    }
});
