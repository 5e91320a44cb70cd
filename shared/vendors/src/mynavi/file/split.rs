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

    mod properties {
        use super::super::super::tests::{cp932, read_in_chunks};
        use proptest::prelude::*;

        /// Column names as Mynavi writes them: no separators, quotes or line breaks, so that
        /// the header line alone decides the separator.
        const NAME: &str = "[a-zA-Z0-9_応募姓名漢字ｶﾅ]{1,6}";
        /// Values that CP932 can hold, with everything a CSV writer must quote.
        const VALUE: &str = "[a-z0-9 ,\t\"\r\n山田髙橋﨑あいうｱｲｳ]{0,8}";

        fn file() -> impl Strategy<Value = (Vec<String>, Vec<Vec<String>>)> {
            prop::collection::vec(NAME, 2..6).prop_flat_map(|header| {
                let rows =
                    prop::collection::vec(prop::collection::vec(VALUE, 1..=header.len() + 1), 0..8);
                (Just(header), rows)
            })
        }

        /// The file as a spreadsheet or the csv crate writes it.
        fn write(header: &[String], rows: &[Vec<String>], tab: bool, crlf: bool) -> String {
            let mut w = csv::WriterBuilder::new()
                .flexible(true)
                .delimiter(if tab { b'\t' } else { b',' })
                .terminator(if crlf {
                    csv::Terminator::CRLF
                } else {
                    csv::Terminator::Any(b'\n')
                })
                .from_writer(Vec::new());
            w.write_record(header).expect("write");
            for row in rows {
                w.write_record(row).expect("write");
            }
            String::from_utf8(w.into_inner().expect("flush")).expect("utf-8")
        }

        /// What the csv crate reads from the same text. A record of one empty field is no
        /// row for either reader: a blank line in a spreadsheet's export.
        fn csv_reads(text: &str, tab: bool) -> Vec<Vec<String>> {
            csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .delimiter(if tab { b'\t' } else { b',' })
                .from_reader(text.as_bytes())
                .records()
                .map(|r| {
                    r.expect("csv")
                        .iter()
                        .map(str::to_string)
                        .collect::<Vec<_>>()
                })
                .filter(|fields| fields != &[""])
                .collect()
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            /// On any well-formed file, in CP932 or UTF-8 with a BOM, split into chunks of any
            /// size, the streaming reader reads what the csv crate reads.
            #[test]
            fn s28_17_mynavi_reader_equals_the_csv_crate_on_valid_files(
                (header, rows) in file(),
                tab in any::<bool>(),
                crlf in any::<bool>(),
                bom in any::<bool>(),
                chunk in 1..64usize,
            ) {
                let text = write(&header, &rows, tab, crlf);
                let mut expected = csv_reads(&text, tab);
                prop_assert_eq!(&expected[0], &header);
                expected.remove(0);
                let bytes = if bom {
                    [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat()
                } else {
                    cp932(&text)
                };
                // A CP932 header line whose bytes are also valid UTF-8 with non-ASCII (e.g.
                // ﾅ募字 = C5 95 E5 8E 9A) is read as UTF-8, as the module documents: no reader
                // can tell the two apart. The property holds for the files detection decides.
                let first = &bytes[..bytes.iter().position(|&b| b == b'\n').unwrap_or(bytes.len())];
                prop_assume!(bom || first.is_ascii() || std::str::from_utf8(first).is_err());
                let (r, got) = read_in_chunks(&bytes, chunk);
                prop_assert_eq!(r.header().expect("header"), header.as_slice());
                let got: Vec<Vec<String>> = got.into_iter().map(|r| r.fields).collect();
                prop_assert_eq!(got, expected, "{:?}", text);
            }
        }
    }
}
