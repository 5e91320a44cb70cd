//! What list commands print: a table aligned by display width (Japanese full-width text
//! such as 連携中 takes two columns a character, so padding by `char` count misaligns it),
//! or, with `--json`, an array of objects keyed by the column names for scripts.

use serde_json::{Map, Value};
use unicode_width::UnicodeWidthStr;

/// One cell, typed so JSON keeps numbers as numbers and absent values as `null`.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text.
    Text(String),
    /// A count or an id number.
    Number(u64),
    /// A yes/no column (`yes`/`no` on screen).
    Flag(bool),
    /// Nothing to show (`-` on screen, `null` in JSON).
    Absent,
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Number(n) => n.to_string(),
            Cell::Flag(true) => "yes".into(),
            Cell::Flag(false) => "no".into(),
            Cell::Absent => "-".into(),
        }
    }

    fn json(&self) -> Value {
        match self {
            Cell::Text(s) => Value::String(s.clone()),
            Cell::Number(n) => Value::from(*n),
            Cell::Flag(b) => Value::Bool(*b),
            Cell::Absent => Value::Null,
        }
    }
}

impl std::fmt::Display for Cell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text())
    }
}

impl From<&Value> for Cell {
    /// A JSON answer's field: text, whole numbers and flags keep their type, `null` is
    /// absent, anything else shows as its JSON.
    fn from(v: &Value) -> Self {
        match v {
            Value::String(s) => Cell::Text(s.clone()),
            Value::Bool(b) => Cell::Flag(*b),
            Value::Null => Cell::Absent,
            Value::Number(n) => n
                .as_u64()
                .map_or_else(|| Cell::Text(n.to_string()), Cell::Number),
            other => Cell::Text(other.to_string()),
        }
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_string())
    }
}

impl From<u64> for Cell {
    fn from(n: u64) -> Self {
        Cell::Number(n)
    }
}

impl From<u32> for Cell {
    fn from(n: u32) -> Self {
        Cell::Number(n.into())
    }
}

impl From<usize> for Cell {
    fn from(n: usize) -> Self {
        Cell::Number(u64::try_from(n).unwrap_or(u64::MAX))
    }
}

impl From<bool> for Cell {
    fn from(b: bool) -> Self {
        Cell::Flag(b)
    }
}

impl From<chrono::DateTime<chrono::Utc>> for Cell {
    fn from(t: chrono::DateTime<chrono::Utc>) -> Self {
        Cell::Text(t.to_rfc3339())
    }
}

impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(v: Option<T>) -> Self {
        v.map_or(Cell::Absent, Into::into)
    }
}

/// Rows under named columns.
pub struct Table {
    head: Vec<&'static str>,
    rows: Vec<Vec<Cell>>,
}

impl Table {
    /// A table with these column names (also the JSON keys).
    pub fn new(head: &[&'static str]) -> Self {
        Self {
            head: head.to_vec(),
            rows: Vec::new(),
        }
    }

    /// Adds a row (missing cells are absent): text, numbers, flags or `Option`s of them.
    pub fn row<C: Into<Cell>>(&mut self, cells: Vec<C>) {
        self.rows.push(cells.into_iter().map(Into::into).collect());
    }

    /// The aligned text: every column as wide as its widest cell on screen, two spaces
    /// between columns, the last column unpadded.
    pub fn render(&self) -> String {
        let head: Vec<String> = self.head.iter().map(|h| (*h).to_string()).collect();
        let rows: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|r| r.iter().map(Cell::text).collect())
            .collect();
        let cell = |row: &[String], i: usize| row.get(i).map_or("-", String::as_str).to_string();
        let widths: Vec<usize> = (0..self.head.len())
            .map(|i| {
                std::iter::once(&head)
                    .chain(&rows)
                    .map(|r| cell(r, i).width())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        for row in std::iter::once(&head).chain(&rows) {
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

    /// The rows as JSON objects, one key per column, numbers as numbers.
    pub fn json(&self) -> Value {
        Value::Array(
            self.rows
                .iter()
                .map(|r| {
                    let mut o = Map::new();
                    for (i, h) in self.head.iter().enumerate() {
                        o.insert((*h).to_string(), r.get(i).map_or(Value::Null, Cell::json));
                    }
                    Value::Object(o)
                })
                .collect(),
        )
    }

    /// Prints it as text or JSON (an empty list is `[]`).
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
        t.row(vec!["mynavi-a", "連携中", "10:00"]);
        t.row(vec!["mynavi-b", "error", "11:00"]);
        t.row(vec!["mynavi-c", "未連携（パスワード）", "-"]);
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
        t.row(vec!["a@example.jp", "admin"]);
        assert_eq!(
            t.json(),
            serde_json::json!([{"email": "a@example.jp", "roles": "admin"}])
        );
    }

    #[test]
    fn json_keeps_numbers_flags_and_absent_values_typed() {
        let mut t = Table::new(&["run_id", "created", "dry_run", "error"]);
        t.row(vec![
            Cell::from("r1"),
            Cell::from(300_u64),
            Cell::from(true),
            Cell::from(None::<String>),
        ]);
        assert_eq!(
            t.json(),
            serde_json::json!([{"run_id": "r1", "created": 300, "dry_run": true, "error": null}])
        );
        let line = t.render().lines().nth(1).unwrap().to_string();
        assert_eq!(
            line.split_whitespace().collect::<Vec<_>>(),
            ["r1", "300", "yes", "-"]
        );
    }

    #[test]
    fn an_empty_table_is_an_empty_json_array() {
        assert_eq!(Table::new(&["id"]).json(), serde_json::json!([]));
    }
}
