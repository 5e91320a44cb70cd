//! Splitting the decoded text into records, in place.

use super::Span;

/// Splits the record that starts at `at` (RFC 4180 as spreadsheets write it: quoted fields
/// may hold separators, `""` and line breaks; a record ends at CRLF, LF or CR). Field
/// places go to `spans`, quoted fields' text to `quoted`. Answers where the next record
/// starts, or None when the record may go on in bytes not yet decoded (unless `ended`:
/// then the text's end ends it, a quote left open included).
///
/// Separators, quotes and line breaks are ASCII, and UTF-8 never uses ASCII bytes inside
/// a character, so every place found is a character boundary.
pub(super) fn split_record(
    text: &str,
    at: usize,
    sep: u8,
    ended: bool,
    spans: &mut Vec<Span>,
    quoted: &mut String,
) -> Option<usize> {
    let b = text.as_bytes();
    spans.clear();
    quoted.clear();
    let mut i = at;
    loop {
        if b.get(i) == Some(&b'"') {
            let start = quoted.len();
            i += 1;
            loop {
                match memchr::memchr(b'"', &b[i..]) {
                    None if ended => {
                        quoted.push_str(&text[i..]);
                        i = b.len();
                        break;
                    }
                    None => return None,
                    Some(k) => {
                        quoted.push_str(&text[i..i + k]);
                        i += k + 1;
                        match b.get(i) {
                            Some(b'"') => {
                                quoted.push('"');
                                i += 1;
                            }
                            None if !ended => return None,
                            _ => break,
                        }
                    }
                }
            }
            // Text after the closing quote belongs to the field, as csv readers take it.
            let end = match memchr::memchr3(sep, b'\r', b'\n', &b[i..]) {
                Some(k) => i + k,
                None if ended => b.len(),
                None => return None,
            };
            quoted.push_str(&text[i..end]);
            i = end;
            spans.push(Span {
                start,
                end: quoted.len(),
                quoted: true,
            });
        } else {
            let end = match memchr::memchr3(sep, b'\r', b'\n', &b[i..]) {
                Some(k) => i + k,
                None if ended => b.len(),
                None => return None,
            };
            spans.push(Span {
                start: i,
                end,
                quoted: false,
            });
            i = end;
        }
        match b.get(i) {
            None => return Some(i),
            Some(&c) if c == sep => i += 1,
            Some(b'\r') if b.get(i + 1) == Some(&b'\n') => return Some(i + 2),
            // CR alone could be a CRLF cut by the chunk: wait for the next byte.
            Some(b'\r') if i + 1 == b.len() && !ended => return None,
            Some(_) => return Some(i + 1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{cp932, read_in_chunks};

    #[test]
    fn rows_split_as_the_csv_crate_splits_them_in_any_chunking() {
        let cases = [
            "h1,h2,h3\r\na,\"b,\r\nc\",d\r\n",
            "h1,h2\n\"x\"\"y\",\"\"\n,\n\"\",z",
            "h1,h2\ra,b\rc,d\r",
            "h1,h2\n\"ab\"cd,e\n\"open,never closed\nstill",
            "h1,h2\r\n\r\na,b\r\n\n\nc,\"\"\r\n",
            "h1\th2\n\"a\tb\"\tc\n",
            "h1,h2\n山田,\"髙橋\"\"﨑\"\"\"\n",
        ];
        for text in cases {
            let tab = text.starts_with("h1\t");
            let mut expected = Vec::new();
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .delimiter(if tab { b'\t' } else { b',' })
                .from_reader(text.as_bytes());
            for record in reader.records() {
                let fields: Vec<String> = record.expect("csv").iter().map(str::to_string).collect();
                if fields != [""] {
                    expected.push(fields);
                }
            }
            let header = expected.remove(0);
            for chunk in [1, 2, 3, 5, 64] {
                let (r, rows) = read_in_chunks(&cp932(text), chunk);
                assert_eq!(r.header().expect("header"), header.as_slice(), "{text:?}");
                let got: Vec<Vec<String>> = rows.into_iter().map(|r| r.fields).collect();
                assert_eq!(got, expected, "{text:?} in chunks of {chunk}");
            }
        }
    }
}
