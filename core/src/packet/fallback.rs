//! When a packet cannot be typeset, one item must not block every packet
//! and seal of its case: [`render_robustly`] finds the items at fault by
//! typesetting halves of the packet, prints them in a minimal form (number,
//! id, kind, times, files and hashes, with a note that their fields are in
//! the vault and in the bundle's `report.json`) and the rest in full. Only
//! when the packet fails without any item, or even with every item minimal,
//! is there an error, and it names the items at fault.

use std::collections::BTreeSet;

use super::typeset::Typeset;
use crate::error::{Error, Lang, Result};

/// Typesets the packet with the items in the first set (by number) in
/// their minimal form and, when the second is given, only those items.
pub(super) type Render<'a> =
    dyn Fn(&BTreeSet<usize>, Option<&BTreeSet<usize>>) -> Result<Typeset> + 'a;

/// Typesets a packet: `render(minimal, only)` typesets it with the items
/// (numbered from 1) in `minimal` in their minimal form and, when `only` is
/// set, only those items. `count` is the number of items; `id_of(n)` the id
/// of item `n`, for the error.
pub(super) fn render_robustly(
    count: usize,
    render: &Render<'_>,
    id_of: impl Fn(usize) -> String,
) -> Result<Typeset> {
    let none = BTreeSet::new();
    let first = match render(&none, None) {
        Ok(t) => return Ok(t),
        Err(e) => e,
    };
    // Without any item it fails too: the case, the signer or the template
    // is at fault, and no form of the items can help.
    render(&none, Some(&none))?;
    let all: Vec<usize> = (1..=count).collect();
    let mut faulty = BTreeSet::new();
    find_faulty(
        &all,
        true,
        &mut |some| {
            let some: BTreeSet<usize> = some.iter().copied().collect();
            render(&none, Some(&some)).is_err()
        },
        &mut faulty,
    );
    if faulty.is_empty() {
        // No item fails alone; together they do: print them all minimal.
        faulty = all.iter().copied().collect();
    }
    if let Ok(t) = render(&faulty, None) {
        return Ok(t);
    }
    let every: BTreeSet<usize> = all.into_iter().collect();
    if every != faulty
        && let Ok(t) = render(&every, None)
    {
        return Ok(t);
    }
    let named: Vec<String> = faulty
        .iter()
        .map(|&n| format!("{n} ({})", id_of(n)))
        .collect();
    let named = named.join(", ");
    Err(Error::bilingual(
        first.kind(),
        format!(
            "the packet cannot be typeset because of item {named}, even with its fields left out ({first}); look at that item and shorten or clear its fields, or leave it out of the packet"
        ),
        format!(
            "el expediente no se puede componer por el elemento {named}, ni siquiera sin sus campos ({}); revisa ese elemento y acorta o borra sus campos, o déjalo fuera del expediente",
            first.localized(Lang::Es)
        ),
    ))
}

