//! The summary page's numbers, a pure function of the items: counts by
//! kind, category, threat level, platform and location, the accounts with
//! the most items (grouped as `testigo accounts` groups them), and the
//! activity chart's bins in the chosen time zone.
//!
//! Main items: [`counts`] and [`activity`].

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Duration, NaiveDate};
use chrono_tz::Tz;
use serde_json::{Value, json};

use super::Lang;
use crate::model::{Category, ThreatLevel, account_key};
use crate::record::Item;

/// How many accounts the summary lists.
const TOP_ACCOUNTS: usize = 15;
/// Most bars in the activity chart: longer spans are counted by week, then by month.
const MAX_BARS: i64 = 62;

/// A category's label in the packet's language (from `model.rs`).
pub(super) fn category_label(c: Category, lang: Lang) -> &'static str {
    match lang {
        Lang::Es => c.label_es(),
        Lang::En => c.label_en(),
    }
}

/// A threat level's label in the packet's language (from `model.rs`).
pub(super) fn threat_label(t: ThreatLevel, lang: Lang) -> &'static str {
    match lang {
        Lang::Es => t.label_es(),
        Lang::En => t.label_en(),
    }
}

/// Groups values (case-insensitively, keeping the first spelling) and
/// counts them, most first, then by name; missing values count as `null`.
fn tally<'a>(values: impl Iterator<Item = Option<&'a str>>) -> Vec<Value> {
    let mut groups: Vec<(String, Option<String>, usize)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for v in values {
        let v = v.map(str::trim).filter(|s| !s.is_empty());
        let key = v.map(str::to_lowercase).unwrap_or_default();
        match index.get(&key) {
            Some(&i) => groups[i].2 += 1,
            None => {
                index.insert(key.clone(), groups.len());
                groups.push((key, v.map(str::to_string), 1));
            }
        }
    }
    groups.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    groups
        .into_iter()
        .map(|(_, name, count)| json!({ "name": name, "count": count }))
        .collect()
}

/// Items per day in the zone, every day of the span (zeros included); by
/// week (from Monday) or month when there would be more than [`MAX_BARS`].
pub(super) fn activity(items: &[&Item], tz: Tz) -> Value {
    let days: Vec<NaiveDate> = items
        .iter()
        .map(|i| i.when().with_timezone(&tz).date_naive())
        .collect();
    let (Some(&first), Some(&last)) = (days.iter().min(), days.iter().max()) else {
        return json!({ "unit": "day", "bins": [] });
    };
    let span = (last - first).num_days() + 1;
    let (unit, start_of): (&str, fn(NaiveDate) -> NaiveDate) = if span <= MAX_BARS {
        ("day", |d| d)
    } else if span <= MAX_BARS * 7 {
        ("week", |d| {
            d - Duration::days(i64::from(d.weekday().num_days_from_monday()))
        })
    } else {
        ("month", |d| d.with_day(1).unwrap_or(d))
    };
    let mut counts: BTreeMap<NaiveDate, usize> = BTreeMap::new();
    let mut d = start_of(first);
    while d <= last {
        counts.insert(d, 0);
        d = match unit {
            "day" => d + Duration::days(1),
            "week" => d + Duration::days(7),
            _ => d
                .checked_add_months(chrono::Months::new(1))
                .unwrap_or(NaiveDate::MAX),
        };
    }
    for day in days {
        *counts.entry(start_of(day)).or_default() += 1;
    }
    let bins: Vec<Value> = counts
        .into_iter()
        .map(|(d, count)| {
            let label = if unit == "month" {
                d.format("%Y-%m").to_string()
            } else {
                d.format("%Y-%m-%d").to_string()
            };
            json!({ "label": label, "count": count })
        })
        .collect();
    json!({ "unit": unit, "bins": bins })
}

