//! C3.2 department sync: HRBrain's organization becomes Mikiwame departments (部署名,
//! 組織情報コード → 部署コード, the item one level up → 親部署), parents before children.
//!
//! HRBrain data is not trusted: a department without a code, two departments with one code,
//! an item id seen twice, a parent that does not exist, a cycle of parents, or a level
//! deeper than [`MAX_DEPTH`] rejects those departments with a reason (and, since Mikiwame
//! cannot hold a child without its parent, their descendants); the rest are synced.

use super::{Record, department_key};
use renkei_core::engine::Pulled;
use renkei_vendors::hrbrain::Department as Item;
use renkei_vendors::mikiwame::Department;
use std::collections::HashMap;

/// Mikiwame holds hierarchies up to 10 levels (seed 002: 部署の階層は10階層まで).
pub const MAX_DEPTH: usize = 10;

#[derive(Clone)]
enum State {
    Visiting,
    Done(Result<usize, String>),
}

fn name(item: &Item) -> String {
    match &item.code {
        Some(code) => format!("部署「{}」(組織情報コード {code})", item.name),
        None => format!("部署「{}」(項目ID {})", item.name, item.id),
    }
}

/// The departments to write, parents before children (by level, then code), followed by
/// the rejected ones, each with its reason.
pub fn plan(items: &[Item]) -> Vec<Pulled<Record>> {
    let mut by_id: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut by_code: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        by_id.entry(item.id.as_str()).or_default().push(i);
        if let Some(code) = &item.code {
            by_code.entry(code.as_str()).or_default().push(i);
        }
    }
    // What is wrong with a department by itself, before its parents are looked at.
    let own_problem = |i: usize| -> Option<String> {
        let item = &items[i];
        if by_id[item.id.as_str()].len() > 1 {
            return Some(format!(
                "項目ID「{}」が組織図に複数回あります（親部署の循環または重複）",
                item.id
            ));
        }
        let Some(code) = &item.code else {
            return Some("組織情報コードが入力されていないため連携しません".into());
        };
        let same = &by_code[code.as_str()];
        if same.len() > 1 {
            let names: Vec<&str> = same.iter().map(|&j| items[j].name.as_str()).collect();
            return Some(format!(
                "組織情報コード「{code}」が複数の部署（{}）に使われています",
                names.join("、")
            ));
        }
        match &item.parent_id {
            Some(p) if !by_id.contains_key(p.as_str()) => {
                Some(format!("1階層上位の部署（項目ID {p}）が組織図にありません"))
            }
            _ => None,
        }
    };
    let parent = |i: usize| -> Option<usize> {
        let p = items[i].parent_id.as_deref()?;
        by_id.get(p).map(|v| v[0])
    };

    let mut state: Vec<Option<State>> = vec![None; items.len()];
    for start in 0..items.len() {
        // Walk up to a department already decided (or the top), then decide the path down.
        let mut path = Vec::new();
        let mut cur = start;
        loop {
            match &state[cur] {
                Some(State::Done(_)) => break,
                Some(State::Visiting) => {
                    // A cycle: every department on it is rejected; the walk never repeats.
                    let at = path.iter().position(|&p| p == cur).unwrap_or(0);
                    for &p in &path[at..] {
                        state[p] = Some(State::Done(Err(
                            "親部署の関係が循環しています（自分自身の下位に置かれています）".into(),
                        )));
                    }
                    path.truncate(at);
                    break;
                }
                None => {
                    if let Some(reason) = own_problem(cur) {
                        state[cur] = Some(State::Done(Err(reason)));
                        break;
                    }
                    state[cur] = Some(State::Visiting);
                    path.push(cur);
                    match parent(cur) {
                        Some(p) => cur = p,
                        None => {
                            path.pop();
                            state[cur] = Some(State::Done(Ok(1)));
                            break;
                        }
                    }
                }
            }
        }
        while let Some(n) = path.pop() {
            let up = parent(n).and_then(|p| match &state[p] {
                Some(State::Done(r)) => Some(r.clone()),
                _ => None,
            });
            let decided = match up {
                Some(Ok(depth)) if depth < MAX_DEPTH => Ok(depth + 1),
                Some(Ok(depth)) => Err(format!(
                    "部署の階層が{MAX_DEPTH}階層を超えています（{}階層目）",
                    depth + 1
                )),
                Some(Err(_)) => Err(format!(
                    "1階層上位の{}が連携されないため連携しません",
                    parent(n).map_or_else(String::new, |p| name(&items[p]))
                )),
                None => Ok(1),
            };
            state[n] = Some(State::Done(decided));
        }
    }

    let mut ready: Vec<(usize, &str, Department)> = Vec::new();
    let mut rejected = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match &state[i] {
            Some(State::Done(Ok(depth))) => {
                let code = item.code.clone().unwrap_or_default();
                ready.push((
                    *depth,
                    item.code.as_deref().unwrap_or_default(),
                    Department {
                        code,
                        name: item.name.clone(),
                        parent_code: parent(i).and_then(|p| items[p].code.clone()),
                    },
                ));
            }
            Some(State::Done(Err(reason))) => rejected.push(Pulled::Rejected {
                record: name(item),
                reason: reason.clone(),
            }),
            // Every department is decided by the loop above.
            _ => rejected.push(Pulled::Rejected {
                record: name(item),
                reason: "部署の階層を判定できませんでした".into(),
            }),
        }
    }
    ready.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    ready
        .into_iter()
        .map(|(_, _, d)| Pulled::Ready {
            key: department_key(&d.code),
            payload: Record::Department(d),
        })
        .chain(rejected)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str, code: Option<&str>, parent: Option<&str>) -> Item {
        Item {
            id: id.into(),
            name: format!("部署{id}"),
            code: code.map(str::to_string),
            parent_id: parent.map(str::to_string),
        }
    }

    fn ready_codes(p: &[Pulled<Record>]) -> Vec<String> {
        p.iter()
            .filter_map(|r| match r {
                Pulled::Ready {
                    payload: Record::Department(d),
                    ..
                } => Some(d.code.clone()),
                _ => None,
            })
            .collect()
    }

    fn reasons(p: &[Pulled<Record>]) -> Vec<String> {
        p.iter()
            .filter_map(|r| match r {
                Pulled::Rejected { record, reason } => Some(format!("{record}: {reason}")),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn c3_2_parents_come_before_children_whatever_the_input_order() {
        let items = vec![
            item("c", Some("300"), Some("b")),
            item("b", Some("200"), Some("a")),
            item("a", Some("100"), None),
        ];
        let p = plan(&items);
        assert_eq!(ready_codes(&p), ["100", "200", "300"]);
        let Pulled::Ready {
            payload: Record::Department(d),
            ..
        } = &p[2]
        else {
            panic!("ready")
        };
        assert_eq!(d.parent_code.as_deref(), Some("200"));
    }

    #[test]
    fn c3_2_a_cycle_is_rejected_without_looping_and_the_rest_synced() {
        let items = vec![
            item("a", Some("1"), Some("c")),
            item("b", Some("2"), Some("a")),
            item("c", Some("3"), Some("b")),
            item("d", Some("4"), Some("c")),
            item("x", Some("9"), None),
        ];
        let p = plan(&items);
        assert_eq!(ready_codes(&p), ["9"]);
        let r = reasons(&p);
        assert_eq!(r.iter().filter(|r| r.contains("循環")).count(), 3, "{r:?}");
        assert!(
            r.iter()
                .any(|r| r.contains("部署d") && r.contains("連携されない"))
        );
    }

    #[test]
    fn c3_2_eleven_levels_reject_only_the_eleventh() {
        let mut items = vec![item("l1", Some("L1"), None)];
        for n in 2..=11 {
            items.push(item(
                &format!("l{n}"),
                Some(&format!("L{n}")),
                Some(&format!("l{}", n - 1)),
            ));
        }
        let p = plan(&items);
        assert_eq!(ready_codes(&p).len(), 10);
        let r = reasons(&p);
        assert_eq!(r.len(), 1);
        assert!(r[0].contains("L11") && r[0].contains("11階層目"), "{r:?}");
    }

    #[test]
    fn c3_2_no_code_duplicate_codes_and_missing_parents_are_named() {
        let items = vec![
            item("a", None, None),
            item("a1", Some("A1"), Some("a")),
            item("b", Some("DUP"), None),
            item("c", Some("DUP"), None),
            item("d", Some("D"), Some("ghost")),
            item("e", Some("E"), None),
        ];
        let p = plan(&items);
        assert_eq!(ready_codes(&p), ["E"]);
        let r = reasons(&p).join("\n");
        assert!(r.contains("組織情報コードが入力されていない"), "{r}");
        assert!(r.contains("部署A1") || r.contains("A1"), "{r}");
        assert_eq!(r.matches("複数の部署").count(), 2, "{r}");
        assert!(r.contains("ghost"), "{r}");
    }
}