/// Adds to `faulty` the items of `items` that fail alone or with others of
/// their half: splits in halves until single items fail. `known` says
/// `items` is already known to fail.
fn find_faulty(
    items: &[usize],
    known: bool,
    fails: &mut dyn FnMut(&[usize]) -> bool,
    faulty: &mut BTreeSet<usize>,
) {
    if items.is_empty() || !(known || fails(items)) {
        return;
    }
    if let [one] = items {
        faulty.insert(*one);
        return;
    }
    let (a, b) = items.split_at(items.len() / 2);
    find_faulty(a, false, fails, faulty);
    find_faulty(b, false, fails, faulty);
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    fn typeset() -> Typeset {
        Typeset {
            pdf: b"%PDF".to_vec(),
            pages: 1,
            pdf_a: true,
        }
    }

    fn failed(r: Result<Typeset>) -> Error {
        match r {
            Ok(_) => panic!("the packet should have failed"),
            Err(e) => e,
        }
    }

    fn broken() -> Error {
        Error::invalid("item broke", "el elemento falló")
    }

    /// A renderer that fails whenever a `bad` item is printed in full, and
    /// counts its calls.
    fn renderer<'a>(
        bad: &'a [usize],
        calls: &'a Cell<usize>,
        minimal_fails: bool,
    ) -> impl Fn(&BTreeSet<usize>, Option<&BTreeSet<usize>>) -> Result<Typeset> + 'a {
        move |minimal, only| {
            calls.set(calls.get() + 1);
            let printed = |n: &usize| only.is_none_or(|o| o.contains(n));
            let full_bad = bad.iter().any(|n| printed(n) && !minimal.contains(n));
            let min_bad = minimal_fails && bad.iter().any(|n| printed(n) && minimal.contains(n));
            if full_bad || min_bad {
                Err(broken())
            } else {
                Ok(typeset())
            }
        }
    }

    #[test]
    fn a_packet_that_typesets_is_typeset_once() {
        let calls = Cell::new(0);
        assert!(render_robustly(50, &renderer(&[], &calls, false), |n| n.to_string()).is_ok());
        assert_eq!(calls.get(), 1);
    }

    #[test]
    fn the_faulty_items_are_found_and_printed_minimal() {
        for bad in [vec![1], vec![37], vec![100], vec![3, 4], vec![2, 60, 99]] {
            let calls = Cell::new(0);
            let seen = std::cell::RefCell::new(BTreeSet::new());
            let inner = renderer(&bad, &calls, false);
            let render = |m: &BTreeSet<usize>, o: Option<&BTreeSet<usize>>| {
                let r = inner(m, o);
                if r.is_ok() && o.is_none() {
                    *seen.borrow_mut() = m.clone();
                }
                r
            };
            assert!(render_robustly(100, &render, |n| n.to_string()).is_ok());
            assert_eq!(
                seen.borrow().iter().copied().collect::<Vec<_>>(),
                bad,
                "only the faulty items are minimal"
            );
            // Halving: a few compiles per faulty item, not one per item.
            assert!(
                calls.get() <= 4 + 2 * 7 * bad.len(),
                "{bad:?}: {}",
                calls.get()
            );
        }
    }

    #[test]
    fn an_item_that_fails_even_minimal_is_named() {
        let calls = Cell::new(0);
        let e = failed(render_robustly(10, &renderer(&[7], &calls, true), |n| {
            format!("ID{n}")
        }));
        assert!(e.to_string().contains("item 7 (ID7)"), "{e}");
        assert!(e.to_string().contains("shorten or clear its fields"), "{e}");
        assert!(e.localized(Lang::Es).contains("elemento 7 (ID7)"));
    }

    #[test]
    fn a_packet_failing_without_items_is_not_blamed_on_them() {
        let render =
            |_: &BTreeSet<usize>, _: Option<&BTreeSet<usize>>| -> Result<Typeset> { Err(broken()) };
        let e = failed(render_robustly(10, &render, |n| n.to_string()));
        assert_eq!(e.to_string(), "item broke");
    }

    /// The real template and engine: item 2 names a picture that is not in
    /// the packet's world, which fails the engine; the packet is still
    /// typeset, with item 2 (only) in its minimal form, and a URL that is
    /// not linkable is text.
    #[test]
    fn a_real_failure_prints_the_item_minimal() {
        use std::collections::BTreeMap;

        use super::super::data::{self, Picture};
        use super::super::test_items::item;
        use super::super::{PacketOptions, printable, typeset};
        use crate::report::{Report, ReportCase, ReportSigner};

        let mut items: Vec<crate::record::Item> = ["A", "B", "C"]
            .iter()
            .enumerate()
            .map(|(k, id)| item(id, &format!("2024-05-0{}", k + 1), None))
            .collect();
        items[0].url = Some("javascript:alert(1)".into());
        items[2].text = Some("x".repeat(30_000));
        let report = Report {
            format: "testigo-report/1".into(),
            report_id: "0123456789abcdef0123456789abcdef".into(),
            sealed_at: "2024-05-04T00:00:00Z".into(),
            software: "testigo test".into(),
            signer: ReportSigner {
                key_id: "ABCD".into(),
                public_key: "RWQ".into(),
                name: Some("Ana".into()),
                contact: None,
                organization: None,
            },
            case: ReportCase {
                id: "C".into(),
                name: "Caso".into(),
                description: String::new(),
                created_at: items[0].captured_at,
            },
            items,
            artifacts: vec![],
            custody: vec![],
            packet: None,
        };
        let order = data::chronological(&report.items);
        let mut pictures = BTreeMap::new();
        pictures.insert(
            2,
            Picture::Shown {
                path: "/img/missing.jpg".into(),
                width: 100,
                height: 100,
            },
        );
        let printable = printable::printable(&report);
        let options = PacketOptions::default();
        let files = typeset::files(BTreeMap::new());
        let empty = BTreeMap::new();
        let minimal_used = std::cell::RefCell::new(None);
        let render =
            |minimal: &BTreeSet<usize>, only: Option<&BTreeSet<usize>>| -> Result<Typeset> {
                let doc = data::build(&data::Inputs {
                    printable: &printable,
                    options: &options,
                    order: &order,
                    pictures: &pictures,
                    url_qrs: &empty,
                    links: &empty,
                    minimal,
                    only,
                    qr_text: "q",
                    report_qr: None,
                    in_bundle: None,
                    generated_at: report.case.created_at,
                    receipts: &[],
                    campaigns: None,
                });
                assert_eq!(doc["items"][0]["url_link"], serde_json::Value::Null);
                let t = typeset::render(
                    serde_json::to_vec(&doc)?,
                    &files,
                    &report.report_id,
                    report.case.created_at,
                )?;
                if only.is_none() {
                    *minimal_used.borrow_mut() = Some(minimal.clone());
                }
                Ok(t)
            };
        let only_two: BTreeSet<usize> = [2].into();
        assert!(render(&BTreeSet::new(), Some(&only_two)).is_err());
        let t = match render_robustly(3, &render, |n| n.to_string()) {
            Ok(t) => t,
            Err(e) => panic!("{e}"),
        };
        assert!(t.pdf.starts_with(b"%PDF") && t.pages >= 3);
        assert_eq!(*minimal_used.borrow(), Some(only_two));
    }
}
