//! What list commands print: a table aligned by display width (Japanese full-width text
//! such as 連携中 takes two columns a character, so padding by `char` count misaligns it),
//! or, with `--json`, an array of objects keyed by the column names for scripts.

use serde_json::{Map, Value};
use unicode_width::UnicodeWidthStr;

/// Rows under named columns.
pub struct Table {
    head: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column names (also the JSON keys).
    pub fn new(head: &[&'static str]) -> Self {
        Self {
            head: head.to_vec(),
            rows: Vec::new(),
        }
    }

    /// Adds a row (missing cells are empty).
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The aligned text: every column as wide as its widest cell on screen, two spaces
    /// between columns, the last column unpadded.
    pub fn render(&self) -> String {
        let cell = |row: &[String], i: usize| row.get(i).map_or("", String::as_str).to_string();
        let head: Vec<String> = self.head.iter().map(|h| (*h).to_string()).collect();
        let widths: Vec<usize> = (0..self.head.len())
            .map(|i| {
                std::iter::once(&head)
                    .chain(&self.rows)
                    .map(|r| cell(r, i).width())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        for row in std::iter::once(&head).chain(&self.rows) {
            let mut line = String::new();
            for (i, w) in widths.iter().enumerate() {
                let text = cell(row, i);
                line.push_str(&text);
                if i + 1 < widths.len() {
                    line.push_str(&" ".repeat(w - text.width() + 2));
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    /// The rows as JSON objects.
    pub fn json(&self) -> Value {
        Value::Array(
            self.rows
                .iter()
                .map(|r| {
                    let mut o = Map::new();
                    for (i, h) in self.head.iter().enumerate() {
                        o.insert(
                            (*h).to_string(),
                            Value::String(r.get(i).cloned().unwrap_or_default()),
                        );
                    }
                    Value::Object(o)
                })
                .collect(),
        )
    }

    /// Prints it as text or JSON.
    pub fn print(&self, json: bool) {
        if json {
            println!(
                "{}",
                serde_json::to_string_pretty(&self.json()).unwrap_or_default()
            );
        } else {
            print!("{}", self.render());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_japanese_cells_keep_the_next_column_aligned() {
        let mut t = Table::new(&["connection", "status", "next run"]);
        t.row(vec!["mynavi-a".into(), "連携中".into(), "10:00".into()]);
        t.row(vec!["mynavi-b".into(), "error".into(), "11:00".into()]);
        t.row(vec![
            "mynavi-c".into(),
            "未連携（パスワード）".into(),
            "-".into(),
        ]);
        let text = t.render();
        // Where the third column starts, measured in screen columns, is the same on
        // every line.
        let starts: Vec<usize> = text
            .lines()
            .map(|l| {
                let last = l.rfind("  ").map_or(0, |i| i + 2);
                l[..last].width()
            })
            .collect();
        assert!(starts.windows(2).all(|w| w[0] == w[1]), "{text}");
    }

    #[test]
    fn json_rows_are_keyed_by_column() {
        let mut t = Table::new(&["email", "roles"]);
        t.row(vec!["a@example.jp".into(), "admin".into()]);
        assert_eq!(
            t.json(),
            serde_json::json!([{"email": "a@example.jp", "roles": "admin"}])
        );
    }
}