/// The summary's tables: counts by kind, category, threat level, platform
/// and location, and the accounts with the most items.
pub(super) fn counts(items: &[&Item], files: usize, lang: Lang) -> Value {
    let mut by_category: Vec<Value> = Category::ALL
        .iter()
        .filter_map(|c| {
            let count = items.iter().filter(|i| i.categories.contains(c)).count();
            (count > 0).then(|| json!({ "name": category_label(*c, lang), "count": count }))
        })
        .collect();
    let uncategorised = items.iter().filter(|i| i.categories.is_empty()).count();
    if uncategorised > 0 {
        by_category.push(json!({ "name": null, "count": uncategorised }));
    }
    let mut by_threat: Vec<Value> = ThreatLevel::ALL
        .iter()
        .rev()
        .filter_map(|t| {
            let count = items.iter().filter(|i| i.threat_level == Some(*t)).count();
            (count > 0).then(|| json!({ "name": threat_label(*t, lang), "count": count }))
        })
        .collect();
    let unassessed = items.iter().filter(|i| i.threat_level.is_none()).count();
    if unassessed > 0 {
        by_threat.push(json!({ "name": null, "count": unassessed }));
    }
    let by_kind: Vec<Value> = ["screenshot", "file", "link", "note"]
        .iter()
        .filter_map(|k| {
            let count = items.iter().filter(|i| i.kind.as_str() == *k).count();
            (count > 0).then(|| json!({ "id": k, "count": count }))
        })
        .collect();

    // Accounts: grouped as `accounts` groups them (platform and handle,
    // without letter case or a leading @).
    let mut accounts: Vec<(String, Option<String>, Option<String>, usize)> = Vec::new();
    let mut account_index: HashMap<(String, String), usize> = HashMap::new();
    for i in items {
        let Some(handle) = i.author.as_deref().filter(|a| !a.trim().is_empty()) else {
            continue;
        };
        let key = account_key(i.platform.as_deref(), handle);
        match account_index.get(&key) {
            Some(&k) => {
                accounts[k].3 += 1;
                if accounts[k].2.is_none() {
                    accounts[k].2 = i.author_name.clone();
                }
            }
            None => {
                account_index.insert(key, accounts.len());
                accounts.push((
                    format!("@{}", handle.trim().trim_start_matches('@')),
                    i.platform.clone(),
                    i.author_name.clone(),
                    1,
                ));
            }
        }
    }
    let account_count = accounts.len();
    accounts.sort_by(|a, b| {
        b.3.cmp(&a.3)
            .then_with(|| a.0.to_lowercase().cmp(&b.0.to_lowercase()))
    });
    let top_accounts: Vec<Value> = accounts
        .into_iter()
        .take(TOP_ACCOUNTS)
        .map(|(handle, platform, name, count)| {
            json!({ "handle": handle, "platform": platform, "name": name, "count": count })
        })
        .collect();

    json!({
        "items": items.len(),
        "files": files,
        "accounts": account_count,
        "by_kind": by_kind,
        "by_category": by_category,
        "by_threat": by_threat,
        "by_platform": tally(items.iter().map(|i| i.platform.as_deref())),
        "by_state": tally(items.iter().map(|i| i.state.as_deref())),
        "top_accounts": top_accounts,
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_items::item;
    use super::*;

    #[test]
    fn the_chart_counts_every_day_of_the_span_in_the_zone() {
        let items = [
            item("A", "2024-05-01T12:00:00Z", None),
            item("B", "2024-05-04T03:00:00Z", None), // May 3rd in Mexico City
            item("C", "2024-05-04T12:00:00Z", None),
        ];
        let refs: Vec<&Item> = items.iter().collect();
        let a = activity(&refs, chrono_tz::America::Mexico_City);
        assert_eq!(a["unit"], "day");
        let counts: Vec<u64> = a["bins"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["count"].as_u64().unwrap())
            .collect();
        assert_eq!(counts, vec![1, 0, 1, 1]);
        let long = [
            item("A", "2024-01-01T12:00:00Z", None),
            item("B", "2024-12-01T12:00:00Z", None),
        ];
        let refs: Vec<&Item> = long.iter().collect();
        let a = activity(&refs, chrono_tz::UTC);
        assert_eq!(a["unit"], "week");
        assert_eq!(a["bins"][0]["label"], "2024-01-01");
    }

    #[test]
    fn tallies_ignore_letter_case_and_keep_the_first_spelling() {
        let t = tally([Some("X"), Some("x"), None, Some("TikTok")].into_iter());
        assert_eq!(t[0], json!({"name": "X", "count": 2}));
        assert_eq!(t.len(), 3);
    }
}
