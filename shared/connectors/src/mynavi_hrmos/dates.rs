//! The file's dates: 応募日時 and 生年月日 read (a fixed-width fast path for the shapes of
//! nearly every row, chrono's formats for anything else) and written as HRMOS takes them.

use chrono::{
    DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike, Utc,
};
use std::fmt::Write as _;

pub(super) fn jst() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("valid offset")
}

/// `YYYY?MM?DD` with one separator (`/` or `-`) at both places: the date of nearly every
/// row, read without chrono's format interpreter (the files hold one or two per row).
fn fixed_date(s: &[u8]) -> Option<NaiveDate> {
    let [y0, y1, y2, y3, a, m0, m1, b, d0, d1] = *s else {
        return None;
    };
    if a != b || !(a == b'/' || a == b'-') {
        return None;
    }
    let n = |ds: &[u8]| {
        ds.iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let year = i32::try_from(n(&[y0, y1, y2, y3])?).ok()?;
    NaiveDate::from_ymd_opt(year, n(&[m0, m1])?, n(&[d0, d1])?)
}

/// `HH:MM` or `HH:MM:SS`.
fn fixed_time(s: &[u8]) -> Option<NaiveTime> {
    let two = |a: u8, b: u8| {
        (a.is_ascii_digit() && b.is_ascii_digit())
            .then(|| u32::from(a - b'0') * 10 + u32::from(b - b'0'))
    };
    match *s {
        [h0, h1, b':', m0, m1] => NaiveTime::from_hms_opt(two(h0, h1)?, two(m0, m1)?, 0),
        [h0, h1, b':', m0, m1, b':', s0, s1] => {
            NaiveTime::from_hms_opt(two(h0, h1)?, two(m0, m1)?, two(s0, s1)?)
        }
        _ => None,
    }
}

/// 応募日時: Mynavi writes JST without an offset; several separators are seen in exports.
pub fn parse_applied_at(s: &str) -> Option<DateTime<FixedOffset>> {
    let s = s.trim();
    if let Some((date, time)) = s.split_once(' ')
        && let (Some(d), Some(t)) = (fixed_date(date.as_bytes()), fixed_time(time.as_bytes()))
    {
        return jst().from_local_datetime(&d.and_time(t)).single();
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t);
    }
    [
        "%Y/%m/%d %H:%M:%S",
        "%Y/%m/%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
    .and_then(|n| jst().from_local_datetime(&n).single())
}

/// 生年月日 in the shapes exports use (`1990/04/01`, `1990-04-01`, `1990年4月1日`).
pub fn parse_birthday(s: &str) -> Option<NaiveDate> {
    if let Some(d) = fixed_date(s.trim().as_bytes()) {
        return Some(d);
    }
    ["%Y/%m/%d", "%Y-%m-%d", "%Y年%m月%d日"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(s.trim(), f).ok())
}

/// `t` in UTC as RFC 3339, as chrono's `to_rfc3339` writes it (`…+00:00`), without its
/// format interpreter for the whole-second times of the files.
pub fn write_utc(t: DateTime<FixedOffset>, out: &mut String) {
    let u = t.with_timezone(&Utc);
    if u.nanosecond() != 0 || !(0..=9999).contains(&u.year()) {
        out.push_str(&u.to_rfc3339());
        return;
    }
    write_date(u.date_naive(), out);
    for (sep, n) in [('T', u.hour()), (':', u.minute()), (':', u.second())] {
        out.push(sep);
        push_digits(out, n, 2);
    }
    out.push_str("+00:00");
}

/// `YYYY-MM-DD`, as chrono displays a date of years 0 to 9999.
pub fn write_date(d: NaiveDate, out: &mut String) {
    match u32::try_from(d.year()) {
        Ok(y) if y <= 9999 => push_digits(out, y, 4),
        _ => {
            let _ = write!(out, "{d}");
            return;
        }
    }
    out.push('-');
    push_digits(out, d.month(), 2);
    out.push('-');
    push_digits(out, d.day(), 2);
}

/// The last `width` decimal digits of `n`, zero-padded.
fn push_digits(out: &mut String, n: u32, width: u32) {
    for place in (0..width).rev() {
        out.push(char::from(b'0' + ((n / 10u32.pow(place)) % 10) as u8));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c1_5_dates_read_without_chrono_formats_read_as_chrono_reads_them() {
        for s in [
            "2026/11/20 18:03",
            "2026-11-20 18:03:59",
            " 2026/01/05 00:00 ",
            "2026/1/5 9:03",
            "2026-11-20T18:03:00+09:00",
            "2026/11/20 18:03:60",
            "2026/02/30 10:00",
            "2026/11-20 18:03",
            "２０２６/11/20 18:03",
        ] {
            let chrono_only = [
                "%Y/%m/%d %H:%M:%S",
                "%Y/%m/%d %H:%M",
                "%Y-%m-%d %H:%M:%S",
                "%Y-%m-%d %H:%M",
            ]
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(s.trim(), f).ok())
            .and_then(|n| jst().from_local_datetime(&n).single())
            .or_else(|| DateTime::parse_from_rfc3339(s.trim()).ok());
            assert_eq!(parse_applied_at(s), chrono_only, "{s}");
        }
        for s in [
            "1990/04/01",
            "1990-04-01",
            "1990年4月1日",
            "1990/13/01",
            "1990/4/1",
        ] {
            let chrono_only = ["%Y/%m/%d", "%Y-%m-%d", "%Y年%m月%d日"]
                .iter()
                .find_map(|f| NaiveDate::parse_from_str(s, f).ok());
            assert_eq!(parse_birthday(s), chrono_only, "{s}");
        }
    }
}
